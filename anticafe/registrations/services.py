"""Writes for registrations — register, cancel, promote the waitlist, reissue a ticket — and the reads
the pages and the API share.

Every seat decision for an event runs after `lock_event` (the first statement of the transaction):
it serializes registrations, cancellations and promotions for that event on PostgreSQL (a row lock)
and on SQLite (the database's write lock), so capacity is never exceeded and the waitlist stays
1..N. Services flush; the view, API endpoint or CLI command commits.
"""

import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import format_datetime, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from .. import codes
from ..accounts.models import User
from ..db import lock_row, utcnow
from ..errors import DomainError
from ..events.models import Event, EventStatus
from ..events.services import age_limits
from ..extensions import db
from ..notifications.services import notify, reachable
from ..timeutil import to_venue
from ..urls import public_url, site_path
from . import rows, rules
from .models import Registration, RegistrationStatus, Source

#: A visitor may give up a confirmed seat until this long before the start (setting
#: `REGISTRATION_CANCEL_CUTOFF_MINUTES`, default 0: until the start).
DEFAULT_CANCEL_CUTOFF_MINUTES = 0

REFUSAL_MESSAGES = {
    rules.Refusal.EVENT_CANCELLED: _l("The event is cancelled."),
    rules.Refusal.NOT_PUBLISHED: _l("The event is not published yet, so nobody can register."),
    rules.Refusal.CLOSED: _l("Registration for this event is closed."),
    rules.Refusal.EVENT_OVER: _l("The event is over."),
    rules.Refusal.BIRTH_DATE_REQUIRED: _l("This event has an age limit: add your date of birth in your profile "
                                          "to register."),
}


# ------------------------------------------------------------------------------------------------
# Locks and small reads

def lock_event(event_id: int) -> Event:
    """Take the event's row lock for the rest of the transaction and return the event, freshly read.

    `db.lock` is a row lock on PostgreSQL and takes SQLite's write lock; run it before reading
    anything the decision depends on.
    """
    if not lock_row(Event, event_id):
        raise DomainError("not_found", _l("No such event."), status=404)
    return db.session.get(Event, event_id, populate_existing=True)


def event_day(event: Event) -> date:
    """Return the event's date at the venue (ages are counted on this day)."""
    return to_venue(event.starts_at).date()


def event_facts(event: Event) -> rules.EventFacts:
    """Return the rules' view of an event."""
    return rules.EventFacts(
        starts_at=event.starts_at, ends_at=event.ends_at, cancelled=event.status == EventStatus.CANCELLED,
        published=bool(event.published), registration_opens_at=event.registration_opens_at,
        registration_closes_at=event.registration_closes_at, min_age=event.min_age, max_age=event.max_age,
        capacity=event.capacity)


def cancel_cutoff() -> timedelta:
    """Return how long before the start visitors stop being able to cancel a confirmed seat.

    From the app config (instance/config.py, tests), else the environment variable of the same name.
    """
    name = "REGISTRATION_CANCEL_CUTOFF_MINUTES"
    minutes = current_app.config.get(name, os.environ.get(name, DEFAULT_CANCEL_CUTOFF_MINUTES))
    return timedelta(minutes=int(minutes))


@dataclass(frozen=True)
class Counts:
    """Seats of one event: the one count every domain asks for."""

    confirmed: int = 0
    waitlisted: int = 0
    cancelled: int = 0


def counts_for(event_ids) -> dict[int, Counts]:
    """Return confirmed, waitlisted and cancelled counts for many events (one grouped query per 500)."""
    ids = sorted(set(event_ids))
    found: dict[int, dict[str, int]] = {event_id: {} for event_id in ids}
    for start in range(0, len(ids), 500):
        rows = db.session.execute(select(Registration.event_id, Registration.status, func.count())
                                  .where(Registration.event_id.in_(ids[start:start + 500]))
                                  .group_by(Registration.event_id, Registration.status))
        for event_id, status, number in rows:
            found[event_id][str(status)] = int(number)
    return {event_id: Counts(**numbers) for event_id, numbers in found.items()}


def counts(event_id: int) -> Counts:
    """Return one event's confirmed and waitlisted counts."""
    return counts_for([event_id])[event_id]


def active_registration(event_id: int, user_id: int) -> Registration | None:
    """Return the person's confirmed or waitlisted registration for the event, if any."""
    return db.session.scalar(select(Registration).where(
        Registration.event_id == event_id, Registration.user_id == user_id,
        Registration.status != RegistrationStatus.CANCELLED))


def find_by_ticket_code(code: str) -> Registration | None:
    """Return the registration whose ticket has this code (revoked ones included), or None."""
    normalized = codes.normalize(code)
    if normalized is None:
        return None
    return db.session.scalar(select(Registration).options(joinedload(Registration.event), joinedload(Registration.user))
                             .where(Registration.ticket_code == normalized))


def may_see(registration: Registration, user) -> bool:
    """Tell whether `user` may see a registration's personal details: its owner and staff."""
    return bool(user and user.is_authenticated) and (user.id == registration.user_id or user.is_staff)


# ------------------------------------------------------------------------------------------------
# URLs



def ticket_url(registration: Registration) -> str | None:
    """Return the ticket's absolute URL (the QR's content), or None when there is no usable ticket."""
    if not registration.has_valid_ticket:
        return None
    code = registration.ticket_code
    return public_url("registrations.ticket", code=code)


def qr_url(registration: Registration, fmt: str = "png") -> str | None:
    """Return the absolute URL of the ticket's QR image (owner and staff only), or None without a ticket."""
    if not registration.has_valid_ticket:
        return None
    return public_url("registrations.qr", registration_id=registration.id, fmt=fmt)


def event_path(event_id: int) -> str:
    """Return the path of an event's public page (the events domain's route)."""
    return site_path("events.detail", event_id=event_id)


def event_ics_path(event_id: int) -> str:
    """Return the path of an event's iCalendar file ("add to calendar")."""
    return site_path("events.event_ics", event_id=event_id)


# ------------------------------------------------------------------------------------------------
# Register, cancel, promote

def refusal_message(refusal: rules.Refusal, event: Event, user: User | None, *, self_service: bool = True):
    """Explain a refusal in the current language (to the person themselves or to staff)."""
    if refusal is rules.Refusal.NOT_OPEN_YET:
        return _l("Registration opens on %(when)s.", when=_when(event, event.registration_opens_at))
    if refusal in (rules.Refusal.TOO_YOUNG, rules.Refusal.TOO_OLD):
        age = user.age_on(event_day(event))
        if self_service:
            return _l("This event is for ages %(limits)s, and on the day of the event you will be %(age)s.",
                      limits=age_limits(event), age=age)
        return _l("This event is for ages %(limits)s, and on the day of the event %(name)s will be %(age)s.",
                  limits=age_limits(event), name=user.name, age=age)
    if refusal is rules.Refusal.BIRTH_DATE_REQUIRED and not self_service:
        return _l("This event has an age limit, and %(name)s has no date of birth on record.", name=user.name)
    return REFUSAL_MESSAGES[refusal]


def _refusal_error(refusal: rules.Refusal, event: Event, user: User, *, self_service: bool) -> DomainError:
    return DomainError(rules.API_CODES[refusal], refusal_message(refusal, event, user, self_service=self_service),
                       status=422, extra={"reason": refusal.value})


def _already_registered(existing: Registration, *, self_service: bool) -> DomainError:
    if existing.is_waitlisted:
        message = (_l("You are already on the waitlist for this event (number %(n)s).", n=existing.waitlist_position)
                   if self_service else _l("This person is already on the waitlist (number %(n)s).",
                                           n=existing.waitlist_position))
    else:
        message = (_l("You are already registered for this event.") if self_service
                   else _l("This person is already registered for this event."))
    return DomainError("already_registered", message, status=409, extra={"registration_id": existing.id})


def register(event: Event, user: User, *, by: User | None = None, source: str = Source.SELF,
             over_capacity: bool = False) -> Registration:
    """Register `user` for `event`: confirmed with a ticket while seats last, else on the waitlist.

    `by` is who acts (None or the user: themselves; otherwise it must be staff). Staff may register
    outside the visitors' window until the event ends, and may confirm beyond capacity with
    `over_capacity=True` (a door override). Raises DomainError: 422 `event_cancelled`,
    `registration_closed`, `age_restricted`; 409 `already_registered`; 403 `forbidden`.
    """
    self_service = by is None or by.id == user.id
    staff = by is not None and by.is_staff
    if not self_service and not staff:
        raise DomainError("forbidden", _l("Only staff can register other people."), status=403)
    if self_service and not staff and user.consent_pending:
        raise DomainError("guardian_consent_pending", _l(
            "Your parent or guardian has not confirmed their consent yet. Once they open the emailed link (or "
            "bring the signed form to the café), you can register."), status=409)
    source = Source(source)
    if not self_service and source is Source.SELF:
        source = Source.STAFF
    # Asked before the event's lock, which is then held for the seat count and the insert alone: should a
    # registration be made meanwhile, the partial unique index refuses the insert as "already registered".
    existing = active_registration(event.id, user.id)
    event = lock_event(event.id)
    now = utcnow()
    refusal = rules.registration_refusal(event_facts(event), birth_date=user.birth_date, event_day=event_day(event),
                                         now=now, staff=staff)
    if refusal is not None:
        raise _refusal_error(refusal, event, user, self_service=self_service)
    if existing is not None:
        raise _already_registered(existing, self_service=self_service)
    confirmed = counts(event.id).confirmed
    registration = Registration(event_id=event.id, user_id=user.id, source=source.value, created_at=now,
                                created_by_id=None if self_service else by.id)
    if rules.has_seat(event.capacity, confirmed) or (staff and over_capacity):
        _confirm(registration, now)
    else:
        last = db.session.scalar(select(func.max(Registration.waitlist_position)).where(
            Registration.event_id == event.id, Registration.status == RegistrationStatus.WAITLISTED))
        registration.status = RegistrationStatus.WAITLISTED
        registration.waitlist_position = (last or 0) + 1
    try:
        with db.session.begin_nested():
            db.session.add(registration)
    except IntegrityError:
        # The partial unique index: a parallel request that did not take the lock (another domain) won.
        existing = active_registration(event.id, user.id)
        if existing is None:
            raise
        raise _already_registered(existing, self_service=self_service) from None
    current_app.logger.info("registration %s: user %s %s for event %s", registration.id, user.id,
                            registration.status, event.id)
    return registration


def _confirm(registration: Registration, now: datetime) -> None:
    for column, value in rows.confirmed(now).items():
        setattr(registration, column, value)
    registration.door_code = _new_door_code(registration.event_id)


def _new_door_code(event_id: int) -> str:
    """Return a door code unused within the event. Call under the event's lock (the unique index backs it)."""
    taken = set(db.session.scalars(select(Registration.door_code).where(
        Registration.event_id == event_id, Registration.door_code.is_not(None))))
    return rows.new_door_code(taken)


def find_by_door_code(event_id: int, code: str) -> Registration | None:
    """Find an event's registration by its short door code (any case, dashes and spaces forgiven)."""
    normalized = codes.normalize(code)
    if normalized is None or len(normalized) > rows.MAX_DOOR_CODE_LENGTH:
        return None
    return db.session.scalar(select(Registration).where(Registration.event_id == event_id,
                                                        Registration.door_code == normalized))


def seat_walk_in(event: Event, user: User, *, staff: User | None, existing: Registration | None,
                 now: datetime) -> Registration:
    """Confirm someone let in at the door: their waitlisted registration moves up, or a new one is made.

    Call under `lock_event`, once the door has decided they may come in (a seat and the age limits,
    or a staff member's reason). A registration made for them in between by another request is
    refused (409 `already_registered`).
    """
    if existing is not None:  # waitlisted: staff let them in after all
        _confirm(existing, now)
        db.session.flush()
        renumber_waitlist(event.id)
        return existing
    registration = Registration(event_id=event.id, user_id=user.id, source=Source.WALK_IN.value, created_at=now,
                                created_by_id=staff.id if staff is not None else None)
    _confirm(registration, now)
    try:
        with db.session.begin_nested():
            db.session.add(registration)
    except IntegrityError:
        raise DomainError("already_registered", _l("This person has just been registered for the event; "
                                                   "find them in the search."), status=409) from None
    return registration


def cancel(registration: Registration, *, by: User) -> Registration:
    """Cancel a registration: revoke its ticket, free the seat and promote the waitlist, in one transaction.

    The owner may cancel a confirmed seat until the cut-off (default: the start) and leave the
    waitlist until the event ends; staff may cancel at any time. Cancelling twice is harmless.
    """
    staff = by.is_staff
    if not staff and by.id != registration.user_id:
        raise DomainError("not_found", _l("No such registration."), status=404)
    event = lock_event(registration.event_id)
    db.session.refresh(registration)
    if registration.is_cancelled:
        return registration
    now = utcnow()
    if not staff and not rules.visitor_may_cancel(status=registration.status, now=now, starts_at=event.starts_at,
                                                  ends_at=event.ends_at, cutoff=cancel_cutoff()):
        raise DomainError("cancellation_closed", _l("It is too late to cancel: the event has started. "
                                                    "Please tell the staff at the café."), status=422)
    was_confirmed = registration.is_confirmed
    registration.status = RegistrationStatus.CANCELLED
    registration.waitlist_position = None
    registration.cancelled_at = now
    registration.cancelled_by_id = by.id
    if registration.ticket_code is not None:
        registration.ticket_revoked_at = now
    db.session.flush()
    if was_confirmed:
        promote_waitlist(event)
    else:
        renumber_waitlist(event.id)
    current_app.logger.info("registration %s cancelled by user %s", registration.id, by.id)
    return registration


def renumber_waitlist(event_id: int) -> None:
    """Close gaps in an event's waitlist: positions become 1..N in queue order. Call under the event lock."""
    queue = db.session.scalars(select(Registration).where(
        Registration.event_id == event_id, Registration.status == RegistrationStatus.WAITLISTED)).all()
    changes = rules.renumber((r.id, r.waitlist_position) for r in queue)
    for registration in queue:
        if registration.id in changes:
            registration.waitlist_position = changes[registration.id]
    db.session.flush()


def promote_waitlist(event: Event) -> list[Registration]:
    """Fill an event's free seats from the front of the waitlist; tell the promoted people.

    Called after a cancellation and when staff raise the capacity. Nobody is promoted for a
    cancelled or finished event.
    """
    db.session.flush()
    event = lock_event(event.id)
    now = utcnow()
    promoted: list[Registration] = []
    if event.status != EventStatus.CANCELLED and now < event.ends_at:
        waiting = db.session.scalars(select(Registration).options(joinedload(Registration.user)).where(
            Registration.event_id == event.id, Registration.status == RegistrationStatus.WAITLISTED)
            .order_by(Registration.waitlist_position, Registration.id)).all()
        fill = rules.seats_to_fill(event.capacity, counts(event.id).confirmed, len(waiting))
        for registration in waiting[:fill]:
            _confirm(registration, now)
            promoted.append(registration)
        db.session.flush()
    renumber_waitlist(event.id)
    for registration in promoted:
        _tell_promoted(registration, event)
    return promoted


def reissue_ticket(registration: Registration, *, by: User) -> Registration:
    """Give a confirmed registration a new ticket code; the old QR stops working (a leaked ticket)."""
    if not (by.is_staff or by.id == registration.user_id):
        raise DomainError("not_found", _l("No such registration."), status=404)
    if not registration.is_confirmed:
        raise DomainError("no_ticket", _l("Only a confirmed registration has a ticket."), status=409)
    registration.ticket_code = rows.new_ticket_code()
    lock_event(registration.event_id)
    registration.door_code = _new_door_code(registration.event_id)
    db.session.flush()
    return registration


def register_guest(event: Event, *, name: str, phone: str | None, birth_date: date | None, by: User,
                   source: str = Source.WALK_IN) -> Registration:
    """Create a guest profile for a person without an account and register them (staff at the door)."""
    from ..accounts.services import create_guest_profile

    guest = create_guest_profile(name, phone, birth_date)
    return register(event, guest, by=by, source=source)


# ------------------------------------------------------------------------------------------------
# Notifications

def _when(event: Event, moment: datetime | None = None) -> str:
    """Format the event's start (or `moment`) in venue time and the current language: "14 ноября, 19:00"."""
    return format_datetime(moment or event.starts_at, "d MMMM, HH:mm")


def _tell_promoted(registration: Registration, event: Event) -> None:
    user = registration.user
    if user is None or not reachable(user):  # a guest profile without a linked messenger cannot read it
        return
    notify(user, "waitlist_promoted",
           lambda: gettext("A seat is yours: %(title)s", title=event.title),
           lambda: gettext("A seat has freed up at “%(title)s” on %(when)s, and you have moved from the waitlist "
                           "to the participants. Your ticket with the QR code is at the link below. If your plans "
                           "have changed, please cancel before %(deadline)s so that the next person can come.",
                           title=event.title, when=_when(event),
                           deadline=_when(event, event.starts_at - cancel_cutoff())),
           link=rules.ticket_path(registration.ticket_code), ticket_code=registration.ticket_code,
           dedupe_key=f"waitlist_promoted:{registration.id}")


def queue_reminders(now: datetime | None = None, ahead: timedelta = timedelta(hours=24)) -> int:
    """Queue a reminder for each confirmed person of every event starting within `ahead`; return how many.

    Safe to run as often as cron likes: the dedupe key gives each person one reminder per event.
    """
    now = now or utcnow()
    rows = db.session.scalars(
        select(Registration).join(Registration.event).options(joinedload(Registration.event),
                                                              joinedload(Registration.user))
        .where(Registration.status == RegistrationStatus.CONFIRMED, Event.status == EventStatus.SCHEDULED,
               Event.published.is_(True), Event.starts_at > now, Event.starts_at <= now + ahead)
        .order_by(Event.starts_at, Registration.id)).all()
    queued = 0
    for registration in rows:
        event, user = registration.event, registration.user
        if not user.active or not reachable(user):
            continue
        note = notify(
            user, "event_reminder",
            lambda event=event: gettext("Reminder: %(title)s, %(when)s", title=event.title, when=_when(event)),
            lambda event=event: gettext("“%(title)s” starts on %(when)s at %(place)s. Show the QR code from your "
                                        "ticket at the door. If you cannot come, please cancel your registration "
                                        "so that someone from the waitlist gets your seat.",
                                        title=event.title, when=_when(event),
                                        place=current_app.config["VENUE_ADDRESS"]),
            link=rules.ticket_path(registration.ticket_code), ticket_code=registration.ticket_code,
            dedupe_key=f"event_reminder:{event.id}:{user.id}")
        if note is not None:
            queued += 1
    db.session.flush()
    return queued


# ------------------------------------------------------------------------------------------------
# Reads for pages and the API

def event_registrations(event_id: int) -> list[Registration]:
    """Return an event's registrations: confirmed (by time), then the waitlist in order, then cancelled."""
    order = case((Registration.status == RegistrationStatus.CONFIRMED, 0),
                 (Registration.status == RegistrationStatus.WAITLISTED, 1), else_=2)
    return list(db.session.scalars(
        select(Registration).options(joinedload(Registration.user), joinedload(Registration.created_by))
        .where(Registration.event_id == event_id)
        .order_by(order, Registration.waitlist_position, Registration.confirmed_at, Registration.cancelled_at,
                  Registration.id)))




def user_registrations(user: User, *, include_cancelled: bool = True) -> list[Registration]:
    """Return a person's registrations with their events, soonest event first.

    A cancelled registration is left out when the person has an active one for the same event.
    """
    stmt = (select(Registration).join(Registration.event).options(joinedload(Registration.event))
            .where(Registration.user_id == user.id).order_by(Event.starts_at, Registration.id))
    if not include_cancelled:
        stmt = stmt.where(Registration.status != RegistrationStatus.CANCELLED)
    rows = list(db.session.scalars(stmt))
    active_events = {r.event_id for r in rows if not r.is_cancelled}
    seen_cancelled: set[int] = set()
    result = []
    for registration in reversed(rows):  # keep only the latest cancelled one per event
        if registration.is_cancelled:
            if registration.event_id in active_events or registration.event_id in seen_cancelled:
                continue
            seen_cancelled.add(registration.event_id)
        result.append(registration)
    result.reverse()
    return result


def split_upcoming(registrations: list[Registration], now: datetime) -> tuple[list[Registration], list[Registration]]:
    """Split into (upcoming or running, past newest first)."""
    upcoming = [r for r in registrations if r.event.ends_at > now]
    past = [r for r in registrations if r.event.ends_at <= now]
    past.reverse()
    return upcoming, past


@dataclass
class BoxState:
    """What the register box shows one person for one event."""

    #: "login", "register", "join_waitlist", "confirmed", "waitlisted" or "closed"
    kind: str
    event: Event
    counts: Counts
    registration: Registration | None = None
    #: why registration is closed (translated), for kind "closed"
    reason: str | None = None
    can_cancel: bool = False

    @property
    def seats_left(self) -> int | None:
        return rules.free_seats(self.event.capacity, self.counts.confirmed)


def box_state(event: Event, user, now: datetime | None = None) -> BoxState:
    """Decide what the register box shows `user` (possibly anonymous) for `event`.

    The box follows the visitors' rules (staff register other people on the event's staff page).
    """
    now = now or utcnow()
    seats = counts(event.id)
    logged_in = user is not None and user.is_authenticated
    if logged_in:
        registration = active_registration(event.id, user.id)
        if registration is not None:
            may_cancel = user.is_staff or rules.visitor_may_cancel(
                status=registration.status, now=now, starts_at=event.starts_at, ends_at=event.ends_at,
                cutoff=cancel_cutoff())
            return BoxState(registration.status, event, seats, registration, can_cancel=may_cancel)
    refusal = rules.window_refusal(event_facts(event), now)
    if refusal is None and logged_in:
        refusal = rules.age_refusal(user.birth_date, event_day(event), event.min_age, event.max_age)
    if refusal is not None:
        return BoxState("closed", event, seats, reason=str(refusal_message(refusal, event, user)))
    if not logged_in:
        return BoxState("login", event, seats)
    kind = "register" if rules.has_seat(event.capacity, seats.confirmed) else "join_waitlist"
    return BoxState(kind, event, seats)
