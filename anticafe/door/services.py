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
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from .. import signals
from ..accounts.models import User
from ..accounts.services import create_guest_profile
from ..db import utcnow
from ..errors import DomainError
from ..events.models import Event, EventStatus
from ..events.services import age_limits
from ..extensions import db
from ..registrations import services as registrations
from ..registrations.models import Registration
from ..registrations.rules import has_seat
from ..timeutil import venue_tz
from . import rules
from .attendance import checkin_ref
from .models import CheckIn, CheckInWindow, ScanLog, ScanSource
from .tickets import (
    REFUSAL_STATUS,
    CheckInResult,
    Outcome,
    Standing,
    Ticket,
    error_body,
    event_ref,
    event_window,
    load_ticket,
    refusal_error,
    standing_of,
    unknown_code,
    violated,
    wrong_event,
)

#: How long the raw scanned text kept in the log may be.
MAX_LOGGED_RAW = 500
#: The scan log's columns that a door action fills in (all but the id).
_LOG_KEYS = tuple(column.key for column in ScanLog.__table__.columns if column.key != "id")


@cache
def _log_insert():
    return insert(ScanLog.__table__)


@cache
def _checkin_insert():
    return insert(CheckIn.__table__)


# ------------------------------------------------------------------------------------------------
# Checking in


def check_in(registration: Registration, *, staff, device: str | None, walk_in: bool = False,
             override_reason: str | None = None, ticket: Ticket | None = None,
             by_code: bool = False, scanned_at: datetime | None = None) -> CheckInResult:
    """Let a registration's holder in, or answer the check-in that already stands; raise DomainError to refuse.

    Used by the scanner (`ticket` preloaded by `load_ticket`, `by_code`: a revoked ticket is refused),
    the manual search and walk-ins. Two phones at once: the partial unique index "one standing check-in
    per registration" lets exactly one insert through; the other rolls back and answers the winner's.
    `scanned_at`: a scan decided offline, judged and recorded at that moment (marked `offline`).
    """
    if ticket is None:
        ticket = load_ticket(registration_id=registration.id)
    if ticket.standing is not None:
        return _already(ticket, ticket.standing)
    now = scanned_at or utcnow()
    event = ticket.event
    state = rules.window_state(now, ticket.window, starts_at=event.starts_at, tz=venue_tz())
    reason = rules.refusal(registration_status=ticket.registration.status,
                           ticket_revoked=by_code and ticket.registration.ticket_revoked_at is not None,
                           event_cancelled=event.status == EventStatus.CANCELLED, window=state)
    if reason is not None:
        raise refusal_error(reason, event=event, window=ticket.window, state=state, refs=ticket.refs,
                       waitlist_position=ticket.registration.waitlist_position)
    # A failed flush expires every loaded object: keep what the answer needs as plain values.
    staff_id, staff_name = (staff.id, staff.name) if staff is not None else (None, None)
    registration_id = ticket.registration.id
    values = {"registration_id": registration_id, "event_id": event.id, "user_id": ticket.registration.user_id,
              "checked_in_at": now, "staff_id": staff_id, "device": device, "walk_in": walk_in,
              "override_reason": override_reason, "offline": scanned_at is not None}
    try:
        # One Core INSERT, not the ORM's unit of work (nothing in the request reads the row back as an
        # object). The session still hears it: the data versions bump `checkins`' topics, and the
        # statistics' hook marks the new row stale in this transaction (a bulk insert's mark).
        inserted = db.session.execute(_checkin_insert(), values)
    except IntegrityError as error:
        if not violated(error, "uq_checkins_registration_active", "checkins.registration_id"):
            raise
        # Another phone checked this registration in a moment ago: answer its check-in.
        db.session.rollback()
        standing = standing_of(registration_id)
        if standing is None:  # ... and it was undone in between: extremely unlikely, just refuse to guess
            raise
        return _already(ticket, standing)
    # The receivers get a CheckIn as the signal says, carrying the row's values (not in the session).
    checkin = CheckIn(id=inserted.inserted_primary_key[0], **values)
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
    try:
        # The entry is written by one Core INSERT, not the ORM's unit of work (nothing reads the object
        # back): the data versions still see the table (`versions` hears every statement of the session).
        db.session.execute(_log_insert(), {key: getattr(log, key) for key in _LOG_KEYS})
    except IntegrityError as error:
        if not log.nonce or not violated(error, "uq_scan_log_nonce", "scan_log.nonce"):
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


@dataclass(frozen=True)
class OfflineScan:
    """A scan a phone decided without network, uploaded later: when it happened and what the phone said."""

    scanned_at: datetime
    #: the phone's decision: checked_in, already_checked_in or a refusal's code
    result: str


def scan(raw: str, *, staff, device: str | None, event_id: int | None = None, nonce: str | None = None,
         source: str | None = None, offline: OfflineScan | None = None) -> Outcome:
    """Answer what the scanner read: a ticket URL or code checks in; other codes go to `signals.code_scanned`.

    `event_id` is the event being checked in (a ticket for another one is refused with `wrong_event`);
    `nonce` makes a retry answer the first result. Every scan is logged, good or bad.

    `offline`: the phone decided without network; the scan is judged at its `scanned_at` (a moment in
    the future is refused; one outside the event's window is refused like any scan) and the check-in
    recorded then. When the phone let the person in but the server keeps another check-in (or refuses),
    the answer carries `conflict: true` and the log entry shows it: a fact for staff, not an error.
    """

    def action(log: ScanLog) -> dict:
        if offline is not None:
            log.scanned_at, log.offline_result = offline.scanned_at, offline.result
            if rules.scanned_at_problem(offline.scanned_at, utcnow()) is not None:
                raise DomainError(rules.ScannedAtProblem.IN_FUTURE.value,
                                  _l("The scan's time is in the future: check the phone's clock."), status=422,
                                  fields={"scanned_at": [_l("Must not be in the future.")]})
            try:
                return ticket_action(log)
            except DomainError as error:
                if offline.result == "checked_in":
                    error.extra["conflict"] = True
                raise
        return ticket_action(log)

    def find_ticket(scanned: rules.ScannedCode | None) -> Ticket | None:
        ticket = load_ticket(code=scanned.code) if scanned is not None else None
        if ticket is None and rules.may_be_door_code(scanned, event_id):
            # A short door code, typed together with the event being checked in.
            ticket = load_ticket(door_code=(event_id, scanned.code))
        return ticket

    def offer(scanned: rules.ScannedCode | None, log: ScanLog) -> dict | None:
        # An offline scan is a ticket or nothing: a guest card's visit cannot start at a past moment.
        if offline is None and scanned is not None and scanned.kind is rules.CodeKind.CODE:
            # Guest cards and any other codes belong to other domains.
            return signals.first_answer(signals.code_scanned, scanned.code, staff=staff, device=device,
                                        event_id=event_id, log=log)
        return None

    def ticket_action(log: ScanLog) -> dict:
        scanned = rules.parse_code(raw)
        # A code that cannot be a ticket of today's length is offered to the other domains first (a guest
        # card's scan then costs no ticket lookup), and tried as a ticket after all if none takes it.
        others_first = offline is None and not rules.ticket_first(scanned, event_id)
        if others_first:
            body = offer(scanned, log)
            if body is not None:
                return body
        ticket = find_ticket(scanned)
        if ticket is not None:
            if ticket.registration.is_cancelled and ticket.standing is None:
                # Said as "cancelled" whatever event is being checked in: that is what staff must tell the person.
                _note_ticket(log, ticket)
                raise refusal_error(rules.Refusal.REGISTRATION_CANCELLED, event=ticket.event, window=ticket.window,
                                    state=rules.Window.OPEN, refs=ticket.refs)
            if event_id is not None and ticket.registration.event_id != event_id:
                _note_ticket(log, ticket)
                raise wrong_event(ticket)
            body = _check_in_logged(ticket, log, staff=staff, device=device, by_code=True,
                                    scanned_at=offline.scanned_at if offline else None)
            if offline is not None:
                body["offline"] = True
                if offline.result == "checked_in" and body["result"] != "checked_in":
                    body["conflict"] = True
            return body
        if not others_first:
            body = offer(scanned, log)
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
        return _check_in_logged(ticket, log, staff=staff, device=device)

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


def walk_in(data: WalkIn, *, staff, device: str | None, nonce: str | None = None) -> Outcome:
    """Register a person on the spot and check them in; capacity and age limits hold unless staff give a reason.

    The seat itself is the registrations domain's decision (`registrations.seat_walk_in`), made
    under its event lock, the first statement here: walk-ins and registrations for one event queue.
    """

    def action(log: ScanLog) -> dict:
        event = _lock_walk_in_event(data.event_id)
        log.event_id = event.id
        now = utcnow()
        _check_takes_walk_ins(event, now)
        user, existing = _known_person(data.user_id, event, log)
        if existing is not None and existing.is_confirmed:
            return _check_in_logged(load_ticket(registration_id=existing.id), log, staff=staff, device=device)
        reason = (data.override_reason or "").strip() or None
        try:
            if user is None:  # the new guest's details are checked before any question of seats
                user = create_guest_profile(data.name or "", data.phone, data.birth_date)
            overrides = _walk_in_overrides(event, user, reason)
        except DomainError:
            db.session.rollback()  # a refused walk-in leaves no guest profile behind
            raise
        used_reason = reason if overrides else None
        log.user_id, log.note = user.id, used_reason
        existing_id = existing.id if existing is not None else None
        try:
            registration = registrations.seat_walk_in(event, user, staff=staff, existing=existing, now=now)
            return _check_in_logged(load_ticket(registration_id=registration.id), log, staff=staff, device=device,
                                    walk_in=True, override_reason=used_reason)
        except DomainError:
            # Refused after all (e.g. by a receiver of `signals.checked_in`): the walk-in's new rows are
            # rolled back, so the log entry may point only at what existed before.
            db.session.rollback()
            log.user_id, log.registration_id = data.user_id, existing_id
            raise

    raw = f"walk-in:{data.user_id}" if data.user_id is not None else f"walk-in:{(data.name or '').strip()}"
    return _logged(action, raw=raw, source=ScanSource.WALK_IN, staff=staff, device=device, nonce=nonce,
                   success_status=201)


def _lock_walk_in_event(event_id: int) -> Event:
    """Take the event's lock (registrations' own) for the walk-in; the door's API calls a missing event
    `event_not_found`."""
    try:
        return registrations.lock_event(event_id)
    except DomainError as error:
        if error.code != "not_found":
            raise
        raise DomainError("event_not_found", _l("No such event."), status=404) from None


def _check_takes_walk_ins(event: Event, now: datetime) -> None:
    """Refuse a walk-in to a cancelled event or outside the event's check-in window."""
    if event.status == EventStatus.CANCELLED:
        raise DomainError("event_cancelled", _l("The event is cancelled."), status=REFUSAL_STATUS,
                          extra={"event": event_ref(event)})
    window = event_window(event)
    state = rules.window_state(now, window, starts_at=event.starts_at, tz=venue_tz())
    if state is not rules.Window.OPEN:
        raise refusal_error(rules.Refusal.OUTSIDE_CHECKIN_WINDOW, event=event, window=window, state=state,
                       refs={"event": event_ref(event)})


def _known_person(user_id: int | None, event: Event, log: ScanLog) -> tuple[User | None, Registration | None]:
    """Return the existing account a walk-in names, and their registration for the event (if any)."""
    if user_id is None:
        return None, None
    user = db.session.get(User, user_id)
    if user is None:
        raise DomainError("person_not_found", _l("No such person."), status=404)
    log.user_id = user.id
    return user, registrations.active_registration(event.id, user.id)


def _walk_in_overrides(event: Event, user: User, reason: str | None) -> list[str]:
    """Return the limits staff override to let this person in ("age", "capacity"); refuse without a reason."""
    overrides = []
    age = user.age_on(registrations.event_day(event))
    if rules.age_outside_limits(age, event.min_age, event.max_age):
        if reason is None:
            raise DomainError("age_restricted", _l("The event is for ages %(limits)s; this person is %(age)s.",
                                                   limits=age_limits(event), age=age),
                              status=422, extra={"event": event_ref(event), "override_allowed": True})
        overrides.append("age")
    confirmed = registrations.counts(event.id).confirmed
    if not has_seat(event.capacity, confirmed):
        if reason is None:
            raise DomainError("event_full", _l("All seats are taken: %(confirmed)s of %(capacity)s.",
                                               confirmed=confirmed, capacity=event.capacity),
                              status=REFUSAL_STATUS, extra={"event": event_ref(event), "confirmed": confirmed,
                                                            "override_allowed": True})
        overrides.append("capacity")
    return overrides


def _check_in_logged(ticket: Ticket, log: ScanLog, *, staff, device: str | None, **options) -> dict:
    """Check a ticket's registration in, note it on the log entry, and return the answer."""
    _note_ticket(log, ticket)
    result = check_in(ticket.registration, staff=staff, device=device, ticket=ticket, **options)
    log.checkin_id = result.checkin_id
    return result.payload()


# ------------------------------------------------------------------------------------------------
# Reads for the door pages


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
