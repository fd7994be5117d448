"""Statistics services: read a period, compute its figures. Read-only: nothing here changes state.

HTML views, exports and the JSON API call these same functions, so a figure is defined once
(`queries` says what counts; `rules` holds the pure arithmetic).
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from ..errors import ValidationFailed
from ..events.models import Category, Event
from ..extensions import db
from ..timeutil import venue_today
from . import queries, rules, visitors

PERIOD_MESSAGES = {
    "invalid_date": _l("Enter a date as YYYY-MM-DD."),
    "out_of_range": _l("Choose a date between 2000 and 2099."),
    "before_from": _l("The end of the period must not be before its start."),
    "too_long": _l("A period can be at most ten years long."),
    "required": _l("Give both the first and the last day."),
    "unknown_preset": _l("Unknown period."),
}

GROUP_BY = ("month", "week", "category", "event", "age_group", "weekday_hour")


def read_period(from_text: str | None, to_text: str | None, *, preset: str | None = None,
                default: rules.Period | None = None) -> rules.Period:
    """Turn `from`/`to` (or a quick pick) into a Period; raise ValidationFailed with translated messages."""
    today = venue_today()
    try:
        if preset and not (from_text or to_text):
            return rules.preset_period(preset, today)
        return rules.parse_period(from_text, to_text, default or rules.default_period(today))
    except rules.PeriodError as error:
        raise ValidationFailed({error.field: [PERIOD_MESSAGES[error.code]]}) from None


@dataclass
class Summary:
    """The headline figures of one period."""

    events_held: int
    registrations: int
    checked_in: int
    walk_ins: int
    no_shows: int
    fill_rate: float | None
    no_show_rate: float | None
    unique_visitors: int
    new_visitors: int
    returning_visitors: int
    visits: int
    visit_seconds: int
    subsidised_seconds: int
    #: minutes paid from prepaid passes (packages, memberships), as seconds
    pass_seconds: int = 0

    @property
    def pass_hours(self) -> float:
        return rules.hours(self.pass_seconds)

    @property
    def visit_hours(self) -> float:
        return rules.hours(self.visit_seconds)

    @property
    def subsidised_hours(self) -> float:
        return rules.hours(self.subsidised_seconds)

    @classmethod
    def build(cls, attendance: queries.Attendance, people: visitors.People) -> "Summary":
        return cls(events_held=attendance.events, registrations=attendance.registered,
                   checked_in=attendance.checked_in, walk_ins=attendance.walk_ins, no_shows=attendance.no_shows,
                   fill_rate=attendance.fill_rate, no_show_rate=attendance.no_show_rate,
                   unique_visitors=people.people, new_visitors=people.new, returning_visitors=people.returners,
                   visits=people.visits.visits, visit_seconds=people.visits.seconds,
                   subsidised_seconds=people.visits.free_seconds.get("subsidised", 0),
                   pass_seconds=people.visits.free_seconds.get("pass", 0))


def summaries(period: rules.Period, *, compare: bool = True) -> tuple[Summary, Summary | None]:
    """The summary of `period` and (when `compare`) of the previous period of the same length."""
    scope = queries.scope_for(period, compare=compare)
    events = queries.event_figures(scope, ["period"])
    presence = visitors.presence_figures(scope)
    current = Summary.build(events.by["period"].get("current", queries.Attendance()),
                            presence.period.get("current", visitors.People()))
    if not compare:
        return current, None
    previous = Summary.build(events.by["period"].get("previous", queries.Attendance()),
                             presence.period.get("previous", visitors.People()))
    return current, previous


@dataclass
class AttendanceRow:
    """One row of `GET /api/v1/stats/attendance`."""

    key: str | int
    events: int
    registered: int
    checked_in: int
    no_shows: int
    unique_visitors: int


def attendance_rows(period: rules.Period, group_by: str) -> list[AttendanceRow]:
    """Event attendance by `group_by`; every month, week, category and age group is listed, even at zero."""
    if group_by not in GROUP_BY:
        raise ValidationFailed({"group_by": [_l("Unknown grouping.")]})
    scope = queries.scope_for(period)
    if group_by == "age_group":
        figures = queries.attendance_by_age(scope)
        keys = list(rules.AGE_GROUP_KEYS)
    else:
        figures = queries.event_figures(scope, [group_by]).by[group_by]
        if group_by in ("month", "week"):
            keys = [bucket.key for bucket in rules.series_buckets(period, group_by)]
        elif group_by == "category":
            keys = [category.value for category in Category]
            keys += sorted(k for k in figures if k not in keys)
        elif group_by == "event":
            starts = dict(db.session.execute(db.select(Event.id, Event.starts_at)
                                             .where(Event.id.in_(list(figures)))).all()) if figures else {}
            keys = sorted(figures, key=lambda event_id: (starts[event_id], event_id))
        else:
            keys = sorted(figures)
    rows = []
    for key in keys:
        figure = figures.get(key, queries.Attendance())
        out_key = f"{key // 100}-{key % 100:02d}" if group_by == "weekday_hour" else key
        rows.append(AttendanceRow(key=out_key, events=figure.events, registered=figure.registered,
                                  checked_in=figure.checked_in, no_shows=figure.no_shows,
                                  unique_visitors=figure.attendees))
    return rows
