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
