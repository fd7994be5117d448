"""Visitors: check-ins and timed visits together, as the committee counts people in the café (visits,
stays, free time, ages, the hours people are here). Built from the building blocks of `queries`."""

from dataclasses import dataclass, field
from datetime import time

from sqlalchemy import (
    and_,
    case,
    distinct,
    func,
    literal,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import aliased

from ..accounts.models import User
from ..db import UTCDateTime
from ..door.models import CheckIn
from ..events.models import Entry, Event
from ..extensions import db
from ..passes.models import Pass, PassKind, PassUse
from ..timeutil import venue_tz
from ..visits.models import Visit
from . import aggregate, rules
from .cache import cached
from .models import HeatMonth, PersonMonth, PresenceFact
from .queries import (
    FREE_TIME,
    Branches,
    Scope,
    _convert_key,
    _count_if,
    _cte,
    _held,
    _is_held,
    _period_flag,
    _sum,
    _visit_range,
    age_on_day,
)
from .sql import LocalTime, int_constant, stay_hours, text_constant


@dataclass
class VisitFigures:
    """Timed visits of one bucket; `free_seconds` has one entry per `FREE_TIME` figure."""

    visits: int = 0
    seconds: int = 0
    free_seconds: dict = field(default_factory=dict)

    @property
    def hours(self) -> float:
        return rules.hours(self.seconds)

    def free_hours(self, name: str) -> float:
        return rules.hours(self.free_seconds.get(name, 0))

    @property
    def subsidised_hours(self) -> float:
        return self.free_hours("subsidised")


@dataclass
class People:
    """People of one bucket: distinct persons, those who came before, visits and check-ins."""

    people: int = 0
    returners: int = 0
    checkins: int = 0
    visits: VisitFigures = field(default_factory=VisitFigures)

    @property
    def new(self) -> int:
        return self.people - self.returners


@dataclass
class PresenceFigures:
    #: {"current"/"previous": People} (people, returners, visits)
    period: dict
    #: {month or week key: People} for the current period
    series: dict
    #: {age group: People} (check-ins, visits and distinct people by age on each day)
    ages: dict
    #: distinct people aged 14 to 35 on the day they came
    youth: int
    #: {band: people}
    frequency: dict
    #: {(weekday, hour): stays under way}
    presence: dict


def visit_seconds(scope: Scope, visit=Visit):
    """The time a visit counts for, in whole seconds: billed minutes, else start to end, else nothing."""
    return case((visit.billed_minutes.is_not(None), visit.billed_minutes * 60),
                (visit.ended_at.is_not(None), scope.local.seconds_between(visit.started_at, visit.ended_at)),
                else_=0)


def _presence_facts(scope: Scope, *, ages: bool, stays: bool):
    """The materialized CTE: one row per standing check-in at a held event and per timed visit.

    Read from the pre-aggregated facts (`aggregate`), or counted from the raw rows in `reference()`.
    """
    if aggregate.use_facts():
        return _facts_from_table(scope, ages=ages, stays=stays)
    return _raw_presence_facts(scope, ages=ages, stays=stays)


def _facts_from_table(scope: Scope, *, ages: bool, stays: bool):
    """The presence CTE over `stats_presence`: the same columns as `_raw_presence_facts`, from integers."""
    lt = scope.local
    f = PresenceFact.__table__.c
    secs = lt.seconds_from_epoch(f.at)
    cur = (int_constant(1) if scope.split is None
           else case((f.at >= lt.epoch_bound(scope.split), int_constant(1)), else_=int_constant(0)))
    cols = [f.kind.label("kind"), f.user_id.label("user_id"), cur.label("cur"), secs.label("secs"),
            f.seconds.label("seconds"), f.free_subsidised.label("free_subsidised"), f.free_pass.label("free_pass")]
    if ages:
        computed = (lt.date_number(secs) - f.birth) // int_constant(10000)
        cols.append(case((f.band_age.is_not(None), f.band_age), else_=computed).label("age"))
    if stays:
        cols += [f.stays.label("stays"), lt.seconds_from_epoch(f.stay_start).label("stay_start"),
                 lt.seconds_from_epoch(f.stay_end).label("stay_end")]
    in_range = and_(f.at >= lt.epoch_bound(scope.lo), f.at < lt.epoch_bound(scope.hi))
    if scope.event_ids is not None:
        checkins = and_(f.kind == text_constant("c"), f.event_id.in_(scope.event_ids))
    else:
        checkins = and_(f.kind == text_constant("c"), f.held == int_constant(1), in_range)
    visits = and_(f.kind == text_constant("v"), in_range)
    return _cte(select(*cols).where(or_(checkins, visits)), "presence")


def _raw_presence_facts(scope: Scope, *, ages: bool, stays: bool):
    """The presence CTE counted from the raw rows (the reference the facts are tested against).

    Each row keeps plain integers (local seconds, the person's age that day, seconds of time paid),
    so that the branches derive their buckets with integer arithmetic, reading each timestamp once.
    """
    lt = scope.local

    def columns(kind: str, *, user_id, raw, when, stay, seconds, free, band):
        cols = [text_constant(kind).label("kind"), user_id.label("user_id"),
                _period_flag(scope, raw).label("cur"), lt.seconds(when).label("secs"),
                seconds.label("seconds")]
        cols += [value.label(f"free_{name}") for name, value in free.items()]
        if ages:
            cols.append(age_on_day(lt, when, band).label("age"))
        if stays:
            counts, start, end = stay
            cols += [counts.label("stays"), lt.seconds(start).label("stay_start"), lt.seconds(end).label("stay_end")]
        return cols

    seconds = visit_seconds(scope)
    free_entry = case((Event.entry == Entry.FREE.value, int_constant(1)), else_=int_constant(0))
    checkins = (select(*columns("c", user_id=CheckIn.user_id, raw=Event.starts_at, when=Event.starts_at,
                                stay=(free_entry, CheckIn.checked_in_at, Event.ends_at), seconds=int_constant(0),
                                free={name: int_constant(0) for name in FREE_TIME}, band=CheckIn.age_band))
                .select_from(CheckIn).join(Event, Event.id == CheckIn.event_id)
                .where(CheckIn.undone_at.is_(None), _held(scope)))
    free, pass_minutes = _free_time(seconds)
    visits = (select(*columns("v", user_id=Visit.user_id, raw=Visit.started_at, when=Visit.started_at,
                              stay=(int_constant(1), Visit.started_at, Visit.ended_at), seconds=seconds,
                              free=free, band=Visit.age_band))
              .select_from(Visit).outerjoin(pass_minutes, pass_minutes.c.visit_id == Visit.id)
              .where(_visit_range(scope)))
    if ages:
        checkins = checkins.join(User, User.id == CheckIn.user_id)
        visits = visits.outerjoin(User, User.id == Visit.user_id)
    return _cte(union_all(checkins, visits), "presence")


def _free_time(seconds):
    """Return ({FREE_TIME figure: free seconds of a visit row}, the pass-minutes subquery to outer-join).

    Pass minutes come from the passes' ledger (uses not reversed), summed per visit once, so that a
    year of visits costs one grouped scan of `pass_uses`, not a subquery per visit.
    """
    allowance = Pass.kind == PassKind.ALLOWANCE.value
    pass_minutes = (select(PassUse.visit_id.label("visit_id"),
                           func.sum(case((allowance, PassUse.minutes), else_=0)).label("allowance"),
                           func.sum(case((allowance, 0), else_=PassUse.minutes)).label("prepaid"))
                    .join(Pass, Pass.id == PassUse.pass_id)
                    .where(PassUse.reversed_at.is_(None))
                    .group_by(PassUse.visit_id).subquery("pass_minutes"))
    till = case((Visit.payment_method == "subsidised", seconds), else_=0)
    free = {
        "subsidised": till + func.coalesce(pass_minutes.c.allowance, 0) * int_constant(60),
        "pass": func.coalesce(pass_minutes.c.prepaid, 0) * int_constant(60),
    }
    return free, pass_minutes


def _stay_hours(lt: LocalTime, pf):
    """(weekday, first hour, last hour) of a stay row of the presence CTE (`sql.stay_hours`)."""
    return stay_hours(lt, pf.c.stay_start, pf.c.stay_end)


@cached
def presence_figures(scope: Scope, *, series: str | None = None, ages: bool = False, heat: bool = False,
                     frequency: bool = False, returners: bool = True) -> PresenceFigures:
    """People, visits and check-ins by period (and series, ages...), in one statement.

    Check-ins at timed events count in the heatmap through the timed visit their check-in starts.
    """
    lt = scope.local
    if aggregate.use_facts():
        aggregate.bring_up_to_date()
        months = _whole_months(scope, series)
        if months is not None:
            return _from_month_rows(scope, months, series=series, ages=ages, heat=heat, frequency=frequency,
                                    returners=returners)
    pf = _presence_facts(scope, ages=ages, stays=heat)
    is_visit = pf.c.kind == "v"
    visit_values = {"visits": _count_if(is_visit), "seconds": _sum(pf.c.seconds)}
    visit_values.update({f"free_{name}": _sum(getattr(pf.c, f"free_{name}")) for name in FREE_TIME})
    people_values = {"people": func.count(distinct(pf.c.user_id)), "checkins": _count_if(pf.c.kind == "c"),
                     **visit_values}
    branches = Branches()
    branches.add("period", pf.c.cur, people_values, source=pf)
    if returners:
        persons = select(pf.c.cur, pf.c.user_id).where(pf.c.user_id.is_not(None)).distinct().subquery("persons")
        branches.add("returners", persons.c.cur, {"returners": _count_if(_came_before(scope, persons))},
                     source=persons)
    current = (pf.c.cur == 1,)
    if series:
        branches.add("series", lt.series_index(pf.c.secs, series), people_values, source=pf, where=current)
    if ages:
        branches.add("ages", lt.age_group(pf.c.age), people_values, source=pf, where=current)
        branches.add("youth", int_constant(0), {"people": func.count(distinct(pf.c.user_id))}, source=pf,
                     where=(*current, lt.is_youth(pf.c.age)))
    if frequency:
        days = (select(pf.c.user_id, lt.day(pf.c.secs).label("day")).where(*current, pf.c.user_id.is_not(None))
                .group_by(pf.c.user_id, literal_column("day")).subquery("person_days"))
        per_person = (select(days.c.user_id, func.count().label("times")).group_by(days.c.user_id)
                      .subquery("per_person"))
        bands = [(per_person.c.times <= int_constant(band.high), int_constant(i))
                 for i, band in enumerate(rules.FREQUENCY_BANDS[:-1])]
        band = case(*bands, else_=int_constant(len(rules.FREQUENCY_BANDS) - 1))
        branches.add("frequency", band, {"people": func.count()}, source=per_person)
    if heat:
        weekday, first, last = _stay_hours(lt, pf)
        stays = (*current, pf.c.stays == 1)
        branches.add("arrive", weekday * int_constant(100) + first, {"change": func.count()}, source=pf,
                     where=stays)
        branches.add("leave", weekday * int_constant(100) + last + int_constant(1), {"change": func.count()},
                     source=pf, where=(*stays, last < int_constant(23)))
    result = branches.run()

    def people(values: dict) -> People:
        visits = VisitFigures(visits=values.get("visits", 0), seconds=values.get("seconds", 0),
                              free_seconds={name: values.get(f"free_{name}", 0) for name in FREE_TIME})
        return People(people=values.get("people", 0), checkins=values.get("checkins", 0), visits=visits)

    period = {_convert_key(scope, "period", k): people(v) for k, v in result["period"].items()}
    for key, values in result.get("returners", {}).items():
        period.setdefault(_convert_key(scope, "period", key), People()).returners = values["returners"]
    changes: dict = {}
    for branch, sign in (("arrive", 1), ("leave", -1)):
        for key, values in result.get(branch, {}).items():
            slot = divmod(key, 100)
            changes[slot] = changes.get(slot, 0) + sign * values["change"]
    return PresenceFigures(
        period=period,
        series={lt.series_key(k, series): people(v) for k, v in result.get("series", {}).items()},
        ages={rules.AGE_GROUP_KEYS[k]: people(v) for k, v in result.get("ages", {}).items()},
        youth=result.get("youth", {}).get(0, {}).get("people", 0),
        frequency={rules.FREQUENCY_BANDS[k].key: v["people"] for k, v in result.get("frequency", {}).items()},
        presence=rules.presence_from_changes(changes) if heat else {},
    )


def _whole_months(scope: Scope, series: str | None) -> tuple[int, int | None, int] | None:
    """(first month, first month of the current period or None, month after the last) as YYYYMM when the
    scope is whole venue-local months read from the month rows; None when it needs the facts (a partial
    month, one event, weekly series)."""
    if scope.event_ids is not None or series == "week":
        return None
    zone = venue_tz()

    def month_start(moment) -> int | None:
        local = moment.astimezone(zone)
        if local.day != 1 or local.timetz().replace(tzinfo=None) != time(0):
            return None
        return local.year * 100 + local.month

    lo, hi = month_start(scope.lo), month_start(scope.hi)
    split = None if scope.split is None else month_start(scope.split)
    if lo is None or hi is None or (scope.split is not None and split is None):
        return None
    return lo, split, hi


def _from_month_rows(scope: Scope, months: tuple[int, int | None, int], *, series, ages, heat, frequency,
                     returners) -> PresenceFigures:
    """`presence_figures` of whole months, from the person-month and heat-month rows: three small reads,
    the groupings done in one pass in Python (cheaper than a GROUP BY per figure, measured)."""
    lo, split, hi = months
    pm, hm = PersonMonth.__table__.c, HeatMonth.__table__.c
    start = lo if split is None else split
    rows = db.session.execute(
        select(pm.user_id, pm.month, pm.age_group, pm.youth, pm.days, pm.checkins, pm.visits, pm.seconds,
               pm.free_subsidised, pm.free_pass).where(pm.month >= lo, pm.month < hi)).all()
    keys = {bucket.start.year * 100 + bucket.start.month: bucket.key for bucket in scope.local.months}
    # {bucket: [people set, check-ins, visits, seconds, subsidised, pass]}
    period: dict = {}
    by_month: dict = {}
    by_age: dict = {}
    youth: set = set()
    days: dict = {}

    def add(table: dict, key, user, row) -> None:
        slot = table.get(key)
        if slot is None:
            slot = table[key] = [set(), 0, 0, 0, 0, 0]
        if user is not None:
            slot[0].add(user)
        slot[1] += row[5]
        slot[2] += row[6]
        slot[3] += row[7]
        slot[4] += row[8]
        slot[5] += row[9]

    for row in rows:
        user, month = row[0], row[1]
        cur = 1 if month >= start else 0
        add(period, cur, user, row)
        if not cur:
            continue
        if series:
            add(by_month, month, user, row)
        if ages:
            add(by_age, row[2], user, row)
            if row[3] and user is not None:
                youth.add(user)
        if frequency and user is not None:
            days[user] = days.get(user, 0) + row[4]

    def people(slot) -> People:
        free = {"subsidised": int(slot[4]), "pass": int(slot[5])}
        return People(people=len(slot[0]), checkins=int(slot[1]),
                      visits=VisitFigures(visits=int(slot[2]), seconds=int(slot[3]), free_seconds=free))

    result_period = {("current" if cur else "previous"): people(slot) for cur, slot in period.items()}
    if returners:
        earlier = aliased(PersonMonth)
        for cur in period:
            since, until = (start, hi) if cur else (lo, start)
            came_before = select(1).where(earlier.user_id == pm.user_id, earlier.month < since).exists()
            result_period["current" if cur else "previous"].returners = int(db.session.execute(
                select(func.count(distinct(pm.user_id)))
                .where(pm.month >= since, pm.month < until, pm.user_id.is_not(None), came_before)).scalar())
    bands: dict = {}
    for times in days.values():
        band = next(b for b in rules.FREQUENCY_BANDS if b.high is None or times <= b.high)
        bands[band.key] = bands.get(band.key, 0) + 1
    changes: dict = {}
    if heat:
        for weekday, first, last, stays in db.session.execute(
                select(hm.weekday, hm.first_hour, hm.last_hour, func.sum(hm.stays))
                .where(hm.month >= start, hm.month < hi).group_by(hm.weekday, hm.first_hour, hm.last_hour)):
            changes[(weekday, first)] = changes.get((weekday, first), 0) + int(stays)
            if last < 23:
                changes[(weekday, last + 1)] = changes.get((weekday, last + 1), 0) - int(stays)
    return PresenceFigures(
        period=result_period,
        series={keys[month]: people(slot) for month, slot in by_month.items()},
        ages={rules.AGE_GROUP_KEYS[group]: people(slot) for group, slot in by_age.items()},
        youth=len(youth),
        frequency=bands,
        presence=rules.presence_from_changes(changes) if heat else {},
    )


def _came_before(scope: Scope, persons):
    """Whether the person had come before the start of their period (a held event or a timed visit)."""
    if aggregate.use_facts():
        lt = scope.local
        f = aliased(PresenceFact)
        since = (lt.epoch_bound(scope.lo) if scope.split is None else
                 case((persons.c.cur == 1, lt.epoch_bound(scope.split)), else_=lt.epoch_bound(scope.lo)))
        return (select(1).where(f.user_id == persons.c.user_id, f.at < since, f.held == int_constant(1))
                .exists())
    if scope.split is not None:
        since = case((persons.c.cur == 1, literal(scope.split, UTCDateTime())),
                     else_=literal(scope.lo, UTCDateTime()))
    else:
        since = literal(scope.lo, UTCDateTime())
    earlier_checkin, earlier_event, earlier_visit = aliased(CheckIn), aliased(Event), aliased(Visit)
    # The event's start is looked up per check-in (by primary key), so that both databases walk the
    # person's check-ins by user_id instead of every earlier event.
    event_start = (select(earlier_event.starts_at)
                   .where(earlier_event.id == earlier_checkin.event_id, _is_held(earlier_event))
                   .scalar_subquery())
    came_to_event = (select(1).where(earlier_checkin.user_id == persons.c.user_id,
                                     earlier_checkin.undone_at.is_(None), event_start < since).exists())
    had_visit = (select(1).where(earlier_visit.user_id == persons.c.user_id, earlier_visit.started_at < since)
                 .exists())
    return or_(came_to_event, had_visit)
