"""Recurrence rules of event series: pure values, parametrized cases and Hypothesis properties."""

from datetime import date, datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anticafe.events.recurrence import (
    MAX_INTERVAL_WEEKS,
    MAX_OCCURRENCES,
    SeriesRule,
    occurrences,
    rule_problems,
    shifted,
    split_rule,
)

FRIDAY = datetime(2026, 3, 6, 19, 0)


@pytest.mark.parametrize(("rule", "expected"), [
    (SeriesRule(1, count=4), [date(2026, 3, 6), date(2026, 3, 13), date(2026, 3, 20), date(2026, 3, 27)]),
    (SeriesRule(2, count=3), [date(2026, 3, 6), date(2026, 3, 20), date(2026, 4, 3)]),
    (SeriesRule(1, until=date(2026, 3, 20)), [date(2026, 3, 6), date(2026, 3, 13), date(2026, 3, 20)]),
    (SeriesRule(1, until=date(2026, 3, 19)), [date(2026, 3, 6), date(2026, 3, 13)]),
    (SeriesRule(3, until=date(2026, 4, 30)), [date(2026, 3, 6), date(2026, 3, 27), date(2026, 4, 17)]),
])
def test_occurrences(rule, expected):
    found = occurrences(FRIDAY, rule)
    assert [d.date() for d in found] == expected
    assert all(d.time() == FRIDAY.time() for d in found)


def test_series_crosses_the_new_year_and_a_leap_day():
    found = occurrences(datetime(2027, 12, 24, 12), SeriesRule(1, count=3))
    assert [d.date() for d in found] == [date(2027, 12, 24), date(2027, 12, 31), date(2028, 1, 7)]
    leap = occurrences(datetime(2028, 2, 22, 18), SeriesRule(1, count=2))
    assert leap[1].date() == date(2028, 2, 29)


@pytest.mark.parametrize(("rule", "problems"), [
    (SeriesRule(1, count=5), {}),
    (SeriesRule(1, until=date(2026, 6, 1)), {}),
    (SeriesRule(0, count=5), {"interval_weeks": ["interval_range"]}),
    (SeriesRule(MAX_INTERVAL_WEEKS + 1, count=5), {"interval_weeks": ["interval_range"]}),
    (SeriesRule(1), {"until": ["end_required"]}),
    (SeriesRule(1, until=date(2026, 6, 1), count=5), {"count": ["one_end_only"]}),
    (SeriesRule(1, count=1), {"count": ["count_range"]}),
    (SeriesRule(1, count=MAX_OCCURRENCES + 1), {"count": ["count_range"]}),
    (SeriesRule(1, until=date(2026, 3, 6)), {"until": ["until_not_after_start"]}),
    (SeriesRule(1, until=date(2026, 3, 1)), {"until": ["until_not_after_start"]}),
    (SeriesRule(1, until=date(2028, 3, 6)), {"until": ["too_many"]}),
])
def test_rule_problems(rule, problems):
    assert rule_problems(rule, date(2026, 3, 6)) == problems


def test_shift_moves_the_way_the_edited_one_moved():
    edited_old, edited_new = datetime(2026, 3, 6, 19), datetime(2026, 3, 7, 18, 30)  # Friday 19:00 -> Sat 18:30
    assert shifted(datetime(2026, 3, 20, 19), edited_old, edited_new) == datetime(2026, 3, 21, 18, 30)


def test_split_keeps_the_kind_of_end():
    before = [date(2026, 3, 6), date(2026, 3, 13)]
    after = [date(2026, 3, 20), date(2026, 3, 27), date(2026, 4, 3)]
    assert split_rule(SeriesRule(1, count=5), before, after) == (SeriesRule(1, count=2), SeriesRule(1, count=3))
    assert split_rule(SeriesRule(1, until=date(2026, 4, 5)), before, after) == (
        SeriesRule(1, until=date(2026, 3, 13)), SeriesRule(1, until=date(2026, 4, 3)))


starts = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31)).map(
    lambda d: d.replace(second=0, microsecond=0))
intervals = st.integers(min_value=1, max_value=MAX_INTERVAL_WEEKS)


@given(first=starts, interval=intervals, count=st.integers(min_value=2, max_value=MAX_OCCURRENCES))
def test_count_rule_makes_exactly_count_events_a_fixed_step_apart(first, interval, count):
    rule = SeriesRule(interval, count=count)
    assert rule_problems(rule, first.date()) == {}
    found = occurrences(first, rule)
    assert len(found) == count
    assert found[0] == first
    assert all(b - a == timedelta(weeks=interval) for a, b in pairwise(found))
    assert {d.weekday() for d in found} == {first.weekday()}
    assert {d.time() for d in found} == {first.time()}


@given(first=starts, interval=intervals, days=st.integers(min_value=1, max_value=400))
def test_until_rule_never_passes_the_date_and_misses_nothing(first, interval, days):
    rule = SeriesRule(interval, until=first.date() + timedelta(days=days))
    if rule_problems(rule, first.date()):
        assert len(range(0, days + 1, 7 * interval)) > MAX_OCCURRENCES
        return
    found = occurrences(first, rule)
    assert found[0] == first
    assert found[-1].date() <= rule.until
    # the next step would pass the last date
    assert (found[-1] + timedelta(weeks=interval)).date() > rule.until
    assert len(found) <= MAX_OCCURRENCES


@given(first=starts, interval=intervals, count=st.integers(min_value=2, max_value=MAX_OCCURRENCES),
       cut=st.integers(min_value=1, max_value=MAX_OCCURRENCES - 1), by_count=st.booleans())
def test_split_parts_rebuild_the_same_dates(first, interval, count, cut, by_count):
    rule = SeriesRule(interval, count=count)
    found = [d.date() for d in occurrences(first, rule)]
    cut = min(cut, count - 1)
    before, after = found[:cut], found[cut:]
    original = rule if by_count else SeriesRule(interval, until=found[-1])
    head, tail = split_rule(original, before, after)
    assert [d.date() for d in occurrences(first, head)] == before
    tail_start = datetime.combine(after[0], first.time())
    assert [d.date() for d in occurrences(tail_start, tail)] == after
