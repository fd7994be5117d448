"""SQL expressions for venue-local time and ages that give the same answers on SQLite and PostgreSQL.

Timestamps are stored as naive UTC (see `anticafe.db.UTCDateTime`). Every local figure starts from
one integer: the *local seconds* of a timestamp, counted from the venue's midnight at the start of
the scope (the first day of the period). The database computes it once per timestamp with its
cheapest exact tool (SQLite: `unixepoch()`; PostgreSQL: `floor(date_part('epoch', ...))`), both
dropping fractions of a second. Everything else is integer arithmetic on that
number, written once here for both databases:

- the local day is `seconds // 86400` (day 0 is the period's first day), the hour and the minute of
  the day come from the remainder, the ISO weekday from the first day's weekday;
- the month (an index into `rules.month_buckets` of the scope) and the YYYYMMDD number of the local
  date come from a CASE over the month boundaries, computed in Python and nested as a binary search,
  so a ten-year range costs seven comparisons; the week is plain division;
- ages use YYYYMMDD numbers: (date - birth) // 10000 (`rules.age_from_date_numbers`).

The venue's UTC offset comes from `rules.offset_segments`: a zone without daylight saving time (the
default, Asia/Yekaterinburg, UTC+5) needs no correction; otherwise a CASE adds each change since the
scope's start. Buckets come back as small integers (cheap to sort and group); `series_key` and
`rules.AGE_GROUP_KEYS` turn them into keys. Constants are rendered as SQL literals (never bound
parameters), so a grouped expression is written the same way in SELECT and GROUP BY.
"""

import sqlite3
from datetime import date, timedelta, tzinfo

from sqlalchemy import BigInteger, Integer, String, case, cast, func, literal_column
from sqlalchemy.sql import ColumnElement

from . import rules

SECONDS_PER_DAY = 86400
#: unixepoch() (SQLite 3.38+) is several times cheaper than strftime('%s'), with the same result.
SQLITE_HAS_UNIXEPOCH = sqlite3.sqlite_version_info >= (3, 38, 0)


def text_constant(value: str):
    """A string constant rendered inline (only ever called with our own keys and formats)."""
    assert "'" not in value
    return literal_column(f"'{value}'", String)


def int_constant(value: int):
    """An integer constant rendered inline."""
    return literal_column(str(int(value)), BigInteger)


def epoch_of(dialect: str, column) -> ColumnElement:
    """Unix time of a naive UTC column in whole seconds (truncated, the same on both databases)."""
    if dialect == "sqlite":
        if SQLITE_HAS_UNIXEPOCH:
            return func.unixepoch(column, type_=BigInteger)
        return cast(func.strftime(text_constant("%s"), column), BigInteger)
    # date_part() is double precision, much cheaper than EXTRACT's numeric; a double holds these
    # timestamps to the microsecond, so floor() drops the fraction exactly, as SQLite does.
    return cast(func.floor(func.date_part(text_constant("epoch"), column)), BigInteger)


def birth_number_of(dialect: str, birth_date) -> ColumnElement:
    """YYYYMMDD of a DATE column as an integer (NULL stays NULL)."""
    if dialect == "sqlite":
        return cast(func.replace(birth_date, text_constant("-"), text_constant("")), BigInteger)
    return cast(func.to_char(birth_date, text_constant("YYYYMMDD")), BigInteger)


def _binary_case(value, bounds: list[tuple[int, ColumnElement]], last: ColumnElement) -> ColumnElement:
    """CASE picking the first (bound, result) with value < bound, else `last`, as a binary search."""
    if not bounds:
        return last
    if len(bounds) == 1:
        bound, result = bounds[0]
        return case((value < int_constant(bound), result), else_=last)
    middle = len(bounds) // 2
    bound = bounds[middle][0]
    lower = _binary_case(value, bounds[:middle], bounds[middle][1])
    upper = _binary_case(value, bounds[middle + 1:], last)
    return case((value < int_constant(bound), lower), else_=upper)


class LocalTime:
    """Builds venue-local expressions for one dialect over the days from `first_day` to `last_day`."""

    def __init__(self, dialect: str, first_day: date, last_day: date, zone: tzinfo):
        if dialect not in ("sqlite", "postgresql"):
            raise ValueError(f"unsupported database: {dialect}")
        self.dialect = dialect
        self.first_day = first_day
        self.last_day = last_day
        #: the UTC instant of local midnight starting `first_day`: local second 0
        self.origin = rules.local_midnight_utc(first_day, zone)
        end = rules.local_midnight_utc(last_day + timedelta(days=1), zone)
        self.segments = rules.offset_segments(self.origin, end, zone)
        period = rules.Period(first_day, last_day)
        self.months = rules.month_buckets(period)
        self.weeks = rules.week_buckets(period)

    @property
    def sqlite(self) -> bool:
        return self.dialect == "sqlite"

    def day_index(self, day: date) -> int:
        return (day - self.first_day).days

    # -- local seconds --------------------------------------------------------------------------------

    def _utc_seconds(self, column):
        """Whole seconds from the origin to `column` (naive UTC), fractions of a second dropped."""
        return self.epoch(column) - int_constant(int(self.origin.timestamp()))

    def epoch(self, column) -> ColumnElement:
        """Unix time of a naive UTC column in whole seconds (truncated, the same on both databases)."""
        return epoch_of(self.dialect, column)

    def seconds(self, column) -> ColumnElement:
        """Local seconds of `column`: from the venue's midnight starting the first day."""
        return self._shifted(self._utc_seconds(column), lambda until: column < until)

    def seconds_from_epoch(self, epoch) -> ColumnElement:
        """Local seconds of an integer column holding UTC epoch seconds (the pre-aggregated facts)."""
        utc = epoch - int_constant(int(self.origin.timestamp()))
        return self._shifted(utc, lambda until: epoch < int_constant(int(until.timestamp())))

    def epoch_bound(self, moment) -> ColumnElement:
        """A whole-second UTC moment as epoch seconds (period bounds are whole seconds)."""
        return int_constant(int(moment.timestamp()))

    def _shifted(self, utc, before) -> ColumnElement:
        *changes, (_, last) = self.segments
        base = self.segments[0][1]
        if not changes:
            return utc
        shift = case(*[(before(until), int_constant((minutes - base) * 60)) for until, minutes in changes],
                     else_=int_constant((last - base) * 60))
        return utc + shift

    # -- parts of the local time, from local seconds (a column of a materialized CTE, ideally) ------------

    def day(self, seconds) -> ColumnElement:
        """The local day's index: 0 for the first day of the scope."""
        return seconds // int_constant(SECONDS_PER_DAY)

    def hour(self, seconds) -> ColumnElement:
        return seconds % int_constant(SECONDS_PER_DAY) // int_constant(3600)

    def minute_of_day(self, seconds) -> ColumnElement:
        return seconds % int_constant(SECONDS_PER_DAY) // int_constant(60)

    def weekday(self, seconds) -> ColumnElement:
        """ISO weekday: 1 = Monday ... 7 = Sunday."""
        offset = self.first_day.weekday()  # 0 = Monday
        return (self.day(seconds) + int_constant(offset)) % int_constant(7) + int_constant(1)

    def month_index(self, seconds) -> ColumnElement:
        """Index into `months` of the local date's month (a binary CASE over the month boundaries)."""
        day = self.day(seconds)
        bounds = [(self.day_index(b.end) + 1, int_constant(i)) for i, b in enumerate(self.months[:-1])]
        return _binary_case(day, bounds, int_constant(len(self.months) - 1))

    def week_index(self, seconds) -> ColumnElement:
        """Index into `weeks` of the local date's Monday-to-Sunday week."""
        return (self.day(seconds) + int_constant(self.first_day.weekday())) // int_constant(7)

    def series_index(self, seconds, grain: str) -> ColumnElement:
        return self.month_index(seconds) if grain == "month" else self.week_index(seconds)

    def series_key(self, index: int, grain: str) -> str:
        """The key (`rules.month_key` / `rules.week_key`) of a bucket index the database returned."""
        return (self.months if grain == "month" else self.weeks)[index].key

    def date_number(self, seconds) -> ColumnElement:
        """YYYYMMDD of the local date as an integer (within the scope's days)."""
        day = self.day(seconds)
        bounds = []
        for bucket in self.months:
            first = self.day_index(bucket.start)
            bounds.append((self.day_index(bucket.end) + 1, day + int_constant(rules.date_number(bucket.start) - first)))
        *inner, (_, last) = bounds
        return _binary_case(day, inner, last)

    def birth_number(self, birth_date) -> ColumnElement:
        """YYYYMMDD of a DATE column as an integer (NULL stays NULL)."""
        return birth_number_of(self.dialect, birth_date)

    # -- ages ---------------------------------------------------------------------------------------

    def age(self, seconds, birth_number) -> ColumnElement:
        """Whole years from the birth date (as `birth_number`) to the local date of `seconds` (NULL stays NULL)."""
        return (self.date_number(seconds) - birth_number) // int_constant(10000)

    def _clamp(self, value, low: int, high: int) -> ColumnElement:
        """`value` limited to [low, high], evaluating it once."""
        if self.sqlite:
            return func.max(func.min(value, int_constant(high)), int_constant(low))
        return func.greatest(func.least(value, int_constant(high)), int_constant(low))

    def age_group(self, age) -> ColumnElement:
        """Index into `rules.AGE_GROUP_KEYS` of the group of `age` (NULL: unknown).

        The age is read once: clamped to 0..oldest bound, it picks a digit (the group's index) from
        a lookup string with one character per age.
        """
        top = rules.AGE_GROUPS[-1].low
        lookup = "".join(str(rules.AGE_GROUP_KEYS.index(rules.age_group(years))) for years in range(top + 1))
        position = cast(self._clamp(age, 0, top) + int_constant(1), Integer)
        index = cast(func.substr(text_constant(lookup), position, literal_column("1", Integer), type_=String),
                     BigInteger)
        unknown = int_constant(rules.AGE_GROUP_KEYS.index(rules.UNKNOWN_AGE))
        return case((age.is_(None), unknown), else_=index)

    def is_youth(self, age) -> ColumnElement:
        """True when `age` is 14 to 35 (inclusive)."""
        return age.between(int_constant(rules.YOUTH_LOW), int_constant(rules.YOUTH_HIGH))

    # -- durations ------------------------------------------------------------------------------------

    def seconds_between(self, start, end) -> ColumnElement:
        """Whole seconds from `start` to `end` (both naive UTC columns, cut to whole seconds)."""
        return self._utc_seconds(end) - self._utc_seconds(start)



def stay_hours(lt: LocalTime, start, end) -> tuple[ColumnElement, ColumnElement, ColumnElement]:
    """(weekday, first hour, last hour) of a stay from its local seconds `start` and `end`.

    A stay counts in every local hour from the one it starts in to the one its last minute falls in;
    to 23:00 when it runs past midnight; an open visit (no end yet) only in its first hour.
    """
    first = lt.hour(start)
    last_minute_hour = (lt.minute_of_day(end) - int_constant(1)) // int_constant(60)
    last = case((end.is_(None), first), (end <= start, first), (lt.day(end) != lt.day(start), int_constant(23)),
                (last_minute_hour < first, first), else_=last_minute_hour)
    return lt.weekday(start), first, last
