"""Anticafe: a Flask app for a youth anti-café that bills time and hosts the town's youth events."""

import logging
from importlib import import_module
from pathlib import Path

from flask import Flask, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.engine import Engine

from . import writers
from .inputs import AppRequest, IdConverter, JSONProvider

#: Blueprints as "module:attribute", registered in this order. Each domain adds its own lines.
BLUEPRINTS = [
    "anticafe.main.views:bp",
    "anticafe.accounts.views:bp",
    "anticafe.api.views:bp",
    "anticafe.accounts.api:bp",
    "anticafe.notifications.views:bp",
    "anticafe.notifications.api:bp",
    "anticafe.venue.views:bp",
    "anticafe.venue.api:bp",
    "anticafe.events.views:bp",
    "anticafe.events.api:bp",
    "anticafe.registrations.views:bp",
    "anticafe.registrations.api:bp",
    "anticafe.visits.views:bp",
    "anticafe.visits.api:bp",
    "anticafe.door.views:bp",
    "anticafe.door.views:app_bp",
    "anticafe.door.api:bp",
    "anticafe.passes.views:bp",
    "anticafe.passes.api:bp",
    "anticafe.stats.views:bp",
    "anticafe.stats.api:bp",
    "anticafe.bookings.views:bp",
    "anticafe.bookings.views_staff:bp",
    "anticafe.bookings.views_admin:bp",
    "anticafe.bookings.api:bp",
    "anticafe.privacy.views:bp",
    "anticafe.privacy.api:bp",
    "anticafe.messengers.views:bp",
    "anticafe.messengers.views:hooks",
    "anticafe.messengers.api:bp",
    "anticafe.voice.views:bp",
    "anticafe.voice.api:bp",
    "anticafe.voice.contest_views:bp",
    "anticafe.voice.contest_api:bp",
]

#: Click commands (`flask --app wsgi NAME`), as "module:attribute".
COMMANDS = [
    "anticafe.accounts.cli:create_user",
    "anticafe.demo:seed_demo",
    "anticafe.translations_cli:i18n",
    "anticafe.notifications.cli:send_notifications",
    "anticafe.registrations.cli:queue_reminders_command",
    "anticafe.visits.cli:close_day",
    "anticafe.bookings.cli:queue_booking_reminders",
    "anticafe.privacy.cli:purge_inactive_command",
    "anticafe.backup:backup_command",
    "anticafe.backup:restore_command",
    "anticafe.messengers.cli:bot",
    "anticafe.voice.cli:prompt_feedback",
    "anticafe.stats.aggregate:stats_cli",
]

#: Modules that define models; imported so that the metadata (and Alembic) sees every table.
MODEL_MODULES = [
    "anticafe.accounts.models",
    "anticafe.bookings.models",
    "anticafe.events.models",
    "anticafe.registrations.models",
    "anticafe.door.models",
    "anticafe.visits.models",
    "anticafe.notifications.models",
    "anticafe.venue.models",
    "anticafe.passes.models",
    "anticafe.stats.models",
    "anticafe.accounts.consent",
    "anticafe.accounts.access_log",
    "anticafe.privacy.models",
    "anticafe.messengers.models",
    "anticafe.voice.models",
    "anticafe.versions",
]


#: Domains whose `init_app(app)` connects their receivers to `anticafe.signals`, in this order (the
#: order of the home page's sections).
DOMAINS = [
    "anticafe.notifications",
    "anticafe.venue",
    "anticafe.events",
    "anticafe.registrations",
    "anticafe.door",
    "anticafe.visits",
    "anticafe.passes",
    "anticafe.bookings",
    "anticafe.voice",
]


def _load(dotted: str):
    module, _, attribute = dotted.partition(":")
    return getattr(import_module(module), attribute)


class AnticafeFlask(Flask):
    """Flask with the app's input limits: bounded numbers in URLs and query strings, JSON depth, ISO dates."""

    request_class = AppRequest
    json_provider_class = JSONProvider
    url_map_class = type("AppMap", (Flask.url_map_class,), {
        "default_converters": {**Flask.url_map_class.default_converters, "int": IdConverter}})


def create_app(config: dict | None = None) -> Flask:
    """Build the application: settings, extensions, blueprints, error handlers, commands."""
    app = AnticafeFlask(__name__, instance_relative_config=True,
                        instance_path=str(Path(__file__).parent.parent / "instance"))
    configure(app, config)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    register_templates(app)
    trust_proxies(app)
    return app


def trust_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXIES reverse proxies, take the client's address, scheme and host from their
    X-Forwarded-* headers (rate limits, absolute links, Secure cookies); with 0 nobody's headers count."""
    count = int(app.config.get("TRUSTED_PROXIES") or 0)
    if count > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_port=count)


def configure(app: Flask, config: dict | None) -> None:
    """Load settings: config.Config, then instance/config.py, then the caller's mapping."""
    from config import Config

    from .security import check_secret_key

    app.config.from_object(Config)
    app.config.from_pyfile("config.py", silent=True)
    if config:
        app.config.update(config)
    limit_lock_waits(app)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    check_secret_key(app)
    logging.basicConfig(level=app.config["LOG_LEVEL"], format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def limit_lock_waits(app: Flask) -> None:
    """Make a write wait at most DB_BUSY_SECONDS for another writer's lock, then fail (a 503).

    SQLite: the driver's busy timeout. PostgreSQL: `lock_timeout` for row and table locks.
    SQLite's connections also go without the pool's pre-ping (`Config`'s default): a file does not drop
    a connection the way a server does, and the ping was a statement before every request's first one.
    """
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    seconds = float(app.config["DB_BUSY_SECONDS"])
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(options.get("connect_args") or {})
    if uri.startswith("sqlite"):
        connect_args.setdefault("timeout", seconds)
        options["pool_pre_ping"] = False
    elif uri.startswith("postgresql"):
        connect_args.setdefault("options", f"-c lock_timeout={int(seconds * 1000)}")
    options["connect_args"] = connect_args
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """Switch on foreign keys and WAL for SQLite and make lower() Unicode-aware (the lock wait is the
    driver's `timeout`, see limit_lock_waits)."""
    import sqlite3

    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    writers.attach(dbapi_connection, connection_record.info)
    # SQLite's own lower() only folds ASCII; names here are Cyrillic.
    dbapi_connection.create_function("lower", 1, lambda s: s.lower() if isinstance(s, str) else s,
                                      deterministic=True)


def register_extensions(app: Flask) -> None:
    """Bind the extension objects to the app."""
    from flask import g
    from flask_login import current_user
    from flask_wtf.csrf import CSRFError  # noqa: F401  (re-exported for views that catch it)

    from .accounts.throttle import init_throttle
    from .extensions import MigrationCommands, babel, csrf, db, login_manager
    from .i18n import register_i18n, select_locale, select_timezone
    from .security import register_security_headers

    for dotted in MODEL_MODULES:
        import_module(dotted)

    db.init_app(app)
    app.cli.add_command(MigrationCommands(app))
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone,
                   default_translation_directories=";".join(translation_directories()))
    init_throttle(app)

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(session_secret: str):
        # The cookies hold the secret of one login session, not the user id: an ended session opens nothing.
        from .accounts.services import user_for_session

        return user_for_session(session_secret)

    @login_manager.request_loader
    def load_user_from_token(req):
        header = req.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return None
        from .accounts.services import user_for_token

        raw = header[len("Bearer "):].strip()
        user = user_for_token(raw)
        if user is not None:
            g.authenticated_by_token = raw
        return user

    # CSRF: every form; API calls too whenever the browser session authenticates them (X-CSRFToken
    # header), whatever else they carry. Only a call that a bearer token alone authenticates, which a
    # foreign site cannot forge, goes without.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    csrf.init_app(app)

    @app.before_request
    def csrf_guard():
        if request.method in ("GET", "HEAD", "OPTIONS", "TRACE") or not app.config.get("WTF_CSRF_ENABLED", True):
            return
        if request.path.startswith("/hooks/"):
            return  # messenger webhooks: no browser session; each checks its own secret
        if request.path.startswith("/api/"):
            if not current_user.is_authenticated:
                return
            if current_user.is_authenticated and g.get("authenticated_by_token"):
                return
        csrf.protect()

    register_i18n(app)
    register_security_headers(app)


def translation_directories() -> list[str]:
    """Return the catalog folders: the core one and one per domain that has its own."""
    root = Path(__file__).parent
    return [str(path) for path in [root / "translations", *sorted(root.glob("*/translations"))] if path.is_dir()]


def register_blueprints(app: Flask) -> None:
    """Register every domain's blueprints, then let each domain connect its signal receivers."""
    for dotted in BLUEPRINTS:
        app.register_blueprint(_load(dotted))
    for dotted in DOMAINS:
        import_module(dotted).init_app(app)


def register_errorhandlers(app: Flask) -> None:
    """JSON errors under /api/, friendly pages elsewhere."""
    from .errors import register_errorhandlers as register

    register(app)


def register_commands(app: Flask) -> None:
    """Add the domains' click commands."""
    for dotted in COMMANDS:
        app.cli.add_command(_load(dotted))


def register_templates(app: Flask) -> None:
    """Template globals: roles, absolute links, the venue's contacts; the menu for the current page."""
    from flask_login import current_user

    from .auth import Access, Role, has_role
    from .navigation import menu_for
    from .templating import template_helpers
    from .urls import public_url
    from .venue.contact import venue_from_settings

    # Jinja's `capitalize` lower-cases the rest ("Friday, 11 december"); capfirst only raises the first letter.
    template_helpers(app, filters={"capfirst": lambda text: (str(text)[:1].upper() + str(text)[1:]) if text else ""},
                     Access=Access, Role=Role, has_role=has_role, public_url=public_url,
                     venue=venue_from_settings(app.config))

    @app.context_processor
    def menu():
        role = current_user.role if current_user.is_authenticated else None
        return {"menu": menu_for(role, request.endpoint)}

    app.jinja_env.add_extension("jinja2.ext.do")
