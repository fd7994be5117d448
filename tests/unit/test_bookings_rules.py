"""Booking rules as values: the grid, overlaps with the buffer, validation, cut-off, release, repeats, price."""

import itertools
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anticafe.bookings import rules
from anticafe.venue.rules import DayHours, default_week

SATURDAY = date(2026, 11, 28)
OPEN = DayHours(5, time(10), time(23))
BUFFER = timedelta(minutes=15)


def at(hour: int, minute: int = 0, day: date = SATURDAY) -> datetime:
    return datetime.combine(day, time(hour, minute))


def span(h1, m1, h2, m2) -> rules.Interval:
    return rules.Interval(at(h1, m1), at(h2, m2))


# ------------------------------------------------------------------------------------------------
# Overlaps

@pytest.mark.parametrize(("a", "b", "gap", "expected"), [
    (span(15, 0, 17, 0), span(17, 0, 18, 0), timedelta(0), False),   # touching is fine without a buffer
    (span(15, 0, 17, 0), span(17, 0, 18, 0), BUFFER, True),          # ...but not with one
    (span(15, 0, 17, 0), span(17, 15, 18, 0), BUFFER, False),        # exactly the buffer apart
    (span(15, 0, 17, 0), span(17, 14, 18, 0), BUFFER, True),         # a minute short
    (span(15, 0, 17, 0), span(13, 0, 14, 45), BUFFER, False),        # before, with the buffer
    (span(15, 0, 17, 0), span(13, 0, 14, 46), BUFFER, True),
    (span(15, 0, 17, 0), span(15, 30, 16, 0), timedelta(0), True),   # inside
    (span(15, 0, 17, 0), span(14, 0, 18, 0), timedelta(0), True),    # around
])
def test_overlaps(a, b, gap, expected):
    assert rules.overlaps(a, b, gap) is expected
    assert rules.overlaps(b, a, gap) is expected


def test_closures_have_no_buffer():
    closure = span(10, 0, 14, 0)
    assert not rules.conflicts(span(14, 0, 15, 0), [], [closure], BUFFER)
    assert rules.conflicts(span(13, 30, 15, 0), [], [closure], BUFFER)
    assert rules.conflicts(span(14, 0, 15, 0), [closure], [], BUFFER)


# ------------------------------------------------------------------------------------------------
# The grid

def test_grid_of_a_normal_day():
    slots = rules.grid_slots(SATURDAY, OPEN, 30)
    assert slots[0] == span(10, 0, 10, 30)
    assert slots[-1] == span(22, 30, 23, 0)
    assert len(slots) == 26


@pytest.mark.parametrize(("opens", "closes", "slot", "first", "last_end", "count"), [
    (time(10, 15), time(23), 30, time(10, 30), time(23), 25),   # the grid counts from midnight
    (time(10), time(22, 45), 30, time(10), time(22, 30), 25),    # a half slot at closing is dropped
    (time(10), time(11), 60, time(10), time(11), 1),
    (time(10), time(10, 20), 30, None, None, 0),                 # shorter than one slot
    (time(9), time(12), 15, time(9), time(12), 12),
])
def test_grid_edges(opens, closes, slot, first, last_end, count):
    slots = rules.grid_slots(SATURDAY, DayHours(5, opens, closes), slot)
    assert len(slots) == count
    if count:
        assert slots[0].start.time() == first
        assert slots[-1].end.time() == last_end


def test_closed_day_has_no_slots():
    assert rules.grid_slots(SATURDAY, DayHours(5, None, None, closed=True), 30) == []
    assert rules.day_availability(SATURDAY, DayHours(5, None, None, closed=True), 30) == []


def test_availability_keeps_the_buffer_around_a_booking():
    slots = rules.day_availability(SATURDAY, OPEN, 30, busy=[span(15, 0, 17, 0)], buffer=BUFFER)
    taken = [s.start.time() for s in slots if not s.free]
    # 14:30 would end at 15:00 — closer than 15 minutes; 17:00 would start right at the end.
    assert taken == [time(14, 30), time(15), time(15, 30), time(16), time(16, 30), time(17)]


def test_availability_hides_the_past_and_closures():
    slots = rules.day_availability(SATURDAY, OPEN, 30, blocked=[span(18, 0, 23, 0)], now=at(12, 10))
    free = [s.start.time() for s in slots if s.free]
    assert free[0] == time(12, 30)
    assert free[-1] == time(17, 30)


def test_free_ends_follow_consecutive_free_slots():
    slots = rules.day_availability(SATURDAY, DayHours(5, time(10), time(13)), 30, busy=[span(11, 30, 12, 0)])
    ends = rules.free_ends(slots)
    # Without a buffer only 11:30 itself is taken: 11:00–11:30 and 12:00–12:30 touch it and stay free.
    assert ends[at(10)] == [at(10, 30), at(11), at(11, 30)]
    assert ends[at(11)] == [at(11, 30)]
    assert at(11, 30) not in ends
    assert ends[at(12)] == [at(12, 30), at(13)]


# ------------------------------------------------------------------------------------------------
# Validation

@pytest.mark.parametrize(("start", "end", "party", "capacity", "problems"), [
    (at(15), at(17), 8, 12, {}),
    (at(17), at(15), 8, 12, {"ends_at": ["ends_before_start"]}),
    (at(15), at(15), 8, 12, {"ends_at": ["ends_before_start"]}),
    (at(15, 10), at(17), 8, 12, {"starts_at": ["off_grid"]}),
    (at(15), at(16, 45), 8, 12, {"ends_at": ["off_grid"]}),
    (at(15), at(17), 13, 12, {"party_size": ["party_too_large"]}),
    (at(15), at(17), 12, 12, {}),
    (at(15), at(17), 0, 12, {"party_size": ["party_too_small"]}),
    (at(15).replace(second=30), at(17), 2, 12, {"starts_at": ["off_grid"]}),
])
def test_booking_problems(start, end, party, capacity, problems):
    assert rules.booking_problems(start, end, slot_minutes=30, party_size=party, capacity=capacity) == problems


@pytest.mark.parametrize(("start", "end", "inside"), [
    (at(10), at(12), True),
    (at(21), at(23), True),
    (at(9, 30), at(11), False),
    (at(22), at(23, 30), False),
    (at(22), datetime.combine(SATURDAY + timedelta(days=1), time(1)), False),
])
def test_inside_opening_hours(start, end, inside):
    assert rules.inside_opening_hours(default_week(), start, end) is inside


# ------------------------------------------------------------------------------------------------
# Cut-off, release, repeats, price

@pytest.mark.parametrize(("now", "allowed"), [
    (at(12, 0), True),
    (at(13, 0), True),       # exactly two hours before
    (at(13, 1), False),
    (at(16, 0), False),
])
def test_cancel_cutoff(now, allowed):
    assert rules.can_cancel(at(15), now, timedelta(hours=2)) is allowed


@pytest.mark.parametrize(("status", "now", "release"), [
    ("confirmed", at(15, 14), False),
    ("confirmed", at(15, 15), True),
    ("confirmed", at(18), True),
    ("checked_in", at(16), False),
    ("requested", at(16), False),
    ("cancelled", at(16), False),
])
def test_should_release(status, now, release):
    assert rules.should_release(status, at(15), now, timedelta(minutes=15)) is release


def test_weekly_dates():
    tuesday = date(2026, 12, 1)
    dates = rules.weekly_dates(tuesday, 4)
    assert dates == [date(2026, 12, 1), date(2026, 12, 8), date(2026, 12, 15), date(2026, 12, 22)]
    assert rules.weekly_dates(tuesday, 0) == [tuesday]
    assert len(rules.weekly_dates(tuesday, 1000)) == rules.MAX_REPEAT_WEEKS


@pytest.mark.parametrize(("price", "minutes", "amount"), [
    ("500.00", 120, "1000.00"),
    ("500.00", 90, "750.00"),
    ("333.33", 30, "166.67"),     # half up to the kopeck
    ("0.00", 60, "0.00"),
    ("450.50", 60, "450.50"),
])
def test_price_for(price, minutes, amount):
    assert rules.price_for(Decimal(price), at(15), at(15) + timedelta(minutes=minutes)) == Decimal(amount)


def test_label_slots_names_the_holder_and_the_buffer():
    slots = rules.grid_slots(SATURDAY, DayHours(5, time(14), time(18)), 30)
    cells = rules.label_slots(slots, [(span(15, 0, 16, 0), "birthday")], [(span(17, 0, 18, 0), "closed")],
                              buffer=BUFFER, now=at(14, 10))
    states = [(c.start.time(), c.state, c.occupant) for c in cells]
    assert states == [
        (time(14), "past", None), (time(14, 30), "buffer", None), (time(15), "busy", "birthday"),
        (time(15, 30), "busy", "birthday"), (time(16), "buffer", None), (time(16, 30), "free", None),
        (time(17), "busy", "closed"), (time(17, 30), "busy", "closed")]


# ------------------------------------------------------------------------------------------------
# Properties

minutes_of_day = st.integers(min_value=0, max_value=24 * 60 - 1)


@st.composite
def intervals(draw):
    start = draw(st.integers(min_value=8 * 60, max_value=23 * 60))
    length = draw(st.integers(min_value=1, max_value=6 * 60))
    base = datetime.combine(SATURDAY, time(0))
    return rules.Interval(base + timedelta(minutes=start), base + timedelta(minutes=start + length))


@st.composite
def opening(draw):
    opens = draw(st.integers(min_value=6 * 60, max_value=14 * 60))
    closes = draw(st.integers(min_value=opens + 1, max_value=23 * 60 + 59))
    return DayHours(5, time(opens // 60, opens % 60), time(closes // 60, closes % 60))


@settings(max_examples=300, deadline=None)
@given(hours=opening(), slot=st.sampled_from([15, 30, 60]), busy=st.lists(intervals(), max_size=5),
       blocked=st.lists(intervals(), max_size=3), buffer=st.integers(min_value=0, max_value=45))
def test_free_slots_never_touch_busy_time_plus_buffer(hours, slot, busy, blocked, buffer):
    gap = timedelta(minutes=buffer)
    slots = rules.day_availability(SATURDAY, hours, slot, busy=busy, blocked=blocked, buffer=gap)
    for s in slots:
        cell = rules.Interval(s.start, s.end)
        clashes = any(rules.overlaps(cell, b, gap) for b in busy) or any(rules.overlaps(cell, b) for b in blocked)
        assert s.free is not clashes  # free exactly when nothing (with its buffer) is in the way


@settings(max_examples=200, deadline=None)
@given(hours=opening(), slot=st.sampled_from([15, 30, 60]))
def test_grid_lies_inside_the_hours_on_the_grid_without_gaps(hours, slot):
    slots = rules.grid_slots(SATURDAY, hours, slot)
    week = {5: hours}
    for a, b in itertools.pairwise(slots):
        assert a.end == b.start
    for s in slots:
        assert rules.on_grid(s.start, slot) and rules.on_grid(s.end, slot)
        assert rules.inside_opening_hours(week, s.start, s.end)


@settings(max_examples=200, deadline=None)
@given(hours=opening(), busy=st.lists(intervals(), max_size=5), buffer=st.integers(min_value=0, max_value=30))
def test_every_offered_range_is_bookable(hours, busy, buffer):
    """Whatever start and end the form offers, the whole range is free of busy time plus buffer."""
    gap = timedelta(minutes=buffer)
    slots = rules.day_availability(SATURDAY, hours, 30, busy=busy, buffer=gap)
    for start, ends in rules.free_ends(slots).items():
        for end in ends:
            assert not rules.conflicts(rules.Interval(start, end), busy, (), gap)
            assert rules.inside_opening_hours({5: hours}, start, end)


@given(a=intervals(), b=intervals(), buffer=st.integers(min_value=0, max_value=60))
def test_overlap_is_symmetric_and_grows_with_the_buffer(a, b, buffer):
    gap = timedelta(minutes=buffer)
    assert rules.overlaps(a, b, gap) == rules.overlaps(b, a, gap)
    if rules.overlaps(a, b):
        assert rules.overlaps(a, b, gap)


@given(first=st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31)),
       weeks=st.integers(min_value=1, max_value=60))
def test_weekly_dates_keep_the_weekday(first, weeks):
    dates = rules.weekly_dates(first, weeks)
    assert len(dates) == min(weeks, rules.MAX_REPEAT_WEEKS)
    assert {d.weekday() for d in dates} == {first.weekday()}
    assert all((b - a).days == 7 for a, b in itertools.pairwise(dates))


@given(price=st.decimals(min_value=0, max_value=10000, places=2), a=st.integers(0, 600), b=st.integers(0, 600))
def test_price_never_negative_and_grows_with_time(price, a, b):
    short, long = sorted((a, b))
    start = at(10)
    assert rules.price_for(price, start, start + timedelta(minutes=short)) >= 0
    assert (rules.price_for(price, start, start + timedelta(minutes=short))
            <= rules.price_for(price, start, start + timedelta(minutes=long)))
