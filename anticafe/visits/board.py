"""Reads of timed visits: their JSON, the live board, a person's visits, search, and the shift report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache

from flask import current_app
from flask_babel import get_locale
from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import selectinload

from .. import codes, signals, versions
from ..accounts import services as accounts
from ..accounts.models import User
from ..accounts.rules import age_on
from ..db import constant_in, utcnow
from ..extensions import db
from ..memo import Memo
from ..payments import NOTHING_DUE, PaymentMethod
from ..timeutil import to_venue, venue_tz
from ..urls import public_url
from ..venue import rules as venue_rules
from ..venue import services as venue
from . import pricing, rules
from .billing import Pricer, active_time
from .models import OPEN_STATUSES, Holiday, Tariff, Visit, VisitCorrection, VisitSegment, VisitStatus
from .occupancy import Occupancy, event_guests
from .tariffs import breakdown_rows, category_label, current_rules, status_label, stored_lines


def _iso(moment: datetime | None) -> str | None:
    return to_venue(moment).isoformat() if moment is not None else None


def _age(visit: Visit, today: date) -> int | None:
    return visit.user.age_on(today) if visit.user is not None else None


def visit_json(visit: Visit, now: datetime | None = None, pricer: Pricer | None = None) -> dict:
    """Return a visit as the API shows it: times in venue time, money as strings like "240.00"."""
    now = now or utcnow()
    pricer = pricer or Pricer()
    today = to_venue(now).date()
    age = _age(visit, today)
    active = active_time(visit, now if visit.is_open else None)
    if visit.is_open:
        live = pricer.live(visit, now)
        amount_so_far = pricing.money(live.amount)
        lines = list(live.lines)
        capped, cap = live.capped, live.cap
    else:
        amount_so_far = pricing.money(visit.amount) if visit.amount is not None else None
        lines = stored_lines(visit)
        capped = any(line.kind == "cap" for line in lines)
        rules_ = pricer.rules_for(visit)
        cap = rules_.variant(pricing.DayKind(visit.day_kind or "weekday")).cap
    curfew = rules.parse_clock(current_app.config.get("MINORS_CURFEW", "22:00"))
    return {
        "id": visit.id,
        "user_id": visit.user_id,
        "name": visit.display_name,
        "guest_name": visit.guest_name,
        "guest_category": visit.guest_category,
        "category_label": category_label(visit.guest_category),
        "status": visit.status,
        "status_label": status_label(visit.status),
        "paused": visit.status == VisitStatus.PAUSED,
        "started_at": _iso(visit.started_at),
        "ended_at": _iso(visit.ended_at),
        "segments": [{"started_at": _iso(s.started_at), "ended_at": _iso(s.ended_at)} for s in visit.segments],
        "minutes_so_far": int(active.total_seconds() // 60),
        "amount_so_far": amount_so_far,
        "cap": pricing.money(cap) if cap is not None else None,
        "capped": capped,
        "billed_minutes": visit.billed_minutes,
        "amount": pricing.money(visit.amount) if visit.amount is not None else None,
        "breakdown": breakdown_rows(lines),
        "payment_method": visit.payment_method,
        "paid_at": _iso(visit.paid_at),
        "note": visit.note,
        "bill_id": visit.bill_id,
        "needs_review": visit.needs_review,
        "tariff_version": visit.tariff.version if visit.tariff is not None else None,
        "registration_id": visit.registration_id,
        "override_reason": visit.override_reason,
        "age": age,
        "minor": rules.is_minor(age),
        "minor_after_curfew": visit.is_open and rules.is_minor(age) and rules.after_curfew(to_venue(now), curfew),
    }


def _with_people(stmt):
    return stmt.options(selectinload(Visit.user), selectinload(Visit.segments), selectinload(Visit.tariff))


def list_visits(status: str | None = None, day: date | None = None, limit: int = 500) -> list[Visit]:
    """Return visits by status ("open" = active or paused) and/or venue-local start date, newest first."""
    stmt = _with_people(select(Visit)).limit(limit)
    if day is not None:
        start, end = rules.local_day_bounds(day, venue_tz())
        stmt = stmt.where(Visit.started_at >= start, Visit.started_at < end)
    if status == "open":
        # Ordered by status first so that SQLite reads the open visits through the (status, started_at)
        # index; ordered by start alone, it walks the start index through a year of closed visits.
        stmt = stmt.where(constant_in(Visit.status, OPEN_STATUSES)).order_by(Visit.status, Visit.started_at.desc())
        return sorted(db.session.scalars(stmt), key=lambda visit: visit.started_at, reverse=True)
    if status:
        stmt = stmt.where(Visit.status == status)
    return list(db.session.scalars(stmt.order_by(Visit.started_at.desc())))


@cache
def _board_statements():
    """The board's statements, built once per process (building a select costs more than running it)."""
    is_open = constant_in(Visit.status, OPEN_STATUSES)
    visits = (
        select(Visit.id, Visit.user_id, Visit.guest_name, User.name, User.birth_date, Visit.guest_category,
               Visit.status, Visit.started_at, Visit.ended_at, Visit.billed_minutes, Visit.amount,
               Visit.needs_review, Visit.tariff_id, Visit.day_kind,
               VisitSegment.started_at.label("segment_start"), VisitSegment.ended_at.label("segment_end"))
        .outerjoin(User, User.id == Visit.user_id)
        .outerjoin(VisitSegment, and_(VisitSegment.visit_id == Visit.id, is_open))
        .where(constant_in(Visit.status, [*OPEN_STATUSES, VisitStatus.STOPPED.value]))
        # Ordered as the (status, started_at) index is, so that SQLite reads the few open and stopped
        # visits through it; unordered (or by id), it scans a year of closed visits.
        .order_by(Visit.status, Visit.started_at))
    tariffs = select(Tariff.id, Tariff.rules).where(Tariff.id.in_(bindparam("ids", expanding=True)))
    holidays = select(Holiday.day).where(Holiday.day.in_(bindparam("days", expanding=True)))
    return visits, tariffs, holidays


def _board_visits() -> list:
    """The open and unpaid visits in one statement, with exactly the columns a row of the board shows
    (and, for a guest inside, one row per segment of active time to price it): no ORM objects."""
    return db.session.execute(_board_statements()[0]).all()


def _tariff_rules(ids: set[int | None]) -> dict[int | None, pricing.TariffRules]:
    """The rules of these tariff versions (None: a visit without one is priced with the current tariff)."""
    stored = [i for i in ids if i is not None]
    found = {row.id: pricing.TariffRules.from_dict(row.rules)
             for row in db.session.execute(_board_statements()[1], {"ids": stored})} if stored else {}
    missing = ids - set(found)
    if missing:
        current = current_rules()
        found.update(dict.fromkeys(missing, current))
    return found


def _holidays_among(days: set[date]) -> set[date]:
    return set(db.session.scalars(_board_statements()[2], {"days": list(days)})) if days else set()


@dataclass(frozen=True)
class _Snapshot:
    """What the board shows that only the data decides, read once per data version (see `_snapshot`).

    `inside`: per open visit, oldest first, the row's fixed fields and what prices it at any moment:
    `(row, birth_date, closed active time, open segment's start or None, tariff rules, day kind)`.
    `unpaid`: the rows awaiting payment, whole. `guests`: the event guests without an open visit as
    counted at `filled_at`, and the first later moment their count could change (a check-in's time
    coming, an event ending)."""

    filled_at: datetime
    inside: list[tuple]
    unpaid: list[dict]
    week: dict
    guests: int
    guests_until: datetime | None


#: The board's data by database, language and data version (`anticafe.versions`: every committed change
#: to visits, segments, people, tariffs, holidays, categories, opening hours, check-ins or events bumps
#: the statistics' version). A poll that finds its version prices the guests from here: one primary-key
#: read instead of five statements. No timer: the moment only decides the running time, the amounts and
#: which event guests are inside, each worked out per request.
_snapshots = Memo(size=8)


def _snapshot(now: datetime) -> _Snapshot:
    """The board's data for the current data version, read afresh when this worker has none for it."""
    key = (str(db.engine.url), str(get_locale()), versions.stats_version())
    found = _snapshots.get(key)
    fresh = not versions.unsettled(db.session)
    if found is not None and fresh and found.filled_at <= now:  # a clock set back (tests) reads again
        return found
    made = _fill(now)
    if fresh:
        _snapshots.put(key, made)
    return made


def _money_said_once():
    """`pricing.money` for one pass over the board: amounts and caps repeat, each is formatted once."""
    said: dict[Decimal | None, str | None] = {None: None}

    def money(amount: Decimal | None) -> str | None:
        if amount not in said:
            said[amount] = pricing.money(amount)
        return said[amount]

    return money


def _fill(now: datetime) -> _Snapshot:
    """Read the board's data: the open and unpaid visits in one statement (with, for a guest inside, one
    row per segment of active time), their tariffs' rules and the holidays among their days, the opening
    hours and the event guests' count."""
    visits: dict[int, tuple] = {}
    closed: dict[int, timedelta] = {}
    running: dict[int, datetime | None] = {}
    for row in _board_visits():
        *fields, segment_start, segment_end = row
        visit_id = fields[0]
        if visit_id not in visits:
            visits[visit_id] = tuple(fields)
            closed[visit_id] = timedelta(0)
            running[visit_id] = None
        if segment_start is not None:
            if segment_end is None:
                running[visit_id] = segment_start
            elif segment_end < segment_start:
                raise ValueError("a segment ends before it starts")
            else:
                closed[visit_id] += segment_end - segment_start
    tz = venue_tz()
    # (id, user_id, guest_name, name, birth_date, category, status, started_at, ended_at, billed_minutes,
    #  amount, needs_review, tariff_id, day_kind), as `_board_statements` selects them
    open_visits = sorted((v for v in visits.values() if v[6] in OPEN_STATUSES), key=lambda v: v[7])
    starts = {v[0]: v[7].astimezone(tz) for v in visits.values()}
    tariffs = _tariff_rules({v[12] for v in open_visits})
    holidays = _holidays_among({starts[v[0]].date() for v in open_visits if not v[13]})
    labels: dict[str, str] = {}
    money = _money_said_once()

    def person(visit_id, user_id, guest_name, name, code, status) -> dict:
        if code not in labels:
            labels[code] = category_label(code)
        return {"id": visit_id, "user_id": user_id, "name": guest_name or name or "—", "guest_name": guest_name,
                "guest_category": code, "category_label": labels[code], "status": status,
                "started_at": starts[visit_id].isoformat()}

    inside = []
    for visit_id, user_id, guest_name, name, birth_date, code, status, _, _, _, _, _, tariff_id, kind in open_visits:
        start = starts[visit_id]
        day = pricing.DayKind(kind) if kind else pricing.day_kind(start.date(), holidays)
        row = person(visit_id, user_id, guest_name, name, code, status)
        row["paused"] = status == VisitStatus.PAUSED.value
        inside.append((row, birth_date, closed[visit_id], running[visit_id], tariffs[tariff_id], day))
    unpaid = []
    for visit_id, user_id, guest_name, name, _, code, status, _, ended, billed, amount, review, _, _ in sorted(
            (v for v in visits.values() if v[6] == VisitStatus.STOPPED.value), key=lambda v: v[8] or v[7]):
        row = person(visit_id, user_id, guest_name, name, code, status)
        row.update(ended_at=_iso(ended), billed_minutes=billed, amount=money(amount), needs_review=review)
        unpaid.append(row)
    guests, guests_until = event_guests(now)
    return _Snapshot(filled_at=now, inside=inside, unpaid=unpaid, week=venue.weekly_hours(), guests=guests,
                     guests_until=guests_until)


def board_rows(now: datetime, *, after_curfew: bool,
               snapshot: _Snapshot | None = None) -> tuple[list[dict], list[dict]]:
    """Return the board's rows: the guests inside (oldest first) with their running time and amount, and
    the visits awaiting payment (stopped first first). Each row is what the board shows, priced live by
    `pricing.live_amount` from the data version's snapshot (no statement when this worker has it)."""
    snapshot = snapshot or _snapshot(now)
    today = now.astimezone(venue_tz()).date()
    money = _money_said_once()

    inside = []
    for fixed, birth_date, closed, running, rules_, day in snapshot.inside:
        active = closed + (now - running if running is not None and now > running else timedelta(0))
        amount, cap, capped = pricing.live_amount(rules_, active, day=day, category=fixed["guest_category"])
        age = age_on(birth_date, today) if birth_date else None
        minor = age is not None and rules.is_minor(age)
        inside.append({**fixed, "minutes_so_far": int(active.total_seconds() // 60), "amount_so_far": money(amount),
                       "cap": money(cap), "capped": capped, "age": age, "minor": minor,
                       "minor_after_curfew": minor and after_curfew})
    return inside, [dict(row) for row in snapshot.unpaid]


def board(now: datetime | None = None) -> dict:
    """Return the live board: occupancy, the guests inside and the visits awaiting payment, each a lean
    row of what the board shows (a visit's bill lines and history: `GET /api/v1/visits/{id}`)."""
    now = now or utcnow()
    curfew_text = current_app.config.get("MINORS_CURFEW", "22:00")
    local = to_venue(now)
    late = rules.after_curfew(local, rules.parse_clock(curfew_text))
    snapshot = _snapshot(now)
    inside, unpaid = board_rows(now, after_curfew=late, snapshot=snapshot)
    if snapshot.guests_until is not None and now >= snapshot.guests_until:
        guests = event_guests(now)[0]  # an event has ended or a check-in's time has come since the read
    else:
        guests = snapshot.guests
    place = Occupancy(visits=len(inside), event_guests=guests, capacity=int(current_app.config["VENUE_CAPACITY"]))
    week = snapshot.week
    hours = venue_rules.hours_on(week, local.date())
    return {
        "now": _iso(now),
        "closed_now": not venue_rules.is_open_at(week, local.replace(tzinfo=None)),
        "hours_today": f"{hours.opens:%H:%M}–{hours.closes:%H:%M}" if hours.is_open_day else None,
        "occupancy": {"people": place.people, "visits": place.visits, "event_guests": place.event_guests,
                      "capacity": place.capacity, "full": place.full},
        "curfew": curfew_text,
        "after_curfew": late,
        "items": inside,
        "unpaid": unpaid,
    }


def visits_of(user: User, limit: int = 200) -> list[Visit]:
    """Return a person's visits, newest first."""
    return list(db.session.scalars(_with_people(select(Visit)).where(Visit.user_id == user.id)
                                   .order_by(Visit.started_at.desc()).limit(limit)))


def find_people(query: str, limit: int = 20) -> list[tuple[User, Visit | None]]:
    """Find people to start a visit for, with their open visit if they have one."""
    if len((query or "").strip()) < 2:
        return []
    people = [u for u in accounts.search_users(query, limit=limit) if u.active]
    code = codes.normalize(query)
    if code:
        by_card = db.session.scalar(select(User).where(User.card_code == code))
        if by_card is not None and by_card not in people:
            people.insert(0, by_card)
    open_by_user = {v.user_id: v for v in db.session.scalars(
        select(Visit).where(constant_in(Visit.status, OPEN_STATUSES), Visit.user_id.in_([p.id for p in people])))}
    return [(person, open_by_user.get(person.id)) for person in people]


def other_unsettled(visit: Visit) -> list[Visit]:
    """Return the other visits that could join this one's bill: open or awaiting payment."""
    stmt = _with_people(select(Visit)).where(
        Visit.id != visit.id, constant_in(Visit.status, [*OPEN_STATUSES, VisitStatus.STOPPED.value])
    ).order_by(Visit.started_at)
    return list(db.session.scalars(stmt))


#: The till shows at most this many visits found by a search for the group bill.
COMPANY_FOUND_LIMIT = 10


@dataclass
class Company:
    """Whom the till offers for a visit's group bill: who came with it, and whom a search found."""

    together: list[Visit]
    found: list[Visit]
    #: other unsettled visits, neither together nor found (reachable by the search)
    others: int


def company_of(visit: Visit, query: str = "", chosen: tuple[int, ...] = ()) -> Company:
    """Offer the visits that came with this one (same booking party, started within minutes), the ones
    already `chosen`, and those whose name matches `query`, never everybody in the café."""
    candidates = other_unsettled(visit)
    party = {int(i) for ids in signals.answers(signals.visit_company, visit) for i in ids}
    together = [v for v in candidates
                if v.id in party or v.id in chosen or rules.came_together(visit.started_at, v.started_at)]
    query = (query or "").strip()[:100]
    rest = [v for v in candidates if v not in together]
    found = [v for v in rest if rules.name_matches(v.display_name, query)][:COMPANY_FOUND_LIMIT] if query else []
    return Company(together=together, found=found, others=len(rest) - len(found))


@dataclass
class MethodTotal:
    method: str
    visits: int = 0
    amount: Decimal = Decimal(0)


@dataclass
class ShiftReport:
    """A day at the café: visits started that (venue-local) day, their minutes and money."""

    day: date
    visits: list[Visit]
    people: int
    minutes: int
    revenue: Decimal
    by_method: list[MethodTotal]
    subsidised: list[Visit]
    unpaid: list[Visit]
    still_open: list[Visit]
    needs_review: list[Visit]
    corrections: list[VisitCorrection]
    free_short: int


def shift_report(day: date) -> ShiftReport:
    """Sum up a day: visits, minutes, revenue by payment method, subsidised visits, corrections."""
    visits = sorted(list_visits(day=day, limit=5000), key=lambda v: v.started_at)
    now = utcnow()
    totals: dict[str, MethodTotal] = {m.value: MethodTotal(m.value) for m in PaymentMethod}
    minutes = 0
    free_short = 0
    for visit in visits:
        if visit.billed_minutes is not None:
            minutes += visit.billed_minutes
        else:
            minutes += int(active_time(visit, now).total_seconds() // 60)
        if visit.status == VisitStatus.PAID and visit.payment_method:
            total = totals[visit.payment_method]
            total.visits += 1
            total.amount += visit.amount or Decimal(0)
            if visit.amount == 0 and any(line.get("kind") == "grace" for line in visit.breakdown or []):
                free_short += 1
    start, end = rules.local_day_bounds(day, venue_tz())
    corrections = list(db.session.scalars(
        select(VisitCorrection).options(selectinload(VisitCorrection.visit).selectinload(Visit.user),
                                        selectinload(VisitCorrection.staff))
        .where(VisitCorrection.at >= start, VisitCorrection.at < end).order_by(VisitCorrection.at)))
    return ShiftReport(
        day=day, visits=visits, people=len({v.user_id or f"guest-{v.id}" for v in visits}), minutes=minutes,
        revenue=sum((t.amount for t in totals.values() if t.method not in NOTHING_DUE), Decimal(0)),
        by_method=list(totals.values()),
        subsidised=[v for v in visits if v.payment_method == PaymentMethod.SUBSIDISED],
        unpaid=[v for v in visits if v.status == VisitStatus.STOPPED],
        still_open=[v for v in visits if v.is_open],
        needs_review=[v for v in visits if v.needs_review],
        corrections=corrections, free_short=free_short)


def card_qr_url(user: User) -> str:
    """Return the absolute URL of a person's guest-card QR image."""
    return public_url("visits_api.card_qr", user_id=user.id)
