"""Settings read from environment variables, with defaults safe for development.

`create_app()` loads `Config`, then `instance/config.py` if it exists, then the mapping the
caller passes (tests). Production refuses to start without a real `SECRET_KEY`.
"""

import os
from datetime import timedelta
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
    #: A login session (and its "remember me" cookie) lasts at most this long; logging out ends it sooner.
    LOGIN_SESSION_DAYS = int(os.environ.get("LOGIN_SESSION_DAYS", "90"))
    REMEMBER_COOKIE_DURATION = timedelta(days=LOGIN_SESSION_DAYS)

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    #: Werkzeug hash spec; scrypt is the slow default. Tests use a faster one.
    PASSWORD_HASH_METHOD = os.environ.get("PASSWORD_HASH_METHOD", "scrypt")

    BABEL_DEFAULT_LOCALE = "ru"
    LANGUAGES = ("ru", "en")
    VENUE_TIMEZONE = os.environ.get("VENUE_TIMEZONE", "Asia/Yekaterinburg")
    BABEL_DEFAULT_TIMEZONE = VENUE_TIMEZONE
    #: The app's clock (anticafe/clock.py): empty = the wall clock; an ISO moment such as
    #: `2026-12-31T23:30` (venue time unless it has an offset) starts the clock there. Tests and CI use it.
    CLOCK_NOW = os.environ.get("ANTICAFE_NOW") or None

    #: How visitors find and reach the café: the footer, home and event pages, tickets, feeds and mails.
    VENUE_NAME = os.environ.get("VENUE_NAME", "Антикафе")
    #: With the town: a street name alone opens another town's street in a map app.
    VENUE_ADDRESS = os.environ.get("VENUE_ADDRESS", "г. Новотроицк, ул. Советская, 1, Оренбургская область")
    VENUE_TOWN = os.environ.get("VENUE_TOWN", "Новотроицк")
    VENUE_PHONE = os.environ.get("VENUE_PHONE", "+7 3537 67-01-01")
    #: "Label=https://…" pairs separated by commas (VK, Telegram); shown as links in the footer.
    VENUE_LINKS = os.environ.get("VENUE_LINKS", "VK=https://vk.com/anticafe_nvtr,Telegram=https://t.me/anticafe_nvtr")
    #: The entrance's coordinates for the Yandex Maps and 2GIS links (decimal degrees).
    VENUE_LAT = os.environ.get("VENUE_LAT", "51.2036")
    VENUE_LON = os.environ.get("VENUE_LON", "58.3050")
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

    #: The version of the privacy notice and consent text; each consent records the one agreed to.
    PRIVACY_TEXT_VERSION = os.environ.get("PRIVACY_TEXT_VERSION", "2026-12")
    #: Accounts and guest profiles with no activity for this many years are erased by `purge-inactive`.
    RETENTION_YEARS = int(os.environ.get("RETENTION_YEARS", "3"))
    #: Who processes the data (the operator under 152-FZ) and where people write about it.
    PRIVACY_OPERATOR = os.environ.get("PRIVACY_OPERATOR", "МАУ «Молодёжный центр»")
    PRIVACY_CONTACT = os.environ.get("PRIVACY_CONTACT", "privacy@anticafe.example")

    #: API bearer tokens expire after this many days.
    API_TOKEN_DAYS = int(os.environ.get("API_TOKEN_DAYS", "30"))

    #: Reverse proxies in front of the app (nginx: 1). Their X-Forwarded-For/-Proto/-Host give the client's
    #: address, scheme and host; with 0 (no proxy) those headers are ignored, as anyone can send them.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
    #: Strict-Transport-Security max-age sent in production (0: none), telling browsers to use HTTPS only.
    HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", "31536000"))

    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    #: Where the counters of failed logins, sign-ups and reset requests live: empty = the app's database
    #: (shared by every worker and server); or a `limits` storage such as redis://host:6379.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "")
    RATELIMIT_HEADERS_ENABLED = True
    #: Failed logins allowed for one account from one address (strict), from one address to any account
    #: (generous: a café or a school behind one address), and for one account from anywhere (a ceiling).
    LOGIN_LIMIT_PER_ACCOUNT_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT_ADDRESS", "10 per minute;30 per hour")
    LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "60 per minute;600 per hour")
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "30 per minute;100 per hour")
    #: Accounts created from one address (a class of 30 gets through).
    SIGNUP_LIMIT_PER_ADDRESS = os.environ.get("SIGNUP_LIMIT_PER_ADDRESS", "50 per hour;200 per day")
    #: Password-reset requests from one address, and links mailed to one account.
    PASSWORD_RESET_LIMIT_PER_ADDRESS = os.environ.get("PASSWORD_RESET_LIMIT_PER_ADDRESS", "20 per hour")
    PASSWORD_RESET_LIMIT_PER_ACCOUNT = os.environ.get("PASSWORD_RESET_LIMIT_PER_ACCOUNT", "3 per hour")
    #: A mailed reset link works once, for this long.
    PASSWORD_RESET_MINUTES = int(os.environ.get("PASSWORD_RESET_MINUTES", "60"))

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
    #: Telegram: the bot's token from @BotFather (empty: no Telegram on the site), its @name for deep
    #: links (asked from Telegram when empty), the Bot API server, the channel for announcements
    #: (@name or -100… id) and the webhook's secret (derived from SECRET_KEY when empty).
    TELEGRAM_BOT_TOKEN = os.environ.get("TELEGRAM_BOT_TOKEN", "")
    TELEGRAM_BOT_USERNAME = os.environ.get("TELEGRAM_BOT_USERNAME", "")
    TELEGRAM_API_URL = os.environ.get("TELEGRAM_API_URL", "https://api.telegram.org")
    TELEGRAM_CHANNEL = os.environ.get("TELEGRAM_CHANNEL", "")
    TELEGRAM_WEBHOOK_SECRET = os.environ.get("TELEGRAM_WEBHOOK_SECRET", "")
    #: VK: the community's token (messages and wall), its numeric id (empty: no VK on the site), the API
    #: server, the Callback API's confirmation string (asked from VK when empty) and the webhook's secret.
    VK_GROUP_TOKEN = os.environ.get("VK_GROUP_TOKEN", "")
    VK_GROUP_ID = os.environ.get("VK_GROUP_ID", "")
    VK_API_URL = os.environ.get("VK_API_URL", "https://api.vk.ru/method")
    VK_CONFIRMATION_CODE = os.environ.get("VK_CONFIRMATION_CODE", "")
    VK_WEBHOOK_SECRET = os.environ.get("VK_WEBHOOK_SECRET", "")
    #: an administrator's user token (scope wall,offline) for wall posts, if VK refuses the community's
    VK_WALL_TOKEN = os.environ.get("VK_WALL_TOKEN", "")
