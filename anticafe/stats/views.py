"""The youth committee's pages: the dashboard, all events of a period, one event, the period report, exports."""

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import signals
from ..auth import Access, guard_blueprint
from ..errors import ValidationFailed
from ..events.models import Event
from ..extensions import db
from ..signals import answers
from ..templating import template_helpers
from ..timeutil import venue_today
from . import exports, reports, rules, services

bp = Blueprint("stats", __name__, url_prefix="/stats")
guard_blueprint(bp, Access.COMMITTEE)

TABLE_NAMES = "summary,series,categories,ages,youth,top_events,frequency,heatmap,events"
PRESET_LABELS = {
    "this_month": _l("This month"),
    "last_month": _l("Last month"),
    "this_quarter": _l("This quarter"),
    "last_quarter": _l("Last quarter"),
    "this_year": _l("This year"),
    "last_year": _l("Last year"),
}


def stat_filter(value, kind: str = "int") -> str:
    """Format a statistics value: {{ value|stat("percent") }}."""
    return reports.fmt(value, kind)


def _period() -> tuple[rules.Period, dict]:
    """The period asked for in the query string, or the last full month with the errors to show."""
    try:
        period = services.read_period(request.args.get("from"), request.args.get("to"),
                                      preset=request.args.get("period"))
        return period, {}
    except ValidationFailed as error:
        return rules.default_period(venue_today()), {k: [str(m) for m in v] for k, v in error.fields.items()}


def _grain() -> str | None:
    grain = request.args.get("series")
    return grain if grain in ("month", "week") else None


def _args(period: rules.Period, **extra) -> dict:
    """Query-string values that keep the period (and the grouping) in links."""
    args = {"from": period.start.isoformat(), "to": period.end.isoformat()}
    args.update({k: v for k, v in extra.items() if v})
    return args


def _presets(period: rules.Period, endpoint: str) -> list[dict]:
    today = venue_today()
    presets = []
    for name, label in PRESET_LABELS.items():
        preset = rules.preset_period(name, today)
        presets.append({"label": str(label), "url": url_for(endpoint, **_args(preset)), "active": preset == period})
    return presets


def _download(data: bytes, name: str, fmt: str) -> Response:
    mimetypes = {"csv": "text/csv; charset=utf-8", "pdf": "application/pdf",
                 "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    return Response(data, mimetype=mimetypes[fmt], headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"})


@bp.route("/")
def dashboard():
    """Show the headline figures, the breakdowns and their charts for a period."""
    period, errors = _period()
    board = reports.build_dashboard(period, _grain())
    sections = answers(signals.committee_sections, period, report=False)
    return render_template("stats/dashboard.html", board=board, errors=errors, sections=sections,
                           presets=_presets(period, "stats.dashboard"), args=_args(period, series=_grain()),
                           grain_labels=reports.GRAIN_LABELS), 422 if errors else 200


@bp.route("/events")
def events():
    """List every event held in a period with its attendance."""
    period, errors = _period()
    table = reports.build_events_list(period)
    return render_template("stats/events.html", table=table, period=period, label=reports.period_label(period),
                           errors=errors, presets=_presets(period, "stats.events"),
                           args=_args(period)), 422 if errors else 200


@bp.route("/events/<int:event_id>")
def event(event_id: int):
    """Show one event's registrations, check-ins, no-shows, walk-ins and age mix."""
    event = db.session.get(Event, event_id) or abort(404)
    report = reports.build_event_report(event)
    return render_template("stats/event.html", report=report, heading=reports.event_heading(event))


@bp.route(f"/export/<any({TABLE_NAMES}):name>.<any(csv,xlsx):fmt>")
def export(name: str, fmt: str):
    """Download one table of the dashboard (or the events of the period) as CSV or XLSX."""
    period = services.read_period(request.args.get("from"), request.args.get("to"))
    details = [(_("Period"), reports.period_label(period))]
    if name == "events":
        table = reports.build_events_list(period)
    else:
        board = reports.build_dashboard(period, _grain())
        table = board.tables[name]
        if name == "summary":
            details.append((_("Compared with"), board.previous_label))
        if name == "series":
            details.append((_("Grouped"), str(reports.GRAIN_LABELS[board.grain])))
    details = reports.file_details((_("Table"), table.title), *details)
    stem = f"{name.replace('_', '-')}-{period.start.isoformat()}-{period.end.isoformat()}"
    data = exports.table_csv(table, details) if fmt == "csv" else exports.tables_xlsx([(table, details)])
    return _download(data, exports.filename(stem, fmt), fmt)


@bp.route("/events/<int:event_id>/export/<any(event_summary,event_ages):name>.<any(csv,xlsx):fmt>")
def event_export(event_id: int, name: str, fmt: str):
    """Download one table of the per-event page."""
    event = db.session.get(Event, event_id) or abort(404)
    report = reports.build_event_report(event)
    table = report.tables[name]
    heading = reports.event_heading(event)
    details = reports.file_details((_("Table"), table.title), (_("Event"), heading["title"]),
                                   (_("Starts"), heading["starts"]), (_("Category"), heading["category"]))
    data = exports.table_csv(table, details) if fmt == "csv" else exports.tables_xlsx([(table, details)])
    return _download(data, exports.filename(f"event-{event.id}-{name.replace('_', '-')}", fmt), fmt)


@bp.route("/report")
def report():
    """The period report for the coordination council, laid out for printing."""
    period, errors = _period()
    board = reports.build_dashboard(period, _grain())
    sections = answers(signals.committee_sections, period, report=True)
    return render_template("stats/report.html", board=board, errors=errors, args=_args(period, series=_grain()),
                           sections=sections,
                           presets=_presets(period, "stats.report"), grain_labels=reports.GRAIN_LABELS,
                           today=reports.today_label(venue_today())), 422 if errors else 200


@bp.route("/report.<any(xlsx,pdf):fmt>")
def report_file(fmt: str):
    """Download the period report as XLSX (a sheet per table) or PDF."""
    period = services.read_period(request.args.get("from"), request.args.get("to"))
    board = reports.build_dashboard(period, _grain())
    title = _("Youth committee report")
    base = [(_("Period"), board.label), (_("Compared with"), board.previous_label)]
    stem = f"report-{period.start.isoformat()}-{period.end.isoformat()}"
    if fmt == "pdf":
        data = exports.report_pdf(board, title, reports.file_details(*base))
        return _download(data, exports.filename(stem, "pdf"), "pdf")
    sheets = []
    for name in reports.DASHBOARD_TABLES:
        table = board.tables[name]
        extra = [(_("Grouped"), str(reports.GRAIN_LABELS[board.grain]))] if name == "series" else []
        sheets.append((table, reports.file_details((_("Report"), title), (_("Table"), table.title), *base, *extra)))
    return _download(exports.tables_xlsx(sheets), exports.filename(stem, "xlsx"), "xlsx")


template_helpers(bp, filters={"stat": stat_filter})
