"""Visitors: check-ins and timed visits together, as the committee counts people in the café (visits,
stays, free time, ages, the hours people are here). Built from the building blocks of `queries`."""

from dataclasses import dataclass, field
from datetime import date

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
from .models import HeatMonth, PersonDay, PersonMonth, PresenceFact
from .queries import (
    FREE_TIME,
    Branches,
    Scope,
    _convert_key,
    _count_if,
    _cte,
    _execute,
    _held,
    _is_held,
    _period_flag,
    _sum,
    _visit_range,
    age_on_day,
    plain_rows,
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
    """People, visits and check-ins by period (and series, ages...).

    From the month rows for the whole months of the scope and the facts for its partial months
    (`_from_month_rows`), or, for one event, a weekly series or the raw rows, in one statement.

    Check-ins at timed events count in the heatmap through the timed visit their check-in starts.
    """
    lt = scope.local
    if aggregate.use_facts():
        aggregate.bring_up_to_date()
        parts = _parts(scope, series)
        if parts is not None:
            return _from_month_rows(scope, parts, series=series, ages=ages, heat=heat, frequency=frequency,
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


@dataclass
class _Part:
    """One period of a scope (cur 1: current, 0: previous): [lo, hi) in UTC, the whole venue-local months
    inside it as [first, after) YYYYMM (None: none) and the UTC ranges of its partial months."""

    cur: int
    lo: object
    hi: object
    months: tuple[int, int] | None
    edges: list


def _parts(scope: Scope, series: str | None) -> list[_Part] | None:
    """How to read the scope from the month rows (whole months) and the facts (partial months at the edges);
    None when it needs the facts alone (one event, weekly series)."""
    if scope.event_ids is not None or series == "week":
        return None
    zone = venue_tz()
    bounds = [(0, scope.lo, scope.split), (1, scope.split, scope.hi)] if scope.split else [(1, scope.lo, scope.hi)]
    parts = []
    for cur, lo, hi in bounds:
        local_lo, local_hi = lo.astimezone(zone), hi.astimezone(zone)
        first = date(local_lo.year, local_lo.month, 1)
        if rules.local_midnight_utc(first, zone) < lo:
            first = rules.add_months(first, 1)
        after = date(local_hi.year, local_hi.month, 1)
        if first >= after:
            parts.append(_Part(cur, lo, hi, None, [(lo, hi)]))
            continue
        start, end = rules.local_midnight_utc(first, zone), rules.local_midnight_utc(after, zone)
        edges = [(a, b) for a, b in ((lo, start), (end, hi)) if a < b]
        parts.append(_Part(cur, lo, hi, (rules.month_number(first), rules.month_number(after)), edges))
    return parts


def _from_month_rows(scope: Scope, parts: list[_Part], *, series, ages, heat, frequency,
                     returners) -> PresenceFigures:
    """`presence_figures` from the person-month and heat-month rows of the whole months, and the person-day
    rows of the partial months at the edges (the heatmap's edges from the facts): a few small reads, grouped
    in one pass in Python (cheaper than a GROUP BY per figure over every fact, measured; see
    bench/findings.md)."""
    if not (series or ages or heat or frequency):
        return _period_figures(scope, parts, returners=returners)
    lt = scope.local
    pm, hm, f = PersonMonth.__table__.c, HeatMonth.__table__.c, PresenceFact.__table__.c
    pd = PersonDay.__table__.c
    whole = [part for part in parts if part.months]
    keys = {rules.month_number(bucket.start): bucket.key for bucket in lt.months}
    # One pass over small rows: the sums by (cur, month, age group) in one dict; the distinct people of each
    # figure in sets (a person counts once per period, month and age group).
    sums: dict = {}
    people_of: dict = {}
    youth: set = set()
    days: dict = {}
    fine_days: set = set()
    if whole:
        ranges = [and_(pm.month >= part.months[0], pm.month < part.months[1]) for part in whole]
        current = next((part.months for part in whole if part.cur == 1), (0, 0))
        rows = plain_rows(
            select(pm.user_id, pm.month, pm.age_group, pm.youth, pm.days, pm.checkins, pm.visits, pm.seconds,
                   pm.free_subsidised, pm.free_pass).where(or_(*ranges)))
        for user, month, group, young, times, checkins, visits, seconds, subsidised, passes in rows:
            cur = current[0] <= month < current[1]
            key = (cur, keys.get(month) if cur else None, group)
            slot = sums.get(key)
            if slot is None:
                slot = sums[key] = [0, 0, 0, 0, 0]
                people_of[key] = set()
            slot[0] += checkins
            slot[1] += visits
            slot[2] += seconds
            slot[3] += subsidised
            slot[4] += passes
            if user is not None:
                people_of[key].add(user)
                if cur:
                    if young:
                        youth.add(user)
                    days[user] = days.get(user, 0) + times
    edges = [(a, b) for part in parts for a, b in part.edges]
    if edges:
        # The partial months read the person-day rows (whole local days: a period's bounds and its months'
        # starts are local midnights).
        zone = venue_tz()

        def day_of(moment) -> int:
            return rules.date_number(moment.astimezone(zone).date())

        split = day_of(scope.split) if scope.split is not None else None
        within = or_(*[and_(pd.day >= day_of(a), pd.day < day_of(b)) for a, b in edges])
        rows = plain_rows(select(pd.user_id, pd.day, pd.age_group, pd.youth, pd.checkins, pd.visits, pd.seconds,
                                 pd.free_subsidised, pd.free_pass).where(within))
        for user, day, group, young, checkins, visits, seconds, subsidised, passes in rows:
            cur = split is None or day >= split
            key = (cur, keys.get(day // 100) if cur else None, group)
            slot = sums.get(key)
            if slot is None:
                slot = sums[key] = [0, 0, 0, 0, 0]
                people_of[key] = set()
            slot[0] += checkins
            slot[1] += visits
            slot[2] += seconds
            slot[3] += subsidised
            slot[4] += passes
            if user is not None:
                people_of[key].add(user)
                if cur:
                    if young:
                        youth.add(user)
                    fine_days.add((user, day))
        for user, _day in fine_days:
            days[user] = days.get(user, 0) + 1

    def figures(keys_: list) -> People:
        totals = [0, 0, 0, 0, 0]
        persons: set = set()
        for key in keys_:
            for i, value in enumerate(sums[key]):
                totals[i] += value
            persons |= people_of[key]
        free = {"subsidised": int(totals[3]), "pass": int(totals[4])}
        return People(people=len(persons), checkins=int(totals[0]),
                      visits=VisitFigures(visits=int(totals[1]), seconds=int(totals[2]), free_seconds=free))

    def grouped(position: int, *, current_only: bool) -> dict:
        found: dict = {}
        for key in sums:
            if key[0] or not current_only:
                found.setdefault(key[position], []).append(key)
        return {bucket: figures(keys_) for bucket, keys_ in found.items()}

    period = grouped(0, current_only=False)
    result_period = {("current" if cur else "previous"): found for cur, found in period.items()}
    series_rows = grouped(1, current_only=True) if series else {}
    age_rows = {rules.AGE_GROUP_KEYS[group]: found for group, found in grouped(2, current_only=True).items()} \
        if ages else {}
    if returners:
        _count_returners(lt, parts, result_period, people_of)
    bands: dict = {}
    for times in days.values():
        band = next(b for b in rules.FREQUENCY_BANDS if b.high is None or times <= b.high)
        bands[band.key] = bands.get(band.key, 0) + 1
    changes: dict = {}
    if heat:
        current = next(part for part in parts if part.cur == 1)
        hours = []
        if current.months:
            hours.append(select(hm.weekday.label("wd"), hm.first_hour.label("fh"), hm.last_hour.label("lh"),
                                hm.stays.label("n"))
                         .where(hm.month >= current.months[0], hm.month < current.months[1]))
        if current.edges:
            stays = (select(lt.seconds_from_epoch(f.stay_start).label("stay_start"),
                            lt.seconds_from_epoch(f.stay_end).label("stay_end"))
                     .where(f.held == int_constant(1), f.stays == int_constant(1),
                            or_(*[and_(f.at >= lt.epoch_bound(a), f.at < lt.epoch_bound(b))
                                  for a, b in current.edges]))
                     .subquery("edge_stays"))
            weekday, first, last = stay_hours(lt, stays.c.stay_start, stays.c.stay_end)
            hours.append(select(weekday.label("wd"), first.label("fh"), last.label("lh"), func.count().label("n"))
                         .group_by(literal_column("wd"), literal_column("fh"), literal_column("lh")))
        for weekday, first, last, stays_ in _execute(union_all(*hours) if len(hours) > 1 else hours[0]):
            changes[(weekday, first)] = changes.get((weekday, first), 0) + int(stays_)
            if last < 23:
                changes[(weekday, last + 1)] = changes.get((weekday, last + 1), 0) - int(stays_)
    return PresenceFigures(
        period=result_period,
        series=series_rows,
        ages=age_rows,
        youth=len(youth) if ages else 0,
        frequency=bands if frequency else {},
        presence=rules.presence_from_changes(changes) if heat else {},
    )


def _period_figures(scope: Scope, parts: list[_Part], *, returners: bool) -> PresenceFigures:
    """Only the periods' figures (the summary): the sums grouped by the database, and the distinct people of
    each period as (period, person) pairs, from the month rows and the partial months' facts."""
    lt = scope.local
    pm, f = PersonMonth.__table__.c, PresenceFact.__table__.c
    current = next((part.months for part in parts if part.cur == 1 and part.months), (0, 0))
    selects = []
    whole = [and_(pm.month >= part.months[0], pm.month < part.months[1]) for part in parts if part.months]
    if whole:
        cur = case((and_(pm.month >= current[0], pm.month < current[1]), int_constant(1)), else_=int_constant(0))
        selects.append(select(cur.label("cur"), pm.user_id.label("user_id"), pm.checkins.label("checkins"),
                              pm.visits.label("visits"), pm.seconds.label("seconds"),
                              pm.free_subsidised.label("free_subsidised"), pm.free_pass.label("free_pass"))
                       .where(or_(*whole)))
    edges = [(a, b) for part in parts for a, b in part.edges]
    if edges:
        cur = (int_constant(1) if scope.split is None
               else case((f.at >= lt.epoch_bound(scope.split), int_constant(1)), else_=int_constant(0)))
        selects.append(select(cur.label("cur"), f.user_id.label("user_id"),
                              case((f.kind == text_constant("c"), int_constant(1)), else_=int_constant(0))
                              .label("checkins"),
                              case((f.kind == text_constant("v"), int_constant(1)), else_=int_constant(0))
                              .label("visits"),
                              f.seconds.label("seconds"), f.free_subsidised.label("free_subsidised"),
                              f.free_pass.label("free_pass"))
                       .where(f.held == int_constant(1),
                              or_(*[and_(f.at >= lt.epoch_bound(a), f.at < lt.epoch_bound(b)) for a, b in edges])))
    rows = (union_all(*selects) if len(selects) > 1 else selects[0]).subquery("period_rows")
    period: dict = {}
    for cur, checkins, visits, seconds, subsidised, passes in _execute(
            select(rows.c.cur, _sum(rows.c.checkins), _sum(rows.c.visits), _sum(rows.c.seconds),
                   _sum(rows.c.free_subsidised), _sum(rows.c.free_pass)).group_by(rows.c.cur)).all():
        free = {"subsidised": int(subsidised), "pass": int(passes)}
        period["current" if cur == 1 else "previous"] = People(
            checkins=int(checkins), visits=VisitFigures(visits=int(visits), seconds=int(seconds), free_seconds=free))
    people_of: dict = {(True, None, 0): set(), (False, None, 0): set()}
    for cur, user in _execute(select(rows.c.cur, rows.c.user_id).where(rows.c.user_id.is_not(None)).distinct()):
        people_of[(cur == 1, None, 0)].add(user)
    for cur in (True, False):
        found = period.get("current" if cur else "previous")
        if found is not None:
            found.people = len(people_of[(cur, None, 0)])
    if returners:
        _count_returners(lt, parts, period, people_of)
    return PresenceFigures(period=period, series={}, ages={}, youth=0, frequency={}, presence={})


def _count_returners(lt: LocalTime, parts: list[_Part], period: dict, people_of: dict) -> None:
    """Set `returners` of each period: its people who had come before it (a held presence earlier than its
    start). Each person's first month comes from the person-months (one scan of their person index); a period
    starting within a month adds the people who came in that month before its start."""
    pm = PersonMonth.__table__.c
    zone = venue_tz()
    firsts = dict(db.session.execute(select(pm.user_id, func.min(pm.month)).where(pm.user_id.is_not(None))
                                     .group_by(pm.user_id)).all())
    for part in parts:
        found = period.get("current" if part.cur else "previous")
        if found is None:
            continue
        local = part.lo.astimezone(zone)
        month = local.year * 100 + local.month
        month_start = rules.local_midnight_utc(date(local.year, local.month, 1), zone)
        early: set = set()
        if month_start < part.lo:  # whole local days: the person-day rows
            pd = PersonDay.__table__.c
            early = set(db.session.scalars(
                select(pd.user_id).where(pd.day >= rules.date_number(month_start.astimezone(zone).date()),
                                         pd.day < rules.date_number(part.lo.astimezone(zone).date()),
                                         pd.user_id.is_not(None)).distinct()))
        persons: set = set()
        for key, users in people_of.items():
            if key[0] == bool(part.cur):
                persons |= users
        found.returners = sum(1 for user in persons if firsts.get(user, month) < month or user in early)


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
