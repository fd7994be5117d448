"""Language and formatting: Russian first, English second; venue time; rubles."""

from decimal import Decimal
from functools import lru_cache

from babel.numbers import format_currency as babel_format_currency
from flask import current_app, has_request_context, request, session
from flask_babel import format_date, format_datetime, format_decimal, format_time, get_locale
from flask_login import current_user
from flask_wtf.i18n import translations as wtforms_translations
from wtforms import Form

from .templating import template_helpers
from .timeutil import to_venue


def select_locale() -> str:
    """Pick the language: the account's choice, then the session's, then the browser's, then Russian."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands and background sending
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    from .errors import database_failed

    # After a database error the account is not loaded again (that would query the database).
    if not database_failed() and current_user and current_user.is_authenticated \
            and current_user.locale in languages:
        return current_user.locale
    if session.get("lang") in languages:
        return session["lang"]
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    """Show every time in the venue's zone."""
    return current_app.config["VENUE_TIMEZONE"]


def rubles(amount) -> str:
    """Format an amount in rubles for the current locale (whole rubles without kopecks)."""
    return _rubles(Decimal(amount), str(get_locale()))


@lru_cache(maxsize=2048)
def _rubles(value: Decimal, locale: str) -> str:
    # Babel's formatting is slow next to the pages that show dozens of prices; amounts repeat a lot.
    if value == value.to_integral_value():
        return babel_format_currency(value, "RUB", format="#,##0\u00a0¤", currency_digits=False, locale=locale)
    return babel_format_currency(value, "RUB", locale=locale)


def local_time(moment, fmt: str = "short") -> str:
    """Format an aware datetime in venue time."""
    return format_datetime(moment, fmt) if moment else ""


def _remembered(formatter):
    """Flask-Babel's `formatter` (format_date, format_time, format_datetime), remembering its answers.

    What it writes is a pure function of the moment, the pattern, the language and the zone shown (all
    in the key; an aware moment is the same instant whatever its zone): Babel's pattern work per call
    was most of a card's cost on the home page and the calendar pages.
    """

    @lru_cache(maxsize=4096)
    def remembered(moment, pattern, locale: str, zone: str) -> str:
        return formatter(moment, pattern)

    def format_(moment=None, format=None, rebase=True):
        if moment is None or not rebase:  # "now", or a moment not shown in venue time: as Babel does
            return formatter(moment, format, rebase)
        try:
            return remembered(moment, format, str(get_locale()), current_app.config["VENUE_TIMEZONE"])
        except TypeError:  # a pattern that cannot be a key
            return formatter(moment, format)

    format_.__doc__ = formatter.__doc__
    return format_


#: Flask-Babel's formatters in venue time, remembering their answers (templates' filters, the door's texts).
remembered_date = _remembered(format_date)
remembered_time = _remembered(format_time)
remembered_datetime = _remembered(format_datetime)


def register_i18n(app):
    """Expose the formatting helpers to templates."""
    template_helpers(app, filters={"rubles": rubles, "datetime": local_time, "number": format_decimal,
                                   "venue": to_venue, "dateformat": remembered_date,
                                   "timeformat": remembered_time, "datetimeformat": remembered_datetime})

    @app.context_processor
    def inject_locale():
        return {"current_locale": str(get_locale())}


class SubForm(Form):
    """A form nested in a FlaskForm (`FormField`): WTForms' own messages ("Number must be between…")
    in the request's language too. Flask-WTF translates only its own `FlaskForm`; a plain `Form` would
    answer in English on a Russian page."""

    class Meta:
        def get_translations(self, form):
            return wtforms_translations
