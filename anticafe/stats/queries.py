"""The statistics' SQL: every figure is an aggregate computed by the database, never by loading rows.

Two statements make a dashboard, each one pass over the big tables and one round trip:

- **event facts** (`event_figures`): a materialized CTE with one row per held event (its buckets,
  capacity, registration and check-in counts), rolled up by period, month or week, category...;
- **presence facts** (`presence_figures`): a materialized CTE with one row per check-in at a held
  event and per timed visit (its buckets, the person's age group on that day, the hours of the stay,
  the time paid), from which people, visits, ages, return frequency and the heatmap are counted.

Each statement is a UNION ALL of GROUP BY branches (`Branches`) returning (branch, key, values).
A bucket ("dimension") is one of:

- ``total``: everything in the scope under the key "all";
- ``period``: "current" and "previous" (when the scope includes the previous period for comparison);
- ``month`` / ``week``: venue-local YYYY-MM / the Monday as YYYY-MM-DD;
- ``category``, ``event``: of the event;
- ``age_group``: of the person, by their age on the local date of the event or visit;
- ``weekday_hour``: ISO weekday * 100 + local hour of the event's start (e.g. 519 = Friday 19:00).

What counts (the same everywhere):

- an event is *held* when it is scheduled (not cancelled) and published; it belongs to the period its
  local start falls in, and so do its registrations and check-ins;
- *registered* are confirmed registrations made in advance (waitlisted, cancelled and walk-in
  registrations are not), *no-shows* those of them without a standing check-in at an event that has
  ended, *checked in* every standing check-in (an undone one does not count), walk-ins included;
- a *timed visit* belongs to the period its local start falls in; its time is the billed minutes, or
  the time from start to end while it is not billed yet (an open visit adds no time yet);
- *people* are distinct accounts checked in at a held event or with a timed visit (a visit without an
  account counts as a visit, not as a person); a person is *new* when they had not come before the
  period (no check-in at an earlier held event, no earlier timed visit), *returning* otherwise.
"""

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    String,
    and_,
    case,
    cast,
    distinct,
    func,
    literal_column,
    null,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy.orm import aliased

from ..accounts.models import User
from ..db import utcnow
from ..door.models import CheckIn
from ..events.models import Event, EventStatus
from ..extensions import db
from ..registrations.models import Registration, RegistrationStatus
from ..timeutil import venue_tz
from ..visits.models import Visit
from . import aggregate, rules
from .cache import cached
from .models import EventCount, PresenceFact
from .sql import LocalTime, int_constant, text_constant

#: Time the committee reports separately from time paid at the tariff (`VisitFigures.free_hours`):
#: "subsidised" is free time paid by the committee or an NGO — visits marked subsidised at the till
#: plus minutes paid from a subsidised allowance; "pass" is minutes paid from prepaid passes
#: (packages and memberships). See `_free_time`.
FREE_TIME = ("subsidised", "pass")

#: Dimensions that are properties of the event (event facts can be rolled up by them).
EVENT_DIMENSIONS = ("total", "period", "month", "week", "category", "event", "weekday_hour")

#: SQLite learnt "AS MATERIALIZED" in 3.35; without the hint a CTE may be computed once per use.
_MATERIALIZED = sqlite3.sqlite_version_info >= (3, 35, 0)
#: Grouped statements group by their key's label (see `sql`: constants are inlined, not bound).
_K = literal_column("k")
#: The check-in that stands for a registration (not undone), to find no-shows.
_STANDING = aliased(CheckIn, name="standing")


@dataclass(frozen=True)
class Scope:
    """What the figures cover: [lo, hi) in UTC, split into previous/current at `split` when comparing."""

    lo: datetime
    hi: datetime
    local: LocalTime
    now: datetime
    #: the start of the current period when the scope also holds the previous one
    split: datetime | None = None
    #: only these events (the per-event page); None = every held event in [lo, hi)
    event_ids: tuple[int, ...] | None = None


def scope_for(period: rules.Period, *, compare: bool = False, now: datetime | None = None) -> Scope:
    """Build the scope of `period` (plus the previous period of the same length when `compare`)."""
    zone = venue_tz()
    lo, hi = period.utc_bounds(zone)
    split, first_day = None, period.start
    if compare:
        previous = period.previous()
        split, first_day = lo, previous.start
        lo, _ = previous.utc_bounds(zone)
    local = LocalTime(_dialect(), first_day, period.end, zone)
    return Scope(lo=lo, hi=hi, split=split, local=local, now=now or utcnow())


def event_scope(event: Event, now: datetime | None = None) -> Scope:
    """The scope of one event, whatever its date or state (the per-event page)."""
    zone = venue_tz()
    first_day = event.starts_at.astimezone(zone).date()
    local = LocalTime(_dialect(), first_day, max(first_day, event.ends_at.astimezone(zone).date()), zone)
    return Scope(lo=event.starts_at, hi=event.ends_at, local=local, now=now or utcnow(), event_ids=(event.id,))


def _dialect() -> str:
    return db.session.get_bind().dialect.name


# ------------------------------------------------------------------------------------------------
# Building blocks


class Branches:
    """A UNION ALL of grouped SELECTs, each answering (branch, key, its own named values).

    Keys are integers (column "n": cheap to sort) or, with `text=True`, strings (column "k").
    """

    def __init__(self):
        self._parts: list[tuple[str, object, dict, dict]] = []

    def add(self, name: str, key, values: dict, *, source, where=(), text: bool = False, group: bool = True,
            order_by=(), limit: int | None = None) -> None:
        self._parts.append((name, key, values, {"source": source, "where": where, "text": text, "group": group,
                                                 "order_by": order_by, "limit": limit}))

    def run(self) -> dict[str, dict]:
        """Execute; return {branch: {key: {name: int}}}."""
        names: list[str] = []
        for _, _, values, _ in self._parts:
            names += [n for n in values if n not in names]
        selects = []
        for name, key, values, how in self._parts:
            if how["text"]:
                keys = [cast(key, String).label("k"), cast(null(), BigInteger).label("n")]
            else:
                keys = [cast(null(), String).label("k"), cast(key, BigInteger).label("n")]
            columns = [text_constant(name).label("branch"), *keys]
            columns += [(values[n] if n in values else cast(null(), BigInteger)).label(n) for n in names]
            statement = select(*columns).select_from(how["source"]).where(*how["where"])
            if how["group"]:
                statement = statement.group_by(literal_column("k" if how["text"] else "n"))
            if how["order_by"] or how["limit"] is not None:
                inner = statement.order_by(*how["order_by"]).limit(how["limit"]).subquery()
                statement = select(*inner.c)
            selects.append(statement)
        result: dict[str, dict] = {name: {} for name, *_ in self._parts}
        if not selects:
            return result
        own = {name: values for name, _, values, _ in self._parts}
        for row in _execute(union_all(*selects) if len(selects) > 1 else selects[0]):
            branch, text_key, int_key, *values = row
            key = text_key if int_key is None else int(int_key)
            result[branch][key] = {n: int(v or 0) for n, v in zip(names, values, strict=True) if n in own[branch]}
        return result


def _execute(statement):
    """Run a statistics statement; on PostgreSQL without JIT and with room to sort in memory.

    The CASE-heavy expressions make PostgreSQL's cost estimate cross the JIT threshold, and compiling
    them takes far longer than running them; sorting a year of rows needs more than the default 4 MB.
    SET LOCAL lasts until the end of the transaction (the request).
    """
    if _dialect() == "postgresql":
        db.session.execute(text("SET LOCAL jit = off"))
        db.session.execute(text("SET LOCAL work_mem = '64MB'"))
    return db.session.execute(statement)


def plain_rows(statement) -> list[tuple]:
    """Run a statistics statement and return the driver's own tuples.

    For the reads of thousands of small rows that are grouped in Python (`visitors`): SQLAlchemy's rows
    stay tracked by the garbage collector, and the ~26 k of a year's person-months made Python run a full
    collection of the whole process's heap every other dashboard (~100 ms, measured); the driver's tuples
    of plain integers are dropped from the collector's watch at its first young collection.
    """
    result = _execute(statement)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


def _cte(statement, name: str):
    cte = statement.cte(name)
    return cte.prefix_with("MATERIALIZED") if _MATERIALIZED else cte


def _is_held(event=Event):
    return and_(event.status == EventStatus.SCHEDULED.value, event.published == true())


def _held(scope: Scope, event=Event):
    """Events counted in the scope: the chosen ones, or held events starting in [lo, hi)."""
    if scope.event_ids is not None:
        return event.id.in_(scope.event_ids)
    return and_(_is_held(event), event.starts_at >= scope.lo, event.starts_at < scope.hi)


def _visit_range(scope: Scope, visit=Visit):
    return and_(visit.started_at >= scope.lo, visit.started_at < scope.hi)


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _sum(expression):
    return func.coalesce(func.sum(expression), 0)


def _period_flag(scope: Scope, raw):
    """1 for the current period, 0 for the previous one."""
    if scope.split is None:
        return int_constant(1)
    return case((raw >= scope.split, int_constant(1)), else_=int_constant(0))


def _event_key(scope: Scope, dim: str, event=Event):
    """The bucket of an event for an event dimension."""
    lt = scope.local
    if dim == "total":
        return int_constant(0)
    if dim == "period":
        return _period_flag(scope, event.starts_at)
    if dim == "category":
        return event.category
    if dim == "event":
        return event.id
    starts = lt.seconds(event.starts_at)
    if dim in ("month", "week"):
        return lt.series_index(starts, dim)
    if dim == "weekday_hour":
        return lt.weekday(starts) * int_constant(100) + lt.hour(starts)
    raise ValueError(f"not an event dimension: {dim}")


def _registered(registration=Registration):
    return and_(registration.status == RegistrationStatus.CONFIRMED.value, registration.source != "walk_in")


# ------------------------------------------------------------------------------------------------
# Event figures


@dataclass
class Attendance:
    """Event figures of one bucket."""

    events: int = 0
    capacity: int = 0
    capacity_events: int = 0
    registered: int = 0
    waitlisted: int = 0
    no_shows: int = 0
    registered_ended: int = 0
    checked_in: int = 0
    walk_ins: int = 0
    checked_in_capped: int = 0
    #: distinct people checked in
    attendees: int = 0

    @property
    def fill_rate(self) -> float | None:
        """Checked in / capacity over the events that have a capacity, in percent."""
        return rules.rate(self.checked_in_capped, self.capacity)

    @property
    def no_show_rate(self) -> float | None:
        """No-shows / registered over the events that have ended, in percent."""
        return rules.rate(self.no_shows, self.registered_ended)


@dataclass
class EventLine:
    """An event with its figures, for the top-events and all-events tables."""

    id: int
    title: str
    starts_at: datetime
    category: str
    capacity: int | None
    figures: Attendance


@dataclass
class EventFigures:
    #: {dimension: {key: Attendance}}
    by: dict
    #: the events asked for (`top` best attended, or all), in order
    events: list[EventLine]


def _event_facts(scope: Scope, dims) -> object:
    """The materialized CTE of held events with their keys and counts: the counts from `stats_event`
    (`aggregate`), or counted from the raw rows in `reference()`."""
    if aggregate.use_facts():
        counted = EventCount.__table__.c
        ended = Event.ends_at <= scope.now
        registered = func.coalesce(counted.registered, 0)
        columns = [Event.id.label("id"), Event.capacity.label("capacity"), Event.starts_at.label("starts_at"),
                   registered.label("registered"), func.coalesce(counted.waitlisted, 0).label("waitlisted"),
                   case((ended, func.coalesce(counted.absent, 0)), else_=0).label("no_shows"),
                   case((ended, registered), else_=0).label("registered_ended"),
                   func.coalesce(counted.checked_in, 0).label("checked_in"),
                   func.coalesce(counted.walk_ins, 0).label("walk_ins"),
                   _period_flag(scope, Event.starts_at).label("cur")]
        columns += [_event_key(scope, dim).label(f"key_{dim}") for dim in dims]
        statement = (select(*columns).select_from(Event)
                     .outerjoin(EventCount.__table__, counted.event_id == Event.id).where(_held(scope)))
        return _cte(statement, "event_facts")
    registrations = (
        select(Registration.event_id.label("event_id"),
               _count_if(_registered()).label("registered"),
               _count_if(Registration.status == RegistrationStatus.WAITLISTED.value).label("waitlisted"),
               _count_if(and_(_registered(), Event.ends_at <= scope.now, _STANDING.id.is_(None))).label("no_shows"),
               _count_if(and_(_registered(), Event.ends_at <= scope.now)).label("registered_ended"))
        .select_from(Registration).join(Event, Event.id == Registration.event_id)
        .outerjoin(_STANDING, and_(_STANDING.registration_id == Registration.id,
                                     _STANDING.undone_at.is_(None)))
        .where(_held(scope), Registration.status.in_((RegistrationStatus.CONFIRMED.value,
                                                        RegistrationStatus.WAITLISTED.value)))
        .group_by(Registration.event_id)
    ).subquery("per_event_registrations")
    checkins = (
        select(CheckIn.event_id.label("event_id"), func.count().label("checked_in"),
               _count_if(CheckIn.walk_in == true()).label("walk_ins"))
        .select_from(CheckIn).join(Event, Event.id == CheckIn.event_id)
        .where(CheckIn.undone_at.is_(None), _held(scope))
        .group_by(CheckIn.event_id)
    ).subquery("per_event_checkins")
    columns = [Event.id.label("id"), Event.capacity.label("capacity"), Event.starts_at.label("starts_at"),
               func.coalesce(registrations.c.registered, 0).label("registered"),
               func.coalesce(registrations.c.waitlisted, 0).label("waitlisted"),
               func.coalesce(registrations.c.no_shows, 0).label("no_shows"),
               func.coalesce(registrations.c.registered_ended, 0).label("registered_ended"),
               func.coalesce(checkins.c.checked_in, 0).label("checked_in"),
               func.coalesce(checkins.c.walk_ins, 0).label("walk_ins"),
               _period_flag(scope, Event.starts_at).label("cur")]
    columns += [_event_key(scope, dim).label(f"key_{dim}") for dim in dims]
    statement = (select(*columns)
                 .outerjoin(registrations, registrations.c.event_id == Event.id)
                 .outerjoin(checkins, checkins.c.event_id == Event.id)
                 .where(_held(scope)))
    return _cte(statement, "event_facts")


def _rollup(ev) -> dict:
    return {
        "events": func.count(),
        "capacity": _sum(ev.c.capacity),
        "capacity_events": func.count(ev.c.capacity),
        "registered": _sum(ev.c.registered),
        "waitlisted": _sum(ev.c.waitlisted),
        "no_shows": _sum(ev.c.no_shows),
        "registered_ended": _sum(ev.c.registered_ended),
        "checked_in": _sum(ev.c.checked_in),
        "walk_ins": _sum(ev.c.walk_ins),
        "checked_in_capped": _sum(case((ev.c.capacity.is_not(None), ev.c.checked_in), else_=0)),
    }


@cached
def event_figures(scope: Scope, dims, *, top: int | None = None, all_events: bool = False) -> EventFigures:
    """Event figures by each of `dims`, with distinct attendees; plus the `top` or all event lines.

    Every dimension but "period" covers the current period only.
    """
    dims = list(dims)
    for dim in dims:
        if dim not in EVENT_DIMENSIONS:
            raise ValueError(f"not an event dimension: {dim}")
    if aggregate.use_facts():
        aggregate.bring_up_to_date()
    wanted_lines = top is not None or all_events
    key_dims = [d for d in dims if d != "event"] + (["event"] if "event" in dims or wanted_lines else [])
    ev = _event_facts(scope, key_dims)
    branches = Branches()
    for dim in dims:
        key = getattr(ev.c, f"key_{dim}")
        current = () if dim == "period" else (ev.c.cur == 1,)
        text = dim == "category"
        branches.add(f"events:{dim}", key, _rollup(ev), source=ev, where=current, text=text)
        if aggregate.use_facts():  # the standing check-ins' people, from the facts' (event, person) index
            facts = PresenceFact.__table__.c
            attendees = {"attendees": func.count(distinct(facts.user_id))}
            branches.add(f"people:{dim}", key, attendees, source=ev.join(PresenceFact.__table__,
                                                                         facts.event_id == ev.c.id),
                         where=current, text=text)
        else:
            branches.add(f"people:{dim}", key, {"attendees": func.count(distinct(CheckIn.user_id))},
                         source=ev.join(CheckIn, CheckIn.event_id == ev.c.id),
                         where=(*current, CheckIn.undone_at.is_(None)), text=text)
    if wanted_lines:
        values = {name: getattr(ev.c, name) for name in ("capacity", "registered", "waitlisted", "no_shows",
                                                           "registered_ended", "checked_in", "walk_ins")}
        if top is not None:
            branches.add("lines", ev.c.id, values, source=ev, where=(ev.c.cur == 1, ev.c.checked_in > 0),
                         group=False, order_by=(ev.c.checked_in.desc(), ev.c.starts_at, ev.c.id), limit=top)
        else:
            branches.add("lines", ev.c.id, values, source=ev, where=(ev.c.cur == 1,), group=False)
    result = branches.run()
    by: dict = {}
    for dim in dims:
        rows: dict = {}
        for key, values in result[f"events:{dim}"].items():
            rows[_convert_key(scope, dim, key)] = Attendance(**values)
        for key, values in result[f"people:{dim}"].items():
            rows.setdefault(_convert_key(scope, dim, key), Attendance()).attendees = values["attendees"]
        by[dim] = rows
    lines = []
    if wanted_lines:
        found = result["lines"]
        ids = [int(k) for k in found]
        if ids:
            events = {e.id: e for e in db.session.execute(
                select(Event.id, Event.title, Event.starts_at, Event.category, Event.capacity)
                .where(Event.id.in_(ids))).all()}
            for key, values in found.items():
                event = events[int(key)]
                figures = Attendance(events=1, capacity_events=int(event.capacity is not None),
                                     checked_in_capped=values["checked_in"] if event.capacity is not None else 0,
                                     attendees=values["checked_in"], **values)
                if event.capacity is None:
                    figures.capacity = 0
                lines.append(EventLine(id=event.id, title=event.title, starts_at=event.starts_at,
                                       category=event.category, capacity=event.capacity, figures=figures))
            if top is None:
                lines.sort(key=lambda line: (line.starts_at, line.id))
            else:
                lines.sort(key=lambda line: (-line.figures.checked_in, line.starts_at, line.id))
    return EventFigures(by=by, events=lines)


def _convert_key(scope: Scope, dim: str, key):
    """Turn a bucket the database returned into the dimension's key."""
    if dim == "total":
        return "all"
    if dim == "period":
        return "current" if key == 1 else "previous"
    if dim in ("month", "week"):
        return scope.local.series_key(key, dim)
    if dim == "age_group":
        return rules.AGE_GROUP_KEYS[key]
    return key


def age_on_day(lt: LocalTime, when, band):
    """The person's age on the local day of `when`: from the birth date, or, once the person's identity
    is erased, the first age of the group kept on the row (which falls in the same group and youth)."""
    computed = lt.age(lt.seconds(when), lt.birth_number(User.birth_date))
    firsts = [(band == text_constant(group.key), int_constant(rules.band_age(group.key))) for group in rules.AGE_GROUPS]
    return case((band.is_(None), computed), *firsts, else_=computed)


@cached
def attendance_by_age(scope: Scope) -> dict:
    """{age group: Attendance} by the person's age on the event's local date (registrations and check-ins)."""
    lt = scope.local
    standing = _STANDING
    registrations = (
        select(lt.age_group(age_on_day(lt, Event.starts_at, Registration.age_band)).label("k"),
               _count_if(_registered()).label("registered"),
               _count_if(Registration.status == RegistrationStatus.WAITLISTED.value).label("waitlisted"),
               _count_if(and_(_registered(), Event.ends_at <= scope.now, standing.id.is_(None))).label("no_shows"),
               _count_if(and_(_registered(), Event.ends_at <= scope.now)).label("registered_ended"))
        .select_from(Registration).join(Event, Event.id == Registration.event_id)
        .join(User, User.id == Registration.user_id)
        .outerjoin(standing, and_(standing.registration_id == Registration.id, standing.undone_at.is_(None)))
        .where(_held(scope), Registration.status.in_((RegistrationStatus.CONFIRMED.value,
                                                        RegistrationStatus.WAITLISTED.value)))
        .group_by(_K))
    checkins = (
        select(lt.age_group(age_on_day(lt, Event.starts_at, CheckIn.age_band)).label("k"),
               func.count().label("checked_in"),
               _count_if(CheckIn.walk_in == true()).label("walk_ins"),
               func.count(distinct(CheckIn.user_id)).label("attendees"),
               func.count(distinct(CheckIn.event_id)).label("events"))
        .select_from(CheckIn).join(Event, Event.id == CheckIn.event_id).join(User, User.id == CheckIn.user_id)
        .where(CheckIn.undone_at.is_(None), _held(scope))
        .group_by(_K))
    rows: dict = {}
    for statement in (registrations, checkins):
        result = _execute(statement)
        names = list(result.keys())[1:]
        for key, *values in result:
            row = rows.setdefault(rules.AGE_GROUP_KEYS[int(key)], Attendance())
            for name, value in zip(names, values, strict=True):
                setattr(row, name, int(value or 0))
    return rows
