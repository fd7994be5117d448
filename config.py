"""Settings read from environment variables, with defaults safe for development.

`create_app()` loads `Config`, then `instance/config.py` if it exists, then the mapping the
caller passes (tests). Production refuses to start without a real `SECRET_KEY`.
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"

#: The value every fresh checkout has; refused in production.
DEV_SECRET_KEY = "dev-only-insecure-key"


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{INSTANCE_DIR / 'anticafe.sqlite3'}"
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants an explicit driver.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config:
    """Settings for every environment; each can be overridden by an environment variable."""

    #: "development" or "production"; production hardens cookies and checks the secret key.
    ENV_NAME = os.environ.get("ANTICAFE_ENV", "development")
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)

    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    #: A write waits at most this long for another writer's lock, then answers 503 with Retry-After.
    DB_BUSY_SECONDS = float(os.environ.get("DB_BUSY_SECONDS", "5"))
    #: Largest request body (uploads such as event images); more is a 413.
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str(12 * 1024 * 1024)))

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", ENV_NAME == "production")
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    #: Werkzeug hash spec; scrypt is the slow default. Tests use a faster one.
    PASSWORD_HASH_METHOD = os.environ.get("PASSWORD_HASH_METHOD", "scrypt")

    BABEL_DEFAULT_LOCALE = "ru"
    LANGUAGES = ("ru", "en")
    VENUE_TIMEZONE = os.environ.get("VENUE_TIMEZONE", "Asia/Yekaterinburg")
    BABEL_DEFAULT_TIMEZONE = VENUE_TIMEZONE

    VENUE_NAME = os.environ.get("VENUE_NAME", "Anticafe")
    VENUE_ADDRESS = os.environ.get("VENUE_ADDRESS", "ул. Советская, 1, Оренбургская область")
    VENUE_CAPACITY = int(os.environ.get("VENUE_CAPACITY", "60"))
    #: Guests under 16 still inside after this venue-local time are flagged on the live board.
    MINORS_CURFEW = os.environ.get("MINORS_CURFEW", "22:00")

    #: Visitors may give up a confirmed seat until this many minutes before the start (0: until it).
    REGISTRATION_CANCEL_CUTOFF_MINUTES = int(os.environ.get("REGISTRATION_CANCEL_CUTOFF_MINUTES", "0"))
    #: The door's default check-in window around an event (each event may have its own).
    CHECKIN_OPENS_MINUTES_BEFORE = int(os.environ.get("CHECKIN_OPENS_MINUTES_BEFORE", "60"))
    CHECKIN_CLOSES_MINUTES_AFTER = int(os.environ.get("CHECKIN_CLOSES_MINUTES_AFTER", "0"))
    #: Absolute base for links that leave the app (QR codes, feeds); empty = the request's host.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")

    #: API bearer tokens expire after this many days.
    API_TOKEN_DAYS = int(os.environ.get("API_TOKEN_DAYS", "30"))

    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    #: Login attempts allowed per account and per client address.
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;50 per hour")

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "anticafe@localhost")

    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")

    #: Bookings: the slot grid, the cleaning gap kept between two uses of a zone, how late a visitor
    #: may cancel, when an unclaimed booking is released, when the reminder goes out, how far ahead
    #: visitors may book, and how many open requests one visitor may have.
    BOOKING_SLOT_MINUTES = int(os.environ.get("BOOKING_SLOT_MINUTES", "30"))
    BOOKING_BUFFER_MINUTES = int(os.environ.get("BOOKING_BUFFER_MINUTES", "15"))
    BOOKING_CANCEL_CUTOFF_HOURS = float(os.environ.get("BOOKING_CANCEL_CUTOFF_HOURS", "2"))
    BOOKING_RELEASE_AFTER_MINUTES = int(os.environ.get("BOOKING_RELEASE_AFTER_MINUTES", "15"))
    BOOKING_REMINDER_HOURS = int(os.environ.get("BOOKING_REMINDER_HOURS", "24"))
    BOOKING_MAX_DAYS_AHEAD = int(os.environ.get("BOOKING_MAX_DAYS_AHEAD", "60"))
    BOOKING_MAX_OPEN_REQUESTS = int(os.environ.get("BOOKING_MAX_OPEN_REQUESTS", "3"))
    #: Seconds a worker keeps a rendered month grid (edits and new registrations show at once) and the
    #: version of /calendar.ics (an edit reaches subscribed calendars up to this much later). 0: off.
    CALENDAR_CACHE_SECONDS = int(os.environ.get("CALENDAR_CACHE_SECONDS", "30"))
    #: Seconds a worker keeps computed statistics (0: off). New rows show at once, corrections after this.
    STATS_CACHE_SECONDS = int(os.environ.get("STATS_CACHE_SECONDS", "60"))
