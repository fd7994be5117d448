"""What takes a zone when: the booking settings and venue-local time, the zone's row lock, clashes with
bookings, events and closures, free slots, closures themselves, and the zone's calendar feed."""

from datetime import date, datetime, time, timedelta

from babel.dates import format_date
from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from ..accounts.models import User
from ..db import lock_row, utcnow
from ..errors import DomainError, ValidationFailed
from ..events.models import Event, EventStatus
from ..extensions import db
from ..ical import CalendarItem
from ..timeutil import from_venue, to_venue, venue_now
from ..venue import rules as venue_rules
from ..venue import services as venue
from ..venue.models import Closure, ClosureReason, Zone
from . import rules
from .models import HOLDING, Booking
from .zones import all_zones


def slot_minutes() -> int:
    return int(current_app.config["BOOKING_SLOT_MINUTES"])


def buffer() -> timedelta:
    """The cleaning gap kept between two uses of a zone."""
    return timedelta(minutes=int(current_app.config["BOOKING_BUFFER_MINUTES"]))


def cancel_cutoff() -> timedelta:
    return timedelta(hours=float(current_app.config["BOOKING_CANCEL_CUTOFF_HOURS"]))


def release_after() -> timedelta:
    return timedelta(minutes=int(current_app.config["BOOKING_RELEASE_AFTER_MINUTES"]))


def local(moment: datetime) -> datetime:
    """Return an aware moment as a naive venue wall-clock time (what `rules` works with)."""
    return to_venue(moment).replace(tzinfo=None)


def aware(naive_local: datetime) -> datetime:
    """Return a naive venue wall-clock time as an aware UTC moment."""
    return from_venue(naive_local)


def local_now() -> datetime:
    return venue_now().replace(tzinfo=None)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Return the UTC moments at which a venue-local day starts and ends."""
    return aware(datetime.combine(day, time(0))), aware(datetime.combine(day + timedelta(days=1), time(0)))


def lock_zone(zone_id: int) -> None:
    """Lock a zone's row for the rest of the transaction (a row lock on PostgreSQL, the write lock on SQLite).

    Every writer of the zone's bookings takes this lock first, so their check-then-write sections run
    one after the other.
    """
    if not lock_row(Zone, zone_id):
        raise DomainError("not_found", _l("No such zone."), status=404)


def holding_bookings(zone_id: int, starts_at: datetime, ends_at: datetime,
                     exclude_id: int | None = None) -> list[Booking]:
    """Return the bookings that hold the zone within [starts_at, ends_at) widened by the buffer."""
    gap = buffer()
    stmt = select(Booking).where(Booking.zone_id == zone_id, Booking.status.in_(HOLDING),
                                 Booking.starts_at < ends_at + gap, Booking.ends_at > starts_at - gap)
    if exclude_id is not None:
        stmt = stmt.where(Booking.id != exclude_id)
    return list(db.session.scalars(stmt.order_by(Booking.starts_at)))


def zone_events(zone_id: int, starts_at: datetime, ends_at: datetime,
                exclude_event_id: int | None = None) -> list[Event]:
    """Return the non-cancelled events placed in the zone within the window widened by the buffer."""
    gap = buffer()
    stmt = select(Event).where(Event.zone_id == zone_id, Event.status != EventStatus.CANCELLED.value,
                               Event.starts_at < ends_at + gap, Event.ends_at > starts_at - gap)
    if exclude_event_id is not None:
        stmt = stmt.where(Event.id != exclude_event_id)
    return list(db.session.scalars(stmt.order_by(Event.starts_at)))


def zone_closures(zone_id: int | None, starts_at: datetime, ends_at: datetime) -> list[Closure]:
    """Return the closures of the zone (and of the whole café) that overlap [starts_at, ends_at)."""
    scope = Closure.zone_id.is_(None) if zone_id is None else or_(Closure.zone_id == zone_id,
                                                                  Closure.zone_id.is_(None))
    stmt = select(Closure).where(scope, Closure.starts_at < ends_at, Closure.ends_at > starts_at)
    return list(db.session.scalars(stmt.order_by(Closure.starts_at)))


def span(starts_at: datetime, ends_at: datetime) -> rules.Interval:
    return rules.Interval(local(starts_at), local(ends_at))


def clash(zone_id: int, starts_at: datetime, ends_at: datetime, *, exclude_booking_id: int | None = None,
          exclude_event_id: int | None = None) -> str | None:
    """Say why [starts_at, ends_at) cannot be held in the zone: "slot_taken", "zone_closed" or None.

    Other domains use it too: the events domain, placing an event in a zone, calls `lock_zone(zone_id)`
    and then `clash(zone_id, starts_at, ends_at, exclude_event_id=event.id)`.
    """
    candidate = span(starts_at, ends_at)
    busy = [span(b.starts_at, b.ends_at) for b in holding_bookings(zone_id, starts_at, ends_at, exclude_booking_id)]
    busy += [span(e.starts_at, e.ends_at) for e in zone_events(zone_id, starts_at, ends_at, exclude_event_id)]
    if rules.conflicts(candidate, busy, (), buffer()):
        return "slot_taken"
    blocked = [span(c.starts_at, c.ends_at) for c in zone_closures(zone_id, starts_at, ends_at)]
    if rules.conflicts(candidate, (), blocked):
        return "zone_closed"
    return None


def event_zone_check(zone_id: int, starts_at: datetime, ends_at: datetime):
    """Say why an event cannot take the zone then (a confirmed booking, cleaning buffer included, or a
    closure), or None. For `signals.zone_check`, called with the zone's row already locked."""
    held = holding_bookings(zone_id, starts_at, ends_at)
    candidate = span(starts_at, ends_at)
    for booking in held:
        if rules.overlaps(candidate, span(booking.starts_at, booking.ends_at), buffer()):
            return _l("The zone is booked then: %(who)s, %(when)s.", who=booking.booker_name,
                      when=format_when(booking))
    closure = next(iter(zone_closures(zone_id, starts_at, ends_at)), None)
    if closure is not None:
        return _l("The zone is closed then: %(reason)s.", reason=CLOSURE_REASONS[closure.reason])
    return None


def refuse_clash(reason: str | None) -> None:
    if reason == "slot_taken":
        raise DomainError("slot_taken", _l("This time is already taken in this zone. Please pick another one."))
    if reason == "zone_closed":
        raise DomainError("zone_closed", _l("The zone is closed at this time."))


def booking_horizon() -> date:
    """Return the last day visitors may book."""
    return local_now().date() + timedelta(days=int(current_app.config["BOOKING_MAX_DAYS_AHEAD"]))


def availability_range(zone: Zone, days: list[date]) -> dict[date, list[rules.Slot]]:
    """Return each day's grid of the zone as visitors see it, from one read of the whole window.

    Past slots and days beyond the booking horizon are never free.
    """
    if not days:
        return {}
    start, end = day_bounds(min(days))[0], day_bounds(max(days))[1]
    busy = [span(b.starts_at, b.ends_at) for b in holding_bookings(zone.id, start, end)]
    busy += [span(e.starts_at, e.ends_at) for e in zone_events(zone.id, start, end)]
    blocked = [span(c.starts_at, c.ends_at) for c in zone_closures(zone.id, start, end)]
    week, now, horizon = venue.weekly_hours(), local_now(), booking_horizon()
    grids = {}
    for day in days:
        slots = rules.day_availability(day, venue_rules.hours_on(week, day), slot_minutes(), busy=busy, blocked=blocked,
                                       buffer=buffer(), now=now)
        grids[day] = slots if day <= horizon else [rules.Slot(s.start, s.end, False, s.past) for s in slots]
    return grids


def availability(zone: Zone, day: date) -> list[rules.Slot]:
    """Return the day's grid of the zone: each slot free or not (past slots are never free)."""
    return availability_range(zone, [day])[day]


def zone_grid(zone: Zone, day: date) -> list[rules.Cell]:
    """Return the staff's grid of a zone for a day: who holds each slot (booking, event or closure)."""
    start, end = day_bounds(day)
    occupants = [(span(b.starts_at, b.ends_at), b) for b in holding_bookings(zone.id, start, end)]
    occupants += [(span(e.starts_at, e.ends_at), e) for e in zone_events(zone.id, start, end)]
    blocked = [(span(c.starts_at, c.ends_at), c) for c in zone_closures(zone.id, start, end)]
    slots = rules.grid_slots(day, venue.hours_on(day), slot_minutes())
    return rules.label_slots(slots, occupants, blocked, buffer=buffer(), now=local_now())


def week_days(day: date) -> list[date]:
    """Return the Monday-to-Sunday week that holds `day`."""
    monday = day - timedelta(days=day.weekday())
    return [monday + timedelta(days=n) for n in range(7)]


def add_closure(staff: User, zone_id: int | None, starts_at: datetime, ends_at: datetime, reason: str,
                note: str = "") -> Closure:
    """Block a zone (or, with zone_id=None, the whole café) for a time.

    Confirmed bookings in that time must be cancelled first, so nobody is left without their room unawares.
    """
    if ends_at <= starts_at:
        raise ValidationFailed({"ends_at": [problem("ends_before_start")]})
    reason = ClosureReason(reason).value
    zone_ids = [zone_id] if zone_id is not None else [z.id for z in all_zones()]
    for zid in sorted(zone_ids):
        lock_zone(zid)
    held = db.session.scalars(select(Booking).where(
        Booking.zone_id.in_(zone_ids), Booking.status.in_(HOLDING),
        Booking.starts_at < ends_at, Booking.ends_at > starts_at).order_by(Booking.starts_at)).all()
    if held:
        listing = "; ".join(f"{b.zone.name}, {format_when(b)} — {b.booker_name}" for b in held)
        raise DomainError("bookings_in_the_way", _l(
            "Confirmed bookings fall in this time; cancel or move them first: %(list)s.", list=listing),
            extra={"booking_ids": [b.id for b in held]})
    closure = Closure(zone_id=zone_id, starts_at=starts_at, ends_at=ends_at, reason=reason,
                      note=(note or "").strip()[:200], created_by_id=staff.id)
    db.session.add(closure)
    db.session.flush()
    return closure


def delete_closure(closure: Closure) -> None:
    """Reopen what a closure blocked."""
    db.session.delete(closure)
    db.session.flush()


def upcoming_closures(limit: int = 100) -> list[Closure]:
    """Return the closures that have not ended, soonest first."""
    return list(db.session.scalars(select(Closure).where(Closure.ends_at > utcnow())
                                   .order_by(Closure.starts_at).limit(limit)))


def feed_items(zone: Zone) -> list[CalendarItem]:
    """Return the zone's confirmed (and checked-in) bookings from a month ago on, for the staff feed."""
    since = utcnow() - timedelta(days=31)
    found = db.session.scalars(select(Booking).where(
        Booking.zone_id == zone.id, Booking.status.in_(HOLDING), Booking.ends_at > since)
        .order_by(Booking.starts_at)).all()
    items = []
    for booking in found:
        summary = f"{booking.booker_name} ({booking.party_size})"
        if booking.purpose:
            summary += f": {booking.purpose}"
        description = "\n".join(filter(None, [booking.purpose, booking.contact, booking.staff_message]))
        items.append(CalendarItem(uid=f"booking-{booking.id}@anticafe", summary=summary,
                                  starts_at=booking.starts_at, ends_at=booking.ends_at,
                                  updated_at=booking.updated_at, sequence=booking.sequence,
                                  description=description, location=zone.name))
    return items


CLOSURE_REASONS = {
    ClosureReason.HOLIDAY: _l("Holiday"),
    ClosureReason.MAINTENANCE: _l("Maintenance"),
    ClosureReason.PRIVATE: _l("Private function"),
    ClosureReason.OTHER: _l("Other"),
}


#: Translated text for the problem codes of `rules` and of this module.
PROBLEMS = {
    "required": _l("This field is required."),
    "ends_before_start": _l("The end must be after the start."),
    "party_too_small": _l("At least one person."),
    "too_long": _l("This text is too long."),
}


def problem(code: str):
    if code == "off_grid":
        return _l("Times go in steps of %(n)s minutes.", n=slot_minutes())
    return PROBLEMS.get(code, code)


def translate(problems: dict[str, list[str]], capacity: int | None = None) -> dict[str, list]:
    """Turn {field: [codes]} into {field: [translated messages]}."""
    out = {}
    for field, codes in problems.items():
        out[field] = [_l("The zone holds at most %(n)s people.", n=capacity) if code == "party_too_large"
                      else problem(code) for code in codes]
    return out


def format_when(booking: Booking) -> str:
    """Return e.g. "сб, 28 ноября, 15:00–17:00" in the current language."""
    start, end = local(booking.starts_at), local(booking.ends_at)
    return f"{format_date(start.date(), 'EEE, d MMMM', locale=get_locale())}, {start:%H:%M}–{end:%H:%M}"
