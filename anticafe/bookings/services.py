"""Writes and reads for bookings: zones, availability, requests and decisions, check-in, closures,
reminders and the zone feeds.

Every change to a zone's bookings first locks the zone's row (`lock_zone`), then checks and writes:
two requests for one zone are serialized by the database, so confirmed bookings never overlap.
Services flush and leave the commit to the request or the CLI command.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from babel.dates import format_date
from flask import current_app
from flask_babel import get_locale, gettext, lazy_ngettext, ngettext, pgettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from ..accounts.models import User
from ..auth import Role
from ..db import utcnow
from ..errors import DomainError, ValidationFailed
from ..extensions import db
from ..notifications.services import notify
from ..payments import MONEY
from ..urls import site_path
from ..venue import services as venue
from ..venue.models import Zone
from ..visits.tariffs import METHOD_LABELS
from . import rules
from .availability import (
    aware,
    cancel_cutoff,
    clash,
    format_when,
    local,
    local_now,
    lock_zone,
    refuse_clash,
    release_after,
    slot_minutes,
    translate,
)
from .models import OPEN, Booking, BookingSeries, BookingStatus
from .zones import get_zone

#: Staff may check a party in this long before the start.
CHECK_IN_EARLY = timedelta(minutes=30)


# ------------------------------------------------------------------------------------------------
# Settings and local time


# ------------------------------------------------------------------------------------------------
# What takes a zone when


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
    refuse_clash(clash(zone.id, data.starts_at, data.ends_at))
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
    refuse_clash(clash(zone.id, data.starts_at, data.ends_at))
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

def locked(booking: Booking) -> Booking:
    """Lock the booking's zone and re-read the booking: another phone may have changed it meanwhile."""
    lock_zone(booking.zone_id)
    db.session.refresh(booking)
    return booking


def touch(booking: Booking) -> None:
    booking.sequence = (booking.sequence or 0) + 1
    booking.updated_at = utcnow()


def wrong_state(booking: Booking):
    return DomainError("wrong_status", _l("This booking is %(status)s; that cannot be done now.",
                                          status=status_label(booking.status)))


def confirm(booking: Booking, staff: User, message: str | None = None) -> Booking:
    """Confirm a request: the zone is then held for it (if it is still free)."""
    locked(booking)
    if booking.status != BookingStatus.REQUESTED:
        raise wrong_state(booking)
    if booking.starts_at <= utcnow():
        raise DomainError("in_the_past", _l("This booking's time has already begun."), status=422)
    refuse_clash(clash(booking.zone_id, booking.starts_at, booking.ends_at, exclude_booking_id=booking.id))
    booking.status = BookingStatus.CONFIRMED.value
    booking.decided_at, booking.decided_by_id = utcnow(), staff.id
    booking.staff_message = (message or "").strip() or booking.staff_message
    touch(booking)
    db.session.flush()
    _notify_confirmed(booking)
    return booking


def decline(booking: Booking, staff: User, message: str | None = None) -> Booking:
    """Decline a request, with a message to the visitor."""
    locked(booking)
    if booking.status != BookingStatus.REQUESTED:
        raise wrong_state(booking)
    booking.status = BookingStatus.DECLINED.value
    booking.decided_at, booking.decided_by_id = utcnow(), staff.id
    booking.staff_message = (message or "").strip() or None
    touch(booking)
    db.session.flush()
    if booking.user is not None:
        notify(booking.user, "booking_declined", _l("Booking declined: %(zone)s", zone=booking.zone.name),
               _decision_body(booking, "declined"),
               link=site_path("bookings.mine"))
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
    locked(booking)
    if not may_cancel(booking, user):
        if booking.status in (BookingStatus.REQUESTED, BookingStatus.CONFIRMED):
            hours = float(current_app.config["BOOKING_CANCEL_CUTOFF_HOURS"])
            raise DomainError("cancel_too_late", _l(
                "A confirmed booking can be cancelled up to %(hours)s hours before its start. Please call us.",
                hours=f"{hours:g}"))
        raise wrong_state(booking)
    booking.status = BookingStatus.CANCELLED.value
    booking.cancelled_at, booking.cancelled_by_id = utcnow(), user.id
    if message and message.strip():
        booking.staff_message = message.strip()
    touch(booking)
    db.session.flush()
    if booking.user is not None and booking.user_id != user.id:
        notify(booking.user, "booking_cancelled", _l("Booking cancelled: %(zone)s", zone=booking.zone.name),
               _decision_body(booking, "cancelled"),
               link=site_path("bookings.mine"))
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
            touch(booking)
            count += 1
    db.session.flush()
    return count


def may_release(booking: Booking) -> bool:
    """Tell whether the booking's grace period has passed without a check-in."""
    return rules.should_release(booking.status, booking.starts_at, utcnow(), release_after())


def release(booking: Booking, staff: User) -> Booking:
    """Release a confirmed booking whose party has not come within the grace period."""
    locked(booking)
    if booking.status != BookingStatus.CONFIRMED:
        raise wrong_state(booking)
    if not may_release(booking):
        raise DomainError("too_early_to_release", lazy_ngettext(
            "A booking can be released %(num)s minute after its start if nobody has come.",
            "A booking can be released %(num)s minutes after its start if nobody has come.",
            int(release_after().total_seconds() // 60)))
    booking.status = BookingStatus.RELEASED.value
    booking.released_at = utcnow()
    touch(booking)
    db.session.flush()
    return booking


# ------------------------------------------------------------------------------------------------
# Closures


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
           body, link=site_path("bookings.mine"))


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
                      body, link=site_path("bookings.mine"), dedupe_key=f"booking-reminder:{booking.id}")
        queued += note is not None
    db.session.flush()
    return queued


# ------------------------------------------------------------------------------------------------
# The zone's calendar feed


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


#: How a booking can be paid, in the till's words.
PAYMENT_METHODS = {method: METHOD_LABELS[method] for method in MONEY}
