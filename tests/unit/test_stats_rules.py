"""Statistics rules: periods, buckets, age groups, return bands, changes and UTC offsets (no app, no database)."""

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anticafe.accounts.rules import age_on
from anticafe.stats import rules
from anticafe.stats.rules import Period, PeriodError

dates = st.dates(min_value=date(2001, 1, 1), max_value=date(2098, 12, 31))


@st.composite
def periods(draw, max_days=800):
    start = draw(dates)
    days = draw(st.integers(min_value=0, max_value=max_days))
    return Period(start, min(start + timedelta(days=days), date(2098, 12, 31)))


# ------------------------------------------------------------------------------------------------
# Reading a period


def test_parse_period_reads_both_dates():
    default = Period(date(2026, 1, 1), date(2026, 1, 31))
    assert rules.parse_period("2026-03-01", "2026-03-31", default) == Period(date(2026, 3, 1), date(2026, 3, 31))
    assert rules.parse_period(" 2026-03-01 ", "2026-03-01", default).days == 1
    assert rules.parse_period(None, "", default) == default


@pytest.mark.parametrize(("from_text", "to_text", "field", "code"), [
    ("2026-3-1", "2026-03-31", "from", "invalid_date"),
    ("2026-02-30", "2026-03-31", "from", "invalid_date"),
    ("01.03.2026", "2026-03-31", "from", "invalid_date"),
    ("2026-03-01", "tomorrow", "to", "invalid_date"),
    ("2026-03-31", "2026-03-01", "to", "before_from"),
    ("1999-12-31", "2000-01-31", "from", "out_of_range"),
    ("2001-01-01", "2026-01-01", "to", "too_long"),
    ("2026-03-01", "", "to", "required"),
    ("", "2026-03-01", "from", "required"),
])
def test_parse_period_refuses(from_text, to_text, field, code):
    with pytest.raises(PeriodError) as raised:
        rules.parse_period(from_text, to_text, Period(date(2026, 1, 1), date(2026, 1, 31)))
    assert (raised.value.field, raised.value.code) == (field, code)


@pytest.mark.parametrize(("name", "expected"), [
    ("this_month", Period(date(2026, 5, 1), date(2026, 5, 14))),
    ("last_month", Period(date(2026, 4, 1), date(2026, 4, 30))),
    ("this_quarter", Period(date(2026, 4, 1), date(2026, 5, 14))),
    ("last_quarter", Period(date(2026, 1, 1), date(2026, 3, 31))),
    ("this_year", Period(date(2026, 1, 1), date(2026, 5, 14))),
    ("last_year", Period(date(2025, 1, 1), date(2025, 12, 31))),
])
def test_presets(name, expected):
    assert rules.preset_period(name, date(2026, 5, 14)) == expected


def test_last_quarter_in_january_is_the_previous_years_last():
    assert rules.preset_period("last_quarter", date(2026, 1, 10)) == Period(date(2025, 10, 1), date(2025, 12, 31))
    assert rules.default_period(date(2026, 1, 10)) == Period(date(2025, 12, 1), date(2025, 12, 31))


# ------------------------------------------------------------------------------------------------
# The previous period of the same length


@pytest.mark.parametrize(("period", "previous"), [
    (Period(date(2026, 3, 1), date(2026, 3, 31)), Period(date(2026, 2, 1), date(2026, 2, 28))),
    (Period(date(2026, 1, 1), date(2026, 3, 31)), Period(date(2025, 10, 1), date(2025, 12, 31))),
    (Period(date(2025, 1, 1), date(2025, 12, 31)), Period(date(2024, 1, 1), date(2024, 12, 31))),
    (Period(date(2026, 3, 10), date(2026, 3, 19)), Period(date(2026, 2, 28), date(2026, 3, 9))),
    # Spans "to date" compare with the same days before: this month to date, this year to date.
    (Period(date(2026, 3, 1), date(2026, 3, 1)), Period(date(2026, 2, 1), date(2026, 2, 1))),
    (Period(date(2026, 12, 1), date(2026, 12, 4)), Period(date(2026, 11, 1), date(2026, 11, 4))),
    (Period(date(2026, 1, 1), date(2026, 12, 4)), Period(date(2025, 1, 1), date(2025, 12, 4))),
    (Period(date(2026, 3, 1), date(2026, 3, 30)), Period(date(2026, 2, 1), date(2026, 2, 28))),
])
def test_previous_period(period, previous):
    assert period.previous() == previous


@given(periods())
def test_previous_period_ends_the_day_before_and_has_the_same_length(period):
    previous = period.previous()
    if period.start.day == 1 and not period.whole_months:  # a span "to date": the same days months before
        months = rules.months_between(period.start, period.end)
        assert previous.start == rules.add_months(period.start, -months)
        assert previous.end < period.start
        assert previous.end.day == min(period.end.day, rules.month_end(previous.end).day)
        return
    assert previous.end + timedelta(days=1) == period.start
    if period.whole_months:
        assert previous.whole_months
        assert rules.months_between(previous.start, previous.end) == rules.months_between(period.start, period.end)
    else:
        assert previous.days == period.days


# ------------------------------------------------------------------------------------------------
# Buckets


def test_month_and_week_buckets_are_clipped_to_the_period():
    period = Period(date(2026, 1, 28), date(2026, 3, 3))
    assert [(b.key, b.start, b.end) for b in rules.month_buckets(period)] == [
        ("2026-01", date(2026, 1, 28), date(2026, 1, 31)),
        ("2026-02", date(2026, 2, 1), date(2026, 2, 28)),
        ("2026-03", date(2026, 3, 1), date(2026, 3, 3))]
    weeks = rules.week_buckets(period)
    assert weeks[0].key == "2026-01-26" and weeks[0].start == date(2026, 1, 28) and weeks[0].end == date(2026, 2, 1)
    assert weeks[-1].key == "2026-03-02" and weeks[-1].end == date(2026, 3, 3)


@given(periods(), st.sampled_from(["month", "week"]))
def test_buckets_cover_the_period_day_by_day(period, grain):
    buckets = rules.series_buckets(period, grain)
    assert buckets[0].start == period.start and buckets[-1].end == period.end
    for before, after in itertools.pairwise(buckets):
        assert before.end + timedelta(days=1) == after.start
    assert len({b.key for b in buckets}) == len(buckets)
    key = rules.month_key if grain == "month" else rules.week_key
    for bucket in buckets:
        assert key(bucket.start) == key(bucket.end) == bucket.key


def test_series_grain():
    assert rules.series_grain(Period(date(2026, 1, 1), date(2026, 3, 31))) == "week"
    assert rules.series_grain(Period(date(2026, 1, 1), date(2026, 12, 31))) == "month"


# ------------------------------------------------------------------------------------------------
# Ages


@pytest.mark.parametrize(("age", "group"), [
    (None, "unknown"), (0, "under_14"), (13, "under_14"), (14, "14_17"), (17, "14_17"), (18, "18_24"),
    (24, "18_24"), (25, "25_35"), (35, "25_35"), (36, "over_35"), (90, "over_35"),
])
def test_age_groups(age, group):
    assert rules.age_group(age) == group


def test_youth_groups_are_14_to_35():
    assert rules.YOUTH_GROUPS == ("14_17", "18_24", "25_35")


@given(st.dates(min_value=date(1920, 1, 1), max_value=date(2090, 12, 31)),
       st.dates(min_value=date(1920, 1, 1), max_value=date(2090, 12, 31)))
def test_age_from_date_numbers_is_the_age_on_that_day(birth, day):
    if day >= birth:
        assert rules.age_from_date_numbers(rules.date_number(day), rules.date_number(birth)) == age_on(birth, day)


@pytest.mark.parametrize(("birth", "day", "age"), [
    (date(2007, 1, 20), date(2025, 1, 19), 17),
    (date(2007, 1, 20), date(2025, 1, 20), 18),
    (date(2008, 2, 29), date(2026, 2, 28), 17),
    (date(2008, 2, 29), date(2026, 3, 1), 18),
])
def test_turning_eighteen(birth, day, age):
    assert rules.age_from_date_numbers(rules.date_number(day), rules.date_number(birth)) == age


# ------------------------------------------------------------------------------------------------
# How often people come, rates and changes


@pytest.mark.parametrize(("current", "previous", "change"), [
    (110, 100, 10.0), (50, 100, -50.0), (100, 100, 0.0), (1, 3, -66.7), (2, 3, -33.3), (5, 0, None),
    (0, 0, None), (7, 8, -12.5), (9, 8, 12.5),
])
def test_percent_change(current, previous, change):
    assert rules.percent_change(current, previous) == change


def test_rates_and_points():
    assert rules.rate(1, 3) == 33.3
    assert rules.rate(2, 3) == 66.7
    assert rules.rate(0, 0) is None
    assert rules.point_change(28.6, 25.0) == 3.6
    assert rules.point_change(None, 25.0) is None
    assert rules.hours(5400) == 1.5
    assert rules.hours(22500) == 6.3
    assert rules.hours(22500, 2) == 6.25


@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=1, max_value=10**6))
def test_change_has_the_sign_of_the_difference(current, previous):
    change = rules.percent_change(current, previous)
    assert change is not None
    assert (change > 0) == (current > previous) or abs(change) < 0.05
    assert rules.percent_change(previous, previous) == 0


@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=1, max_value=10**6))
def test_rate_is_a_rounded_percentage(part, whole):
    assert abs(rules.rate(part, whole) - part * 100 / whole) <= 0.05 + 1e-9


# ------------------------------------------------------------------------------------------------
# The heatmap


@given(st.lists(st.tuples(st.integers(1, 7), st.integers(0, 23), st.integers(0, 23)), max_size=40))
def test_presence_from_changes_counts_the_stays_under_way(stays):
    changes: dict = {}
    expected: dict = {}
    for weekday, first, length in stays:
        last = min(23, first + length)
        changes[(weekday, first)] = changes.get((weekday, first), 0) + 1
        if last < 23:
            changes[(weekday, last + 1)] = changes.get((weekday, last + 1), 0) - 1
        for hour in range(first, last + 1):
            expected[(weekday, hour)] = expected.get((weekday, hour), 0) + 1
    present = rules.presence_from_changes(changes)
    assert all(present[slot] == expected.get(slot, 0) for slot in present)
    assert len(present) == 7 * 24


def test_heat_levels():
    assert rules.heat_level(0, 10) == 0
    assert rules.heat_level(1, 100) == 1
    assert rules.heat_level(100, 100) == 5
    assert rules.heat_level(50, 100) == 3


# ------------------------------------------------------------------------------------------------
# The venue's UTC offset over a period


def test_a_zone_without_daylight_saving_has_one_offset():
    zone = ZoneInfo("Asia/Yekaterinburg")
    start, end = Period(date(2025, 1, 1), date(2025, 12, 31)).utc_bounds(zone)
    assert start == datetime(2024, 12, 31, 19, 0, tzinfo=UTC)
    assert rules.offset_segments(start, end, zone) == [(None, 300)]


def test_daylight_saving_changes_are_found_to_the_minute():
    zone = ZoneInfo("Europe/Berlin")
    start, end = Period(date(2025, 3, 1), date(2025, 10, 31)).utc_bounds(zone)
    assert rules.offset_segments(start, end, zone) == [
        (datetime(2025, 3, 30, 1, 0, tzinfo=UTC), 60),
        (datetime(2025, 10, 26, 1, 0, tzinfo=UTC), 120),
        (None, 60)]


@given(periods(max_days=400), st.floats(min_value=0, max_value=1), st.sampled_from(
    ["Europe/Berlin", "America/New_York", "Asia/Yekaterinburg", "Australia/Sydney"]))
def test_segments_give_the_zones_offset_at_every_instant(period, fraction, name):
    zone = ZoneInfo(name)
    start, end = period.utc_bounds(zone)
    moment = start + (end - start) * fraction
    moment = min(moment.replace(second=0, microsecond=0), end - timedelta(minutes=1))
    for until, minutes in rules.offset_segments(start, end, zone):
        if until is None or moment < until:
            assert minutes * 60 == moment.astimezone(zone).utcoffset().total_seconds()
            break


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
def test_month_numbers_order_as_months_and_step_with_add_months(day):
    number = rules.month_number(day)
    assert number == int(day.strftime("%Y%m"))
    assert rules.month_number(rules.add_months(day, 1)) > number
    assert rules.month_number(rules.add_months(day, 1) - timedelta(days=1)) == number
