"""What the committee sees: the dashboard, the period report and the per-event page as labelled tables.

Every table is built once here (`Table`: columns, rows, an optional chart with the same numbers) and
then shown as HTML, drawn by Chart.js, written to CSV / XLSX and drawn into the PDF. Only counts leave
this module: no names, phones, emails or birth dates.
"""

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from babel.dates import get_day_names
from flask import current_app, url_for
from flask_babel import format_date, format_datetime, format_decimal, get_locale, pgettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..events.models import Category, Event, EventStatus
from ..timeutil import to_venue, venue_now
from . import queries, rules, visitors
from .services import Summary

CATEGORY_LABELS = {
    Category.TOURNAMENT.value: _l("Tournaments"),
    Category.TALK_SHOW.value: _l("Talk shows"),
    Category.PARTY.value: _l("Parties"),
    Category.CONTEST.value: _l("Contests"),
    Category.TRAINING.value: _l("Trainings"),
    Category.KIDS.value: _l("For kids"),
    Category.OTHER.value: _l("Other"),
}
AGE_LABELS = {
    "under_14": _l("Under 14"),
    "14_17": _l("14–17"),
    "18_24": _l("18–24"),
    "25_35": _l("25–35"),
    "over_35": _l("Over 35"),
    "unknown": _l("Age unknown"),
}
FREQUENCY_LABELS = {
    "1": _l("Once"),
    "2_3": _l("2–3 times"),
    "4_9": _l("4–9 times"),
    "10_plus": _l("10 times or more"),
}
GRAIN_LABELS = {"month": _l("by month"), "week": _l("by week")}

#: The tables that can be downloaded from the dashboard, in the order the report shows them.
DASHBOARD_TABLES = ("summary", "series", "categories", "ages", "youth", "top_events", "frequency", "heatmap")
EVENT_TABLES = ("event_summary", "event_ages")
#: Hours the heatmap always shows, widened when people came earlier or later.
HEAT_HOURS = (10, 21)


def category_label(key: str) -> str:
    return str(CATEGORY_LABELS.get(key, key))


# ------------------------------------------------------------------------------------------------
# Tables and figures


@dataclass
class Column:
    key: str
    label: str
    #: text, int, hours, percent, change (percent change), points (percentage points), date
    kind: str = "int"


@dataclass
class Table:
    name: str
    title: str
    columns: list[Column]
    rows: list[dict]
    note: str | None = None
    #: Chart.js data drawn from the same rows: {"type", "labels", "datasets": [{"label", "data"}], ...}
    chart: dict | None = None
    #: per row: a link for the first cell (events), or None
    links: list[str | None] = field(default_factory=list)
    #: extra values for the template (the heatmap's colour levels)
    extra: dict = field(default_factory=dict)

    def kind(self, row: dict, column: Column) -> str:
        """The kind of one cell: the column's, unless the row says otherwise (figure tables)."""
        return row.get("_kinds", {}).get(column.key, column.kind)

    def cells(self, row: dict) -> list[tuple[object, str]]:
        """(value, kind) of each cell of a row."""
        return [(row.get(column.key), self.kind(row, column)) for column in self.columns]


@dataclass
class Figure:
    """A headline figure with its value in the previous period."""

    key: str
    label: str
    kind: str
    value: float | int | None
    previous: float | int | None
    #: "up" when growth is good news, "down" when it is bad news (no-shows)
    better: str = "up"
    detail: str | None = None

    @property
    def change(self) -> float | None:
        if self.kind == "percent":
            return rules.point_change(self.value, self.previous)
        return rules.percent_change(self.value, self.previous)

    @property
    def change_kind(self) -> str:
        return "points" if self.kind == "percent" else "change"

    @property
    def trend(self) -> str:
        """"good", "bad" or "same" (or "none" without a comparison)."""
        change = self.change
        if change is None:
            return "none"
        if change == 0:
            return "same"
        return "good" if (change > 0) == (self.better == "up") else "bad"


def fmt(value, kind: str) -> str:
    """Format a table value for the page (and the PDF) in the current language."""
    if value is None:
        return "—"
    if kind == "text":
        return str(value)
    return _fmt(value, kind, str(get_locale()))


@lru_cache(maxsize=4096)
def _fmt(value, kind: str, locale: str) -> str:
    # A dashboard formats ~2,000 numbers, mostly small counts that repeat; Babel's formatting of each
    # one was a third of the page's time. The locale is part of the key (it is the one in force).
    if kind == "int":
        return format_decimal(value, format="#,##0")
    if kind == "hours":
        return format_decimal(value, format="#,##0.0")
    if kind == "percent":
        return format_decimal(value, format="#,##0.0") + "\u00a0%"
    if kind in ("change", "points"):
        sign = "+" if value > 0 else ("−" if value < 0 else "±")
        number = format_decimal(abs(value), format="#,##0.0")
        return f"{sign}{number}\u00a0" + ("%" if kind == "change" else _("pp"))
    if kind == "date":
        return format_datetime(value, "d MMM yyyy, HH:mm")
    return str(value)


def period_label(period: rules.Period) -> str:
    if period.start == period.end:
        return format_date(period.start, "d MMMM yyyy")
    return f"{format_date(period.start, 'd MMMM yyyy')} – {format_date(period.end, 'd MMMM yyyy')}"


def bucket_label(bucket: rules.Bucket, grain: str) -> str:
    if grain == "month":
        label = format_date(bucket.start, "LLLL yyyy")
        return label[:1].upper() + label[1:]
    if bucket.start == bucket.end:
        return format_date(bucket.start, "d MMM")
    return f"{format_date(bucket.start, 'd MMM')} – {format_date(bucket.end, 'd MMM')}"


def weekday_names() -> list[str]:
    names = get_day_names("abbreviated", locale=get_locale())
    return [str(names[i]) for i in range(7)]  # 0 = Monday


# ------------------------------------------------------------------------------------------------
# The dashboard (and the period report, which shows the same figures)


@dataclass
class Dashboard:
    period: rules.Period
    previous: rules.Period
    grain: str
    figures: list[Figure]
    tables: dict[str, Table]
    current: Summary
    before: Summary

    @property
    def label(self) -> str:
        return period_label(self.period)

    @property
    def previous_label(self) -> str:
        return period_label(self.previous)


def build_dashboard(period: rules.Period, grain: str | None = None) -> Dashboard:
    """Compute every figure of the dashboard for `period` (two statements) and lay out its tables."""
    grain = grain if grain in ("month", "week") else rules.series_grain(period)
    scope = queries.scope_for(period, compare=True)
    events = queries.event_figures(scope, ["period", grain, "category"], top=10)
    presence = visitors.presence_figures(scope, series=grain, ages=True, heat=True, frequency=True)
    current = Summary.build(events.by["period"].get("current", queries.Attendance()),
                            presence.period.get("current", visitors.People()))
    before = Summary.build(events.by["period"].get("previous", queries.Attendance()),
                           presence.period.get("previous", visitors.People()))
    figures = _figures(current, before)
    tables = {
        "summary": _summary_table(figures),
        "series": _series_table(period, grain, events.by[grain], presence.series),
        "categories": _categories_table(events.by["category"]),
        "ages": _ages_table(presence, current),
        "youth": _youth_table(presence, current),
        "top_events": _events_table("top_events", _("Best attended events"), events.events),
        "frequency": _frequency_table(presence.frequency),
        "heatmap": _heatmap_table(presence.presence, period),
    }
    return Dashboard(period=period, previous=period.previous(), grain=grain, figures=figures, tables=tables,
                     current=current, before=before)


def _figures(current: Summary, before: Summary) -> list[Figure]:
    def figure(key, label, kind="int", better="up", detail=None):
        return Figure(key=key, label=label, kind=kind, value=getattr(current, key), previous=getattr(before, key),
                      better=better, detail=detail)

    return [
        figure("events_held", _("Events held")),
        figure("registrations", _("Registrations")),
        figure("checked_in", pgettext("count", "Checked in")),
        figure("walk_ins", _("Walk-ins")),
        figure("fill_rate", _("Fill rate"), "percent",
               detail=_("checked in / capacity, events with a capacity")),
        figure("no_show_rate", _("No-show rate"), "percent", better="down",
               detail=_("%(count)s no-shows", count=fmt(current.no_shows, "int"))),
        figure("unique_visitors", _("People reached"), detail=_("events and timed visits")),
        figure("new_visitors", _("New people")),
        figure("returning_visitors", _("Returning people")),
        figure("visits", _("Timed visits")),
        figure("visit_hours", _("Visitor-hours"), "hours"),
        figure("subsidised_hours", _("Subsidised hours"), "hours", detail=_("paid by the committee or an NGO")),
        figure("pass_hours", _("Pass-paid hours"), "hours", detail=_("paid from prepaid passes")),
    ]


def _summary_table(figures: list[Figure]) -> Table:
    rows = [{"figure": f.label, "value": f.value, "previous": f.previous, "change": f.change,
             "_kinds": {"value": f.kind, "previous": f.kind, "change": f.change_kind}} for f in figures]
    return Table("summary", _("Headline figures"), [
        Column("figure", _("Figure"), "text"), Column("value", _("This period")),
        Column("previous", _("Previous period")), Column("change", _("Change"), "change")], rows,
        note=_("Change: in percent for counts, in percentage points (pp) for rates."))


def _series_table(period, grain, events: dict, presence: dict) -> Table:
    rows = []
    for bucket in rules.series_buckets(period, grain):
        att = events.get(bucket.key, queries.Attendance())
        people = presence.get(bucket.key, visitors.People())
        rows.append({"bucket": bucket_label(bucket, grain), "events": att.events, "registered": att.registered,
                     "checked_in": att.checked_in, "walk_ins": att.walk_ins, "no_shows": att.no_shows,
                     "visits": people.visits.visits, "hours": people.visits.hours, "people": people.people})
    columns = [Column("bucket", _("Month") if grain == "month" else _("Week"), "text"),
               Column("events", _("Events")), Column("registered", pgettext("count", "Registered")),
               Column("checked_in", pgettext("count", "Checked in")), Column("walk_ins", _("Walk-ins")),
               Column("no_shows", _("No-shows")), Column("visits", _("Timed visits")),
               Column("hours", _("Visitor-hours"), "hours"), Column("people", _("People reached"))]
    chart = {"type": "bar", "labels": [r["bucket"] for r in rows], "datasets": [
        {"label": _("Checked in at events"), "data": [r["checked_in"] for r in rows]},
        {"label": _("Timed visits"), "data": [r["visits"] for r in rows]},
        {"label": _("People reached"), "data": [r["people"] for r in rows], "type": "line"}]}
    title = _("Month by month") if grain == "month" else _("Week by week")
    return Table("series", title, columns, rows, chart=chart,
                 note=_("People reached counts each person once per %(bucket)s.",
                        bucket=_("month") if grain == "month" else _("week")))


def _categories_table(by_category: dict) -> Table:
    keys = [c.value for c in Category] + sorted(k for k in by_category if k not in {c.value for c in Category})
    rows = []
    for key in keys:
        att = by_category.get(key, queries.Attendance())
        rows.append({"category": category_label(key), "events": att.events, "registered": att.registered,
                     "checked_in": att.checked_in, "walk_ins": att.walk_ins, "no_shows": att.no_shows,
                     "fill_rate": att.fill_rate, "no_show_rate": att.no_show_rate, "attendees": att.attendees})
    columns = [Column("category", _("Category"), "text"), Column("events", _("Events")),
               Column("registered", pgettext("count", "Registered")),
               Column("checked_in", pgettext("count", "Checked in")),
               Column("walk_ins", _("Walk-ins")), Column("no_shows", _("No-shows")),
               Column("fill_rate", _("Fill rate"), "percent"), Column("no_show_rate", _("No-show rate"), "percent"),
               Column("attendees", _("Different people"))]
    chart = {"type": "bar", "horizontal": True, "labels": [r["category"] for r in rows], "datasets": [
        {"label": pgettext("count", "Registered"), "data": [r["registered"] for r in rows]},
        {"label": pgettext("count", "Checked in"), "data": [r["checked_in"] for r in rows]}]}
    return Table("categories", _("By event category"), columns, rows, chart=chart)


def _ages_table(presence: visitors.PresenceFigures, current: Summary) -> Table:
    rows = []
    for key in rules.AGE_GROUP_KEYS:
        people = presence.ages.get(key, visitors.People())
        rows.append({"age": str(AGE_LABELS[key]), "checkins": people.checkins, "visits": people.visits.visits,
                     "people": people.people})
    chart = {"type": "bar", "labels": [r["age"] for r in rows], "datasets": [
        {"label": _("Checked in at events"), "data": [r["checkins"] for r in rows]},
        {"label": _("Timed visits"), "data": [r["visits"] for r in rows]},
        {"label": _("People"), "data": [r["people"] for r in rows]}]}
    total = presence.period.get("current", visitors.People())
    rows.append({"age": _("All ages"), "checkins": total.checkins, "visits": total.visits.visits,
                 "people": current.unique_visitors, "_total": True})
    columns = [Column("age", _("Age group"), "text"), Column("checkins", _("Checked in at events")),
               Column("visits", _("Timed visits")), Column("people", _("People"))]
    return Table("ages", _("By age"), columns, rows, chart=chart,
                 note=_("Age on the day of the event or visit. Someone whose birthday moves them to the next "
                        "group during the period counts in both groups, and once in all ages."))


def _youth_table(presence: visitors.PresenceFigures, current: Summary) -> Table:
    young = [presence.ages.get(key, visitors.People()) for key in rules.YOUTH_GROUPS]
    rows = [
        {"figure": _("Events held"), "value": current.events_held},
        {"figure": _("Event participants (check-ins)"), "value": current.checked_in},
        {"figure": _("of them aged 14–35"), "value": sum(p.checkins for p in young)},
        {"figure": _("Timed visits by people aged 14–35"), "value": sum(p.visits.visits for p in young)},
        {"figure": _("Young people aged 14–35 (different people)"), "value": presence.youth},
    ]
    for key, people in zip(rules.YOUTH_GROUPS, young, strict=True):
        rows.append({"figure": _("aged %(group)s", group=AGE_LABELS[key]), "value": people.people})
    return Table("youth", _("Youth reached (14–35)"), [Column("figure", _("Figure"), "text"),
                                                       Column("value", _("Count"))], rows,
                 note=_("Counted by age on the day of each event or visit, by events and timed visits together."))


def _events_table(name: str, title: str, lines: list[queries.EventLine]) -> Table:
    rows, links = [], []
    for line in lines:
        att = line.figures
        rows.append({"event": line.title, "date": to_venue(line.starts_at), "category": category_label(line.category),
                     "capacity": line.capacity, "registered": att.registered, "waitlisted": att.waitlisted,
                     "checked_in": att.checked_in, "walk_ins": att.walk_ins, "no_shows": att.no_shows,
                     "fill_rate": att.fill_rate})
        links.append(url_for("stats.event", event_id=line.id))
    columns = [Column("event", _("Event"), "text"), Column("date", _("Date"), "date"),
               Column("category", _("Category"), "text"), Column("capacity", _("Places")),
               Column("registered", pgettext("count", "Registered")), Column("waitlisted", _("Waitlisted")),
               Column("checked_in", pgettext("count", "Checked in")), Column("walk_ins", _("Walk-ins")),
               Column("no_shows", _("No-shows")), Column("fill_rate", _("Fill rate"), "percent")]
    chart = None
    if name == "top_events" and rows:
        chart = {"type": "bar", "horizontal": True, "labels": [r["event"] for r in rows],
                 "datasets": [{"label": pgettext("count", "Checked in"), "data": [r["checked_in"] for r in rows]}]}
    return Table(name, title, columns, rows, chart=chart, links=links)


def _frequency_table(frequency: dict) -> Table:
    total = sum(frequency.values())
    rows = [{"band": str(FREQUENCY_LABELS[band.key]), "people": frequency.get(band.key, 0),
             "share": rules.rate(frequency.get(band.key, 0), total)} for band in rules.FREQUENCY_BANDS]
    chart = {"type": "bar", "labels": [r["band"] for r in rows],
             "datasets": [{"label": _("People"), "data": [r["people"] for r in rows]}]}
    return Table("frequency", _("How often people come"), [
        Column("band", _("Came in the period"), "text"), Column("people", _("People")),
        Column("share", _("Share"), "percent")], rows, chart=chart,
        note=_("Different days a person checked in at an event or had a timed visit."))


def _heatmap_table(presence: dict, period: rules.Period) -> Table:
    busy = [hour for (_weekday, hour), value in presence.items() if value > 0]
    first = min([HEAT_HOURS[0], *busy])
    last = max([HEAT_HOURS[1], *busy])
    names = weekday_names()
    highest = max(presence.values(), default=0)
    rows, levels = [], []
    for hour in range(first, last + 1):
        row = {"hour": f"{hour:02d}:00"}
        row_levels = []
        for weekday in rules.WEEKDAYS:
            value = presence.get((weekday, hour), 0)
            row[f"d{weekday}"] = value
            row_levels.append(rules.heat_level(value, highest))
        rows.append(row)
        levels.append(row_levels)
    columns = [Column("hour", _("Hour"), "text")] + [Column(f"d{w}", names[w - 1]) for w in rules.WEEKDAYS]
    return Table("heatmap", _("When people are in the café"), columns, rows, extra={"levels": levels},
                 note=_("Timed visits and event participants under way in each hour, added up over the period."))


# ------------------------------------------------------------------------------------------------
# All events of a period, and one event


def build_events_list(period: rules.Period) -> Table:
    scope = queries.scope_for(period)
    lines = queries.event_figures(scope, [], all_events=True).events
    return _events_table("events", _("Events of the period"), lines)


@dataclass
class EventReport:
    event: Event
    figures: queries.Attendance
    ended: bool
    tables: dict[str, Table]


def build_event_report(event: Event) -> EventReport:
    """The per-event page: registered, waitlisted, checked in, no-shows, walk-ins and the age mix."""
    scope = queries.event_scope(event)
    att = queries.event_figures(scope, ["total"]).by["total"].get("all", queries.Attendance())
    ages = queries.attendance_by_age(scope)
    ended = event.ends_at <= scope.now
    def row(label, value, kind="int"):
        return {"figure": label, "value": value, "_kinds": {"value": kind}}

    summary_rows = [
        row(_("Places"), event.capacity) if event.capacity is not None else row(_("Places"), _("unlimited"), "text"),
        row(pgettext("count", "Registered"), att.registered),
        row(_("Waitlisted"), att.waitlisted),
        row(pgettext("count", "Checked in"), att.checked_in),
        row(_("of them walk-ins"), att.walk_ins),
        row(_("No-shows"), att.no_shows if ended else None),
        row(_("Fill rate"), att.fill_rate, "percent"),
        row(_("No-show rate"), att.no_show_rate, "percent"),
    ]
    summary = Table("event_summary", _("Attendance"), [Column("figure", _("Figure"), "text"),
                                                       Column("value", _("Count"))], summary_rows,
                    note=None if ended else _("No-shows are counted once the event has ended."))
    age_rows = [{"age": str(AGE_LABELS[key]), "registered": ages.get(key, queries.Attendance()).registered,
                 "checked_in": ages.get(key, queries.Attendance()).checked_in} for key in rules.AGE_GROUP_KEYS]
    chart = {"type": "bar", "labels": [r["age"] for r in age_rows], "datasets": [
        {"label": pgettext("count", "Registered"), "data": [r["registered"] for r in age_rows]},
        {"label": pgettext("count", "Checked in"), "data": [r["checked_in"] for r in age_rows]}]}
    age_table = Table("event_ages", _("Age mix"), [Column("age", _("Age group"), "text"),
                                                   Column("registered", pgettext("count", "Registered")),
                                                   Column("checked_in", pgettext("count", "Checked in"))],
                      age_rows, chart=chart,
                      note=_("Age on the day of the event."))
    return EventReport(event=event, figures=att, ended=ended,
                       tables={"event_summary": summary, "event_ages": age_table})


def event_heading(event: Event) -> dict:
    """What an export or page says about the event (no personal data)."""
    return {"title": event.title, "starts": format_datetime(to_venue(event.starts_at), "d MMMM yyyy, HH:mm"),
            "category": category_label(event.category), "cancelled": event.status == EventStatus.CANCELLED.value}


def file_details(*pairs: tuple[str, str]) -> list[tuple[str, str]]:
    """The lines an export starts with: the venue, what was asked for, and when it was made."""
    return [(_("Venue"), current_app.config["VENUE_NAME"]), *pairs,
            (_("Made"), format_datetime(venue_now(), "d MMMM yyyy, HH:mm"))]


def today_label(day: date) -> str:
    return format_date(day, "d MMMM yyyy")
