"""Language and formatting: Russian first, English second; venue time; rubles."""

from decimal import Decimal
from functools import lru_cache

from babel.numbers import format_currency as babel_format_currency
from flask import current_app, has_request_context, request, session
from flask_babel import format_datetime, format_decimal, get_locale
from flask_login import current_user

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


def register_i18n(app):
    """Expose the formatting helpers to templates."""
    template_helpers(app, filters={"rubles": rubles, "datetime": local_time, "number": format_decimal,
                                   "venue": to_venue})

    @app.context_processor
    def inject_locale():
        return {"current_locale": str(get_locale())}
