"""Reads for the door pages: an event's attendance and no-shows, the searches, the events of the day, the log."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import NamedTuple

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, case, func, or_, select
from sqlalchemy.orm import aliased, contains_eager, joinedload

from .. import signals
from ..accounts.models import User
from ..accounts.rules import age_on
from ..db import utcnow
from ..errors import DomainError
from ..events.models import Event, EventStatus
from ..extensions import db
from ..registrations import services as registrations
from ..registrations.models import Registration, RegistrationStatus
from ..registrations.rules import free_seats
from ..timeutil import to_venue, venue_tz
from . import rules
from .models import CheckIn, CheckInWindow, ScanLog
from .tickets import event_ref, iso, person_ref, registration_ref, window_of


def checkin_ref(checkin: CheckIn) -> dict:
    """Return a check-in as the attendance list shows it."""
    event = checkin.event
    return {"id": checkin.id, "registration_id": checkin.registration_id, "event_id": checkin.event_id,
            "user": person_ref(checkin.user, event), "checked_in_at": iso(checkin.checked_in_at),
            "checked_in_by": checkin.staff.name if checkin.staff else None, "device": checkin.device,
            "walk_in": checkin.walk_in, "override_reason": checkin.override_reason,
            "undone_at": iso(checkin.undone_at),
            "undone_by": checkin.undone_by.name if checkin.undone_by else None}


def no_shows(event: Event, now: datetime | None = None) -> list[Registration]:
    """Return the confirmed registrations of an ended event that never had a standing check-in ([] before the end)."""
    now = now or utcnow()
    if now < event.ends_at:
        return []
    standing = select(CheckIn.id).where(CheckIn.registration_id == Registration.id, CheckIn.undone_at.is_(None))
    return list(db.session.scalars(
        select(Registration).options(joinedload(Registration.user))
        .where(Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED,
               ~standing.exists())
        .join(Registration.user).order_by(User.name)))


class CheckInRow(NamedTuple):
    """A check-in as the attendance page shows it: read as columns, said as text once (no ORM objects)."""

    id: int
    time: str
    name: str
    age: int | None
    staff: str | None
    device: str | None
    walk_in: bool
    offline: bool
    override_reason: str | None
    undone: bool
    undone_time: str | None
    undone_by: str | None


@cache
def _page_statements():
    """The attendance's statements, built once per process: the event with its own check-in window and its
    confirmed and waitlisted registrations counted (as `registrations.counts` counts them), and its
    check-ins (newest first) with the names of the person, the staff member and who undid it."""
    staff, undone_by = aliased(User), aliased(User)

    def registered(status: RegistrationStatus):
        return (select(func.count()).select_from(Registration)
                .where(Registration.event_id == Event.id, Registration.status == status.value).scalar_subquery())

    event = (select(Event, CheckInWindow, registered(RegistrationStatus.CONFIRMED),
                    registered(RegistrationStatus.WAITLISTED))
             .outerjoin(CheckInWindow, CheckInWindow.event_id == Event.id)
             .where(Event.id == bindparam("event_id")))
    checkins = (select(CheckIn.id, CheckIn.checked_in_at, User.name, User.birth_date, staff.name, CheckIn.device,
                       CheckIn.walk_in, CheckIn.offline, CheckIn.override_reason, CheckIn.undone_at, undone_by.name)
                .outerjoin(User, User.id == CheckIn.user_id)
                .outerjoin(staff, staff.id == CheckIn.staff_id)
                .outerjoin(undone_by, undone_by.id == CheckIn.undone_by_id)
                .where(CheckIn.event_id == bindparam("event_id"))
                .order_by(CheckIn.checked_in_at.desc(), CheckIn.id.desc()))
    return event, checkins


def _page_rows(event: Event) -> list[CheckInRow]:
    tz = venue_tz()
    day = event.starts_at.astimezone(tz).date()
    return [CheckInRow(id_, at.astimezone(tz).strftime("%H:%M"), name, age_on(birth, day) if birth else None,
                       staff, device, bool(walk_in), bool(offline), reason, undone_at is not None,
                       undone_at.astimezone(tz).strftime("%H:%M") if undone_at is not None else None, undone_by)
            for id_, at, name, birth, staff, device, walk_in, offline, reason, undone_at, undone_by
            in db.session.execute(_page_statements()[1], {"event_id": event.id})]


@dataclass
class Attendance:
    """An event's numbers at the door."""

    event: Event
    window: rules.CheckInWindowTimes
    window_state: rules.Window
    confirmed: int
    waitlisted: int
    checked_in: int
    walk_ins: int
    inside_now: int
    venue_capacity: int
    #: ORM check-ins (the API), or the page's `CheckInRow`s (`attendance(..., page=True)`)
    checkins: list
    #: None until the event has ended
    no_shows: list[Registration] | None
    own_window: CheckInWindow | None = None

    @property
    def seats_left(self) -> int | None:
        return free_seats(self.event.capacity, self.confirmed)

    def payload(self) -> dict:
        """Return the `GET /events/{id}/attendance` document."""
        return {
            "event": event_ref(self.event),
            "window": {"state": self.window_state.value, "opens_at": iso(self.window.opens_at),
                       "closes_at": iso(self.window.closes_at)},
            "confirmed": self.confirmed, "waitlisted": self.waitlisted, "capacity": self.event.capacity,
            "seats_left": self.seats_left, "checked_in": self.checked_in, "walk_ins": self.walk_ins,
            "inside_now": self.inside_now, "venue_capacity": self.venue_capacity,
            "no_shows": None if self.no_shows is None else len(self.no_shows),
            "checkins": [checkin_ref(c) for c in self.checkins],
        }


def attendance(event_id: int, *, limit: int | None = None, now: datetime | None = None,
               page: bool = False) -> Attendance:
    """Count an event's confirmed, waitlisted and checked-in people, list its check-ins (newest first) and no-shows.

    `page`: the check-ins as the attendance page shows them (`CheckInRow`s read as columns), and their
    standing and walk-in counts counted from them (one statement fewer)."""
    found = db.session.execute(_page_statements()[0], {"event_id": event_id}).first()
    if found is None:
        raise DomainError("event_not_found", _l("No such event."), status=404)
    event, own, confirmed, waitlisted = found
    now = now or utcnow()
    if page:
        checkins = _page_rows(event)
        standing = [row for row in checkins if not row.undone]
        checked_in, walk_ins = len(standing), sum(1 for row in standing if row.walk_in)
    else:
        checked_in, walk_ins = db.session.execute(
            select(func.count(), func.coalesce(func.sum(case((CheckIn.walk_in, 1), else_=0)), 0))
            .where(CheckIn.event_id == event_id, CheckIn.undone_at.is_(None))).one()
        stmt = (select(CheckIn).where(CheckIn.event_id == event_id)
                .options(joinedload(CheckIn.user), joinedload(CheckIn.staff), joinedload(CheckIn.undone_by))
                .order_by(CheckIn.checked_in_at.desc(), CheckIn.id.desc()))
        if limit:
            stmt = stmt.limit(limit)
        checkins = list(db.session.scalars(stmt).unique())  # their event: the one above, from the session
    window = window_of(event, own.opens_minutes_before if own else None, own.closes_minutes_after if own else None)
    return Attendance(
        event=event, window=window,
        window_state=rules.window_state(now, window, starts_at=event.starts_at, tz=venue_tz()),
        confirmed=int(confirmed), waitlisted=int(waitlisted),
        checked_in=int(checked_in), walk_ins=int(walk_ins),
        inside_now=signals.first_answer(signals.people_inside, now) or 0,
        venue_capacity=current_app.config["VENUE_CAPACITY"],
        checkins=checkins,
        no_shows=no_shows(event, now) if now >= event.ends_at else None, own_window=own)


@dataclass
class Attendee:
    """A registration found by the door's search, with its standing check-in."""

    registration: Registration
    checkin_id: int | None
    checked_in_at: datetime | None

    def payload(self) -> dict:
        reg = self.registration
        return {"registration": registration_ref(reg), "user": person_ref(reg.user, reg.event),
                "phone": reg.user.phone, "email": reg.user.email, "checkin_id": self.checkin_id,
                "checked_in_at": iso(self.checked_in_at)}


def _person_filter(query: str):
    """Return a condition matching people by name, email or phone, or None for an empty query."""
    q = (query or "").strip().lower()
    if not q:
        return None
    like = f"%{q}%"
    conditions = [func.lower(User.name).like(like), User.email.like(like)]
    digits = "".join(ch for ch in q if ch.isdigit())
    if len(digits) >= 3:
        # +7 912 345-67-89 and 8 912 ... are stored as +79123456789: match on the digits after the country code
        if len(digits) == 11 and digits[0] in "78":
            digits = digits[1:]
        conditions.append(User.phone.like(f"%{digits}%"))
    return or_(*conditions)


def search_attendees(event_id: int, query: str, *, limit: int = 30) -> list[Attendee]:
    """Find an event's registrations by the person's name, phone or email (confirmed first)."""
    status_order = case((Registration.status == RegistrationStatus.CONFIRMED, 0),
                           (Registration.status == RegistrationStatus.WAITLISTED, 1), else_=2)
    stmt = (select(Registration, CheckIn.id, CheckIn.checked_in_at)
            .join(Registration.user).join(Registration.event)
            .outerjoin(CheckIn, and_(CheckIn.registration_id == Registration.id, CheckIn.undone_at.is_(None)))
            .options(contains_eager(Registration.user), contains_eager(Registration.event))
            .where(Registration.event_id == event_id)
            .order_by(status_order, User.name).limit(limit))
    condition = _person_filter(query)
    if condition is not None:
        stmt = stmt.where(condition)
    return [Attendee(reg, checkin_id, at) for reg, checkin_id, at in db.session.execute(stmt)]


def search_people(query: str, *, event_id: int | None = None, limit: int = 20) -> list[dict]:
    """Find accounts and guest profiles for a walk-in, with their registration for the event if any."""
    condition = _person_filter(query)
    if condition is None:
        return []
    people = list(db.session.scalars(select(User).where(condition, User.active).order_by(User.name).limit(limit)))
    held: dict[int, Registration] = {}
    event = db.session.get(Event, event_id) if event_id else None
    if event is not None and people:
        held = {r.user_id: r for r in db.session.scalars(select(Registration).where(
            Registration.event_id == event.id, Registration.user_id.in_([p.id for p in people]),
            Registration.status != RegistrationStatus.CANCELLED))}
    day = registrations.event_day(event) if event else to_venue(utcnow()).date()
    return [{"id": p.id, "name": p.name, "age": p.age_on(day), "phone": p.phone, "email": p.email,
             "registration": registration_ref(held[p.id]) if p.id in held else None}
            for p in people]


def door_events(now: datetime | None = None) -> list[Event]:
    """Return the events the door may be checking in: from those ended within 12 hours to a week ahead."""
    now = now or utcnow()
    return list(db.session.scalars(
        select(Event).where(Event.status == EventStatus.SCHEDULED, Event.ends_at >= now - timedelta(hours=12),
                            Event.starts_at <= now + timedelta(days=7))
        .order_by(Event.starts_at, Event.id)))


def default_event(events: list[Event], now: datetime | None = None) -> Event | None:
    """Pick the event happening now (its check-in open), else the next one, else the latest that ended."""
    now = now or utcnow()
    windows = [(event, window_of(event, None, None)) for event in events]
    for event, window in windows:
        if window.opens_at <= now <= window.closes_at:
            return event
    upcoming = [event for event, window in windows if window.opens_at > now]
    if upcoming:
        return upcoming[0]
    return events[-1] if events else None


def scan_log(*, event_id: int | None = None, result: str | None = None, before_id: int | None = None,
             limit: int = 100) -> list[ScanLog]:
    """Return the newest scan-log entries (optionally of one event or one result), older than `before_id`."""
    stmt = (select(ScanLog).options(joinedload(ScanLog.staff), joinedload(ScanLog.user), joinedload(ScanLog.event))
            .order_by(ScanLog.id.desc()).limit(limit))
    if event_id is not None:
        stmt = stmt.where(ScanLog.event_id == event_id)
    if result:
        stmt = stmt.where(ScanLog.result == result)
    if before_id is not None:
        stmt = stmt.where(ScanLog.id < before_id)
    return list(db.session.scalars(stmt))
