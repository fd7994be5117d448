"""Sign-up rules: ages, guardians, phones, passwords."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anticafe.accounts import rules


@pytest.mark.parametrize(("birth", "day", "age"), [
    (date(2010, 5, 17), date(2024, 5, 16), 13),
    (date(2010, 5, 17), date(2024, 5, 17), 14),
    (date(2008, 2, 29), date(2026, 2, 28), 17),
    (date(2008, 2, 29), date(2026, 3, 1), 18),
    (date(2000, 12, 31), date(2001, 1, 1), 0),
])
def test_age_on(birth, day, age):
    assert rules.age_on(birth, day) == age


@given(st.dates(min_value=date(1920, 1, 1), max_value=date(2030, 1, 1)),
       st.dates(min_value=date(1920, 1, 1), max_value=date(2030, 1, 1)))
def test_age_never_decreases_with_time(birth, day):
    if day >= birth:
        assert rules.age_on(birth, day) >= 0
        assert rules.age_on(birth, day.replace(year=min(day.year + 1, 9999)) if not (day.month == 2 and day.day == 29)
                            else day) >= rules.age_on(birth, day)


@pytest.mark.parametrize(("raw", "expected"), [
    ("+7 912 345-67-89", "+79123456789"),
    ("8 (912) 345 67 89", "+79123456789"),
    ("9123456789", "+79123456789"),
    ("", ""),
    (None, ""),
    ("12ab", None),
    ("+1234", None),
])
def test_normalize_phone(raw, expected):
    assert rules.normalize_phone(raw) == expected


def test_young_visitor_needs_guardian():
    today = date(2026, 11, 25)
    problems = rules.profile_problems(name="Вика", birth_date=date(2014, 1, 1), phone=None, guardian_name="",
                                      guardian_phone=None, today=today)
    assert problems == {"guardian_name": ["guardian_required"], "guardian_phone": ["guardian_required"]}


def test_fourteen_year_old_needs_no_guardian():
    today = date(2026, 11, 25)
    assert rules.profile_problems(name="Вика", birth_date=date(2012, 11, 25), phone="+79123456789",
                                  guardian_name=None, guardian_phone=None, today=today) == {}


def test_birth_date_in_future_and_missing_name():
    problems = rules.profile_problems(name=" ", birth_date=date(2030, 1, 1), phone="abc", guardian_name=None,
                                      guardian_phone=None, today=date(2026, 1, 1))
    assert problems == {"name": ["required"], "birth_date": ["in_future"], "phone": ["invalid_phone"]}


def test_password_rules():
    assert rules.password_problems("short", "short") == {"password": ["too_short"]}
    assert rules.password_problems("long enough", "other one") == {"password2": ["mismatch"]}
    assert rules.password_problems("long enough", "long enough") == {}


@pytest.mark.parametrize("password, problem", [
    ("        ", "too_short"),          # eight spaces
    ("   abc   ", "too_short"),         # spaces do not make it longer
    ("12345678", "too_common"),
    ("qwerty123", "too_common"),
    ("Password1", "too_common"),       # the list is compared lower-case
    ("aaaaaaaaaaaa", "too_common"),    # fewer than 4 different characters
    ("abababababab", "too_common"),
    ("Marina2009", "personal"),        # the name and digits
    ("marina.orlova@mail.example", "personal"),  # the email itself
    ("orlova!!", "personal"),          # the surname and too little else
])
def test_weak_passwords(password, problem):
    found = rules.password_problems(password, name="Марина Marina Orlova", email="marina.orlova@mail.example")
    assert found == {"password": [problem]}


@pytest.mark.parametrize("password", ["kotik-na-okne-7", "Marina-lubit-gory", "зелёный чай с мятой"])
def test_passwords_that_pass(password):
    assert rules.password_problems(password, password, name="Marina Orlova", email="marina.orlova@mail.example") == {}


def test_the_common_list_is_large_and_exactly_zxcvbns():
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # read from its one line; here the package itself

    assert len(rules.COMMON_PASSWORDS) >= 30000 and "12345678" in rules.COMMON_PASSWORDS
    assert rules.COMMON_PASSWORDS == frozenset(FREQUENCY_LISTS["passwords"])


@pytest.mark.parametrize("birth, locked", [
    (date(2013, 1, 2), True),    # 13 on 1 January 2027
    (date(2013, 1, 1), False),   # 14 that day
    (date(2000, 1, 1), False),
    (None, False),
    (date(2030, 1, 1), False),   # a date in the future is a typo the rules catch elsewhere
])
def test_a_minor_s_details_are_locked(birth, locked):
    assert rules.locked_for_self(birth, date(2027, 1, 1)) is locked
