"""Opening hours as values."""

from datetime import date, datetime, time

import pytest

from anticafe.venue import rules


def test_fresh_install_is_open_ten_to_eleven_every_day():
    week = rules.default_week()
    assert {(h.opens, h.closes) for h in week.values()} == {(time(10), time(23))}


@pytest.mark.parametrize(("opens", "closes", "closed", "problems"), [
    (time(10), time(23), False, []),
    (time(23), time(10), False, ["closes_before_opens"]),
    (None, time(10), False, ["required"]),
    (None, None, True, []),
])
def test_hours_problems(opens, closes, closed, problems):
    assert rules.hours_problems(opens, closes, closed) == problems


def test_is_open_at_and_within_hours():
    week = rules.default_week()
    week[6] = rules.DayHours(6, None, None, closed=True)
    saturday = date(2026, 11, 28)
    assert rules.is_open_at(week, datetime.combine(saturday, time(10)))
    assert not rules.is_open_at(week, datetime.combine(saturday, time(23)))
    assert not rules.is_open_at(week, datetime(2026, 11, 29, 12))
    assert rules.within_hours(week, datetime(2026, 11, 28, 15), datetime(2026, 11, 28, 17))
    assert not rules.within_hours(week, datetime(2026, 11, 28, 22), datetime(2026, 11, 28, 23, 30))
    assert not rules.within_hours(week, datetime(2026, 11, 29, 12), datetime(2026, 11, 29, 13))
