"""Typeable random codes."""

import math

from hypothesis import given
from hypothesis import strategies as st

from anticafe import codes


def test_random_code_has_enough_entropy_and_no_lookalikes():
    code = codes.random_code(128)
    assert len(code) * math.log2(len(codes.ALPHABET)) >= 128
    assert not set(code) & set("0O1IL")


def test_codes_differ():
    assert len({codes.random_code(64) for _ in range(1000)}) == 1000


@given(st.text(alphabet=codes.ALPHABET, min_size=1, max_size=40))
def test_grouped_lowercase_code_normalizes_back(code):
    assert codes.normalize(codes.group(code).lower()) == code


def test_normalize_refuses_ambiguous_characters():
    assert codes.normalize("AB0C") is None
    assert codes.normalize("") is None
    assert codes.normalize(" ab-cd ") == "ABCD"
