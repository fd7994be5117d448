"""Reads for the door without network: the list a phone keeps to decide scans offline, and the conflicts
their uploads brought (writes go through `services.scan` with an `OfflineScan`)."""

from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select
from sqlalchemy.orm import joinedload

from ..accounts.models import User
from ..accounts.rules import age_on
from ..db import utcnow
from ..errors import DomainError
from ..events.models import Event
from ..extensions import db
from ..registrations import services as registrations
from ..registrations.models import Registration
from . import rules
from .models import CheckIn, ScanLog
from .tickets import event_ref, event_window, iso


def offline_list(event_id: int, now: datetime | None = None) -> dict:
    """Return what a phone needs to check an event in offline: hashes of its tickets, never the codes.

    Each ticket: the hash of its code, the holder's first name and initial, an age band, the
    registration's status, whether the ticket was revoked and the standing check-in's time. One query.
    """
    now = now or utcnow()
    event = db.session.get(Event, event_id)
    if event is None:
        raise DomainError("event_not_found", _l("No such event."), status=404)
    window = event_window(event)
    day = registrations.event_day(event)
    # Plain columns, not objects: a list of a thousand tickets is refreshed every minute by every phone.
    rows = db.session.execute(
        select(Registration.ticket_code, Registration.status, Registration.ticket_revoked_at, User.name,
               User.birth_date, CheckIn.checked_in_at)
        .join(User, User.id == Registration.user_id)
        .outerjoin(CheckIn, and_(CheckIn.registration_id == Registration.id, CheckIn.undone_at.is_(None)))
        .where(Registration.event_id == event.id, Registration.ticket_code.is_not(None))
        .order_by(Registration.id))
    tickets = [{"hash": rules.offline_hash(code), "name": rules.short_name(name),
                "age_band": rules.age_band(age_on(birth_date, day) if birth_date else None),
                "status": status, "revoked": revoked_at is not None, "checked_in_at": iso(checked_in_at)}
               for code, status, revoked_at, name, birth_date, checked_in_at in rows]
    return {"event": event_ref(event), "timezone": current_app.config["VENUE_TIMEZONE"],
            "window": {"opens_at": iso(window.opens_at), "closes_at": iso(window.closes_at)},
            "generated_at": iso(now), "keep_until": iso(window.closes_at + rules.OFFLINE_KEEP_AFTER),
            "hash": {"algorithm": "sha256", "prefix": rules.OFFLINE_HASH_PREFIX}, "tickets": tickets}


def offline_conflicts(event_id: int, *, limit: int = 100) -> list[ScanLog]:
    """Return the event's offline scans where a phone let someone in but the server kept another check-in
    (the first to arrive) or refused the ticket."""
    return list(db.session.scalars(
        select(ScanLog).options(joinedload(ScanLog.staff), joinedload(ScanLog.user))
        .where(ScanLog.event_id == event_id, ScanLog.offline_result == "checked_in",
               ScanLog.result != "checked_in")
        .order_by(ScanLog.scanned_at, ScanLog.id).limit(limit)))
