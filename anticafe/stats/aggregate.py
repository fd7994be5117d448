"""Pre-aggregated presence facts: what the committee's people figures read, kept up to date by marks.

`stats_presence` holds one row per standing check-in and per timed visit with every value the
presence figures read as a plain integer (see `models.PresenceFact`), so that a year's dashboard
reads one indexed integer table instead of joining check-ins, events, people and the passes' ledger
and parsing their timestamps. The rows are a pure function of the raw rows (`fact_selects`), and:

- **every write marks what it changed, in its own transaction.** A session hook in this module (one
  mechanism, not a call in each service) sees each flush and each bulk UPDATE/DELETE through the
  session: a check-in, a visit, a pass use, an event's status or times, a person's birth date. It
  writes one row per changed source into `stats_stale` (one multi-row INSERT per flush that changed
  something the statistics read; a bulk UPDATE marks the rows it is about to change with one
  `INSERT ... SELECT` over the same WHERE). Changes to columns the statistics do not read (a visit's
  note, a check-in's override reason) mark nothing. A rolled-back transaction takes its marks with it.
- **the reader brings the facts up to date before it counts** (`bring_up_to_date`), in its own
  transaction: it locks `stats_aggregate_lock` (serialising refreshes on both databases), reads the
  marks, deletes and re-inserts the facts of the marked sources from the raw rows, deletes exactly
  the marks it read, and commits. A mark is committed with its change, so whatever a refresh sees
  marked it also sees changed; a mark committed after the read stays for the next refresh.
- a transaction that has itself marked something and not committed yet counts from the raw rows
  (the facts cannot hold its own uncommitted changes).

**Month rows.** From the facts, two smaller tables serve the whole venue-local months of a period:
`stats_person_month` (a person's held presences in a month at one age group: days, check-ins, visits,
seconds, free seconds; ~26 k rows for a busy year instead of ~86 k facts) and `stats_heat_month` (stays
by month, weekday, first and last hour). A refresh recounts the person-months (and the month's heat)
that the recounted facts touched, before and after. `stats_person_day` (the same per local day, counted
with the month rows) serves the partial months at a period's edges. Local months and ages depend on the venue's zone:
the rows record it (`stats_aggregate_lock.zone`) and are counted afresh when it changes.

**Event counts.** `stats_event` holds each event's registrations and standing check-ins as counts
(registered, waitlisted, registered without a standing check-in, checked in, walk-ins): what the event
figures read instead of a year of registrations and check-ins. A registration marks its event (kind "r")
by the same hook; a refresh counts again the events of the marked registrations, check-ins and events.
Whether an event is held, its times, capacity and category are read from the event row itself.

`flask stats rebuild` (and `seed-scale`) count every fact and month row afresh; the migrations only
write the "count everything" mark (kind '*'), so the first read after an upgrade does it.
`reference()` makes the statistics count from the raw rows (the definition the tests compare with).
"""

from collections.abc import Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timedelta, tzinfo
from functools import cache

import click
from flask.cli import with_appcontext
from sqlalchemy import (
    and_,
    case,
    delete,
    distinct,
    event,
    exists,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.orm import Session, aliased

from ..accounts.models import User
from ..door.models import CheckIn
from ..events.models import Entry, Event, EventStatus
from ..extensions import db
from ..passes.models import Pass, PassKind, PassUse
from ..registrations.models import Registration, RegistrationStatus, Source
from ..timeutil import venue_tz
from ..visits.models import Visit
from . import rules
from .models import AggregateLock, EventCount, HeatMonth, PersonDay, PersonMonth, PresenceFact, StaleFact
from .sql import LocalTime, birth_number_of, epoch_of, int_constant, stay_hours, text_constant

_reference: ContextVar[bool] = ContextVar("stats_reference", default=False)
_MARKED = "anticafe_stats_marked"
#: Ids per IN list.
_CHUNK = 500
#: Days before a month that its rows' local seconds count from (see `_count_months`).
_LEAD_DAYS = 400

#: The columns the facts read, per source table: a change to any other column marks nothing.
WATCHED = {
    CheckIn.__tablename__: ("c", "id", {"event_id", "user_id", "undone_at", "checked_in_at", "age_band", "walk_in",
                                        "registration_id"}),
    Visit.__tablename__: ("v", "id", {"user_id", "started_at", "ended_at", "billed_minutes", "payment_method",
                                      "age_band"}),
    PassUse.__tablename__: ("v", "visit_id", {"visit_id", "pass_id", "minutes", "reversed_at"}),
    Pass.__tablename__: ("p", "id", {"kind"}),
    Event.__tablename__: ("e", "id", {"status", "published", "starts_at", "ends_at", "entry"}),
    User.__tablename__: ("u", "id", {"birth_date"}),
    Registration.__tablename__: ("r", "event_id", {"event_id", "status", "source"}),
}
#: Marks of rows inserted in bulk: every row of the table beyond an id.
_INSERTED = {CheckIn.__tablename__: "C", Visit.__tablename__: "V", PassUse.__tablename__: "U",
             Registration.__tablename__: "R"}
_MODELS = {model.__tablename__: model for model in (CheckIn, Visit, PassUse, Pass, Event, User, Registration)}


# ------------------------------------------------------------------------------------------------
# The facts, from the raw rows


def _band_age(band):
    """The first age of the age group kept on a row at erasure, else NULL."""
    return case(*[(band == text_constant(group.key), int_constant(rules.band_age(group.key)))
                  for group in rules.AGE_GROUPS], else_=literal(None))


def fact_selects(dialect: str, *, checkin_ids=None, visit_ids=None, after: dict | None = None):
    """SELECTs of the fact rows of check-ins and visits (all of them, those of the given ids, or, with
    `after={"c": id}` / `{"v": id}`, those with a greater id)."""
    after = after or {}

    def epoch(column):
        return epoch_of(dialect, column)

    zero = int_constant(0)
    held = and_(Event.status == EventStatus.SCHEDULED.value, Event.published.is_(True))
    checkins = (select(text_constant("c").label("kind"), CheckIn.id.label("source_id"),
                       CheckIn.event_id.label("event_id"), CheckIn.user_id.label("user_id"),
                       case((held, 1), else_=0).label("held"), epoch(Event.starts_at).label("at"),
                       case((Event.entry == Entry.FREE.value, 1), else_=0).label("stays"),
                       epoch(CheckIn.checked_in_at).label("stay_start"), epoch(Event.ends_at).label("stay_end"),
                       zero.label("seconds"), zero.label("free_subsidised"), zero.label("free_pass"),
                       birth_number_of(dialect, User.birth_date).label("birth"),
                       _band_age(CheckIn.age_band).label("band_age"))
                .select_from(CheckIn).join(Event, Event.id == CheckIn.event_id)
                .join(User, User.id == CheckIn.user_id)
                .where(CheckIn.undone_at.is_(None)))
    if checkin_ids is not None:
        checkins = checkins.where(CheckIn.id.in_(checkin_ids))
    if "c" in after:
        checkins = checkins.where(CheckIn.id > after["c"])
    allowance = Pass.kind == PassKind.ALLOWANCE.value
    uses = (select(PassUse.visit_id.label("visit_id"),
                   func.sum(case((allowance, PassUse.minutes), else_=0)).label("allowance"),
                   func.sum(case((allowance, 0), else_=PassUse.minutes)).label("prepaid"))
            .join(Pass, Pass.id == PassUse.pass_id).where(PassUse.reversed_at.is_(None)))
    if visit_ids is not None:
        uses = uses.where(PassUse.visit_id.in_(visit_ids))
    if "v" in after:
        uses = uses.where(PassUse.visit_id > after["v"])
    uses = uses.group_by(PassUse.visit_id).subquery("pass_minutes")
    seconds = case((Visit.billed_minutes.is_not(None), Visit.billed_minutes * 60),
                   (Visit.ended_at.is_not(None), epoch(Visit.ended_at) - epoch(Visit.started_at)), else_=0)
    till = case((Visit.payment_method == "subsidised", seconds), else_=0)
    visits = (select(text_constant("v").label("kind"), Visit.id.label("source_id"), literal(None).label("event_id"),
                     Visit.user_id.label("user_id"), int_constant(1).label("held"),
                     epoch(Visit.started_at).label("at"), int_constant(1).label("stays"),
                     epoch(Visit.started_at).label("stay_start"), epoch(Visit.ended_at).label("stay_end"),
                     seconds.label("seconds"),
                     (till + func.coalesce(uses.c.allowance, 0) * 60).label("free_subsidised"),
                     (func.coalesce(uses.c.prepaid, 0) * 60).label("free_pass"),
                     birth_number_of(dialect, User.birth_date).label("birth"),
                     _band_age(Visit.age_band).label("band_age"))
              .select_from(Visit).outerjoin(uses, uses.c.visit_id == Visit.id)
              .outerjoin(User, User.id == Visit.user_id))
    if visit_ids is not None:
        visits = visits.where(Visit.id.in_(visit_ids))
    if "v" in after:
        visits = visits.where(Visit.id > after["v"])
    return checkins, visits


_FACT_COLUMNS = ("kind", "source_id", "event_id", "user_id", "held", "at", "stays", "stay_start", "stay_end",
                 "seconds", "free_subsidised", "free_pass", "birth", "band_age")


def _insert_facts(connection, statement) -> None:
    table = PresenceFact.__table__
    connection.execute(insert(table).from_select([table.c[name] for name in _FACT_COLUMNS], statement))


def event_count_select(event_ids=None):
    """SELECT of the `stats_event` rows of the given events (all of them when None) that have a
    registration or a standing check-in, counted from the raw rows (`queries` says what counts)."""
    confirmed = and_(Registration.status == RegistrationStatus.CONFIRMED.value,
                     Registration.source != Source.WALK_IN.value)
    standing = aliased(CheckIn, name="standing")
    registrations = (
        select(Registration.event_id.label("event_id"),
               func.sum(case((confirmed, 1), else_=0)).label("registered"),
               func.sum(case((Registration.status == RegistrationStatus.WAITLISTED.value, 1), else_=0))
               .label("waitlisted"),
               func.sum(case((and_(confirmed, standing.id.is_(None)), 1), else_=0)).label("absent"))
        .select_from(Registration)
        .outerjoin(standing, and_(standing.registration_id == Registration.id, standing.undone_at.is_(None)))
        .where(Registration.status.in_((RegistrationStatus.CONFIRMED.value, RegistrationStatus.WAITLISTED.value)))
        .group_by(Registration.event_id))
    checkins = (select(CheckIn.event_id.label("event_id"), func.count().label("checked_in"),
                       func.sum(case((CheckIn.walk_in.is_(True), 1), else_=0)).label("walk_ins"))
                .where(CheckIn.undone_at.is_(None)).group_by(CheckIn.event_id))
    chosen = []
    if event_ids is not None:
        registrations = registrations.where(Registration.event_id.in_(event_ids))
        checkins = checkins.where(CheckIn.event_id.in_(event_ids))
        chosen.append(Event.id.in_(event_ids))
    registrations, checkins = registrations.subquery("per_event_registrations"), checkins.subquery("per_event_checkins")
    return (select(Event.id, func.coalesce(registrations.c.registered, 0), func.coalesce(registrations.c.waitlisted, 0),
                   func.coalesce(registrations.c.absent, 0), func.coalesce(checkins.c.checked_in, 0),
                   func.coalesce(checkins.c.walk_ins, 0))
            .select_from(Event)
            .outerjoin(registrations, registrations.c.event_id == Event.id)
            .outerjoin(checkins, checkins.c.event_id == Event.id)
            .where(or_(registrations.c.event_id.is_not(None), checkins.c.event_id.is_not(None)), *chosen))


def _count_events(connection, event_ids=None) -> None:
    """Count again the `stats_event` rows of `event_ids` (every event when None)."""
    table = EventCount.__table__
    columns = [table.c.event_id, table.c.registered, table.c.waitlisted, table.c.absent, table.c.checked_in,
               table.c.walk_ins]
    if event_ids is None:
        connection.execute(delete(table))
        connection.execute(insert(table).from_select(columns, event_count_select()))
        return
    for chunk in _chunks(event_ids):
        connection.execute(delete(table).where(table.c.event_id.in_(chunk)))
        connection.execute(insert(table).from_select(columns, event_count_select(chunk)))


def rebuild(connection) -> None:
    """Count every fact, month row and event count afresh from the raw rows (in the caller's transaction);
    clear every mark. Needs the app (the venue's zone)."""
    dialect = connection.dialect.name
    connection.execute(delete(PresenceFact.__table__))
    checkins, visits = fact_selects(dialect)
    _insert_facts(connection, union_all(checkins, visits))
    _rebuild_months(connection)
    _count_events(connection)
    connection.execute(delete(StaleFact.__table__))


# ------------------------------------------------------------------------------------------------
# Month rows: person-months and heat-months, counted from the facts


def month_of(epoch: int, zone: tzinfo) -> int:
    """The venue-local month (YYYYMM) of a UTC epoch second."""
    return rules.month_number(datetime.fromtimestamp(epoch, zone))


def month_first_day(month: int) -> date:
    return date(month // 100, month % 100, 1)


def _count_months(connection, months: dict[int, set | None], zone: tzinfo) -> None:
    """Count again the month rows of `months` ({YYYYMM: the people (None: no account) whose person-months to
    recount, or None for all of them}); the heat-month rows of each month are counted whole."""
    dialect = connection.dialect.name
    f = PresenceFact.__table__.c
    pm, heat, pd = PersonMonth.__table__, HeatMonth.__table__, PersonDay.__table__
    for month, users in sorted(months.items()):
        first = month_first_day(month)
        last = rules.month_end(first)
        # Local seconds count from well before the month, so that a stay that began before its event's
        # month (a check-in days before a moved event) still has a positive time of day.
        lt = LocalTime(dialect, first - timedelta(days=_LEAD_DAYS), last, zone)
        lo = int(rules.local_midnight_utc(first, zone).timestamp())
        hi = int(rules.local_midnight_utc(last + timedelta(days=1), zone).timestamp())
        in_month = and_(f.held == int_constant(1), f.at >= int_constant(lo), f.at < int_constant(hi))
        if users is not None and len(users) > _CHUNK:
            users = None
        chosen, stored = [in_month], [pm.c.month == month]
        stored_days = [pd.c.day >= month * 100 + 1, pd.c.day <= month * 100 + 31]
        if users is not None:
            ids = sorted(u for u in users if u is not None)
            facts_of = [f.user_id.in_(ids)] if ids else []
            rows_of = [pm.c.user_id.in_(ids)] if ids else []
            days_of = [pd.c.user_id.in_(ids)] if ids else []
            if None in users:
                facts_of.append(f.user_id.is_(None))
                rows_of.append(pm.c.user_id.is_(None))
                days_of.append(pd.c.user_id.is_(None))
            chosen.append(or_(*facts_of))
            stored.append(or_(*rows_of))
            stored_days.append(or_(*days_of))
        connection.execute(delete(pm).where(*stored))
        connection.execute(delete(pd).where(*stored_days))
        secs = lt.seconds_from_epoch(f.at)
        age = case((f.band_age.is_not(None), f.band_age), else_=(lt.date_number(secs) - f.birth) // int_constant(10000))
        rows = (select(f.user_id.label("user_id"), lt.day(secs).label("day"), lt.date_number(secs).label("date"),
                       age.label("age"), f.kind.label("kind"),
                       f.seconds.label("seconds"), f.free_subsidised.label("free_subsidised"),
                       f.free_pass.label("free_pass"))
                .where(*chosen).subquery("month_facts"))
        group = lt.age_group(rows.c.age).label("g")
        youth = case((lt.is_youth(rows.c.age), int_constant(1)), else_=int_constant(0)).label("y")
        per_person = (select(rows.c.user_id, int_constant(month), group, youth, func.count(distinct(rows.c.day)),
                             func.sum(case((rows.c.kind == text_constant("c"), 1), else_=0)),
                             func.sum(case((rows.c.kind == text_constant("v"), 1), else_=0)),
                             func.sum(rows.c.seconds), func.sum(rows.c.free_subsidised), func.sum(rows.c.free_pass))
                      .group_by(rows.c.user_id, literal_column("g"), literal_column("y")))
        connection.execute(insert(pm).from_select(
            [pm.c.user_id, pm.c.month, pm.c.age_group, pm.c.youth, pm.c.days, pm.c.checkins, pm.c.visits,
             pm.c.seconds, pm.c.free_subsidised, pm.c.free_pass], per_person))
        per_day = (select(rows.c.user_id, rows.c.date, group, youth,
                          func.sum(case((rows.c.kind == text_constant("c"), 1), else_=0)),
                          func.sum(case((rows.c.kind == text_constant("v"), 1), else_=0)),
                          func.sum(rows.c.seconds), func.sum(rows.c.free_subsidised), func.sum(rows.c.free_pass))
                   .group_by(rows.c.user_id, rows.c.date, literal_column("g"), literal_column("y")))
        connection.execute(insert(pd).from_select(
            [pd.c.user_id, pd.c.day, pd.c.age_group, pd.c.youth, pd.c.checkins, pd.c.visits, pd.c.seconds,
             pd.c.free_subsidised, pd.c.free_pass], per_day))
        connection.execute(delete(heat).where(heat.c.month == month))
        stays = (select(lt.seconds_from_epoch(f.stay_start).label("stay_start"),
                        lt.seconds_from_epoch(f.stay_end).label("stay_end"))
                 .where(in_month, f.stays == int_constant(1)).subquery("month_stays"))
        weekday, first_hour, last_hour = stay_hours(lt, stays.c.stay_start, stays.c.stay_end)
        per_hour = (select(int_constant(month), weekday.label("wd"), first_hour.label("fh"), last_hour.label("lh"),
                           func.count())
                    .group_by(literal_column("wd"), literal_column("fh"), literal_column("lh")))
        connection.execute(insert(heat).from_select(
            [heat.c.month, heat.c.weekday, heat.c.first_hour, heat.c.last_hour, heat.c.stays], per_hour))


def _rebuild_months(connection) -> None:
    """Count every month row afresh from the facts, in the venue's zone now."""
    zone = venue_tz()
    connection.execute(delete(PersonMonth.__table__))
    connection.execute(delete(PersonDay.__table__))
    connection.execute(delete(HeatMonth.__table__))
    f = PresenceFact.__table__.c
    lo, hi = connection.execute(select(func.min(f.at), func.max(f.at)).where(f.held == int_constant(1))).one()
    months: dict[int, set | None] = {}
    if lo is not None:
        day, last = month_first_day(month_of(lo, zone)), month_first_day(month_of(hi, zone))
        while day <= last:
            months[rules.month_number(day)] = None
            day = rules.add_months(day, 1)
    _count_months(connection, months, zone)
    connection.execute(update(AggregateLock.__table__).where(AggregateLock.id == 1).values(zone=zone.key))


def _touched(connection, where) -> set[tuple]:
    """(person, UTC epoch) of the held facts matching `where`: the month rows they count in."""
    f = PresenceFact.__table__.c
    return set(connection.execute(select(f.user_id, f.at).where(where, f.held == int_constant(1))).all())


def _chunks(ids: Iterable[int]):
    ids = sorted(set(ids))
    for start in range(0, len(ids), _CHUNK):
        yield ids[start:start + _CHUNK]


def _recount(connection, marks: list[tuple[str, int]]) -> None:
    """Count again the facts of the marked sources (see the module's docstring)."""
    dialect = connection.dialect.name
    wanted: dict[str, set[int]] = {}
    for kind, ref in marks:
        wanted.setdefault(kind, set()).add(ref)
    checkin_ids = set(wanted.get("c", ()))
    visit_ids = set(wanted.get("v", ()))
    facts = PresenceFact.__table__
    # The events whose counts to count again: of the marked registrations and events, and of the marked
    # check-ins before (their facts) and after (their rows) the change.
    event_ids = set(wanted.get("r", ())) | set(wanted.get("e", ()))
    if "R" in wanted:  # registrations inserted in bulk
        event_ids.update(connection.scalars(select(Registration.event_id).where(Registration.id > min(wanted["R"]))
                                            .distinct()))
    if "C" in wanted:
        after = min(wanted["C"])
        event_ids.update(connection.scalars(select(CheckIn.event_id).where(CheckIn.id > after).distinct()))
        event_ids.update(connection.scalars(select(facts.c.event_id).where(facts.c.kind == "c",
                                                                           facts.c.source_id > after).distinct()))
    for chunk in _chunks(wanted.get("e", ())):
        checkin_ids.update(connection.scalars(select(CheckIn.id).where(CheckIn.event_id.in_(chunk))))
        checkin_ids.update(connection.scalars(select(facts.c.source_id).where(facts.c.kind == "c",
                                                                              facts.c.event_id.in_(chunk))))
    for chunk in _chunks(wanted.get("u", ())):
        checkin_ids.update(connection.scalars(select(CheckIn.id).where(CheckIn.user_id.in_(chunk))))
        visit_ids.update(connection.scalars(select(Visit.id).where(Visit.user_id.in_(chunk))))
        for kind, ids in (("c", checkin_ids), ("v", visit_ids)):
            ids.update(connection.scalars(select(facts.c.source_id).where(facts.c.kind == kind,
                                                                          facts.c.user_id.in_(chunk))))
    if "U" in wanted:  # pass uses inserted in bulk: the visits they pay
        visit_ids.update(connection.scalars(select(PassUse.visit_id).where(PassUse.id > min(wanted["U"]),
                                                                           PassUse.visit_id.is_not(None))))
    touched: set[tuple] = set()
    for kind in ("c", "v"):
        if kind.upper() in wanted:  # rows inserted in bulk, beyond the newest id at the time
            after = min(wanted[kind.upper()])
            these = and_(facts.c.kind == kind, facts.c.source_id > after)
            touched |= _touched(connection, these)
            connection.execute(delete(facts).where(these))
            checkins, visits = fact_selects(dialect, **{"checkin_ids" if kind == "c" else "visit_ids": None},
                                            after={kind: after})
            _insert_facts(connection, checkins if kind == "c" else visits)
            touched |= _touched(connection, these)
            ids = checkin_ids if kind == "c" else visit_ids
            ids.difference_update({i for i in ids if i > after})
    for chunk in _chunks(wanted.get("p", ())):
        visit_ids.update(connection.scalars(select(PassUse.visit_id).where(PassUse.pass_id.in_(chunk))))
    for chunk in _chunks(checkin_ids):
        event_ids.update(connection.scalars(select(CheckIn.event_id).where(CheckIn.id.in_(chunk)).distinct()))
        event_ids.update(connection.scalars(select(facts.c.event_id).where(facts.c.kind == "c",
                                                                           facts.c.source_id.in_(chunk)).distinct()))
    event_ids.discard(None)
    _count_events(connection, event_ids)
    for kind, ids in (("c", checkin_ids), ("v", visit_ids)):
        for chunk in _chunks(ids):
            these = and_(facts.c.kind == kind, facts.c.source_id.in_(chunk))
            touched |= _touched(connection, these)
            connection.execute(delete(facts).where(these))
            checkins, visits = fact_selects(dialect, **{"checkin_ids" if kind == "c" else "visit_ids": chunk})
            _insert_facts(connection, checkins if kind == "c" else visits)
            touched |= _touched(connection, these)
    zone = venue_tz()
    months: dict[int, set | None] = {}
    for user, at in touched:
        months.setdefault(month_of(at, zone), set()).add(user)
    _count_months(connection, months, zone)


def bring_up_to_date() -> None:
    """Count again the facts and month rows of every source marked since the last refresh, in a transaction
    of its own; everything when the venue's zone is not the one the month rows were counted in.

    Costs one indexed read when nothing is marked.
    """
    zone = venue_tz().key
    stale = StaleFact.__table__
    counted_in, marked = db.session.execute(
        select(AggregateLock.zone, exists().select_from(stale)).where(AggregateLock.id == 1)).one()
    if counted_in == zone and not marked:
        return
    with db.engine.begin() as connection:
        connection.execute(update(AggregateLock).where(AggregateLock.id == 1).values(id=AggregateLock.id))
        rows = connection.execute(select(stale.c.id, stale.c.kind, stale.c.ref_id)).all()
        counted_in = connection.execute(select(AggregateLock.zone).where(AggregateLock.id == 1)).scalar()
        if counted_in != zone or any(kind == "*" for _, kind, _ in rows):  # "count everything"
            rebuild(connection)
            return
        if not rows:
            return
        _recount(connection, [(kind, ref) for _, kind, ref in rows])
        for chunk in _chunks(row_id for row_id, _, _ in rows):
            connection.execute(delete(stale).where(stale.c.id.in_(chunk)))


# ------------------------------------------------------------------------------------------------
# Which figures to read


@contextmanager
def reference():
    """Count from the raw rows (the definition of every figure) inside the block."""
    token = _reference.set(True)
    try:
        yield
    finally:
        _reference.reset(token)


def use_facts() -> bool:
    """Whether the statistics read the facts: not in `reference()`, and not inside a transaction that
    changed something the facts hold and has not committed it."""
    return not _reference.get() and not db.session.info.get(_MARKED)


def source() -> str:
    """"facts" or "raw": part of the statistics cache's key."""
    return "facts" if use_facts() else "raw"


# ------------------------------------------------------------------------------------------------
# The marks, written by the session in the transaction of each change


def _changed(instance, columns: set[str]) -> bool:
    state = db.inspect(instance)
    return any(state.attrs[name].history.has_changes() for name in columns if name in state.attrs)


def _marks_of(session: Session, instance, *, whole: bool) -> list[tuple[str, int]]:
    table = getattr(type(instance), "__tablename__", None)
    watched = WATCHED.get(table)
    if watched is None:
        return []
    kind, key, columns = watched
    if not whole and not _changed(instance, columns):
        return []
    if table in (PassUse.__tablename__, Registration.__tablename__):  # the visit or event, before and after
        refs = {getattr(instance, key), *db.inspect(instance).attrs[key].history.deleted}
        return [(kind, ref) for ref in refs if ref is not None]
    if kind in ("e", "u", "p") and instance in session.new:
        return []  # a new event, person or pass has no facts yet
    value = getattr(instance, key)
    return [] if value is None else [(kind, value)]


def _write(session: Session, marks) -> None:
    marks = sorted(set(marks))
    if not marks:
        return
    session.connection().execute(insert(StaleFact.__table__), [{"kind": k, "ref_id": r} for k, r in marks])
    session.info[_MARKED] = True


@event.listens_for(Session, "after_flush")
def _after_flush(session, flush_context):
    # session.new, dirty and deleted still hold the flush's instances here (with their new ids).
    marks = []
    for instance in (*session.new, *session.deleted):
        marks += _marks_of(session, instance, whole=True)
    for instance in session.dirty:
        marks += _marks_of(session, instance, whole=False)
    _write(session, marks)


@cache
def _newest_mark(table_name: str, kind: str):
    """The bulk insert's mark, built once per table (the door's check-in is a Core insert: building
    this statement on every scan cost more than running it)."""
    stale = StaleFact.__table__
    model = _MODELS[table_name]
    newest = select(text_constant(kind), func.coalesce(func.max(model.id), 0)).select_from(model)
    return insert(stale).from_select([stale.c.kind, stale.c.ref_id], newest)


@event.listens_for(Session, "do_orm_execute")
def _bulk_change(state):
    if not (state.is_insert or state.is_update or state.is_delete) or state.execution_options.get("row_lock"):
        return
    table = getattr(state.statement, "table", None)
    watched = WATCHED.get(getattr(table, "name", None))
    if watched is None:
        return
    kind, key, columns = watched
    stale = StaleFact.__table__
    if state.is_insert:
        kind = _INSERTED.get(table.name)
        if kind is None:
            return  # new events, people and passes have no facts yet
        # New rows have no ids yet: mark "every row after the newest id now" (a sequence only grows, so
        # the new rows, and rows other transactions are inserting, all lie beyond it).
        state.session.connection().execute(_newest_mark(table.name, kind))
        state.session.info[_MARKED] = True
        return
    if state.is_update:
        values = getattr(state.statement, "_values", None) or {}
        names = {getattr(column, "key", getattr(column, "name", str(column))) for column in values}
        if values and not names & columns:
            return
    model = _MODELS[table.name]
    chosen = select(text_constant(kind), getattr(model, key)).select_from(model.__table__)
    if state.statement.whereclause is not None:
        chosen = chosen.where(state.statement.whereclause)
    if key != "id":
        chosen = chosen.where(getattr(model, key).is_not(None))
    state.session.connection().execute(insert(stale).from_select([stale.c.kind, stale.c.ref_id], chosen))
    state.session.info[_MARKED] = True


@event.listens_for(Session, "after_commit")
def _committed(session):
    session.info.pop(_MARKED, None)


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session, previous_transaction):
    if previous_transaction.parent is None:  # a savepoint's rollback keeps the flag: raw counts stay right
        session.info.pop(_MARKED, None)


# ------------------------------------------------------------------------------------------------
# Operators


@click.group("stats", help="The committee's statistics.")
def stats_cli():
    pass


@stats_cli.command("rebuild")
@with_appcontext
def rebuild_command():
    """Count every pre-aggregated fact afresh from the raw rows."""
    with db.engine.begin() as connection:
        connection.execute(update(AggregateLock).where(AggregateLock.id == 1).values(id=AggregateLock.id))
        rebuild(connection)
        count = connection.execute(select(func.count()).select_from(PresenceFact)).scalar()
        months = connection.execute(select(func.count()).select_from(PersonMonth)).scalar()
    click.echo(f"statistics: {count} presence facts and {months} person-months counted afresh")
