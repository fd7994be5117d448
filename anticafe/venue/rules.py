"""Opening hours as values. Pure: no Flask, no database."""

from dataclasses import dataclass
from datetime import date, datetime, time

#: A fresh install is open 10:00–23:00 every day.
DEFAULT_OPENS = time(10, 0)
DEFAULT_CLOSES = time(23, 0)


@dataclass(frozen=True)
class DayHours:
    """The hours of one weekday (0 = Monday); `closed` days have no hours."""

    weekday: int
    opens: time | None
    closes: time | None
    closed: bool = False

    @property
    def is_open_day(self) -> bool:
        return not self.closed and self.opens is not None and self.closes is not None


def default_week() -> dict[int, DayHours]:
    """Return the hours of a fresh install."""
    return {day: DayHours(day, DEFAULT_OPENS, DEFAULT_CLOSES) for day in range(7)}


def hours_problems(opens: time | None, closes: time | None, closed: bool) -> list[str]:
    """Check one day's hours; return problem codes."""
    if closed:
        return []
    if opens is None or closes is None:
        return ["required"]
    if closes <= opens:
        return ["closes_before_opens"]
    return []


def hours_on(week: dict[int, DayHours], day: date) -> DayHours:
    """Return the hours that apply on a date."""
    return week.get(day.weekday()) or DayHours(day.weekday(), DEFAULT_OPENS, DEFAULT_CLOSES)


def is_open_at(week: dict[int, DayHours], moment: datetime) -> bool:
    """Tell whether the café is open at a venue-local wall-clock moment."""
    hours = hours_on(week, moment.date())
    return hours.is_open_day and hours.opens <= moment.time() < hours.closes


def within_hours(week: dict[int, DayHours], start: datetime, end: datetime) -> bool:
    """Tell whether [start, end) (venue-local, same day) lies inside that day's opening hours."""
    if start.date() != end.date() and not (end.time() == time(0) and (end.date() - start.date()).days == 1):
        return False
    hours = hours_on(week, start.date())
    if not hours.is_open_day:
        return False
    end_time = end.time() if end.date() == start.date() else time(23, 59, 59, 999999)
    return hours.opens <= start.time() and end_time <= hours.closes
