"""What the door knows about a ticket and how it answers: one indexed query loads a ticket with its event,
person, check-in window and standing check-in; the refusals and answers are built here."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache

from flask import current_app
from flask_babel import format_time, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from ..accounts.models import User
from ..accounts.rules import age_on
from ..errors import DomainError
from ..events.models import Event
from ..extensions import db
from ..i18n import remembered_datetime
from ..registrations import services as registrations
from ..registrations.models import Registration, RegistrationStatus
from ..timeutil import to_venue
from . import rules
from .models import CheckIn, CheckInWindow

#: The HTTP status of a refusal at the door (a conflict with the ticket's state).
REFUSAL_STATUS = 409


@dataclass
class Standing:
    """The check-in that stands for a registration (not undone), as the door shows it."""

    id: int
    checked_in_at: datetime
    staff_id: int | None
    staff_name: str | None
    device: str | None


@dataclass(slots=True)
class TicketEvent:
    """The event of a ticket, as far as the door's decision and answer need it."""

    id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    status: str
    entry: str
    capacity: int | None


@dataclass(slots=True)
class TicketPerson:
    """The holder of a ticket, as far as the door's answer needs them."""

    id: int
    name: str
    birth_date: date | None
    consent_pending: bool

    def age_on(self, day: date) -> int | None:
        return age_on(self.birth_date, day) if self.birth_date else None


@dataclass(slots=True)
class TicketRegistration:
    """A registration as the door decides on it: plain values read in one query, not ORM objects (loading
    a registration, its event and its person as objects cost more than the rest of a check-in's reads)."""

    id: int
    status: str
    source: str
    event_id: int
    user_id: int
    ticket_revoked_at: datetime | None
    waitlist_position: int | None
    door_code: str | None
    event: TicketEvent
    user: TicketPerson

    @property
    def is_cancelled(self) -> bool:
        return self.status == RegistrationStatus.CANCELLED


@dataclass
class Ticket:
    """A registration with everything a check-in decision needs, loaded in one query."""

    registration: TicketRegistration
    window: rules.CheckInWindowTimes
    standing: Standing | None
    #: the JSON members naming the registration, event and person (computed once, survive a rollback)
    refs: dict = field(default_factory=dict)

    @property
    def event(self) -> TicketEvent:
        return self.registration.event

    @property
    def user(self) -> TicketPerson:
        return self.registration.user

    def model(self) -> Registration:
        """The registration as an ORM object (with its event and person), for a receiver that writes with it."""
        return db.session.get(Registration, self.registration.id)


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


def when(moment: datetime) -> str:
    """Say an event's moment as the door does ("5 декабря, 19:00"), in the request's language and venue time.

    Remembered by moment, language and zone: Babel's formatting costs more than the rest of a scan's
    answer, and the door says the same few events' times again and again."""
    return remembered_datetime(moment, "d MMMM, HH:mm")


def event_ref(event: Event | TicketEvent) -> dict:
    """Return the JSON members naming an event."""
    return {"id": event.id, "title": event.title, "starts_at": iso(event.starts_at), "ends_at": iso(event.ends_at),
            "when": when(event.starts_at), "status": event.status, "entry": event.entry,
            "capacity": event.capacity}


#: What the door shows for a child whose parent or guardian has not consented yet.
CONSENT_PENDING_WARNING = _l("No parent's or guardian's consent yet: ask for the signed form; "
                             "a paid visit cannot start until then.")


def person_ref(user: User | TicketPerson, event: Event | TicketEvent) -> dict:
    """Return the JSON members naming a person, with their age on the event's date (and a warning when a
    child's guardian has not consented yet)."""
    ref = {"id": user.id, "name": user.name, "age": user.age_on(registrations.event_day(event))}
    if user.consent_pending:
        ref["warning"] = str(CONSENT_PENDING_WARNING)
    return ref


def registration_ref(registration: Registration | TicketRegistration) -> dict:
    return {"id": registration.id, "status": registration.status, "source": registration.source,
            "waitlist_position": registration.waitlist_position, "door_code": registration.door_code}


def ticket_refs(registration: Registration | TicketRegistration) -> dict:
    event = registration.event
    return {"registration": registration_ref(registration), "event": event_ref(event),
            "user": person_ref(registration.user, event)}


def window_of(event: Event | TicketEvent, opens_minutes: int | None,
              closes_minutes: int | None) -> rules.CheckInWindowTimes:
    config = current_app.config
    if opens_minutes is None:
        opens_minutes = config.get("CHECKIN_OPENS_MINUTES_BEFORE", rules.DEFAULT_OPENS_BEFORE // timedelta(minutes=1))
    if closes_minutes is None:
        closes_minutes = config.get("CHECKIN_CLOSES_MINUTES_AFTER", rules.DEFAULT_CLOSES_AFTER // timedelta(minutes=1))
    return rules.window_times(event.starts_at, event.ends_at, opens_before=timedelta(minutes=opens_minutes),
                              closes_after=timedelta(minutes=closes_minutes))


@cache
def _ticket_statement(by: str):
    """The statement behind `load_ticket`, built once: scans are the hot path, and building a select
    with its joins costs more CPU than running it. Columns, not entities: the door reads values."""
    staff = aliased(User)
    stmt = (
        select(Registration.id, Registration.status, Registration.source, Registration.event_id,
               Registration.user_id, Registration.ticket_revoked_at, Registration.waitlist_position,
               Registration.door_code,
               Event.title, Event.starts_at, Event.ends_at, Event.status, Event.entry, Event.capacity,
               User.name, User.birth_date, User.consent_pending,
               CheckInWindow.opens_minutes_before, CheckInWindow.closes_minutes_after,
               CheckIn.id, CheckIn.checked_in_at, CheckIn.staff_id, CheckIn.device, staff.name)
        .join(Event, Event.id == Registration.event_id)
        .join(User, User.id == Registration.user_id)
        .outerjoin(CheckInWindow, CheckInWindow.event_id == Registration.event_id)
        .outerjoin(CheckIn, and_(CheckIn.registration_id == Registration.id, CheckIn.undone_at.is_(None)))
        .outerjoin(staff, staff.id == CheckIn.staff_id)
    )
    if by == "code":
        return stmt.where(Registration.ticket_code == bindparam("key"))
    if by == "door_code":
        return stmt.where(Registration.event_id == bindparam("event_id"), Registration.door_code == bindparam("key"))
    return stmt.where(Registration.id == bindparam("key"))


def load_ticket(*, code: str | None = None, registration_id: int | None = None,
                door_code: tuple[int, str] | None = None) -> Ticket | None:
    """Find a registration by ticket code, id or (event id, short door code) with its event, person, window
    and standing check-in (one query)."""
    if code is not None:
        row = db.session.execute(_ticket_statement("code"), {"key": code}).first()
    elif door_code is not None:
        event_id, key = door_code
        row = db.session.execute(_ticket_statement("door_code"), {"event_id": event_id, "key": key}).first()
    else:
        row = db.session.execute(_ticket_statement("id"), {"key": registration_id}).first()
    if row is None:
        return None
    (registration_id, status, source, event_id, user_id, revoked_at, waitlist_position, door_code_,
     title, starts_at, ends_at, event_status, entry, capacity, name, birth_date, consent_pending,
     opens, closes, checkin_id, checked_in_at, staff_id, device, staff_name) = row
    event = TicketEvent(event_id, title, starts_at, ends_at, event_status, entry, capacity)
    registration = TicketRegistration(registration_id, status, source, event_id, user_id, revoked_at,
                                      waitlist_position, door_code_, event,
                                      TicketPerson(user_id, name, birth_date, consent_pending))
    standing = Standing(checkin_id, checked_in_at, staff_id, staff_name, device) if checkin_id else None
    return Ticket(registration=registration, window=window_of(event, opens, closes), standing=standing,
                  refs=ticket_refs(registration))


def standing_of(registration_id: int) -> Standing | None:
    staff = aliased(User)
    row = db.session.execute(
        select(CheckIn.id, CheckIn.checked_in_at, CheckIn.staff_id, staff.name, CheckIn.device)
        .outerjoin(staff, staff.id == CheckIn.staff_id)
        .where(CheckIn.registration_id == registration_id, CheckIn.undone_at.is_(None))).first()
    if row is None:
        return None
    checkin_id, checked_in_at, staff_id, staff_name, device = row
    return Standing(checkin_id, checked_in_at, staff_id, staff_name, device)


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


def refusal_error(reason: rules.Refusal, *, event: Event | TicketEvent, window: rules.CheckInWindowTimes,
                  state: rules.Window, refs: dict, waitlist_position: int | None = None) -> DomainError:
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
            message = _l("Wrong day: the event is on %(when)s.", when=when(event.starts_at))
        elif state is rules.Window.NOT_OPEN_YET:
            message = _l("Check-in is not open yet: it opens at %(time)s.", time=format_time(window.opens_at, "HH:mm"))
        else:
            message = _l("The event is over: check-in closed at %(when)s.",
                         when=when(window.closes_at))
    return DomainError(reason.value, message, status=REFUSAL_STATUS, extra=extra)


def unknown_code() -> DomainError:
    return DomainError("unknown_code", _l("Unknown code: it matches no ticket or guest card."), status=404)


def wrong_event(ticket: Ticket) -> DomainError:
    event = ticket.event
    return DomainError("wrong_event", _l("This ticket is for another event: %(title)s, %(when)s.", title=event.title,
                                         when=when(event.starts_at)),
                       status=REFUSAL_STATUS, extra=dict(ticket.refs))


def error_body(error: DomainError) -> dict:
    """Return the API's error shape for a refusal (as `errors.json_error` writes it)."""
    body = {"error": {"code": error.code, "message": str(error.message),
                      "fields": {k: [str(m) for m in v] for k, v in error.fields.items()}}}
    body["error"].update(error.extra)
    return body


def violated(error: IntegrityError, index: str, sqlite_columns: str) -> bool:
    """Tell whether an IntegrityError came from a given unique index (PostgreSQL names it, SQLite lists columns)."""
    message = str(error.orig)
    return index in message or sqlite_columns in message


def event_window(event: Event) -> rules.CheckInWindowTimes:
    """Return an event's check-in window (its own or the default)."""
    own = db.session.get(CheckInWindow, event.id)
    return window_of(event, own.opens_minutes_before if own else None, own.closes_minutes_after if own else None)
