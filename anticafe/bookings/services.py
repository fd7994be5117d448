"""Writes and reads for bookings: zones, availability, requests and decisions, check-in, closures,
reminders and the zone feeds.

Every change to a zone's bookings first locks the zone's row (`lock_zone`), then checks and writes:
two requests for one zone are serialized by the database, so confirmed bookings never overlap.
Services flush and leave the commit to the request or the CLI command.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from babel.dates import format_date
from flask import current_app
from flask_babel import get_locale, gettext, lazy_ngettext, ngettext, pgettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, text, update
from sqlalchemy.exc import IntegrityError

from ..accounts.models import User
from ..auth import Role
from ..db import utcnow
from ..errors import DomainError, ValidationFailed
from ..events.models import Event, EventStatus
from ..extensions import db
from ..ical import CalendarItem
from ..notifications.services import notify
from ..timeutil import from_venue, to_venue, venue_now
from ..venue import rules as venue_rules
from ..venue import services as venue
from ..venue.models import Closure, ClosureReason, Zone
from ..visits import services as visits
from . import rules
from .models import HOLDING, OPEN, Booking, BookingSeries, BookingStatus, PartyVisit, PaymentMethod
from .zones import all_zones, get_zone

#: Translated text for the problem codes of `rules` and of this module.
PROBLEMS = {
    "required": _l("This field is required."),
    "ends_before_start": _l("The end must be after the start."),
    "party_too_small": _l("At least one person."),
    "too_long": _l("This text is too long."),
}

#: Staff may check a party in this long before the start.
CHECK_IN_EARLY = timedelta(minutes=30)


def _problem(code: str):
    if code == "off_grid":
        return _l("Times go in steps of %(n)s minutes.", n=slot_minutes())
    return PROBLEMS.get(code, code)


def translate(problems: dict[str, list[str]], capacity: int | None = None) -> dict[str, list]:
    """Turn {field: [codes]} into {field: [translated messages]}."""
    out = {}
    for field, codes in problems.items():
        out[field] = [_l("The zone holds at most %(n)s people.", n=capacity) if code == "party_too_large"
                      else _problem(code) for code in codes]
    return out


# ------------------------------------------------------------------------------------------------
# Settings and local time

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


def _path(endpoint: str, **values) -> str:
    """Build an in-site path without a request (CLI commands write links too)."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


# ------------------------------------------------------------------------------------------------
# What takes a zone when

def lock_zone(zone_id: int) -> None:
    """Lock a zone's row for the rest of the transaction (a row lock on PostgreSQL, the write lock on SQLite).

    Every writer of the zone's bookings takes this lock first, so their check-then-write sections run
    one after the other.
    """
    result = db.session.execute(text("UPDATE zones SET id = id WHERE id = :id"), {"id": zone_id})
    if not result.rowcount:
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


def _span(starts_at: datetime, ends_at: datetime) -> rules.Interval:
    return rules.Interval(local(starts_at), local(ends_at))


def clash(zone_id: int, starts_at: datetime, ends_at: datetime, *, exclude_booking_id: int | None = None,
          exclude_event_id: int | None = None) -> str | None:
    """Say why [starts_at, ends_at) cannot be held in the zone: "slot_taken", "zone_closed" or None.

    Other domains use it too: the events domain, placing an event in a zone, calls `lock_zone(zone_id)`
    and then `clash(zone_id, starts_at, ends_at, exclude_event_id=event.id)`.
    """
    candidate = _span(starts_at, ends_at)
    busy = [_span(b.starts_at, b.ends_at) for b in holding_bookings(zone_id, starts_at, ends_at, exclude_booking_id)]
    busy += [_span(e.starts_at, e.ends_at) for e in zone_events(zone_id, starts_at, ends_at, exclude_event_id)]
    if rules.conflicts(candidate, busy, (), buffer()):
        return "slot_taken"
    blocked = [_span(c.starts_at, c.ends_at) for c in zone_closures(zone_id, starts_at, ends_at)]
    if rules.conflicts(candidate, (), blocked):
        return "zone_closed"
    return None


def event_zone_check(zone_id: int, starts_at: datetime, ends_at: datetime):
    """Say why an event cannot take the zone then (a confirmed booking, cleaning buffer included, or a
    closure), or None. For `signals.zone_check`, called with the zone's row already locked."""
    held = holding_bookings(zone_id, starts_at, ends_at)
    candidate = _span(starts_at, ends_at)
    for booking in held:
        if rules.overlaps(candidate, _span(booking.starts_at, booking.ends_at), buffer()):
            return _l("The zone is booked then: %(who)s, %(when)s.", who=booking.booker_name,
                      when=format_when(booking))
    closure = next(iter(zone_closures(zone_id, starts_at, ends_at)), None)
    if closure is not None:
        return _l("The zone is closed then: %(reason)s.", reason=CLOSURE_REASONS[closure.reason])
    return None


def _refuse_clash(reason: str | None) -> None:
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
    busy = [_span(b.starts_at, b.ends_at) for b in holding_bookings(zone.id, start, end)]
    busy += [_span(e.starts_at, e.ends_at) for e in zone_events(zone.id, start, end)]
    blocked = [_span(c.starts_at, c.ends_at) for c in zone_closures(zone.id, start, end)]
    week, now, horizon = venue.weekly_hours(), local_now(), booking_horizon()
    grids = {}
    for day in days:
        slots = rules.day_availability(day, venue_rules.hours_on(week, day), slot_minutes(), busy=busy, blocked=blocked,
                                       buffer=buffer(), now=now)
        grids[day] = slots if day <= horizon else [rules.Slot(s.start, s.end, False) for s in slots]
    return grids


def availability(zone: Zone, day: date) -> list[rules.Slot]:
    """Return the day's grid of the zone: each slot free or not (past slots are never free)."""
    return availability_range(zone, [day])[day]


def zone_grid(zone: Zone, day: date) -> list[rules.Cell]:
    """Return the staff's grid of a zone for a day: who holds each slot (booking, event or closure)."""
    start, end = day_bounds(day)
    occupants = [(_span(b.starts_at, b.ends_at), b) for b in holding_bookings(zone.id, start, end)]
    occupants += [(_span(e.starts_at, e.ends_at), e) for e in zone_events(zone.id, start, end)]
    blocked = [(_span(c.starts_at, c.ends_at), c) for c in zone_closures(zone.id, start, end)]
    slots = rules.grid_slots(day, venue.hours_on(day), slot_minutes())
    return rules.label_slots(slots, occupants, blocked, buffer=buffer(), now=local_now())


def week_days(day: date) -> list[date]:
    """Return the Monday-to-Sunday week that holds `day`."""
    monday = day - timedelta(days=day.weekday())
    return [monday + timedelta(days=n) for n in range(7)]


# ------------------------------------------------------------------------------------------------
# No-shows

def release_no_shows() -> int:
    """Release every confirmed booking nobody checked in within the grace period; return how many.

    Called lazily when booking pages and availability load, so no cron job is needed.
    """
    now = utcnow()
    deadline = now - release_after()
    stmt = select(func.count(Booking.id)).where(Booking.status == BookingStatus.CONFIRMED.value,
                                                Booking.starts_at <= deadline)
    if not db.session.scalar(stmt):
        return 0
    result = db.session.execute(
        update(Booking).where(Booking.status == BookingStatus.CONFIRMED.value, Booking.starts_at <= deadline)
        .values(status=BookingStatus.RELEASED.value, released_at=now, updated_at=now,
                sequence=Booking.sequence + 1)
        .execution_options(synchronize_session=False))
    return result.rowcount or 0


# ------------------------------------------------------------------------------------------------
# Requests and direct bookings

@dataclass
class BookingData:
    """What a visitor asks for, or what staff book (from a form or the API). Times are aware."""

    zone_id: int
    starts_at: datetime
    ends_at: datetime
    party_size: int
    purpose: str = ""
    contact: str = ""
    #: staff booking someone without an account type a name here
    booker_name: str | None = None


def _check_shape(zone: Zone, data: BookingData, *, staff: bool) -> tuple[datetime, datetime]:
    """Validate a booking's zone, times and party; return its local start and end."""
    if not zone.bookable:
        raise DomainError("zone_not_bookable", _l("This zone cannot be booked."), status=422)
    start, end = local(data.starts_at), local(data.ends_at)
    problems = rules.booking_problems(start, end, slot_minutes=slot_minutes(), party_size=data.party_size,
                                      capacity=zone.capacity)
    if len(data.purpose or "") > 200:
        problems.setdefault("purpose", []).append("too_long")
    if len(data.contact or "") > 120:
        problems.setdefault("contact", []).append("too_long")
    if "party_too_large" in problems.get("party_size", []):
        raise ValidationFailed(translate({"party_size": ["party_too_large"]}, zone.capacity),
                               message=_l("The zone holds at most %(n)s people.", n=zone.capacity),
                               code="party_too_large")
    if problems:
        raise ValidationFailed(translate(problems, zone.capacity))
    if not rules.inside_opening_hours(venue.weekly_hours(), start, end):
        raise DomainError("outside_opening_hours", _l("The café is not open for the whole of this time."),
                          status=422, fields={"starts_at": [_l("Pick a time within the opening hours.")]})
    now = local_now()
    if start < now:
        raise DomainError("in_the_past", _l("This time has already begun."), status=422)
    ahead = int(current_app.config["BOOKING_MAX_DAYS_AHEAD"])
    if not staff and start.date() > now.date() + timedelta(days=ahead):
        raise DomainError("too_far_ahead", lazy_ngettext("Bookings open %(num)s day ahead.",
                                                         "Bookings open %(num)s days ahead.", ahead), status=422)
    return start, end


def _insert(booking: Booking) -> Booking:
    try:
        with db.session.begin_nested():
            db.session.add(booking)
            db.session.flush()
    except IntegrityError:
        raise DomainError("already_requested", _l("You have already asked for this zone at this time.")) from None
    return booking


def request_booking(user: User, data: BookingData) -> Booking:
    """File a visitor's request for a free time; staff confirm or decline it later."""
    zone = get_zone(data.zone_id)
    _check_shape(zone, data, staff=False)
    open_requests = db.session.scalar(select(func.count(Booking.id)).where(
        Booking.user_id == user.id, Booking.status == BookingStatus.REQUESTED.value, Booking.ends_at > utcnow()))
    limit = int(current_app.config["BOOKING_MAX_OPEN_REQUESTS"])
    if open_requests >= limit:
        raise DomainError("too_many_open_requests", lazy_ngettext(
            "You already have %(num)s request waiting for an answer. Please wait for it first.",
            "You already have %(num)s requests waiting for an answer. Please wait for them first.", limit))
    lock_zone(zone.id)
    _refuse_clash(clash(zone.id, data.starts_at, data.ends_at))
    contact = (data.contact or "").strip() or user.phone or user.email or ""
    return _insert(Booking(zone_id=zone.id, user_id=user.id, booker_name=user.name, contact=contact[:120],
                           party_size=data.party_size, purpose=(data.purpose or "").strip(),
                           starts_at=data.starts_at, ends_at=data.ends_at, status=BookingStatus.REQUESTED.value,
                           price_per_hour=zone.price_per_hour, created_by_id=user.id))


def _booker_name(data: BookingData, booker: User | None) -> str:
    name = (data.booker_name or "").strip() or (booker.name if booker else "")
    if not name:
        raise ValidationFailed(translate({"booker_name": ["required"]}))
    return name[:120]


def book_directly(staff: User, data: BookingData, *, booker: User | None = None,
                  series: BookingSeries | None = None, message: str | None = None) -> Booking:
    """Book a zone as staff: confirmed at once, for a person with an account (`booker`) or a typed name."""
    zone = get_zone(data.zone_id)
    _check_shape(zone, data, staff=True)
    name = _booker_name(data, booker)
    lock_zone(zone.id)
    _refuse_clash(clash(zone.id, data.starts_at, data.ends_at))
    now = utcnow()
    contact = (data.contact or "").strip() or (booker.phone or booker.email or "" if booker else "")
    booking = _insert(Booking(
        zone_id=zone.id, user_id=booker.id if booker else None, booker_name=name, contact=contact[:120],
        party_size=data.party_size, purpose=(data.purpose or "").strip(), starts_at=data.starts_at,
        ends_at=data.ends_at, status=BookingStatus.CONFIRMED.value, price_per_hour=zone.price_per_hour,
        created_by_id=staff.id, decided_at=now, decided_by_id=staff.id, series_id=series.id if series else None,
        staff_message=(message or "").strip() or None))
    if booker is not None and booker.id != staff.id and series is None:
        _notify_confirmed(booking)
    return booking


@dataclass
class WeeklyResult:
    series: BookingSeries | None
    created: list[Booking]
    #: dates left out because the zone was taken or closed then
    skipped: list[date]


def book_weekly(staff: User, data: BookingData, weeks: int, *, booker: User | None = None,
                skip_conflicts: bool = False, message: str | None = None) -> WeeklyResult:
    """Book the same time every week for `weeks` weeks, as one series.

    If some weeks are taken, nothing is booked and the error lists them, unless `skip_conflicts`
    asks to book the free weeks only.
    """
    if weeks <= 1:
        return WeeklyResult(None, [book_directly(staff, data, booker=booker, message=message)], [])
    zone = get_zone(data.zone_id)
    _check_shape(zone, data, staff=True)
    _booker_name(data, booker)
    lock_zone(zone.id)
    first, length = local(data.starts_at), data.ends_at - data.starts_at
    plan, skipped = [], []
    for day in rules.weekly_dates(first.date(), weeks):
        start = aware(datetime.combine(day, first.time()))
        end = start + length
        hours_ok = rules.inside_opening_hours(venue.weekly_hours(), local(start), local(end))
        if not hours_ok or clash(zone.id, start, end) is not None:
            skipped.append(day)
        else:
            plan.append((start, end))
    if skipped and not skip_conflicts:
        dates = ", ".join(format_date(day, "d MMMM", locale=get_locale()) for day in skipped)
        raise DomainError("slot_taken", _l("These weeks are already taken or closed: %(dates)s.", dates=dates),
                          extra={"dates": [day.isoformat() for day in skipped]})
    if not plan:
        raise DomainError("slot_taken", _l("Every one of these weeks is taken or closed."))
    series = BookingSeries(zone_id=zone.id, purpose=(data.purpose or "").strip()[:200], weeks=len(plan),
                           created_by_id=staff.id)
    db.session.add(series)
    db.session.flush()
    created = []
    for start, end in plan:
        occurrence = BookingData(zone_id=zone.id, starts_at=start, ends_at=end, party_size=data.party_size,
                                 purpose=data.purpose, contact=data.contact, booker_name=data.booker_name)
        created.append(book_directly(staff, occurrence, booker=booker, series=series, message=message))
    if booker is not None and booker.id != staff.id:
        _notify_confirmed(created[0], weeks=len(created))
    return WeeklyResult(series, created, skipped)


# ------------------------------------------------------------------------------------------------
# Decisions and the life of a booking

def _locked(booking: Booking) -> Booking:
    """Lock the booking's zone and re-read the booking: another phone may have changed it meanwhile."""
    lock_zone(booking.zone_id)
    db.session.refresh(booking)
    return booking


def _touch(booking: Booking) -> None:
    booking.sequence = (booking.sequence or 0) + 1
    booking.updated_at = utcnow()


def _wrong_state(booking: Booking):
    return DomainError("wrong_status", _l("This booking is %(status)s; that cannot be done now.",
                                          status=status_label(booking.status)))


def confirm(booking: Booking, staff: User, message: str | None = None) -> Booking:
    """Confirm a request: the zone is then held for it (if it is still free)."""
    _locked(booking)
    if booking.status != BookingStatus.REQUESTED:
        raise _wrong_state(booking)
    if booking.starts_at <= utcnow():
        raise DomainError("in_the_past", _l("This booking's time has already begun."), status=422)
    _refuse_clash(clash(booking.zone_id, booking.starts_at, booking.ends_at, exclude_booking_id=booking.id))
    booking.status = BookingStatus.CONFIRMED.value
    booking.decided_at, booking.decided_by_id = utcnow(), staff.id
    booking.staff_message = (message or "").strip() or booking.staff_message
    _touch(booking)
    db.session.flush()
    _notify_confirmed(booking)
    return booking


def decline(booking: Booking, staff: User, message: str | None = None) -> Booking:
    """Decline a request, with a message to the visitor."""
    _locked(booking)
    if booking.status != BookingStatus.REQUESTED:
        raise _wrong_state(booking)
    booking.status = BookingStatus.DECLINED.value
    booking.decided_at, booking.decided_by_id = utcnow(), staff.id
    booking.staff_message = (message or "").strip() or None
    _touch(booking)
    db.session.flush()
    if booking.user is not None:
        notify(booking.user, "booking_declined", _l("Booking declined: %(zone)s", zone=booking.zone.name),
               _decision_body(booking, "declined"),
               link=_path("bookings.mine"))
    return booking


def may_cancel(booking: Booking, user: User, now: datetime | None = None) -> bool:
    """Tell whether `user` may cancel the booking now (staff: any open one; the booker: until the cut-off)."""
    if booking.status not in (BookingStatus.REQUESTED, BookingStatus.CONFIRMED):
        return False
    if user.role in (Role.STAFF, Role.ADMIN):
        return True
    if booking.user_id != user.id:
        return False
    now = now or utcnow()
    if booking.status == BookingStatus.REQUESTED:
        return now < booking.starts_at
    return rules.can_cancel(booking.starts_at, now, cancel_cutoff())


def cancel(booking: Booking, user: User, message: str | None = None) -> Booking:
    """Cancel a booking: the booker until the cut-off, staff at any time before check-in."""
    _locked(booking)
    if not may_cancel(booking, user):
        if booking.status in (BookingStatus.REQUESTED, BookingStatus.CONFIRMED):
            hours = float(current_app.config["BOOKING_CANCEL_CUTOFF_HOURS"])
            raise DomainError("cancel_too_late", _l(
                "A confirmed booking can be cancelled up to %(hours)s hours before its start. Please call us.",
                hours=f"{hours:g}"))
        raise _wrong_state(booking)
    booking.status = BookingStatus.CANCELLED.value
    booking.cancelled_at, booking.cancelled_by_id = utcnow(), user.id
    if message and message.strip():
        booking.staff_message = message.strip()
    _touch(booking)
    db.session.flush()
    if booking.user is not None and booking.user_id != user.id:
        notify(booking.user, "booking_cancelled", _l("Booking cancelled: %(zone)s", zone=booking.zone.name),
               _decision_body(booking, "cancelled"),
               link=_path("bookings.mine"))
    return booking


def cancel_series(series: BookingSeries, staff: User) -> int:
    """Cancel every future open booking of a weekly series; return how many."""
    lock_zone(series.zone_id)
    count = 0
    for booking in series.bookings:
        db.session.refresh(booking)
        if booking.status in (BookingStatus.REQUESTED, BookingStatus.CONFIRMED) and booking.starts_at > utcnow():
            booking.status = BookingStatus.CANCELLED.value
            booking.cancelled_at, booking.cancelled_by_id = utcnow(), staff.id
            _touch(booking)
            count += 1
    db.session.flush()
    return count


def may_release(booking: Booking) -> bool:
    """Tell whether the booking's grace period has passed without a check-in."""
    return rules.should_release(booking.status, booking.starts_at, utcnow(), release_after())


def release(booking: Booking, staff: User) -> Booking:
    """Release a confirmed booking whose party has not come within the grace period."""
    _locked(booking)
    if booking.status != BookingStatus.CONFIRMED:
        raise _wrong_state(booking)
    if not may_release(booking):
        raise DomainError("too_early_to_release", lazy_ngettext(
            "A booking can be released %(num)s minute after its start if nobody has come.",
            "A booking can be released %(num)s minutes after its start if nobody has come.",
            int(release_after().total_seconds() // 60)))
    booking.status = BookingStatus.RELEASED.value
    booking.released_at = utcnow()
    _touch(booking)
    db.session.flush()
    return booking


def check_in(booking: Booking, staff: User, guests: int | None = None) -> Booking:
    """Let the party in: the booking starts.

    A fixed-price booking gets its bill (price per hour × hours). In a zone without a price the
    party's timed visits start, `guests` of them (the party size by default), the booker's first:
    they are paid later on one group bill (`pay_party`).
    """
    _locked(booking)
    if booking.status != BookingStatus.CONFIRMED:
        raise _wrong_state(booking)
    now = utcnow()
    if now < booking.starts_at - CHECK_IN_EARLY:
        raise DomainError("too_early", lazy_ngettext("Check-in opens %(num)s minute before the start.",
                                                     "Check-in opens %(num)s minutes before the start.",
                                                     int(CHECK_IN_EARLY.total_seconds() // 60)))
    if now >= booking.ends_at:
        raise DomainError("booking_over", _l("This booking has already ended."))
    count = booking.party_size if guests is None else guests
    if booking.price_per_hour is None and not 1 <= count <= booking.zone.capacity:
        raise ValidationFailed({"guests": [_l("Between 1 and %(n)s people.", n=booking.zone.capacity)]})
    booking.status = BookingStatus.CHECKED_IN.value
    booking.checked_in_at, booking.checked_in_by_id = now, staff.id
    if booking.price_per_hour is not None:
        booking.amount = rules.price_for(booking.price_per_hour, booking.starts_at, booking.ends_at)
    _touch(booking)
    db.session.flush()
    if booking.price_per_hour is None:
        _start_booker_visit(booking, staff)
        for _ in range(count - 1):
            _start_guest_visit(booking, staff)
    return booking


def _link(booking: Booking, visit) -> None:
    if db.session.scalar(select(PartyVisit).where(PartyVisit.visit_id == visit.id)) is not None:
        return  # the booker came in with another booking's party already; that bill covers them
    position = max((link.position for link in booking.party), default=0) + 1
    booking.party.append(PartyVisit(visit_id=visit.id, position=position))
    db.session.flush()


def _start_booker_visit(booking: Booking, staff: User) -> None:
    """Start the booker's visit (or take the one already running: they may have come in by card)."""
    if booking.user is None:
        _link(booking, visits.start_walk_in(name=booking.booker_name[:120], phone=None, staff=staff))
        return
    try:
        visit = visits.start_visit(user=booking.user, staff=staff)
    except DomainError as error:
        if error.code != "visit_already_active":
            raise
        visit = visits.open_visit_for(booking.user)
    _link(booking, visit)


def _start_guest_visit(booking: Booking, staff: User):
    """Start one more guest's visit in the party: a walk-in named after the booker ("Маша Орлова +2")."""
    number = len(booking.party)
    visit = visits.start_walk_in(name=f"{booking.booker_name[:110]} +{number}", phone=None, staff=staff)
    _link(booking, visit)
    return visit


def add_party_guest(booking: Booking, staff: User):
    """Start the visit of a guest of the party who came later; return it."""
    _locked(booking)
    if booking.status != BookingStatus.CHECKED_IN or booking.price_per_hour is not None:
        raise _wrong_state(booking)
    if len(booking.party) >= booking.zone.capacity:
        raise DomainError("zone_full", _l("The zone holds at most %(n)s people.", n=booking.zone.capacity))
    return _start_guest_visit(booking, staff)


def party_visits(booking: Booking) -> list:
    """Return the party's visits, the booker's first."""
    return [link.visit for link in booking.party]


def party_bill(booking: Booking):
    """Return the group bill the party's visits were paid with (the booker's), or None."""
    return next((link.visit.bill for link in booking.party if link.visit.bill is not None), None)


def pay_party(booking: Booking, staff: User, method: str, note: str | None = None):
    """The booker pays for the whole party at once: stop the visits still running and put the unpaid
    ones on one group bill, the booker's visit first (so the booker is the payer). Return the bill, or
    None when every visit turned out free (the grace period)."""
    _locked(booking)
    party = party_visits(booking)
    if not party or all(visit.status == "paid" for visit in party):
        raise DomainError("nothing_to_pay", _l("This booking has no bill to pay."))
    for visit in party:
        if visit.is_open:
            visits.stop_visit(visit, staff=staff)
    for visit in party:
        db.session.refresh(visit)
    unpaid = [visit for visit in party if visit.status != "paid"]
    return visits.pay_together(unpaid, staff=staff, method=method, note=note) if unpaid else None


def mark_paid(booking: Booking, staff: User, method: str) -> Booking:
    """Record the payment of a fixed-price booking's bill."""
    _locked(booking)
    if booking.amount is None:
        raise DomainError("nothing_to_pay", _l("This booking has no bill to pay."))
    if booking.paid_at is not None:
        raise DomainError("already_paid", _l("This bill is already paid."))
    booking.payment_method = PaymentMethod(method).value
    booking.paid_at = utcnow()
    _touch(booking)
    db.session.flush()
    return booking


# ------------------------------------------------------------------------------------------------
# Closures

def add_closure(staff: User, zone_id: int | None, starts_at: datetime, ends_at: datetime, reason: str,
                note: str = "") -> Closure:
    """Block a zone (or, with zone_id=None, the whole café) for a time.

    Confirmed bookings in that time must be cancelled first, so nobody is left without their room unawares.
    """
    if ends_at <= starts_at:
        raise ValidationFailed({"ends_at": [_problem("ends_before_start")]})
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


# ------------------------------------------------------------------------------------------------
# Lists for pages

def my_bookings(user: User) -> list[Booking]:
    """Return a person's bookings of the last 90 days and the future: coming ones soonest first, then the past."""
    now = utcnow()
    found = db.session.scalars(select(Booking).where(Booking.user_id == user.id,
                                                     Booking.ends_at > now - timedelta(days=90))).all()
    coming = sorted((b for b in found if b.ends_at > now), key=lambda b: b.starts_at)
    past = sorted((b for b in found if b.ends_at <= now), key=lambda b: b.starts_at, reverse=True)
    return coming + past


def pending_requests() -> list[Booking]:
    """Return the requests waiting for staff, soonest first."""
    return list(db.session.scalars(select(Booking).where(
        Booking.status == BookingStatus.REQUESTED.value, Booking.ends_at > utcnow()).order_by(Booking.starts_at)))


def bookings_between(starts_at: datetime, ends_at: datetime, statuses=OPEN, zone_id: int | None = None
                     ) -> list[Booking]:
    """Return bookings overlapping a window (open ones by default), by start."""
    stmt = select(Booking).where(Booking.starts_at < ends_at, Booking.ends_at > starts_at,
                                 Booking.status.in_(statuses))
    if zone_id is not None:
        stmt = stmt.where(Booking.zone_id == zone_id)
    return list(db.session.scalars(stmt.order_by(Booking.starts_at, Booking.zone_id)))


def find_person(email_or_phone: str) -> User | None:
    """Return the account with this email or phone (for staff booking on someone's behalf)."""
    from ..accounts.rules import normalize_phone
    from ..accounts.services import find_by_email

    value = (email_or_phone or "").strip()
    if not value:
        return None
    if "@" in value:
        return find_by_email(value)
    phone = normalize_phone(value)
    if not phone:
        return None
    return db.session.scalar(select(User).where(User.phone == phone).limit(1))


# ------------------------------------------------------------------------------------------------
# Notifications

def format_when(booking: Booking) -> str:
    """Return e.g. "сб, 28 ноября, 15:00–17:00" in the current language."""
    start, end = local(booking.starts_at), local(booking.ends_at)
    return f"{format_date(start.date(), 'EEE, d MMMM', locale=get_locale())}, {start:%H:%M}–{end:%H:%M}"


def _decision_body(booking: Booking, kind: str):
    """Return a callable that writes a decline or cancellation in the recipient's language."""

    def body() -> str:
        if kind == "declined":
            text_value = gettext("Sorry, we cannot host you in %(zone)s on %(when)s.", zone=booking.zone.name,
                                 when=format_when(booking))
        else:
            text_value = gettext("We had to cancel your booking of %(zone)s on %(when)s.", zone=booking.zone.name,
                                 when=format_when(booking))
        if booking.staff_message:
            text_value += "\n\n" + gettext("Message from the café: %(message)s", message=booking.staff_message)
        return text_value

    return body


def _release_warning() -> str:
    return ngettext("If nobody comes within %(num)s minute of the start, the room is released.",
                    "If nobody comes within %(num)s minutes of the start, the room is released.",
                    int(release_after().total_seconds() // 60))


def _notify_confirmed(booking: Booking, weeks: int | None = None) -> None:
    if booking.user is None:
        return

    def body() -> str:
        if weeks:
            text_value = ngettext("%(zone)s is booked for you every week from %(when)s, %(num)s time.",
                                  "%(zone)s is booked for you every week from %(when)s, %(num)s times.",
                                  weeks, zone=booking.zone.name, when=format_when(booking))
        else:
            text_value = gettext("Your booking of %(zone)s on %(when)s is confirmed. We are waiting for you!",
                                 zone=booking.zone.name, when=format_when(booking))
        text_value += " " + _release_warning()
        if booking.staff_message:
            text_value += "\n\n" + gettext("Message from the café: %(message)s", message=booking.staff_message)
        return text_value

    notify(booking.user, "booking_confirmed", lambda: gettext("Booking confirmed: %(zone)s", zone=booking.zone.name),
           body, link=_path("bookings.mine"))


def queue_reminders(now: datetime | None = None) -> int:
    """Queue a reminder for each confirmed booking starting within BOOKING_REMINDER_HOURS; return how many.

    Safe to run every few minutes from cron: the dedupe key sends each reminder once.
    """
    now = now or utcnow()
    horizon = now + timedelta(hours=int(current_app.config["BOOKING_REMINDER_HOURS"]))
    upcoming = db.session.scalars(select(Booking).where(
        Booking.status == BookingStatus.CONFIRMED.value, Booking.user_id.is_not(None),
        Booking.starts_at > now, Booking.starts_at <= horizon).order_by(Booking.starts_at)).all()
    queued = 0
    for booking in upcoming:

        def body(booking=booking) -> str:
            return gettext("Your booking of %(zone)s is on %(when)s.", zone=booking.zone.name,
                           when=format_when(booking)) + " " + _release_warning()

        note = notify(booking.user, "booking_reminder",
                      lambda booking=booking: gettext("Reminder: %(zone)s, %(when)s", zone=booking.zone.name,
                                                      when=format_when(booking)),
                      body, link=_path("bookings.mine"), dedupe_key=f"booking-reminder:{booking.id}")
        queued += note is not None
    db.session.flush()
    return queued


# ------------------------------------------------------------------------------------------------
# The zone's calendar feed

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


def status_label(status: str) -> str:
    """Return the word for a booking's status in the current language."""
    labels = {
        BookingStatus.REQUESTED: pgettext("booking status", "waiting for confirmation"),
        BookingStatus.CONFIRMED: pgettext("booking status", "confirmed"),
        BookingStatus.DECLINED: pgettext("booking status", "declined"),
        BookingStatus.CANCELLED: pgettext("booking status", "cancelled"),
        BookingStatus.RELEASED: pgettext("booking status", "released (nobody came)"),
        BookingStatus.CHECKED_IN: pgettext("booking status", "checked in"),
    }
    return labels.get(status, status)


#: Badge colours of the statuses.
STATUS_BADGES = {
    BookingStatus.REQUESTED: "warn", BookingStatus.CONFIRMED: "ok", BookingStatus.DECLINED: "bad",
    BookingStatus.CANCELLED: "", BookingStatus.RELEASED: "", BookingStatus.CHECKED_IN: "ok",
}

CLOSURE_REASONS = {
    ClosureReason.HOLIDAY: _l("Holiday"),
    ClosureReason.MAINTENANCE: _l("Maintenance"),
    ClosureReason.PRIVATE: _l("Private function"),
    ClosureReason.OTHER: _l("Other"),
}

PAYMENT_METHODS = {
    PaymentMethod.CASH: _l("Cash"),
    PaymentMethod.CARD: _l("Card"),
    PaymentMethod.TRANSFER: _l("Bank transfer"),
}
