"""The clock of timed visits: start, pause, resume, stop, cancel, guest cards, and closing the day.

Starts are serialized by a write lock on the current tariff row (so the capacity check and the
one-open-visit check read a settled state); the partial unique index "one open visit per person"
has the last word; pause/resume/stop lock the visit's row first. Services flush; the caller commits.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import cache

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from .. import codes
from ..accounts import services as accounts
from ..accounts.models import User
from ..db import constant_in, lock_row, utcnow
from ..errors import DomainError, ValidationFailed
from ..extensions import db
from ..payments import PaymentMethod
from ..timeutil import to_venue
from ..venue import services as venue
from . import rules
from .billing import Pricer, apply_quote, lock_visit, quote_values, replace_segments
from .models import OPEN_STATUSES, Tariff, Visit, VisitCorrection, VisitSegment, VisitStatus
from .occupancy import headcount
from .tariffs import category_codes, ensure_tariff


def open_visit_for(user: User) -> Visit | None:
    """Return the person's active or paused visit, if any."""
    if user is None or user.id is None:
        return None
    return db.session.scalar(_OPEN_VISIT_OF, {"user_id": user.id})


#: Statements asked on every card scan, built once (building a select costs more than running it).
_OPEN_VISIT_OF = select(Visit).where(Visit.user_id == bindparam("user_id"), constant_in(Visit.status, OPEN_STATUSES))
_INSERT_SEGMENT = insert(VisitSegment.__table__).returning(VisitSegment.__table__.c.id)
CARD_OWNER = select(User).where(User.card_code == bindparam("code"))
#: A guest card's owner and their open visit (None when outside) in one statement: the door's card scan.
CARD_OWNER_AND_VISIT = (select(User, Visit).outerjoin(Visit, and_(Visit.user_id == User.id,
                                                                 constant_in(Visit.status, OPEN_STATUSES)))
                        .where(User.card_code == bindparam("code")))


def check_category(code: str | None) -> str | None:
    if code is None or code == "":
        return None
    if code not in category_codes():
        raise ValidationFailed({"guest_category": [_l("Unknown guest category.")]})
    return code


def _lock_starts(tariff: Tariff) -> None:
    """Serialize visit starts: a lock on the tariff row (`db.lock_row`: a row lock; SQLite's write lock).
    The lock writes a column no key refers to: with `SET id = id`, SQLite walked the index of a year of
    visits on that tariff (~2.5 ms) on every start."""
    lock_row(Tariff, tariff.id)


def _already_active(visit: Visit) -> DomainError:
    return DomainError("visit_already_active", _l("%(name)s is inside already (since %(time)s).",
                                                   name=visit.display_name,
                                                   time=to_venue(visit.started_at).strftime("%H:%M")),
                       status=409, extra={"visit_id": visit.id})


#: A new visit's columns before it is priced (the model's defaults, said once).
_NEW_VISIT = {column.key: None for column in Visit.__table__.columns if column.key != "id"} | {
    "status": VisitStatus.ACTIVE.value, "needs_review": False}


@cache
def _insert_visit(dialect: str):
    """INSERT … ON CONFLICT DO NOTHING RETURNING id: the partial unique index "one open visit per person"
    refuses a second open visit without aborting the transaction (no savepoint needed; on PostgreSQL
    the insert waits for a concurrent one to commit, then does nothing)."""
    make = postgresql_insert if dialect == "postgresql" else sqlite_insert
    table = Visit.__table__
    return make(table).on_conflict_do_nothing(
        index_elements=[table.c.user_id], index_where=constant_in(table.c.status, OPEN_STATUSES),
    ).returning(table.c.id)


def _insert_open_visit(values: dict, *, user: User, tariff: Tariff) -> Visit | None:
    """Write a new visit and its first segment with two Core INSERTs (no ORM flush) and return the visit
    as a persistent object holding exactly what was written, its person, tariff and segment attached;
    None when the person has an open visit already (the unique index decides).

    Through the session, so that the statistics' mark and the data versions' bump are written in this
    transaction as for any insert (`stats.aggregate`, `versions`).
    """
    visit_id = db.session.execute(_insert_visit(db.session.get_bind().dialect.name), values).scalar()
    if visit_id is None:
        return None
    segment_id = db.session.execute(_INSERT_SEGMENT, {"visit_id": visit_id, "started_at": values["started_at"],
                                                      "ended_at": None}).scalar_one()
    visit = Visit(id=visit_id, **values)
    segment = VisitSegment(id=segment_id, visit_id=visit_id, started_at=values["started_at"], ended_at=None)
    make_transient_to_detached(visit)
    make_transient_to_detached(segment)
    set_committed_value(segment, "visit", visit)
    set_committed_value(visit, "segments", [segment])
    set_committed_value(visit, "user", user)
    set_committed_value(visit, "tariff", tariff)
    db.session.add(visit)
    return visit


def start_visit(*, user: User, staff: User | None, override_reason: str | None = None, registration=None,
                category: str | None = None, at: datetime | None = None, seen_outside: bool = False,
                pricer: Pricer | None = None) -> Visit:
    """Start a person's timed visit; refuse a second open visit and, unless overridden, a full venue.

    `registration` links the visit to the check-in of a timed event; `category` (a staff choice)
    becomes the person's category from now on. `seen_outside`: the caller has just found no open
    visit of the person in this transaction (a card scan): not asked again under the lock; should
    another request have started one meanwhile, the unique index refuses the insert and the answer
    is the same `visit_already_active`.
    `pricer`: the caller's, told whether today is a holiday (read with the headcount) for the answer.
    """
    if user is None:
        raise DomainError("not_found", _l("No such person."), status=404)
    if not user.active:
        raise DomainError("account_inactive", _l("This account is switched off."), status=409)
    if user.consent_pending:
        raise DomainError("guardian_consent_pending", _l(
            "A parent or guardian has not consented yet: a paid visit starts once they confirm by the emailed "
            "link or sign the paper form."), status=409)
    category = check_category(category)
    tariff = ensure_tariff()
    db.session.flush()
    _lock_starts(tariff)
    existing = None if seen_outside else open_visit_for(user)
    if existing is not None:
        raise _already_active(existing)
    now = at or utcnow()
    override_reason = (override_reason or "").strip() or None
    day = to_venue(now).date()
    inside = headcount(now, user.id, day)
    if pricer is not None:
        pricer.know_day(day, holiday=inside.holiday)
    if inside.full and not inside.counts_person and override_reason is None:
        raise DomainError("venue_full", _l("The café is full: %(people)s of %(capacity)s people are inside. "
                                           "Give a reason to let the guest in anyway.",
                                           people=inside.people, capacity=inside.capacity), status=409)
    if category is not None and category != user.guest_category:
        user.guest_category = category
    values = {**_NEW_VISIT, "user_id": user.id, "guest_category": user.guest_category or "standard",
              "started_at": now, "started_by_id": staff.id if staff is not None else None, "tariff_id": tariff.id,
              "registration_id": registration.id if registration is not None else None,
              "override_reason": override_reason if inside.full else None}
    visit = _insert_open_visit(values, user=user, tariff=tariff)
    if visit is None:  # the unique index "one open visit per person" said no: someone started it meanwhile
        existing = open_visit_for(user)
        if existing is not None:
            raise _already_active(existing)
        raise DomainError("visit_already_active",
                          _l("Someone started this guest's visit at the same moment; try again."), status=409)
    current_app.logger.info("visit %s started for user %s by %s", visit.id, user.id, staff.id if staff else None)
    return visit


def start_walk_in(*, name: str, phone: str | None, staff: User | None, birth_date: date | None = None,
                  category: str | None = None, override_reason: str | None = None) -> Visit:
    """Start the visit of a guest without an account: a guest profile is made so statistics count them."""
    category = check_category(category)
    profile = accounts.create_guest_profile(name, phone, birth_date)
    if category:
        profile.guest_category = category
    visit = start_visit(user=profile, staff=staff, override_reason=override_reason)
    visit.guest_name = profile.name
    visit.guest_phone = profile.phone
    db.session.flush()
    return visit


def _running_segment(visit: Visit) -> VisitSegment | None:
    return next((s for s in visit.segments if s.ended_at is None), None)


def pause_visit(visit: Visit, *, staff: User | None, at: datetime | None = None) -> Visit:
    """Stop the clock while the guest steps out."""
    visit = lock_visit(visit.id)
    if visit.status != VisitStatus.ACTIVE:
        raise DomainError("visit_not_active", _l("This visit is not running."), status=409)
    now = at or utcnow()
    segment = _running_segment(visit)
    if segment is not None:
        segment.ended_at = max(now, segment.started_at)
    visit.status = VisitStatus.PAUSED
    db.session.flush()
    return visit


def resume_visit(visit: Visit, *, staff: User | None, at: datetime | None = None) -> Visit:
    """Restart the clock when the guest comes back."""
    visit = lock_visit(visit.id)
    if visit.status != VisitStatus.PAUSED:
        raise DomainError("visit_not_paused", _l("This visit is not paused."), status=409)
    now = at or utcnow()
    last_end = max((s.ended_at for s in visit.segments if s.ended_at), default=visit.started_at)
    visit.segments.append(VisitSegment(started_at=max(now, last_end)))
    visit.status = VisitStatus.ACTIVE
    db.session.flush()
    return visit


def free_settlement(amount, breakdown: list | None, ended_at: datetime | None) -> dict:
    """The columns that close a visit costing nothing (short, or all paid by passes): nothing to collect.
    Empty when something is due."""
    if amount != 0:
        return {}
    prepaid = any(line.get("kind") == "prepaid" for line in breakdown or [])
    return {"status": VisitStatus.PAID.value, "paid_at": ended_at,
            "payment_method": (PaymentMethod.PASS if prepaid else PaymentMethod.FREE).value}


def settle_free(visit: Visit, staff: User | None) -> None:
    """Close a visit that costs nothing (short, or all paid by passes): there is nothing to collect."""
    for key, value in free_settlement(visit.amount, visit.breakdown, visit.ended_at).items():
        setattr(visit, key, value)


def stop_visit(visit: Visit, *, staff: User | None, at: datetime | None = None, pricer: Pricer | None = None) -> Visit:
    """Stop the clock and price the visit; the amount is then due (a free visit is closed at once).

    Written by two Core UPDATEs (the visit, its running segment) instead of the ORM's unit of work:
    every card scan that stops a visit runs this under the visit's lock, and the flush cost more than
    the rest of the stop. The objects are told the written values as committed (nothing is left to
    flush); the statistics' mark and the data versions' bump hear the UPDATEs as for any change.
    """
    visit = lock_visit(visit.id)
    if not visit.is_open:
        raise DomainError("visit_not_open", _l("This visit has already stopped."), status=409)
    now = max(at or utcnow(), visit.started_at)
    segment = _running_segment(visit)
    if segment is not None:
        set_committed_value(segment, "ended_at", max(now, segment.started_at))
    pricer = pricer or Pricer()
    changes = {"ended_at": max([now, *(s.ended_at for s in visit.segments if s.ended_at)]),
               "status": VisitStatus.STOPPED.value, "stopped_by_id": staff.id if staff is not None else None,
               # The day's kind, stored with the price anyway, decided once: the passes' price callback
               # prices with its own Pricer and would ask for the holiday again.
               "day_kind": visit.day_kind or pricer.day_kind(visit).value}
    _tell(visit, changes)
    with db.session.no_autoflush:  # pass uses claimed by the quote are flushed with the commit
        quote = pricer.final(visit, claim=True)
    priced = quote_values(quote)
    priced |= free_settlement(priced["amount"], priced["breakdown"], changes["ended_at"])
    _tell(visit, priced)
    changes |= priced
    table = Visit.__table__
    db.session.execute(update(table).where(table.c.id == visit.id).values(changes))
    if segment is not None:
        db.session.execute(_END_SEGMENT, {"segment_id": segment.id, "ended_at": segment.ended_at})
    return visit


#: The running segment's end, written by the stop (built once: it runs on every stop).
_END_SEGMENT = (update(VisitSegment.__table__).where(VisitSegment.__table__.c.id == bindparam("segment_id"))
                .values(ended_at=bindparam("ended_at")))


def _tell(instance, values: dict) -> None:
    """Give a loaded object values written (or about to be written) by Core, as committed: the object
    reads them and the session has nothing to flush for them."""
    for key, value in values.items():
        set_committed_value(instance, key, value)


#: `scan_card`'s `open_visit` when the caller has not looked for one.
_UNASKED = object()


def scan_card(card_code: str, *, staff: User | None, device: str | None = None,
              user: User | None = None, open_visit=_UNASKED, pricer: Pricer | None = None) -> tuple[str, Visit]:
    """Start the card owner's visit, or stop it if one is open: ("visit_started" | "visit_stopped", visit).

    A second scan right after the start (two phones, a double read) answers the running visit.
    `user`: the card's owner when the caller has loaded them already, with `open_visit` their open
    visit or None (`CARD_OWNER_AND_VISIT`); `pricer`: the one the caller prices the answer with (it
    learns the tariff and the day's kind here).
    """
    if user is None:
        code = codes.normalize(card_code or "")
        user = db.session.scalar(CARD_OWNER, {"code": code}) if code else None
    if user is None:
        raise DomainError("unknown_card", _l("No guest card has this code."), status=404)
    visit = open_visit_for(user) if open_visit is _UNASKED else open_visit
    if visit is None:
        try:
            return "visit_started", start_visit(user=user, staff=staff, seen_outside=True, pricer=pricer)
        except DomainError as error:
            if error.code != "visit_already_active":
                raise
            visit = open_visit_for(user)
            return "visit_started", visit
    if rules.is_double_scan(visit.started_at, utcnow()):
        return "visit_started", visit
    if pricer is not None:
        # Read before the visit's lock: the holiday lookup stays out of SQLite's write lock (keyed by
        # the day, so a start moved by a correction meanwhile is simply asked again under the lock).
        pricer.day_kind(visit)
    try:
        return "visit_stopped", stop_visit(visit, staff=staff, pricer=pricer)
    except DomainError as error:
        if error.code != "visit_not_open":
            raise
        return "visit_stopped", db.session.get(Visit, visit.id)


def cancel_visit(visit: Visit, *, staff: User | None, reason: str) -> Visit:
    """Undo a visit started by mistake (e.g. a door check-in that was undone): no time, nothing to pay.

    The visit stays, stopped at its start and free, with the reason in its correction history.
    """
    visit = lock_visit(visit.id)
    if not visit.is_open:
        raise DomainError("visit_not_open", _l("This visit has already stopped."), status=409)
    before = {"ended_at": None, "status": visit.status}
    for segment in list(visit.segments):
        visit.segments.remove(segment)
    visit.ended_at = visit.started_at
    visit.status = VisitStatus.STOPPED
    visit.stopped_by_id = staff.id if staff is not None else None
    db.session.flush()
    apply_quote(visit, Pricer().final(visit, claim=False))
    settle_free(visit, staff)
    db.session.add(VisitCorrection(visit=visit, staff_id=staff.id if staff is not None else None, reason=reason,
                                   changes={"ended_at": [None, json_value(visit.ended_at)],
                                            "status": [before["status"], visit.status]},
                                   amount_before=None, amount_after=visit.amount, at=utcnow()))
    db.session.flush()
    return visit


def close_day(now: datetime | None = None) -> tuple[list[Visit], int]:
    """End every open visit at the closing time of the day it started and flag it for review.

    A visit started outside its day's opening hours is left running for staff to stop
    (`rules.close_day_end`); it counts among those left open.

    Returns (the visits closed, how many open visits were left: their closing time has not come yet,
    or they started outside opening hours).
    """
    now = now or utcnow()
    closed: list[Visit] = []
    waiting = 0
    ids = list(db.session.scalars(select(Visit.id).where(constant_in(Visit.status, OPEN_STATUSES)).order_by(Visit.id)))
    for visit_id in ids:
        visit = lock_visit(visit_id)
        if not visit.is_open:
            continue
        start_local = to_venue(visit.started_at)
        hours = venue.hours_on(start_local.date())
        opens, closes = (hours.opens, hours.closes) if hours.is_open_day else (None, None)
        end_local = rules.close_day_end(start_local, opens, closes, to_venue(now))
        if end_local is None:
            waiting += 1
            continue
        end = end_local.astimezone(UTC)
        reshaped = rules.reshape([(s.started_at, s.ended_at) for s in visit.segments],
                                 (visit.started_at, None), (visit.started_at, end))
        replace_segments(visit, reshaped)
        visit.ended_at = end
        visit.status = VisitStatus.STOPPED
        visit.needs_review = True
        db.session.flush()
        apply_quote(visit, Pricer().final(visit, claim=True))
        settle_free(visit, None)
        closed.append(visit)
    db.session.flush()
    return closed, waiting


def json_value(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return value
