"""The app's limits (`anticafe.limits`) at its doors: API models, forms, query strings, URLs and JSON.

- `limit_errors(model)`: field errors for a validated pydantic model (the API's bodies and queries);
- `AppForm`: the base of every HTML form; its `validate()` adds the same field errors;
- `query_date` / `query_month`: a day or month from the query string, within the window, else a default;
- `IdConverter`: the `int` URL converter, bounded to the database's integer (a bigger id is a 404);
- `JSONProvider`: refuses JSON nested too deep, writes dates as ISO 8601;
- `clean_next`: a `next` target that stays on this site and holds no control characters.
"""

from datetime import date, datetime
from urllib.parse import urlsplit

from flask import Request
from flask.json.provider import DefaultJSONProvider
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from pydantic import BaseModel
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter
from wtforms import FieldList, FormField

from . import limits
from .timeutil import venue_today

#: Why a value is refused, in words (`limits.problem` gives the key).
MESSAGES = {
    "control_characters": _l("Remove control characters (such as NUL) from this text."),
    "date_out_of_range": _l("Enter a date between %(first)s and %(last)s."),
    "birth_date_in_future": _l("The date of birth cannot be in the future."),
    "number_out_of_range": _l("This number is too large."),
    "amount_out_of_range": _l("Enter an amount of at most %(max)s ₽."),
}


def message(reason: str, name: str, today: date) -> str:
    """Put a refusal into words for the field `name`."""
    first, last = limits.date_window(name, today)
    return str(MESSAGES[reason]) % {"first": first.isoformat(), "last": last.isoformat(),
                                    "max": f"{limits.MONEY_MAX:,.0f}".replace(",", " ")}


def limit_errors(value, today: date | None = None, prefix: tuple = ()) -> dict[str, list[str]]:
    """Walk a validated model (and nested models, lists, dicts); return field path -> messages."""
    today = today or venue_today()
    errors: dict[str, list[str]] = {}

    def walk(item, path: tuple, name: str):
        if isinstance(item, BaseModel):
            for field_name, field in type(item).model_fields.items():
                walk(getattr(item, field_name), (*path, field.alias or field_name), field_name)
        elif isinstance(item, list | tuple | set | frozenset):
            for index, element in enumerate(item):
                walk(element, (*path, index), name)
        elif isinstance(item, dict):
            for key, element in item.items():
                walk(key, path, name)
                walk(element, (*path, key), name)
        else:
            reason = limits.problem(name, item, today)
            if reason:
                errors.setdefault(".".join(str(p) for p in path) or "body", []).append(message(reason, name, today))

    walk(value, prefix, "")
    return errors


class AppForm(FlaskForm):
    """The base of the app's forms: WTForms' own validation, then the app's limits on every field."""

    def validate(self, extra_validators=None) -> bool:
        """Validate the fields, then refuse control characters, far dates and numbers too large."""
        ok = super().validate(extra_validators)
        return _limit_fields(self, venue_today()) and ok


def _limit_fields(fields, today: date) -> bool:
    ok = True
    for field in fields:
        if isinstance(field, FormField):
            ok = _limit_fields(field.form, today) and ok
            continue
        if isinstance(field, FieldList):
            ok = _limit_fields(field.entries, today) and ok
            continue
        values = field.data if isinstance(field.data, list) else [field.data]
        reason = next((r for r in (limits.problem(field.short_name, v, today) for v in values) if r), None)
        if reason:
            field.errors = [*field.errors, message(reason, field.short_name, today)]
            ok = False
    return ok


def _within(day: date) -> bool:
    first, last = limits.date_window("", venue_today())
    return first <= day <= last


def query_date(text: str | None, default: date) -> date:
    """Read YYYY-MM-DD from a query string; a missing, malformed or far date gives `default`."""
    try:
        day = date.fromisoformat(text) if text else default
    except ValueError:
        return default
    return day if _within(day) else default


def query_month(text: str | None, default: date) -> date:
    """Read YYYY-MM from a query string as the month's first day; otherwise `default`."""
    try:
        day = datetime.strptime(text or "", "%Y-%m").date()
    except ValueError:
        return default
    return day if _within(day) else default


class BoundedArgs(ImmutableMultiDict):
    """Query strings and forms whose `get(name, type=int)` gives the default for a number the database
    cannot hold (`?event=99999999999` must not reach a query)."""

    def get(self, key, default=None, type=None):
        value = super().get(key, default, type)
        if type is int and isinstance(value, int) and not -limits.DB_INT_MAX <= value <= limits.DB_INT_MAX:
            return default
        return value


class AppRequest(Request):
    """The app's request: bounded numbers in query strings and forms."""

    parameter_storage_class = BoundedArgs


class IdConverter(IntegerConverter):
    """`<int:...>` in URLs, at most the database's largest integer: a bigger id matches no route (404)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", limits.DB_INT_MAX)
        super().__init__(map, *args, **kwargs)


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing documents nested too deep (not a RecursionError) and writing ISO dates."""

    @staticmethod
    def default(o):
        """Write dates and times as ISO 8601 (Flask's default is an HTTP date)."""
        if isinstance(o, date | datetime):
            return o.isoformat()
        return DefaultJSONProvider.default(o)

    def loads(self, s, **kwargs):
        """Parse JSON; a document nested too deep is a ValueError like any malformed one."""
        if limits.json_too_deep(s):
            raise ValueError(f"JSON nested deeper than {limits.JSON_MAX_DEPTH} levels")
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deep") from None


def clean_next(target: str | None, default: str) -> str:
    """Return `target` if it is a path on this site without control characters, else `default`."""
    target = target or ""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if limits.has_control_characters(target) or any(ch in target for ch in "\r\n\t"):
        return default
    parts = urlsplit(target)
    if parts.netloc or parts.scheme:
        return default
    return target
