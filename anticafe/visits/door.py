"""Where timed visits meet the door: a guest card starts or stops a visit, a `timed` event's check-in
starts one, and undoing that check-in cancels it. `connect` hooks them to the door's signals."""

from flask_babel import gettext
from sqlalchemy import select

from .. import codes, signals
from ..accounts.models import User
from ..db import constant_in
from ..extensions import db
from ..i18n import rubles
from ..timeutil import to_venue
from .billing import Pricer
from .board import visit_json
from .clock import CARD_OWNER_AND_VISIT, cancel_visit, open_visit_for, scan_card, start_visit
from .models import OPEN_STATUSES, Visit


def card_scan_answer(code: str, *, staff: User | None, device: str | None = None) -> dict | None:
    """Answer a scanned guest card: {"result": "visit_started" | "visit_stopped", "visit", "message"}.

    None when the code is no guest card (the door then tries other handlers or says "unknown code").
    The owner and their open visit are read in one statement.
    """
    normalized = codes.normalize(code or "")
    found = db.session.execute(CARD_OWNER_AND_VISIT, {"code": normalized}).first() if normalized else None
    if found is None:
        return None
    owner, open_visit = found
    pricer = Pricer()
    result, visit = scan_card(normalized, staff=staff, device=device, user=owner, open_visit=open_visit,
                              pricer=pricer)
    if result == "visit_started":
        message = gettext("Visit started: %(name)s, since %(time)s.", name=visit.display_name,
                          time=to_venue(visit.started_at).strftime("%H:%M"))
    else:
        message = gettext("Visit stopped: %(name)s, %(amount)s to pay.", name=visit.display_name,
                          amount=rubles(visit.amount or 0))
    return {"result": result, "visit": visit_json(visit, pricer=pricer), "message": message}


def timed_check_in(registration, *, staff: User | None) -> dict | None:
    """Start the paid visit of someone checked in to a `timed` event; {"visit": {...}} or None.

    Someone already inside keeps the visit they have. A full venue refuses (DomainError `venue_full`).
    """
    event = registration.event
    if event is None or event.entry != "timed":
        return None
    existing = open_visit_for(registration.user)
    if existing is not None:
        return {"visit": visit_json(existing)}
    visit = start_visit(user=registration.user, staff=staff, registration=registration)
    return {"visit": visit_json(visit)}


def timed_check_in_undone(registration_id: int, *, staff: User | None) -> Visit | None:
    """Cancel the open visit that a timed event's check-in started, when that check-in is undone."""
    visit = db.session.scalar(select(Visit).where(Visit.registration_id == registration_id,
                                                  constant_in(Visit.status, OPEN_STATUSES)))
    if visit is None:
        return None
    return cancel_visit(visit, staff=staff, reason=gettext("The door check-in was undone."))


def card_code_handler(code: str, *, staff, device, event_id, log, **_) -> dict | None:
    """Answer a scanned guest card (None when the code is not a card)."""
    answer = card_scan_answer(code, staff=staff, device=device)
    if answer is not None:
        log.user_id = answer["visit"]["user_id"]
    return answer


def after_check_in(checkin, *, ticket, staff, **_) -> dict | None:
    """A check-in to a timed event starts the visitor's paid visit (the registration is loaded as an
    object only then: the door's ticket holds plain values)."""
    if ticket.event.entry != "timed":
        return None
    return timed_check_in(ticket.model(), staff=staff)


def after_undo(checkin, *, staff, **_) -> None:
    """Undoing such a check-in cancels the visit it started (kept in the visit's history)."""
    timed_check_in_undone(checkin.registration_id, staff=staff)


def connect() -> None:
    """Hear the door: guest cards, and check-ins to `timed` events."""
    signals.code_scanned.connect(card_code_handler)
    signals.checked_in.connect(after_check_in)
    signals.check_in_undone.connect(after_undo)
