"""Reads of the calendar: events between dates, what is on next, and the cards with their counts (the
seats as registrations count them, check-ins as the door does, asked through `signals.event_counts`)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import load_only

from .. import signals
from ..db import utcnow
from ..extensions import db
from ..timeutil import from_venue, venue_tz
from . import rules
from .models import Event


def counts_for(event_ids) -> dict[int, rules.Counts]:
    """Return the people of each event: seats as registrations count them, check-ins as the door does.

    Asked through `signals.event_counts`; each answer is {event_id: {Counts field: number}}.
    """
    ids = tuple(sorted(set(event_ids)))
    merged: dict[int, dict[str, int]] = {event_id: {} for event_id in ids}
    if ids:
        for answer in signals.answers(signals.event_counts, ids):
            for event_id, numbers in answer.items():
                merged[event_id].update(numbers)
    return {event_id: rules.Counts(**numbers) for event_id, numbers in merged.items()}


@dataclass
class EventCard:
    """An event with what its card shows: counts, seats, whether the viewer's age fits."""

    event: Event
    counts: rules.Counts
    #: None when the event has no seat limit
    seats_left: int | None
    #: None when we do not know the viewer's age (anonymous or no birth date)
    age_ok: bool | None
    starts: datetime
    ends: datetime
    #: the event is over: its card says so instead of counting seats
    past: bool = False
    #: registration is open now: only then do seats left mean anything to a visitor
    registrable: bool = False

    @property
    def full(self) -> bool:
        return self.seats_left == 0

    @property
    def multi_day(self) -> bool:
        return self.starts.date() != self.ends.date()


def cards(events: list[Event], user=None, *, now: datetime | None = None) -> list[EventCard]:
    """Wrap events for cards and pages (one grouped count query for all of them), as they are at `now`."""
    counts = counts_for([e.id for e in events])
    zone = venue_tz()
    knows_age = user is not None and getattr(user, "is_authenticated", False) and user.birth_date
    now = now or utcnow()
    result = []
    for item in events:
        number = counts.get(item.id, rules.Counts())
        starts = item.starts_at.astimezone(zone)
        age_ok = item.allows_age(user.age_on(starts.date())) if knows_age else None
        result.append(EventCard(event=item, counts=number,
                                seats_left=rules.seats_left(item.capacity, number.registered), age_ok=age_ok,
                                starts=starts, ends=item.ends_at.astimezone(zone), past=item.ends_at <= now,
                                registrable=item.registration_state(now) == "open"))
    return result


def card(event_: Event, user=None) -> EventCard:
    """Wrap one event for its page."""
    return cards([event_], user)[0]


def _listing(*, staff: bool, category: str | None):
    stmt = select(Event).order_by(Event.starts_at, Event.id)
    if not staff:
        stmt = stmt.where(Event.published.is_(True))
    if category:
        stmt = stmt.where(Event.category == category)
    return stmt


#: What a month grid's chip shows: the month page loads only these (a month holds up to ~170 events).
CHIP_COLUMNS = ("id", "title", "category", "starts_at", "ends_at", "capacity", "min_age", "max_age", "status",
                "published", "published_at", "registration_opens_at", "registration_closes_at", "cover_image")


def events_between(start: datetime, end: datetime, *, staff: bool = False, category: str | None = None,
                   only: tuple[str, ...] | None = None) -> list[Event]:
    """Return the events starting in [start, end) that the viewer may see, in order.

    `only`: load just these columns (reading any other one raises, rather than loading it event by event).
    """
    stmt = _listing(staff=staff, category=category).where(Event.starts_at >= start, Event.starts_at < end)
    if only:
        stmt = stmt.options(load_only(*(getattr(Event, name) for name in only), raiseload=True))
    return list(db.session.scalars(stmt))


def events_on_days(first: date, last: date, *, staff: bool = False, category: str | None = None,
                   only: tuple[str, ...] | None = None) -> list[Event]:
    """Return the events starting on venue dates first..last (inclusive)."""
    start = from_venue(datetime.combine(first, datetime.min.time()))
    end = from_venue(datetime.combine(last + timedelta(days=1), datetime.min.time()))
    return events_between(start, end, staff=staff, category=category, only=only)


def upcoming_events(limit: int = 50, *, staff: bool = False, category: str | None = None,
                    days: int | None = None, now: datetime | None = None) -> list[Event]:
    """Return events not yet over at `now`, soonest first (within `days` when given)."""
    now = now or utcnow()
    # Nothing lasts longer than rules.MAX_DURATION, so the bound on the indexed start loses no event.
    stmt = _listing(staff=staff, category=category).where(Event.ends_at > now,
                                                          Event.starts_at >= now - rules.MAX_DURATION)
    if days is not None:
        stmt = stmt.where(Event.starts_at < now + timedelta(days=days))
    return list(db.session.scalars(stmt.limit(limit)))


def next_change(events: list[Event], now: datetime, *, limit: int, days: int | None) -> datetime | None:
    """Return the first moment after `now` at which `upcoming_events(limit, days=days)` and the cards of
    `events` (what it returned at `now`) change by the clock alone, the data staying as it is: one of them
    ends (it leaves the list, the next one moves up), its registration opens or closes, or, on a list
    shorter than `limit`, the next published event comes within `days`. None: never."""
    moments = [item.ends_at for item in events]
    for item in events:
        if item.published and not item.is_cancelled:
            moments += [item.registration_opens, item.registration_closes]
    if len(events) < limit and days is not None:
        after = db.session.scalar(_listing(staff=False, category=None)
                                  .where(Event.starts_at >= now + timedelta(days=days))
                                  .with_only_columns(Event.starts_at).limit(1))
        if after is not None:
            moments.append(after - timedelta(days=days))
    later = [moment for moment in moments if moment is not None and moment > now]
    return min(later, default=None)


def for_age(items: list[EventCard]) -> list[EventCard]:
    """Keep the cards whose age limits fit the viewer (cards without a known age stay)."""
    return [item for item in items if item.age_ok is not False]


def series_events(event_: Event) -> list[Event]:
    """Return the occurrences of the event's series (empty for a single event)."""
    if event_.series_id is None:
        return []
    return list(db.session.scalars(select(Event).where(Event.series_id == event_.series_id)
                                   .order_by(Event.starts_at, Event.id)))
