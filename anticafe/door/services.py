"""Writes at the door — scan a code, check a registration in, walk-ins, undo — and the reads the door needs.

Services flush and leave the commit to the request. One documented exception: when two phones race
for the same ticket (or a retry repeats a nonce), the loser's transaction is rolled back — PostgreSQL
aborts it anyway after a unique violation — and the answer is read back from the winner's rows.

The check-in is the hottest path of the app: `load_ticket` is one indexed query that brings the
registration, its event, its person, the event's check-in window and the standing check-in (with
the name of the staff member who made it); then one insert for the check-in and one for the log.

Other domains hear from the door through signals (`anticafe.signals`): `code_scanned` offers a
code that is no ticket (the visits domain: a guest card starts or stops a timed visit);
`checked_in` / `check_in_undone` tell that a check-in was made or undone (the visits domain: a
`timed` event's check-in starts the paid visit).
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache

from flask import current_app
from flask_babel import format_datetime, format_time, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, case, func, or_, select, text, union, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, contains_eager, joinedload

from .. import codes, signals
from ..accounts.models import User
from ..accounts.services import create_guest_profile
from ..db import constant_in, utcnow
from ..errors import DomainError
from ..events.models import Event, EventStatus
from ..extensions import db
from ..registrations.models import Registration, RegistrationStatus
from ..timeutil import to_venue, venue_tz
from ..visits.models import OPEN_STATUSES, Visit
from . import rules
from .models import CheckIn, CheckInWindow, ScanLog, ScanSource

#: How long the raw scanned text kept in the log may be.
MAX_LOGGED_RAW = 500

REFUSAL_STATUS = 409

# ------------------------------------------------------------------------------------------------
# What the door knows about a ticket


@dataclass
class Standing:
    """The check-in that stands for a registration (not undone), as the door shows it."""

    id: int
    checked_in_at: datetime
    staff_id: int | None
    staff_name: str | None
    device: str | None


@dataclass
class Ticket:
    """A registration with everything a check-in decision needs, loaded in one query."""

    registration: Registration
    window: rules.CheckInWindowTimes
    standing: Standing | None
    #: the JSON members naming the registration, event and person (computed once, survive a rollback)
    refs: dict = field(default_factory=dict)

    @property
    def event(self) -> Event:
        return self.registration.event

    @property
    def user(self) -> User:
        return self.registration.user


@dataclass
class CheckInResult:
    """What a check-in attempt came to: a new check-in or the one that already stood."""

    result: str
    checkin_id: int
    checked_in_at: datetime
    staff_name: str | None
    device: str | None
    walk_in: bool
    ticket: Ticket
    #: members added by the receivers of `signals.checked_in`
    extra: dict = field(default_factory=dict)

    def payload(self) -> dict:
        """Return the API's answer for this check-in."""
        body = {
            "result": self.result,
            "message": _success_message(self),
            "checkin_id": self.checkin_id,
            "checked_in_at": iso(self.checked_in_at),
            "checked_in_by": self.staff_name,
            "device": self.device,
            "walk_in": self.walk_in,
            **self.ticket.refs,
        }
        body.update(self.extra)
        return body


@dataclass
class Outcome:
    """An answer of the door's API: an HTTP status and its JSON body (a result or an error)."""

    status: int
    body: dict
    #: true when the answer repeats the first one given for the same nonce
    replayed: bool = False

    @property
    def ok(self) -> bool:
        return self.status < 400


def iso(moment: datetime | None) -> str | None:
    """Return an aware datetime as ISO 8601 in venue time with its offset."""
    return to_venue(moment).isoformat() if moment else None


def event_ref(event: Event) -> dict:
    """Return the JSON members naming an event."""
    return {"id": event.id, "title": event.title, "starts_at": iso(event.starts_at), "ends_at": iso(event.ends_at),
            "when": format_datetime(event.starts_at, "d MMMM, HH:mm"), "status": event.status, "entry": event.entry,
            "capacity": event.capacity}


def person_ref(user: User, event: Event) -> dict:
    """Return the JSON members naming a person, with their age on the event's date."""
    return {"id": user.id, "name": user.name, "age": user.age_on(rules.event_day(event.starts_at, venue_tz()))}


def registration_ref(registration: Registration) -> dict:
    return {"id": registration.id, "status": registration.status, "source": registration.source,
            "waitlist_position": registration.waitlist_position}


def ticket_refs(registration: Registration) -> dict:
    event = registration.event
    return {"registration": registration_ref(registration), "event": event_ref(event),
            "user": person_ref(registration.user, event)}


def _window_of(event: Event, opens_minutes: int | None, closes_minutes: int | None) -> rules.CheckInWindowTimes:
    config = current_app.config
    if opens_minutes is None:
        opens_minutes = config.get("CHECKIN_OPENS_MINUTES_BEFORE", rules.DEFAULT_OPENS_BEFORE // timedelta(minutes=1))
    if closes_minutes is None:
        closes_minutes = config.get("CHECKIN_CLOSES_MINUTES_AFTER", rules.DEFAULT_CLOSES_AFTER // timedelta(minutes=1))
    return rules.window_times(event.starts_at, event.ends_at, opens_before=timedelta(minutes=opens_minutes),
                              closes_after=timedelta(minutes=closes_minutes))


@cache
def _ticket_statement(by_code: bool):
    """The statement behind `load_ticket`, built once: scans are the hot path, and building a select
    with its joins and eager options costs more CPU than running it."""
    staff = aliased(User)
    stmt = (
        select(Registration, CheckInWindow.opens_minutes_before, CheckInWindow.closes_minutes_after,
               CheckIn.id, CheckIn.checked_in_at, CheckIn.staff_id, CheckIn.device, staff.name)
        .join(Registration.event)
        .join(Registration.user)
        .outerjoin(CheckInWindow, CheckInWindow.event_id == Registration.event_id)
        .outerjoin(CheckIn, and_(CheckIn.registration_id == Registration.id, CheckIn.undone_at.is_(None)))
        .outerjoin(staff, staff.id == CheckIn.staff_id)
        .options(contains_eager(Registration.event), contains_eager(Registration.user))
    )
    if by_code:
        return stmt.where(Registration.ticket_code == bindparam("key"))
    return stmt.where(Registration.id == bindparam("key"))


def load_ticket(*, code: str | None = None, registration_id: int | None = None) -> Ticket | None:
    """Find a registration by ticket code or id with its event, person, window and standing check-in (one query)."""
    stmt = _ticket_statement(code is not None)
    key = code if code is not None else registration_id
    row = db.session.execute(stmt, {"key": key}).first()
    if row is None:
        return None
    registration, opens, closes, checkin_id, checked_in_at, staff_id, device, staff_name = row
    standing = Standing(checkin_id, checked_in_at, staff_id, staff_name, device) if checkin_id else None
    return Ticket(registration=registration, window=_window_of(registration.event, opens, closes), standing=standing,
                  refs=ticket_refs(registration))


def _standing(registration_id: int) -> Standing | None:
    staff = aliased(User)
    row = db.session.execute(
        select(CheckIn.id, CheckIn.checked_in_at, CheckIn.staff_id, staff.name, CheckIn.device)
        .outerjoin(staff, staff.id == CheckIn.staff_id)
        .where(CheckIn.registration_id == registration_id, CheckIn.undone_at.is_(None))).first()
    if row is None:
        return None
    checkin_id, checked_in_at, staff_id, staff_name, device = row
    return Standing(checkin_id, checked_in_at, staff_id, staff_name, device)


# ------------------------------------------------------------------------------------------------
# Messages


def _success_message(result: CheckInResult) -> str:
    if result.result == "checked_in":
        return gettext("Welcome, %(name)s!", name=result.ticket.refs["user"]["name"])
    at = format_time(result.checked_in_at, "HH:mm")
    if result.staff_name and result.device:
        return gettext("Already checked in at %(time)s by %(staff)s on %(device)s.", time=at,
                       staff=result.staff_name, device=result.device)
    if result.staff_name:
        return gettext("Already checked in at %(time)s by %(staff)s.", time=at, staff=result.staff_name)
    return gettext("Already checked in at %(time)s.", time=at)


def _refusal(reason: rules.Refusal, *, event: Event, window: rules.CheckInWindowTimes, state: rules.Window,
             refs: dict, waitlist_position: int | None = None) -> DomainError:
    extra: dict = dict(refs)
    if reason is rules.Refusal.REGISTRATION_CANCELLED:
        message = _l("This registration was cancelled.")
    elif reason is rules.Refusal.TICKET_REVOKED:
        message = _l("This ticket is no longer valid: it was revoked.")
    elif reason is rules.Refusal.WAITLISTED:
        message = _l("On the waitlist (place %(n)s): no seat yet.", n=waitlist_position or "—")
    elif reason is rules.Refusal.EVENT_CANCELLED:
        message = _l("The event is cancelled.")
    else:
        extra["window"] = {"state": state.value, "opens_at": iso(window.opens_at), "closes_at": iso(window.closes_at)}
        if state is rules.Window.WRONG_DAY:
            message = _l("Wrong day: the event is on %(when)s.", when=format_datetime(event.starts_at, "d MMMM, HH:mm"))
        elif state is rules.Window.NOT_OPEN_YET:
            message = _l("Check-in is not open yet: it opens at %(time)s.", time=format_time(window.opens_at, "HH:mm"))
        else:
            message = _l("The event is over: check-in closed at %(when)s.",
                         when=format_datetime(window.closes_at, "d MMMM, HH:mm"))
    return DomainError(reason.value, message, status=REFUSAL_STATUS, extra=extra)


def unknown_code() -> DomainError:
    return DomainError("unknown_code", _l("Unknown code: it matches no ticket or guest card."), status=404)


def wrong_event(ticket: Ticket) -> DomainError:
    event = ticket.event
    return DomainError("wrong_event", _l("This ticket is for another event: %(title)s, %(when)s.", title=event.title,
                                         when=format_datetime(event.starts_at, "d MMMM, HH:mm")),
                       status=REFUSAL_STATUS, extra=dict(ticket.refs))


def error_body(error: DomainError) -> dict:
    """Return the API's error shape for a refusal (as `errors.json_error` writes it)."""
    body = {"error": {"code": error.code, "message": str(error.message),
                      "fields": {k: [str(m) for m in v] for k, v in error.fields.items()}}}
    body["error"].update(error.extra)
    return body


def _violated(error: IntegrityError, index: str, sqlite_columns: str) -> bool:
    """Tell whether an IntegrityError came from a given unique index (PostgreSQL names it, SQLite lists columns)."""
    message = str(error.orig)
    return index in message or sqlite_columns in message


# ------------------------------------------------------------------------------------------------
# Checking in


def check_in(registration: Registration, *, staff, device: str | None, walk_in: bool = False,
             override_reason: str | None = None, ticket: Ticket | None = None,
             by_code: bool = False) -> CheckInResult:
    """Let a registration's holder in, or answer the check-in that already stands; raise DomainError to refuse.

    Used by the scanner (`ticket` preloaded by `load_ticket`, `by_code`: a revoked ticket is refused),
    the manual search and walk-ins. Two phones at once: the partial unique index "one standing check-in
    per registration" lets exactly one insert through; the other rolls back and answers the winner's.
    """
    if ticket is None:
        ticket = load_ticket(registration_id=registration.id)
    if ticket.standing is not None:
        return _already(ticket, ticket.standing)
    now = utcnow()
    event = ticket.event
    state = rules.window_state(now, ticket.window, starts_at=event.starts_at, tz=venue_tz())
    reason = rules.refusal(registration_status=ticket.registration.status,
                           ticket_revoked=by_code and ticket.registration.ticket_revoked_at is not None,
                           event_cancelled=event.status == EventStatus.CANCELLED, window=state)
    if reason is not None:
        raise _refusal(reason, event=event, window=ticket.window, state=state, refs=ticket.refs,
                       waitlist_position=ticket.registration.waitlist_position)
    # A failed flush expires every loaded object: keep what the answer needs as plain values.
    staff_id, staff_name = (staff.id, staff.name) if staff is not None else (None, None)
    registration_id = ticket.registration.id
    checkin = CheckIn(registration_id=registration_id, event_id=event.id, user_id=ticket.registration.user_id,
                      checked_in_at=now, staff_id=staff_id, device=device, walk_in=walk_in,
                      override_reason=override_reason)
    db.session.add(checkin)
    try:
        db.session.flush()
    except IntegrityError as error:
        if not _violated(error, "uq_checkins_registration_active", "checkins.registration_id"):
            raise
        # Another phone checked this registration in a moment ago: answer its check-in.
        db.session.rollback()
        standing = _standing(registration_id)
        if standing is None:  # ... and it was undone in between: extremely unlikely, just refuse to guess
            raise
        return _already(ticket, standing)
    extra: dict = {}
    try:
        for members in signals.answers(signals.checked_in, checkin, ticket=ticket, staff=staff):
            extra.update(members)
    except DomainError:
        db.session.rollback()
        raise
    return CheckInResult("checked_in", checkin.id, now, staff_name, device, walk_in, ticket, extra)


def _already(ticket: Ticket, standing: Standing) -> CheckInResult:
    return CheckInResult("already_checked_in", standing.id, standing.checked_in_at, standing.staff_name,
                         standing.device, False, ticket)


# ------------------------------------------------------------------------------------------------
# The scan log and retries: every door action goes through `_logged`


def _logged(action: Callable[[ScanLog], dict], *, raw: str, source: str, staff, device: str | None,
            nonce: str | None, success_status: int = 200) -> Outcome:
    """Run a door action, append its answer to the scan log, and replay the first answer for a repeated nonce.

    The action fills in what it learns (event, registration, person, check-in) on the log entry.
    """
    staff_id = staff.id if staff is not None else None
    log = ScanLog(at=utcnow(), staff_id=staff_id, device=device, raw=(raw or "")[:MAX_LOGGED_RAW],
                  source=str(source), nonce=nonce or None)
    try:
        body = action(log)
        status = success_status
        log.result = body["result"]
    except DomainError as error:
        status, body = error.status, error_body(error)
        log.result = error.code
    if log.nonce:
        log.response = json.dumps({"status": status, "body": body}, ensure_ascii=False)
    db.session.add(log)
    try:
        db.session.flush()
    except IntegrityError as error:
        if not log.nonce or not _violated(error, "uq_scan_log_nonce", "scan_log.nonce"):
            raise
        # A retry of a request that got through: answer exactly what the first one answered.
        db.session.rollback()
        stored = db.session.scalar(select(ScanLog.response).where(ScanLog.staff_id == staff_id,
                                                                  ScanLog.nonce == nonce))
        first = json.loads(stored)
        return Outcome(first["status"], first["body"], replayed=True)
    return Outcome(status, body)


def _note_ticket(log: ScanLog, ticket: Ticket) -> None:
    log.registration_id = ticket.registration.id
    log.event_id = ticket.registration.event_id
    log.user_id = ticket.registration.user_id


def scan(raw: str, *, staff, device: str | None, event_id: int | None = None, nonce: str | None = None,
         source: str | None = None) -> Outcome:
    """Answer what the scanner read: a ticket URL or code checks in; other codes go to `signals.code_scanned`.

    `event_id` is the event being checked in (a ticket for another one is refused with `wrong_event`);
    `nonce` makes a retry answer the first result. Every scan is logged, good or bad.
    """

    def action(log: ScanLog) -> dict:
        scanned = rules.parse_code(raw)
        ticket = load_ticket(code=scanned.code) if scanned is not None else None
        if ticket is not None:
            _note_ticket(log, ticket)
            if event_id is not None and ticket.registration.event_id != event_id:
                raise wrong_event(ticket)
            result = check_in(ticket.registration, staff=staff, device=device, ticket=ticket, by_code=True)
            log.checkin_id = result.checkin_id
            return result.payload()
        if scanned is not None and scanned.kind is rules.CodeKind.CODE:
            # Guest cards and any other codes belong to other domains.
            body = signals.first_answer(signals.code_scanned, scanned.code, staff=staff, device=device,
                                        event_id=event_id, log=log)
            if body is not None:
                return body
        if event_id is not None:  # note the event being checked in, if it exists (the client may be wrong)
            log.event_id = db.session.scalar(select(Event.id).where(Event.id == event_id))
        raise unknown_code()

    return _logged(action, raw=raw, source=source or ScanSource.API, staff=staff, device=device, nonce=nonce)


def manual_check_in(registration_id: int, *, staff, device: str | None, nonce: str | None = None) -> Outcome:
    """Check in a registration found by name, phone or email (logged like a scan)."""

    def action(log: ScanLog) -> dict:
        ticket = load_ticket(registration_id=registration_id)
        if ticket is None:
            raise DomainError("registration_not_found", _l("No such registration."), status=404)
        _note_ticket(log, ticket)
        result = check_in(ticket.registration, staff=staff, device=device, ticket=ticket)
        log.checkin_id = result.checkin_id
        return result.payload()

    return _logged(action, raw=f"registration:{registration_id}", source=ScanSource.MANUAL, staff=staff,
                   device=device, nonce=nonce)


def undo_check_in(checkin_id: int, *, staff, device: str | None = None, nonce: str | None = None) -> Outcome:
    """Undo a check-in made by mistake: it stays in the table, marked undone (and the undo is logged)."""

    def action(log: ScanLog) -> dict:
        checkin = db.session.get(CheckIn, checkin_id)
        if checkin is None:
            raise DomainError("checkin_not_found", _l("No such check-in."), status=404)
        log.event_id, log.registration_id, log.user_id, log.checkin_id = (
            checkin.event_id, checkin.registration_id, checkin.user_id, checkin.id)
        now = utcnow()
        done = db.session.execute(
            update(CheckIn).where(CheckIn.id == checkin_id, CheckIn.undone_at.is_(None))
            .values(undone_at=now, undone_by_id=staff.id if staff is not None else None)
            .execution_options(synchronize_session=False)).rowcount
        db.session.refresh(checkin)
        if done:
            try:
                signals.check_in_undone.send(checkin, staff=staff)
            except DomainError:
                db.session.rollback()  # the check-in stands
                raise
        return {"result": "undone", "message": gettext("Check-in undone: %(name)s.", name=checkin.user.name),
                "checkin": checkin_ref(checkin)}

    return _logged(action, raw=f"checkin:{checkin_id}", source=ScanSource.UNDO, staff=staff, device=device,
                   nonce=nonce)


# ------------------------------------------------------------------------------------------------
# Walk-ins


@dataclass
class WalkIn:
    """A person registered and let in on the spot: an existing account or a new guest profile."""

    event_id: int
    user_id: int | None = None
    name: str | None = None
    phone: str | None = None
    birth_date: date | None = None
    #: staff's reason to let someone into a full event (or outside its age limits)
    override_reason: str | None = None


def lock_event(event_id: int) -> Event:
    """Take the event's row lock for the rest of the transaction (a write lock on SQLite) and return it."""
    db.session.execute(text("UPDATE events SET id = id WHERE id = :id"), {"id": event_id})
    event = db.session.get(Event, event_id, populate_existing=True)
    if event is None:
        raise DomainError("event_not_found", _l("No such event."), status=404)
    return event


def confirmed_count(event_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Registration).where(
        Registration.event_id == event_id, Registration.status == RegistrationStatus.CONFIRMED))


def event_window(event: Event) -> rules.CheckInWindowTimes:
    """Return an event's check-in window (its own or the default)."""
    own = db.session.get(CheckInWindow, event.id)
    return _window_of(event, own.opens_minutes_before if own else None, own.closes_minutes_after if own else None)


def walk_in(data: WalkIn, *, staff, device: str | None, nonce: str | None = None) -> Outcome:
    """Register a person on the spot and check them in; capacity and age limits hold unless staff give a reason."""

    def action(log: ScanLog) -> dict:
        event = lock_event(data.event_id)  # first statement: serializes walk-ins for this event
        log.event_id = event.id
        if event.status == EventStatus.CANCELLED:
            raise DomainError("event_cancelled", _l("The event is cancelled."), status=REFUSAL_STATUS,
                              extra={"event": event_ref(event)})
        now = utcnow()
        window = event_window(event)
        state = rules.window_state(now, window, starts_at=event.starts_at, tz=venue_tz())
        if state is not rules.Window.OPEN:
            raise _refusal(rules.Refusal.OUTSIDE_CHECKIN_WINDOW, event=event, window=window, state=state,
                           refs={"event": event_ref(event)})
        reason = (data.override_reason or "").strip() or None
        user = existing = None
        if data.user_id is not None:
            user = db.session.get(User, data.user_id)
            if user is None:
                raise DomainError("person_not_found", _l("No such person."), status=404)
            log.user_id = user.id
            existing = db.session.scalar(select(Registration).where(
                Registration.event_id == event.id, Registration.user_id == user.id,
                Registration.status != RegistrationStatus.CANCELLED))
            if existing is not None and existing.status == RegistrationStatus.CONFIRMED:
                ticket = load_ticket(registration_id=existing.id)
                _note_ticket(log, ticket)
                result = check_in(existing, staff=staff, device=device, ticket=ticket)
                log.checkin_id = result.checkin_id
                return result.payload()
        overrides = []
        try:
            if user is None:  # the new guest's details are checked before any question of seats
                user = create_guest_profile(data.name or "", data.phone, data.birth_date)
            age = age_at_event(user.birth_date, event)
            if rules.age_outside_limits(age, event.min_age, event.max_age):
                if reason is None:
                    raise DomainError("age_restricted", _l("The event is for ages %(limits)s; this person is %(age)s.",
                                                           limits=_age_limits(event), age=age),
                                      status=422, extra={"event": event_ref(event), "override_allowed": True})
                overrides.append("age")
            confirmed = confirmed_count(event.id)
            if rules.is_full(event.capacity, confirmed):
                if reason is None:
                    raise DomainError("event_full", _l("All seats are taken: %(confirmed)s of %(capacity)s.",
                                                       confirmed=confirmed, capacity=event.capacity),
                                      status=REFUSAL_STATUS, extra={"event": event_ref(event), "confirmed": confirmed,
                                                                    "override_allowed": True})
                overrides.append("capacity")
        except DomainError:
            db.session.rollback()  # a refused walk-in leaves no guest profile behind
            raise
        used_reason = reason if overrides else None
        log.user_id, log.note = user.id, used_reason
        existing_id = existing.id if existing is not None else None
        try:
            registration = _confirm_walk_in(event, user, existing, staff=staff, now=now)
            ticket = load_ticket(registration_id=registration.id)
            _note_ticket(log, ticket)
            result = check_in(registration, staff=staff, device=device, walk_in=True, override_reason=used_reason,
                              ticket=ticket)
        except DomainError:
            # Refused after all (e.g. by a receiver of `signals.checked_in`): the walk-in's new rows are rolled back,
            # so the log entry may point only at what existed before.
            db.session.rollback()
            log.user_id, log.registration_id = data.user_id, existing_id
            raise
        log.checkin_id = result.checkin_id
        return result.payload()

    raw = f"walk-in:{data.user_id}" if data.user_id is not None else f"walk-in:{(data.name or '').strip()}"
    return _logged(action, raw=raw, source=ScanSource.WALK_IN, staff=staff, device=device, nonce=nonce,
                   success_status=201)


def age_at_event(birth_date: date | None, event: Event) -> int | None:
    """Return a person's age on the event's day, None when the birth date is unknown."""
    from ..accounts.rules import age_on

    return age_on(birth_date, rules.event_day(event.starts_at, venue_tz())) if birth_date else None


def _age_limits(event: Event) -> str:
    if event.min_age is not None and event.max_age is not None:
        return f"{event.min_age}–{event.max_age}"
    if event.min_age is not None:
        return f"{event.min_age}+"
    return f"≤{event.max_age}"


def _confirm_walk_in(event: Event, user: User, existing: Registration | None, *, staff, now: datetime) -> Registration:
    """Create the walk-in's confirmed registration, or confirm their waitlisted one and close the gap in the queue."""
    staff_id = staff.id if staff is not None else None
    if existing is not None:  # waitlisted: staff let them in after all
        position = existing.waitlist_position
        existing.status = RegistrationStatus.CONFIRMED
        existing.waitlist_position = None
        existing.confirmed_at = now
        existing.ticket_code = existing.ticket_code or codes.random_code(128)
        existing.ticket_revoked_at = None
        db.session.flush()
        if position is not None:
            db.session.execute(
                update(Registration)
                .where(Registration.event_id == event.id, Registration.status == RegistrationStatus.WAITLISTED,
                       Registration.waitlist_position > position)
                .values(waitlist_position=Registration.waitlist_position - 1)
                .execution_options(synchronize_session=False))
        return existing
    registration = Registration(event_id=event.id, user_id=user.id, status=RegistrationStatus.CONFIRMED,
                                source="walk_in", ticket_code=codes.random_code(128), created_at=now,
                                confirmed_at=now, created_by_id=staff_id)
    db.session.add(registration)
    try:
        db.session.flush()
    except IntegrityError as error:
        if not _violated(error, "uq_registrations_active_per_user", "registrations.event_id"):
            raise
        db.session.rollback()
        raise DomainError("already_registered", _l("This person has just been registered for the event; "
                                                   "find them in the search."), status=409) from None
    return registration


# ------------------------------------------------------------------------------------------------
# Reads for the door pages


def checkin_ref(checkin: CheckIn) -> dict:
    """Return a check-in as the attendance list shows it."""
    event = checkin.event
    return {"id": checkin.id, "registration_id": checkin.registration_id, "event_id": checkin.event_id,
            "user": person_ref(checkin.user, event), "checked_in_at": iso(checkin.checked_in_at),
            "checked_in_by": checkin.staff.name if checkin.staff else None, "device": checkin.device,
            "walk_in": checkin.walk_in, "override_reason": checkin.override_reason,
            "undone_at": iso(checkin.undone_at),
            "undone_by": checkin.undone_by.name if checkin.undone_by else None}


def people_inside_now(now: datetime | None = None) -> int:
    """Count the people inside the venue: standing check-ins of events not over yet, plus open timed visits.

    A check-in happens only while its event's window is open, so someone checked in to an event that
    has not ended is there (early arrivals included); each person counts once.
    """
    now = now or utcnow()
    at_events = (select(CheckIn.user_id.label("user_id"))
                 .join(Event, Event.id == CheckIn.event_id)
                 .where(CheckIn.undone_at.is_(None), Event.status == EventStatus.SCHEDULED,
                        Event.ends_at > now, CheckIn.checked_in_at <= now))
    visiting = select(Visit.user_id.label("user_id")).where(constant_in(Visit.status, OPEN_STATUSES),
                                                           Visit.user_id.is_not(None))
    people = union(at_events, visiting).subquery()
    known = select(func.count()).select_from(people).scalar_subquery()
    anonymous = (select(func.count()).select_from(Visit)
                 .where(constant_in(Visit.status, OPEN_STATUSES), Visit.user_id.is_(None)).scalar_subquery())
    return int(db.session.scalar(select(known + anonymous)))


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


def no_show_counts(event_ids: list[int], now: datetime | None = None) -> dict[int, int]:
    """Count no-shows per event for the events among `event_ids` that have ended (for reports and statistics)."""
    now = now or utcnow()
    if not event_ids:
        return {}
    standing = select(CheckIn.id).where(CheckIn.registration_id == Registration.id, CheckIn.undone_at.is_(None))
    rows = db.session.execute(
        select(Registration.event_id, func.count())
        .join(Event, Event.id == Registration.event_id)
        .where(Registration.event_id.in_(event_ids), Event.ends_at <= now,
               Registration.status == RegistrationStatus.CONFIRMED, ~standing.exists())
        .group_by(Registration.event_id))
    return {event_id: count for event_id, count in rows}


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
    checkins: list[CheckIn]
    #: None until the event has ended
    no_shows: list[Registration] | None
    own_window: CheckInWindow | None = None

    @property
    def seats_left(self) -> int | None:
        return rules.seats_left(self.event.capacity, self.confirmed)

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


def attendance(event_id: int, *, limit: int | None = None, now: datetime | None = None) -> Attendance:
    """Count an event's confirmed, waitlisted and checked-in people, list its check-ins (newest first) and no-shows."""
    event = db.session.get(Event, event_id)
    if event is None:
        raise DomainError("event_not_found", _l("No such event."), status=404)
    now = now or utcnow()
    by_status = dict(db.session.execute(
        select(Registration.status, func.count()).where(Registration.event_id == event_id)
        .group_by(Registration.status)).all())
    standing_counts = db.session.execute(
        select(func.count(), func.coalesce(func.sum(case((CheckIn.walk_in, 1), else_=0)), 0))
        .where(CheckIn.event_id == event_id, CheckIn.undone_at.is_(None))).one()
    stmt = (select(CheckIn).where(CheckIn.event_id == event_id)
            .options(joinedload(CheckIn.user), joinedload(CheckIn.staff), joinedload(CheckIn.undone_by),
                     joinedload(CheckIn.event))
            .order_by(CheckIn.checked_in_at.desc(), CheckIn.id.desc()))
    if limit:
        stmt = stmt.limit(limit)
    own = db.session.get(CheckInWindow, event_id)
    window = _window_of(event, own.opens_minutes_before if own else None, own.closes_minutes_after if own else None)
    return Attendance(
        event=event, window=window,
        window_state=rules.window_state(now, window, starts_at=event.starts_at, tz=venue_tz()),
        confirmed=by_status.get(RegistrationStatus.CONFIRMED, 0),
        waitlisted=by_status.get(RegistrationStatus.WAITLISTED, 0),
        checked_in=standing_counts[0], walk_ins=int(standing_counts[1]),
        inside_now=people_inside_now(now), venue_capacity=current_app.config["VENUE_CAPACITY"],
        checkins=list(db.session.scalars(stmt).unique()),
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
    registrations: dict[int, Registration] = {}
    event = db.session.get(Event, event_id) if event_id else None
    if event is not None and people:
        registrations = {r.user_id: r for r in db.session.scalars(select(Registration).where(
            Registration.event_id == event.id, Registration.user_id.in_([p.id for p in people]),
            Registration.status != RegistrationStatus.CANCELLED))}
    day = rules.event_day(event.starts_at, venue_tz()) if event else to_venue(utcnow()).date()
    return [{"id": p.id, "name": p.name, "age": p.age_on(day), "phone": p.phone, "email": p.email,
             "registration": registration_ref(registrations[p.id]) if p.id in registrations else None}
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
    windows = [(event, _window_of(event, None, None)) for event in events]
    for event, window in windows:
        if window.opens_at <= now <= window.closes_at:
            return event
    upcoming = [event for event, window in windows if window.opens_at > now]
    if upcoming:
        return upcoming[0]
    return events[-1] if events else None


def set_window(event_id: int, *, opens_minutes_before: int, closes_minutes_after: int) -> CheckInWindow:
    """Give an event its own check-in window."""
    if db.session.get(Event, event_id) is None:
        raise DomainError("event_not_found", _l("No such event."), status=404)
    own = db.session.get(CheckInWindow, event_id)
    if own is None:
        own = CheckInWindow(event_id=event_id)
        db.session.add(own)
    own.opens_minutes_before = opens_minutes_before
    own.closes_minutes_after = closes_minutes_after
    db.session.flush()
    return own


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
