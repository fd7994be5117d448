"""Statistics API: the headline figures and attendance by month, week, category, event, age or hour."""

from dataclasses import asdict

from ..api.spec import api_blueprint, endpoint
from ..auth import Access
from . import rules, services
from .schemas import AttendanceOut, AttendanceQuery, PeriodQuery, SummaryOut

bp = api_blueprint("stats_api", __name__)

PERIOD_ERRORS = [(422, "validation_error", "a date is not YYYY-MM-DD, `to` is before `from`, or the period is "
                                           "longer than ten years")]


@endpoint(bp, "/stats/summary", summary="Headline figures of a period", access=Access.COMMITTEE,
          query=PeriodQuery, response=SummaryOut, errors=PERIOD_ERRORS)
def summary(query: PeriodQuery):
    """Counts only (no personal data) for the venue-local dates `from`..`to`, both included."""
    period = services.read_period(query.from_, query.to)
    current, _ = services.summaries(period, compare=False)
    values = {name: getattr(current, name) for name in SummaryOut.model_fields if hasattr(current, name)}
    values.update(visit_hours=rules.hours(current.visit_seconds, 2),
                  subsidised_hours=rules.hours(current.subsidised_seconds, 2),
                  pass_hours=rules.hours(current.pass_seconds, 2))
    return SummaryOut(**values)


@endpoint(bp, "/stats/attendance", summary="Event attendance of a period, grouped", access=Access.COMMITTEE,
          query=AttendanceQuery, response=AttendanceOut, errors=PERIOD_ERRORS)
def attendance(query: AttendanceQuery):
    """Rows of events held, registered, checked in, no-shows and distinct attendees per bucket."""
    period = services.read_period(query.from_, query.to)
    rows = services.attendance_rows(period, query.group_by)
    return AttendanceOut(rows=[asdict(row) for row in rows])
