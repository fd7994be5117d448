"""Registration rules without an app: windows, ages, seats, the waitlist, cancellation, reminders."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anticafe.registrations import rules
from anticafe.registrations.rules import EventFacts, Refusal

START = datetime(2026, 12, 4, 14, 0, tzinfo=UTC)  # 19:00 at the venue
END = START + timedelta(hours=3)


def facts(**changes) -> EventFacts:
    return EventFacts(**{"starts_at": START, "ends_at": END, **changes})


@pytest.mark.parametrize("event, now, staff, expected", [
    (facts(), START - timedelta(days=3), False, None),
    (facts(), START - timedelta(seconds=1), False, None),
    (facts(), START, False, Refusal.CLOSED),
    (facts(), START, True, None),  # staff: walk-ins during the event
    (facts(), END, True, Refusal.EVENT_OVER),
    (facts(cancelled=True), START - timedelta(days=1), True, Refusal.EVENT_CANCELLED),
    (facts(published=False), START - timedelta(days=1), True, Refusal.NOT_PUBLISHED),
    (facts(registration_opens_at=START - timedelta(days=2)), START - timedelta(days=3), False, Refusal.NOT_OPEN_YET),
    (facts(registration_opens_at=START - timedelta(days=2)), START - timedelta(days=2), False, None),
    (facts(registration_closes_at=START - timedelta(hours=2)), START - timedelta(hours=2), False, Refusal.CLOSED),
    (facts(registration_closes_at=START - timedelta(hours=2)), START - timedelta(hours=3), False, None),
])
def test_window(event, now, staff, expected):
    assert rules.window_refusal(event, now, staff=staff) is expected


@pytest.mark.parametrize("birth, limits, expected", [
    (date(2012, 12, 4), (14, None), None),  # turns 14 on the event's day
    (date(2012, 12, 5), (14, None), Refusal.TOO_YOUNG),
    (date(2010, 12, 4), (None, 15), Refusal.TOO_OLD),
    (date(2010, 12, 5), (None, 15), None),
    (None, (12, 18), Refusal.BIRTH_DATE_REQUIRED),
    (None, (None, None), None),
    (date(2016, 1, 1), (None, None), None),
])
def test_age_on_the_event_day(birth, limits, expected):
    day = date(2026, 12, 4)
    assert rules.age_refusal(birth, day, *limits) is expected


def test_window_refusal_comes_before_age():
    refusal = rules.registration_refusal(facts(cancelled=True, min_age=18), birth_date=date(2015, 1, 1),
                                         event_day=date(2026, 12, 4), now=START - timedelta(days=1))
    assert refusal is Refusal.EVENT_CANCELLED
    assert rules.API_CODES[Refusal.TOO_YOUNG] == "age_restricted"
    assert set(rules.API_CODES.values()) == {"event_cancelled", "registration_closed", "age_restricted"}


@pytest.mark.parametrize("capacity, confirmed, waiting, seats, fill", [
    (None, 100, 5, None, 5),
    (10, 10, 5, 0, 0),
    (10, 7, 5, 3, 3),
    (10, 7, 1, 3, 1),
    (0, 0, 3, 0, 0),
    (5, 8, 2, 0, 0),  # over capacity after a door override: nobody more
])
def test_seats(capacity, confirmed, waiting, seats, fill):
    assert rules.free_seats(capacity, confirmed) == seats
    assert rules.seats_to_fill(capacity, confirmed, waiting) == fill
    assert rules.has_seat(capacity, confirmed) is (seats is None or seats > 0)


@given(st.lists(st.tuples(st.integers(1, 10_000), st.one_of(st.none(), st.integers(1, 50))), unique_by=lambda t: t[0]))
def test_renumber_gives_one_to_n_in_queue_order(queue):
    changes = rules.renumber(queue)
    final = {rid: changes.get(rid, position) for rid, position in queue}
    assert sorted(final.values()) == list(range(1, len(queue) + 1))
    # Relative order is kept: whoever stood ahead stays ahead.
    key = {rid: (position is None, position or 0, rid) for rid, position in queue}
    ordered = sorted(final, key=key.get)
    assert [final[rid] for rid in ordered] == list(range(1, len(queue) + 1))
    # Only real changes are reported.
    assert all(changes[rid] != position for rid, position in queue if rid in changes)


@given(st.integers(0, 50), st.integers(0, 60), st.integers(0, 60))
def test_filling_never_overbooks(capacity, confirmed, waiting):
    fill = rules.seats_to_fill(capacity, confirmed, waiting)
    assert 0 <= fill <= waiting
    assert confirmed + fill <= max(capacity, confirmed)
    if confirmed < capacity:
        assert fill == min(capacity - confirmed, waiting)


@pytest.mark.parametrize("status, now, cutoff, allowed", [
    ("confirmed", START - timedelta(minutes=1), timedelta(0), True),
    ("confirmed", START, timedelta(0), False),
    ("confirmed", START - timedelta(hours=1), timedelta(hours=2), False),
    ("waitlisted", START + timedelta(hours=1), timedelta(0), True),
    ("waitlisted", END, timedelta(0), False),
    ("cancelled", START - timedelta(days=1), timedelta(0), False),
])
def test_visitor_cancellation_cutoff(status, now, cutoff, allowed):
    assert rules.visitor_may_cancel(status=status, now=now, starts_at=START, ends_at=END, cutoff=cutoff) is allowed


def test_ticket_path():
    assert rules.ticket_path("ABC") == "/t/ABC"
