"""The Russian catalogs: complete, and one translation per message across the domains' catalogs."""

import pytest

from anticafe import translations_cli as catalogs


@pytest.mark.parametrize("domain", [None, *catalogs.domains()])
def test_every_string_has_a_russian_translation(domain):
    assert catalogs.missing(domain) == []


def test_catalogs_agree_on_shared_messages():
    # The app merges every catalog, so a message translated two ways would show either at random.
    assert catalogs.conflicts() == {}
