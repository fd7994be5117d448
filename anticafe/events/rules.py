"""Event rules: field checks, seats, age limits, the registration window and calendar grids.

Pure: no Flask, no database. Problems come back as stable codes per field; services translate them.
"""

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

#: Age limits must lie in this range.
MAX_AGE = 100
#: Guests younger than this must go home at the minors' curfew (the same age as on the visits board).
CURFEW_AGE = 16
#: Longest event we accept (a pyjama party runs overnight; a weekend camp is not an event here).
MAX_DURATION = timedelta(hours=48)


@dataclass(frozen=True)
class Counts:
    """People at one event: confirmed, waiting, and let in at the door."""

    registered: int = 0
    waitlisted: int = 0
    checked_in: int = 0
    #: registrations given up (they still keep a draft from being deleted)
    cancelled: int = 0

    @property
    def ever(self) -> bool:
        """Tell whether anybody ever registered (a cancelled registration counts)."""
        return bool(self.registered or self.waitlisted or self.cancelled)


def event_problems(*, title: str | None, category: str | None, categories, entry: str | None, entries,
                   starts_at: datetime | None, ends_at: datetime | None, capacity: int | None,
                   min_age: int | None, max_age: int | None, opens: datetime | None,
                   closes: datetime | None) -> dict[str, list[str]]:
    """Check an event's fields; return {field: [problem codes]} (empty when all is well)."""
    problems: dict[str, list[str]] = {}

    def add(field: str, code: str) -> None:
        problems.setdefault(field, []).append(code)

    if not (title or "").strip():
        add("title", "required")
    elif len(title.strip()) > 200:
        add("title", "too_long")
    if category not in categories:
        add("category", "unknown_category")
    if entry not in entries:
        add("entry", "unknown_entry")
    if starts_at is None:
        add("starts_at", "required")
    if ends_at is None:
        add("ends_at", "required")
    if starts_at is not None and ends_at is not None:
        if ends_at <= starts_at:
            add("ends_at", "ends_before_start")
        elif ends_at - starts_at > MAX_DURATION:
            add("ends_at", "too_long_event")
    if capacity is not None and capacity < 0:
        add("capacity", "negative")
    for field, value in (("min_age", min_age), ("max_age", max_age)):
        if value is not None and not 0 <= value <= MAX_AGE:
            add(field, "age_range")
    if min_age is not None and max_age is not None and "min_age" not in problems and "max_age" not in problems \
            and max_age < min_age:
        add("max_age", "ages_reversed")
    if opens is not None and closes is not None and closes <= opens:
        add("registration_closes_at", "window_reversed")
    if closes is not None and ends_at is not None and closes > ends_at:
        add("registration_closes_at", "closes_after_end")
    return problems


def capacity_problem(capacity: int | None, confirmed: int) -> str | None:
    """Refuse a capacity below the people already confirmed (None = unlimited is always fine)."""
    if capacity is not None and capacity < confirmed:
        return "below_confirmed"
    return None


def seats_left(capacity: int | None, confirmed: int) -> int | None:
    """Return the free seats (never negative), or None when the event has no limit."""
    if capacity is None:
        return None
    return max(0, capacity - confirmed)


def age_allows(min_age: int | None, max_age: int | None, age: int | None) -> bool:
    """Tell whether a person of `age` fits the limits; an unknown age fits only an event without limits."""
    if min_age is None and max_age is None:
        return True
    if age is None:
        return False
    return (min_age is None or age >= min_age) and (max_age is None or age <= max_age)


def registration_window(*, opens_at: datetime | None, closes_at: datetime | None, published_at: datetime | None,
                        starts_at: datetime) -> tuple[datetime | None, datetime]:
    """Return the effective (opens, closes): by default from publication until the start."""
    return (opens_at or published_at), (closes_at or starts_at)


def registration_state(now: datetime, opens: datetime | None, closes: datetime) -> str:
    """Return "not_yet" (or never, for a draft), "open" or "closed" at `now`."""
    if opens is None or now < opens:
        return "not_yet"
    if now >= closes:
        return "closed"
    return "open"


def month_grid(year: int, month: int) -> list[list[date]]:
    """Return the weeks (Monday first) that cover a month, with the neighbouring months' days."""
    return calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)


def shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    """Return the (year, month) `delta` months away."""
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def week_start(day: date) -> date:
    """Return the Monday of the week that holds `day`."""
    return day - timedelta(days=day.weekday())


def admits_minors(min_age: int | None, max_age: int | None, minor_age: int = CURFEW_AGE) -> bool:
    """Tell whether an event's age limits let in guests under `minor_age` (no limits at all: an event for
    everyone, not flagged)."""
    if min_age is None and max_age is None:
        return False
    return (min_age if min_age is not None else 0) < minor_age


def runs_past_curfew(starts_local: datetime, ends_local: datetime, curfew: time) -> bool:
    """Tell whether an event (venue-local times) is still on after the curfew of the day it starts."""
    curfew_at = datetime.combine(starts_local.date(), curfew, tzinfo=starts_local.tzinfo)
    if curfew_at <= starts_local - timedelta(hours=12):  # a curfew just after midnight belongs to the night after
        curfew_at += timedelta(days=1)
    return ends_local > curfew_at


def spans_overlap(a: tuple[datetime, datetime], b: tuple[datetime, datetime]) -> bool:
    """Tell whether two [start, end) spans share a moment."""
    return a[0] < b[1] and b[0] < a[1]
