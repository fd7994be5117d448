"""Statistics rules: periods, buckets, age groups, return bands, changes and UTC offsets. Pure: no Flask, no database.

Periods are venue-local calendar dates, both ends inclusive. Everything here takes values and returns
values, so it is unit-tested without an app (see tests/unit/test_stats_rules.py).
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from fractions import Fraction
from functools import lru_cache

#: The earliest and latest dates a period may touch (keeps date arithmetic and UTC conversion safe).
MIN_DATE = date(2000, 1, 1)
MAX_DATE = date(2099, 12, 31)
#: The longest period the dashboard accepts: ten years.
MAX_DAYS = 3653
#: Periods up to this many days are shown week by week, longer ones month by month.
WEEKLY_UP_TO_DAYS = 92

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class PeriodError(ValueError):
    """A period that cannot be used; `field` is "from", "to" or "period", `code` a stable reason."""

    def __init__(self, field: str, code: str):
        super().__init__(f"{field}: {code}")
        self.field = field
        self.code = code


# ------------------------------------------------------------------------------------------------
# Calendar helpers


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    """Return the first of the month `months` after `day`'s month (negative goes back)."""
    index = day.year * 12 + (day.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def month_end(day: date) -> date:
    return add_months(day, 1) - timedelta(days=1)


def quarter_start(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def months_between(start: date, end: date) -> int:
    """Count the calendar months from `start`'s month to `end`'s month, both included."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


# ------------------------------------------------------------------------------------------------
# Periods


@dataclass(frozen=True, order=True)
class Period:
    """Venue-local dates from `start` to `end`, both included."""

    start: date
    end: date

    def __post_init__(self):
        if self.start > self.end:
            raise PeriodError("to", "before_from")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def whole_months(self) -> bool:
        """Tell whether the period runs from a first of a month to a last of a month."""
        return self.start.day == 1 and self.end == month_end(self.end)

    def previous(self) -> "Period":
        """Return the period of the same length just before this one.

        A run of whole calendar months compares with the same number of months before it (March with
        February, a quarter with the quarter before, a year with the year before). A span "to date" that
        starts on a first of a month compares with the same days that many months before: this month to
        date (1–4 December) with 1–4 November, this year to date with last year to the same date (the
        day clipped to a shorter month). Any other range: the same number of days ending the day before.
        """
        months = months_between(self.start, self.end)
        if self.whole_months:
            start = add_months(self.start, -months)
            return Period(start, self.start - timedelta(days=1))
        if self.start.day == 1:
            start = add_months(self.start, -months)
            end_month = add_months(self.end, -months)
            return Period(start, min(end_month + timedelta(days=self.end.day - 1), month_end(end_month)))
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def utc_bounds(self, zone: tzinfo) -> tuple[datetime, datetime]:
        """Return [start, end) in UTC: local midnight of `start` to local midnight after `end`."""
        return local_midnight_utc(self.start, zone), local_midnight_utc(self.end + timedelta(days=1), zone)

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def local_midnight_utc(day: date, zone: tzinfo) -> datetime:
    """Return the UTC instant of the venue's midnight starting `day`."""
    return datetime.combine(day, time(0, 0), tzinfo=zone).astimezone(UTC)


def parse_date(text: str, field: str) -> date:
    """Read a strict YYYY-MM-DD date; raise PeriodError(field, "invalid_date"|"out_of_range")."""
    if not isinstance(text, str) or not _ISO_DATE.match(text.strip()):
        raise PeriodError(field, "invalid_date")
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise PeriodError(field, "invalid_date") from None
    if not MIN_DATE <= day <= MAX_DATE:
        raise PeriodError(field, "out_of_range")
    return day


def make_period(start: date, end: date) -> Period:
    """Check a period's bounds and length; raise PeriodError."""
    for field, day in (("from", start), ("to", end)):
        if not MIN_DATE <= day <= MAX_DATE:
            raise PeriodError(field, "out_of_range")
    if start > end:
        raise PeriodError("to", "before_from")
    period = Period(start, end)
    if period.days > MAX_DAYS:
        raise PeriodError("to", "too_long")
    return period


def parse_period(from_text: str | None, to_text: str | None, default: Period) -> Period:
    """Read `from` and `to` (both or neither); without them return `default`."""
    from_text = (from_text or "").strip()
    to_text = (to_text or "").strip()
    if not from_text and not to_text:
        return default
    if not from_text:
        raise PeriodError("from", "required")
    if not to_text:
        raise PeriodError("to", "required")
    start = parse_date(from_text, "from")
    end = parse_date(to_text, "to")
    return make_period(start, end)




def preset_period(name: str, today: date) -> Period:
    """Return a quick-pick period; "this_*" runs up to today, "last_*" is the previous full one."""
    if name == "this_month":
        return Period(month_start(today), today)
    if name == "last_month":
        start = add_months(today, -1)
        return Period(start, month_end(start))
    if name == "this_quarter":
        return Period(quarter_start(today), today)
    if name == "last_quarter":
        start = add_months(quarter_start(today), -3)
        return Period(start, month_end(add_months(start, 2)))
    if name == "this_year":
        return Period(date(today.year, 1, 1), today)
    if name == "last_year":
        return Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31))
    raise PeriodError("period", "unknown_preset")


def default_period(today: date) -> Period:
    """The dashboard's default: the last full month."""
    return preset_period("last_month", today)


# ------------------------------------------------------------------------------------------------
# Time buckets


@dataclass(frozen=True)
class Bucket:
    """One bar of a time series: its key as the database computes it, and its dates within the period."""

    key: str
    start: date
    end: date


def series_grain(period: Period) -> str:
    """Pick "week" for short periods and "month" for long ones."""
    return "week" if period.days <= WEEKLY_UP_TO_DAYS else "month"


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def week_key(day: date) -> str:
    """Return the Monday of `day`'s week as YYYY-MM-DD (weeks start on Monday)."""
    return (day - timedelta(days=day.weekday())).isoformat()


def month_buckets(period: Period) -> list[Bucket]:
    """Every month the period touches, clipped to the period."""
    buckets, first = [], month_start(period.start)
    while first <= period.end:
        buckets.append(Bucket(month_key(first), max(first, period.start), min(month_end(first), period.end)))
        first = add_months(first, 1)
    return buckets


def week_buckets(period: Period) -> list[Bucket]:
    """Every Monday-to-Sunday week the period touches, clipped to the period."""
    buckets = []
    monday = period.start - timedelta(days=period.start.weekday())
    while monday <= period.end:
        sunday = monday + timedelta(days=6)
        buckets.append(Bucket(monday.isoformat(), max(monday, period.start), min(sunday, period.end)))
        monday += timedelta(days=7)
    return buckets


def series_buckets(period: Period, grain: str) -> list[Bucket]:
    return week_buckets(period) if grain == "week" else month_buckets(period)


#: ISO weekdays (1 = Monday ... 7 = Sunday) and the hours of a day, for the heatmap.
WEEKDAYS = tuple(range(1, 8))
HOURS = tuple(range(24))


def presence_from_changes(changes: dict[tuple[int, int], int]) -> dict[tuple[int, int], int]:
    """Turn +1 (someone arrives in this hour) / -1 (the hour after they left) counts into people present.

    `changes[(weekday, hour)]` is the net number of stays starting minus stays ended before that hour;
    the running sum over the hours of each weekday is the number of stays under way in each hour.
    """
    present = {}
    for weekday in WEEKDAYS:
        running = 0
        for hour in HOURS:
            running += changes.get((weekday, hour), 0)
            present[(weekday, hour)] = running
    return present


def heat_level(value: int, highest: int, levels: int = 6) -> int:
    """Return 0 for nothing, else 1..levels-1 in proportion to `highest` (for the heatmap's colours)."""
    if value <= 0 or highest <= 0:
        return 0
    return max(1, min(levels - 1, -(-value * (levels - 1) // highest)))


# ------------------------------------------------------------------------------------------------
# Age groups


@dataclass(frozen=True)
class AgeGroup:
    key: str
    #: youngest and oldest age in whole years, both included; None = open
    low: int | None
    high: int | None

    def contains(self, age: int) -> bool:
        return (self.low is None or age >= self.low) and (self.high is None or age <= self.high)


AGE_GROUPS = (
    AgeGroup("under_14", None, 13),
    AgeGroup("14_17", 14, 17),
    AgeGroup("18_24", 18, 24),
    AgeGroup("25_35", 25, 35),
    AgeGroup("over_35", 36, None),
)
#: People without a birth date (or, for visits, without an account).
UNKNOWN_AGE = "unknown"
AGE_GROUP_KEYS = (*(group.key for group in AGE_GROUPS), UNKNOWN_AGE)
#: "Young people" in the youth-policy report: 14 to 35 years old, both included.
YOUTH_LOW, YOUTH_HIGH = 14, 35
YOUTH_GROUPS = tuple(g.key for g in AGE_GROUPS if g.low is not None and g.low >= YOUTH_LOW
                     and g.high is not None and g.high <= YOUTH_HIGH)


def band_age(key: str) -> int:
    """The first age of a group: what statistics count for a row that keeps only its age group
    (the person's identity erased); it falls in the same group and the same youth range."""
    group = next(g for g in AGE_GROUPS if g.key == key)
    return group.low if group.low is not None else 0


def age_group(age: int | None) -> str:
    """Return the key of the group `age` falls in ("unknown" for None)."""
    if age is None:
        return UNKNOWN_AGE
    for group in AGE_GROUPS:
        if group.contains(age):
            return group.key
    raise AssertionError("age groups must cover every age")


def month_number(day: date) -> int:
    """Return YYYYMM of `day`'s month as an integer: the key of the month rows (`stats_person_month`)."""
    return day.year * 100 + day.month


def date_number(day: date) -> int:
    """Return YYYYMMDD as an integer: the form both databases compute ages from."""
    return day.year * 10000 + day.month * 100 + day.day


def age_from_date_numbers(day: int, birth: int) -> int:
    """Return the age in whole years from two YYYYMMDD numbers, as the SQL helper computes it.

    (day - birth) // 10000 equals "years, minus one if the birthday has not come yet this year",
    because month-and-day differences stay within ±1231; a 29 February birthday counts from 1 March.
    """
    return (day - birth) // 10000


# ------------------------------------------------------------------------------------------------
# How often people come back


@dataclass(frozen=True)
class Band:
    key: str
    low: int
    high: int | None


#: Days a person came in the period: once, 2–3, 4–9, 10 or more.
FREQUENCY_BANDS = (Band("1", 1, 1), Band("2_3", 2, 3), Band("4_9", 4, 9), Band("10_plus", 10, None))




# ------------------------------------------------------------------------------------------------
# Rates and changes


def rate(part: int, whole: int) -> float | None:
    """Return part/whole as a percentage with one decimal, or None when there is no whole."""
    if not whole:
        return None
    return _round1(Fraction(part * 100, whole))


def percent_change(current, previous) -> float | None:
    """Return the change from `previous` to `current` in percent (one decimal); None from zero."""
    if previous is None or current is None:
        return None
    current, previous = Fraction(str(current)), Fraction(str(previous))
    if previous == 0:
        return None
    return _round1((current - previous) * 100 / previous)


def point_change(current: float | None, previous: float | None) -> float | None:
    """Return the difference of two percentages in percentage points (one decimal)."""
    if current is None or previous is None:
        return None
    return _round1(Fraction(str(current)) - Fraction(str(previous)))


def _round1(value: Fraction) -> float:
    return _round(value, 1)


def _round(value: Fraction, digits: int) -> float:
    """Round half away from zero (the same on every platform, unlike float formatting)."""
    scale = 10 ** digits
    scaled = abs(value) * scale
    whole = int(scaled)
    if scaled - whole >= Fraction(1, 2):
        whole += 1
    return (whole if value >= 0 else -whole) / scale


def hours(seconds: int, digits: int = 1) -> float:
    """Return seconds as hours, rounded to `digits` decimals."""
    return _round(Fraction(int(seconds), 3600), digits)


# ------------------------------------------------------------------------------------------------
# The venue's UTC offset over a period


def offset_segments(start: datetime, end: datetime, zone: tzinfo, step: timedelta = timedelta(hours=6)
                    ) -> list[tuple[datetime | None, int]]:
    """Split [start, end) (aware UTC) into stretches with one UTC offset each (see `_offset_segments`)."""
    return list(_offset_segments(start, end, zone, step))


@lru_cache(maxsize=256)
def _offset_segments(start: datetime, end: datetime, zone: tzinfo, step: timedelta
                     ) -> tuple[tuple[datetime | None, int], ...]:
    """Split [start, end) (aware UTC) into stretches with one UTC offset each.

    Returns [(until, minutes), ...]: the offset in minutes holds up to `until` (exclusive, UTC);
    the last stretch has `until` None. A zone without daylight saving time (the venue's own,
    Asia/Yekaterinburg, is UTC+5 all year) gives a single stretch, so the database adds one constant;
    a zone with DST gives one stretch per change, and the SQL picks the offset with a CASE.
    Transitions are found by probing every `step` and then bisecting to the minute.
    """

    def minutes_at(moment: datetime) -> int:
        return int(moment.astimezone(zone).utcoffset().total_seconds() // 60)

    segments: list[tuple[datetime | None, int]] = []
    current = minutes_at(start)
    probe = start
    while probe < end:
        following = min(probe + step, end)
        last = following - timedelta(minutes=1) if following == end else following
        if last > probe and minutes_at(last) != current:
            low, high = probe, last  # offset(low) == current, offset(high) != current
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                middle = middle.replace(second=0, microsecond=0)
                if middle <= low:
                    middle = low + timedelta(minutes=1)
                if minutes_at(middle) == current:
                    low = middle
                else:
                    high = middle
            segments.append((high, current))
            current = minutes_at(high)
            probe = high
            continue
        probe = following
    segments.append((None, current))
    return tuple(segments)  # cached (probing two years costs ~10 ms): immutable
