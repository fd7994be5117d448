"""Who is inside the café now: the one definition, used by the live board, the door and `venue_full`.

Inside now are
- everybody with an open timed visit (active or paused; a guest without an account counts too), and
- everybody with a standing check-in to a scheduled free-entry event that has not ended, whether it
  has started or not: someone checked in early is standing in the café.

Each person counts once. A check-in to a `timed` event starts a visit, so there the visit tells:
who stopped theirs has left, even while the event goes on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache

from flask import current_app
from sqlalchemy import bindparam, case, distinct, exists, func, or_, select, type_coerce

from ..db import constant_in, utcnow
from ..door.models import CheckIn
from ..events.models import Entry, Event, EventStatus
from ..extensions import db
from .models import OPEN_STATUSES, Holiday, Visit


@dataclass
class Occupancy:
    """People inside now against `VENUE_CAPACITY`: open visits, and event guests without one."""

    visits: int
    event_guests: int
    capacity: int
    #: user ids counted (visits and event guests)
    people_ids: set[int] = field(default_factory=set)

    @property
    def people(self) -> int:
        return self.visits + self.event_guests

    @property
    def full(self) -> bool:
        return self.people >= self.capacity

    @property
    def free(self) -> int:
        return max(self.capacity - self.people, 0)


def _guest_conditions(now: datetime) -> tuple:
    """A standing check-in to a scheduled free-entry event that has not ended (joined with its event)."""
    return (CheckIn.undone_at.is_(None), CheckIn.checked_in_at <= now, Event.entry == Entry.FREE.value,
            Event.status == EventStatus.SCHEDULED.value, Event.ends_at > now)


@cache
def _occupancy_statements():
    """The people of open visits, and the event guests without one: built once per process (the board
    asks on every poll; building the select cost as much as running it)."""
    is_open = constant_in(Visit.status, OPEN_STATUSES)
    open_users = select(Visit.user_id).where(is_open, Visit.user_id.is_not(None))
    guests = (select(CheckIn.user_id).distinct().join(Event, Event.id == CheckIn.event_id)
              .where(*_guest_conditions(bindparam("now")), CheckIn.user_id.not_in(open_users)))
    guest_count = select(func.count()).select_from(guests.subquery())
    # The same guests counted, and the first later moment the count could change: the earliest end of
    # their events, and the earliest check-in still to come (`now` is after neither).
    now = bindparam("now")
    standing = (CheckIn.undone_at.is_(None), Event.entry == Entry.FREE.value,
                Event.status == EventStatus.SCHEDULED.value, Event.ends_at > now,
                CheckIn.user_id.not_in(open_users))
    counted = (select(func.count(distinct(case((CheckIn.checked_in_at <= now, CheckIn.user_id)))),
                      type_coerce(func.min(Event.ends_at), Event.ends_at.type),
                      type_coerce(func.min(case((CheckIn.checked_in_at > now, CheckIn.checked_in_at))),
                                  CheckIn.checked_in_at.type))
               .select_from(CheckIn).join(Event, Event.id == CheckIn.event_id).where(*standing))
    return select(Visit.user_id).where(is_open), guests, guest_count, counted


def occupancy(now: datetime | None = None, open_user_ids: list[int | None] | None = None, *,
              with_ids: bool = True) -> Occupancy:
    """Count the people inside now (see the module's definition) against `VENUE_CAPACITY`.

    `open_user_ids`: the people of every open visit (None for one without), when the caller has just
    read them (the live board), in the same transaction. `with_ids=False`: the event guests are
    counted by the database, not fetched (a tournament's thousand checked-in guests need not travel
    to Python on every poll of the board); `people_ids` then holds the visits' people only."""
    now = now or utcnow()
    open_people, event_guests, guest_count, _ = _occupancy_statements()
    if open_user_ids is None:
        open_user_ids = list(db.session.scalars(open_people))
    visit_people = {user_id for user_id in open_user_ids if user_id is not None}
    if not with_ids:
        return Occupancy(visits=len(open_user_ids), event_guests=int(db.session.scalar(guest_count, {"now": now})),
                         capacity=int(current_app.config["VENUE_CAPACITY"]), people_ids=visit_people)
    guests = set(db.session.scalars(event_guests, {"now": now}))
    return Occupancy(visits=len(open_user_ids), event_guests=len(guests),
                     capacity=int(current_app.config["VENUE_CAPACITY"]), people_ids=visit_people | guests)


def event_guests(now: datetime) -> tuple[int, datetime | None]:
    """Count the event guests inside now who have no open visit (`occupancy`'s `event_guests`), and say
    until when that count holds without a change to the data: the first later moment an event of theirs
    ends or a check-in's time comes (None: none is to come). One statement; the live board keeps both
    with its data version and counts again only after that moment."""
    count, first_end, first_checkin = db.session.execute(_occupancy_statements()[3], {"now": now}).one()
    moments = [moment for moment in (first_end, first_checkin) if moment is not None]
    return int(count or 0), min(moments) if moments else None


@dataclass(frozen=True)
class Headcount:
    """How many people are inside now (the same definition as `occupancy`), and whether one person is."""

    people: int
    capacity: int
    #: the person asked about is among them
    counts_person: bool
    #: the `day` asked about is a holiday (priced like a weekend), asked in the same statement
    holiday: bool = False

    @property
    def full(self) -> bool:
        return self.people >= self.capacity


@cache
def _headcount_statement():
    """The headcount's statement, built once per process (building it cost more than running it)."""
    now, user_id = bindparam("now"), bindparam("user_id")
    is_open = constant_in(Visit.status, OPEN_STATUSES)
    open_users = select(Visit.user_id).where(is_open, Visit.user_id.is_not(None))
    visits = select(func.count()).select_from(Visit).where(is_open).scalar_subquery()
    guests = (select(func.count(distinct(CheckIn.user_id))).join(Event, Event.id == CheckIn.event_id)
              .where(*_guest_conditions(now), CheckIn.user_id.not_in(open_users)).scalar_subquery())
    person = or_(exists().where(is_open, Visit.user_id == user_id),
                 exists(select(CheckIn.id).join(Event, Event.id == CheckIn.event_id)
                        .where(*_guest_conditions(now), CheckIn.user_id == user_id)))
    holiday = exists().where(Holiday.day == bindparam("day"))
    return select(visits, guests, person, holiday)


def headcount(now: datetime, user_id: int | None, day: date | None = None) -> Headcount:
    """Count the people inside now in one statement (counts, not rows: a visit's start asks this under
    the start lock, and a full evening's thousands of event guests need not travel to Python); with
    `day`, the same statement tells whether that day is a holiday (the start's answer prices with it)."""
    row = db.session.execute(_headcount_statement(), {"now": now, "user_id": user_id, "day": day}).one()
    return Headcount(people=int(row[0]) + int(row[1]), capacity=int(current_app.config["VENUE_CAPACITY"]),
                     counts_person=bool(row[2]), holiday=bool(row[3]))


def people_inside(now: datetime, **_) -> int:
    """Answer `signals.people_inside` (the door's «Inside now»): one statement counts both."""
    return headcount(now, None).people
