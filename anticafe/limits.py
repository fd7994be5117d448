"""What the app accepts: one set of limits for the JSON API's models and the HTML forms alike.

Pure rules (no Flask, no database). Both doors call `problem(name, value, today)`, which returns a
reason to refuse a value or None:
- dates and times: events, bookings, statistics and everything else from 2000 to ten years ahead;
  birth dates from 1900 to today (a far date breaks calendars, feeds and Python's own date arithmetic);
- whole numbers (ids, counts): within the database's INTEGER (PostgreSQL's int4, ±2^31);
- money: within what a kopeck column holds, with a margin (a million rubles);
- text: no NUL and no control characters other than tab and line breaks (PostgreSQL refuses NUL).
Ids in URLs are bounded by the `int` URL converter (a bigger id is a 404); JSON by depth and size.
"""

import unicodedata
from datetime import date, datetime
from decimal import Decimal

#: The largest value of an INTEGER column (PostgreSQL's int4; SQLite's is wider, the app keeps to this).
DB_INT_MAX = 2**31 - 1
#: The largest amount of money anyone may type (a kopeck column holds 21 million rubles).
MONEY_MAX = Decimal("1000000")
#: Dates of events, bookings, visits, statistics: from this year ...
FIRST_YEAR = 2000
#: ... to this many years after today.
YEARS_AHEAD = 10
#: Birth dates: from this year to today.
FIRST_BIRTH_YEAR = 1900
#: JSON bodies: at most this many nested arrays/objects, and this many bytes.
JSON_MAX_DEPTH = 32
JSON_MAX_BYTES = 1024 * 1024

#: Control characters allowed in text: tab, line feed, carriage return.
_ALLOWED_CONTROLS = frozenset("\t\n\r")


def is_birth_field(name: str) -> bool:
    """Tell whether a field holds a birth date (its own window: 1900 to today)."""
    return "birth" in name


def date_window(name: str, today: date) -> tuple[date, date]:
    """Return the first and last date a field may hold."""
    if is_birth_field(name):
        return date(FIRST_BIRTH_YEAR, 1, 1), today
    try:
        last = today.replace(year=today.year + YEARS_AHEAD)
    except ValueError:  # 29 February
        last = today.replace(year=today.year + YEARS_AHEAD, day=28)
    return date(FIRST_YEAR, 1, 1), last


def has_control_characters(text: str) -> bool:
    """Tell whether text holds NUL or another control character (tab and line breaks are fine)."""
    return any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in _ALLOWED_CONTROLS for ch in text)


def problem(name: str, value, today: date) -> str | None:
    """Return why `value` (of the field `name`) is refused, or None; English, for translation."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        if has_control_characters(value):
            return "control_characters"
        return None
    if isinstance(value, datetime | date):
        day = value.date() if isinstance(value, datetime) else value
        first, last = date_window(name, today)
        if is_birth_field(name) and day > today:
            return "birth_date_in_future"
        if not first <= day <= last:
            return "date_out_of_range"
        return None
    if isinstance(value, int):
        return None if -DB_INT_MAX <= value <= DB_INT_MAX else "number_out_of_range"
    if isinstance(value, Decimal):
        if not value.is_finite() or abs(value) > MONEY_MAX:
            return "amount_out_of_range"
        return None
    if isinstance(value, float):
        return None if abs(value) <= DB_INT_MAX else "number_out_of_range"
    return None


def json_too_deep(text: str | bytes, limit: int = JSON_MAX_DEPTH) -> bool:
    """Tell whether a JSON document nests arrays/objects deeper than `limit` (without parsing it)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return True
        elif ch in "]}":
            depth -= 1
    return False
