"""Reading and changing the opening hours."""

from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..errors import ValidationFailed
from ..extensions import db
from . import rules
from .models import OpeningHours

PROBLEMS = {
    "required": _l("Give both the opening and the closing time, or mark the day closed."),
    "closes_before_opens": _l("The closing time must be after the opening time."),
}


def weekly_hours() -> dict[int, rules.DayHours]:
    """Return the hours of every weekday (the defaults for days never set)."""
    week = rules.default_week()
    for row in db.session.scalars(select(OpeningHours)):
        week[row.weekday] = rules.DayHours(row.weekday, row.opens, row.closes, row.closed)
    return week


def hours_on(day: date) -> rules.DayHours:
    """Return the hours that apply on a date."""
    return rules.hours_on(weekly_hours(), day)


def closing_at(day: date) -> time | None:
    """Return the closing time on a date (None on a closed day)."""
    hours = hours_on(day)
    return hours.closes if hours.is_open_day else None


def is_open_at(moment: datetime) -> bool:
    """Tell whether the café is open at a venue-local moment."""
    return rules.is_open_at(weekly_hours(), moment)


def set_week(days: dict[int, tuple[time | None, time | None, bool]]) -> None:
    """Replace the hours of the given weekdays; all days are checked before anything is stored."""
    problems = {}
    for weekday, (opens, closes, closed) in days.items():
        found = rules.hours_problems(opens, closes, closed)
        if found:
            problems[f"day-{weekday}"] = [PROBLEMS[code] for code in found]
    if problems:
        raise ValidationFailed(problems)
    existing = {row.weekday: row for row in db.session.scalars(select(OpeningHours))}
    for weekday, (opens, closes, closed) in days.items():
        row = existing.get(weekday) or OpeningHours(weekday=weekday)
        row.opens, row.closes, row.closed = (None, None, True) if closed else (opens, closes, False)
        db.session.add(row)
    db.session.flush()
