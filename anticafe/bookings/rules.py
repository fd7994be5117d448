"""Booking rules as values: the slot grid, overlaps with a cleaning buffer, validation, cut-offs,
no-show release, weekly repeats and the fixed-price bill. Pure: no Flask, no database.

Every datetime here is a naive venue-local wall-clock time (the services convert from and to UTC),
so that the grid follows the clock on the wall.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from ..venue.rules import DayHours, within_hours

#: Staff may book at most this many weekly occurrences at once (half a year).
MAX_REPEAT_WEEKS = 26


@dataclass(frozen=True, order=True)
class Interval:
    """A half-open stretch of time [start, end)."""

    start: datetime
    end: datetime

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


@dataclass(frozen=True)
class Slot:
    """One cell of the day grid and whether a booking could take it."""

    start: datetime
    end: datetime
    free: bool
    #: the slot has begun already: shown as «прошло», not as taken
    past: bool = False


def overlaps(a: Interval, b: Interval, buffer: timedelta = timedelta(0)) -> bool:
    """Tell whether two intervals overlap once `buffer` is kept free between them (touching is fine)."""
    return a.start < b.end + buffer and b.start < a.end + buffer


def conflicts(candidate: Interval, busy: Iterable[Interval], blocked: Iterable[Interval] = (),
              buffer: timedelta = timedelta(0)) -> bool:
    """Tell whether `candidate` clashes with a busy interval (plus buffer) or a blocked one (closures)."""
    return (any(overlaps(candidate, other, buffer) for other in busy)
            or any(overlaps(candidate, other) for other in blocked))


def on_grid(moment: datetime, slot_minutes: int) -> bool:
    """Tell whether a wall-clock time falls on the slot grid (counted from midnight)."""
    return moment.second == 0 and moment.microsecond == 0 and (moment.hour * 60 + moment.minute) % slot_minutes == 0


def grid_slots(day: date, hours: DayHours, slot_minutes: int) -> list[Interval]:
    """Return the grid's slots of a day that lie inside its opening hours (none on a closed day).

    The grid counts from midnight, so with a 30-minute grid an opening at 10:15 makes 10:30 the first slot.
    """
    if not hours.is_open_day:
        return []
    step = timedelta(minutes=slot_minutes)
    opens = datetime.combine(day, hours.opens)
    closes = datetime.combine(day, hours.closes) if hours.closes != time(0) else datetime.combine(
        day + timedelta(days=1), time(0))
    midnight = datetime.combine(day, time(0))
    offset = (opens - midnight) % step
    start = opens if not offset else opens + (step - offset)
    slots = []
    while start + step <= closes:
        slots.append(Interval(start, start + step))
        start += step
    return slots


def day_availability(day: date, hours: DayHours, slot_minutes: int, *, busy: Sequence[Interval] = (),
                     blocked: Sequence[Interval] = (), buffer: timedelta = timedelta(0),
                     now: datetime | None = None) -> list[Slot]:
    """Return the day's slots, each free unless it is past or a booking of exactly it would clash."""
    slots = []
    for cell in grid_slots(day, hours, slot_minutes):
        past = now is not None and cell.start < now
        slots.append(Slot(cell.start, cell.end, not past and not conflicts(cell, busy, blocked, buffer), past))
    return slots


def first_day_ahead(grids: dict[date, Sequence[Slot]]) -> date | None:
    """Return the first day that still has a slot to come (after closing: the next open day), or None."""
    return next((day for day in sorted(grids) if any(not slot.past for slot in grids[day])), None)


def free_ends(slots: Sequence[Slot]) -> dict[datetime, list[datetime]]:
    """Map each free start to the ends reachable through consecutive free slots (what the form may offer)."""
    choices: dict[datetime, list[datetime]] = {}
    run: list[Slot] = []
    for slot in [*slots, None]:
        if slot is not None and slot.free and (not run or run[-1].end == slot.start):
            run.append(slot)
            continue
        for i, first in enumerate(run):
            choices[first.start] = [later.end for later in run[i:]]
        run = [slot] if slot is not None and slot.free else []
    return choices


def booking_problems(start: datetime, end: datetime, *, slot_minutes: int, party_size: int,
                     capacity: int) -> dict[str, list[str]]:
    """Check a booking's shape; return {field: [problem codes]} (empty when all is well)."""
    problems: dict[str, list[str]] = {}
    if end <= start:
        problems.setdefault("ends_at", []).append("ends_before_start")
    if not on_grid(start, slot_minutes):
        problems.setdefault("starts_at", []).append("off_grid")
    if not on_grid(end, slot_minutes):
        problems.setdefault("ends_at", []).append("off_grid")
    if party_size < 1:
        problems.setdefault("party_size", []).append("party_too_small")
    elif party_size > capacity:
        problems.setdefault("party_size", []).append("party_too_large")
    return problems


def inside_opening_hours(week: dict[int, DayHours], start: datetime, end: datetime) -> bool:
    """Tell whether a booking lies inside one day's opening hours."""
    return end > start and within_hours(week, start, end)


def can_cancel(starts_at: datetime, now: datetime, cutoff: timedelta) -> bool:
    """Tell whether a visitor may still cancel: up to `cutoff` before the start."""
    return now <= starts_at - cutoff


def should_release(status: str, starts_at: datetime, now: datetime, after: timedelta) -> bool:
    """Tell whether a confirmed booking nobody checked in has passed its grace period."""
    return status == "confirmed" and now >= starts_at + after


def weekly_dates(first: date, weeks: int) -> list[date]:
    """Return `weeks` dates, one a week from `first` (at least one, at most MAX_REPEAT_WEEKS)."""
    count = max(1, min(weeks, MAX_REPEAT_WEEKS))
    return [first + timedelta(weeks=n) for n in range(count)]


def price_for(price_per_hour: Decimal, start: datetime, end: datetime) -> Decimal:
    """Return the fixed price of a booking: the hourly price times the hours, in kopecks (half up)."""
    minutes = Decimal(max(0, int((end - start).total_seconds() // 60)))
    return (Decimal(price_per_hour) * minutes / Decimal(60)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Cell:
    """A slot of the staff's grid and what fills it: an occupant, the cleaning buffer, or nothing."""

    start: datetime
    end: datetime
    #: "busy" (an occupant is there), "buffer" (cleaning after or before one), "past" or "free"
    state: str
    occupant: object = None


def label_slots(slots: Sequence[Interval], occupants: Sequence[tuple[Interval, object]],
                blocked: Sequence[tuple[Interval, object]] = (), *, buffer: timedelta = timedelta(0),
                now: datetime | None = None) -> list[Cell]:
    """Say for each slot who holds it (bookings and events in `occupants`, closures in `blocked`),
    else whether it is cleaning buffer, past or free."""
    cells = []
    for slot in slots:
        holder = next((item for span, item in [*occupants, *blocked] if overlaps(slot, span)), None)
        if holder is not None:
            cells.append(Cell(slot.start, slot.end, "busy", holder))
        elif buffer and any(overlaps(slot, span, buffer) for span, _ in occupants):
            cells.append(Cell(slot.start, slot.end, "buffer"))
        elif now is not None and slot.start < now:
            cells.append(Cell(slot.start, slot.end, "past"))
        else:
            cells.append(Cell(slot.start, slot.end, "free"))
    return cells
