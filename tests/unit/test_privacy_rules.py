"""The facts an erasure keeps: an age group stands in for the birth date without moving any figure."""

from hypothesis import given
from hypothesis import strategies as st

from anticafe.stats import rules


@given(st.integers(min_value=0, max_value=130))
def test_an_age_group_counts_like_the_age_it_replaces(age):
    key = rules.age_group(age)
    kept = rules.band_age(key)
    assert rules.age_group(kept) == key
    assert (rules.YOUTH_LOW <= kept <= rules.YOUTH_HIGH) == (rules.YOUTH_LOW <= age <= rules.YOUTH_HIGH)


def test_every_group_has_a_first_age():
    assert [rules.band_age(g.key) for g in rules.AGE_GROUPS] == [0, 14, 18, 25, 36]
