"""Fixtures: the app on SQLite and on a throwaway PostgreSQL server, clients, logins, data factories.

Every test that takes `app` (or anything built on it) runs twice: `[sqlite]` and `[postgresql]`.
`ANTICAFE_TEST_DBS=sqlite` limits a local run to SQLite; `make test` and CI run both.
"""

import itertools
import os
import shutil
import threading
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from hypothesis import settings as hypothesis_settings
from pgserver import PG_BIN, free_port, throwaway_postgres
from werkzeug.serving import make_server

from anticafe import create_app
from anticafe.db import utcnow
from anticafe.extensions import db
from anticafe.timeutil import venue_today

#: Hypothesis never times an example: on two busy cores a slow example is not a failure (the suite has no
#: timed assertions anywhere; speed is shown by `make bench`).
hypothesis_settings.register_profile("anticafe", deadline=None)
hypothesis_settings.load_profile("anticafe")

BACKENDS = [b for b in os.environ.get("ANTICAFE_TEST_DBS", "sqlite,postgresql").split(",") if b]

#: Settings every test app gets; fast password hashing, no rate limits (their own test turns them on).
TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key-for-anticafe",
    "WTF_CSRF_ENABLED": False,
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    "RATELIMIT_ENABLED": False,
    "MAIL_SERVER": "",
    "SERVER_NAME": None,
    # The caches stay on: they are keyed by the database's data versions (anticafe/versions.py) and each
    # test's database has its own URL, so no test sees another's entries or a stale one.
}


# ------------------------------------------------------------------------------------------------
# PostgreSQL: one throwaway server per test session (tests/pgserver.py, shared with the benchmarks);
# a database per test, copied from a template.

@pytest.fixture(scope="session")
def pg_server():
    """Start a PostgreSQL server for this test session; yield its URL without a database name."""
    if not (PG_BIN / "initdb").exists():
        pytest.fail(f"PostgreSQL server binaries not found in {PG_BIN}: apt-get install postgresql "
                    "(or run with ANTICAFE_TEST_DBS=sqlite for a quick local run)")
    with throwaway_postgres() as url:
        yield url


def _pg_admin(server: str) -> str:
    return server.replace("+psycopg", "") + "/postgres"


def _create_schema(url: str) -> None:
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
        db.engine.dispose()


@pytest.fixture(scope="session")
def pg_template(pg_server):
    """A database with the schema, copied for each test (much faster than creating tables)."""
    name = "template_anticafe"
    with psycopg.connect(_pg_admin(pg_server), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    _create_schema(f"{pg_server}/{name}")
    return name


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite3"
    _create_schema(f"sqlite:///{path}")
    return path


def _pg_database(pg_server: str, template: str | None):
    name = "test_" + uuid.uuid4().hex[:12]
    with psycopg.connect(_pg_admin(pg_server), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return name


def _pg_drop(pg_server: str, name: str) -> None:
    with psycopg.connect(_pg_admin(pg_server), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    """The database kind this test runs on: "sqlite" or "postgresql"."""
    return request.param


@pytest.fixture
def db_url(backend, request, tmp_path):
    """A fresh database with the schema, on the backend of this test."""
    if backend == "sqlite":
        path = tmp_path / "test.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
    else:
        server = request.getfixturevalue("pg_server")
        name = _pg_database(server, request.getfixturevalue("pg_template"))
        yield f"{server}/{name}"
        _pg_drop(server, name)


@pytest.fixture
def empty_db_url(backend, request, tmp_path):
    """A fresh database without any tables (for migration tests)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    else:
        server = request.getfixturevalue("pg_server")
        name = _pg_database(server, None)
        yield f"{server}/{name}"
        _pg_drop(server, name)


# ------------------------------------------------------------------------------------------------
# The app, its clients and logins

@pytest.fixture
def app_config() -> dict:
    """Extra settings for this test's app; override the fixture in a module to change them."""
    return {}


class FreshGClient(FlaskClient):
    """A test client whose requests start with an empty `g`.

    The `app` fixture keeps an application context pushed for the test body, and Flask reuses it for
    the client's requests, so `g` (where Flask-Login and Flask-Babel cache the user and the locale)
    would otherwise leak from one request into the next.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            for key in list(g):
                g.pop(key)
        return super().open(*args, **kwargs)


@pytest.fixture
def app(db_url, app_config):
    """The application on a fresh database, with an application context pushed."""
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": db_url, **app_config})
    # Under `make test-clock` every app runs on the suite's clock unless the test sets its own: a test
    # that left the settings read without it would quietly put the rest of the suite on the wall clock.
    if os.environ.get("ANTICAFE_NOW") and "CLOCK_NOW" not in app_config:
        assert app.config["CLOCK_NOW"] == os.environ["ANTICAFE_NOW"], "the settings lost ANTICAFE_NOW"
    app.test_client_class = FreshGClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


_counter = itertools.count(1)


@pytest.fixture
def make_user(app):
    """Create a user: make_user(role="staff", birth_date=date(2010, 1, 1), name=..., email=...)."""
    from anticafe.accounts.models import User
    from anticafe.accounts.services import hash_password, new_card_code, new_feed_token

    def make(role: str = "visitor", *, birth_date: date | None = date(2005, 6, 15), name: str | None = None,
             email: str | None = None, password: str = "password123", **fields) -> User:
        n = next(_counter)
        user = User(name=name or f"Гость {n}", email=email if email is not None else f"user{n}@example.org",
                    password_hash=hash_password(password), role=role, birth_date=birth_date,
                    card_code=new_card_code(), feed_token=new_feed_token(), **fields)
        db.session.add(user)
        db.session.commit()
        return user

    return make


class AuthActions:
    """Log a test client in and out as a given user."""

    def __init__(self, client):
        self._client = client

    def login(self, user):
        """Log in without going through the form (fast, no rate limits): open a login session for the user."""
        from anticafe.accounts.services import start_session

        secret = start_session(user, "test")
        db.session.commit()
        with self._client.session_transaction() as session:
            session["_user_id"] = secret
            session["_fresh"] = True
        return user

    def login_form(self, email: str, password: str = "password123"):
        return self._client.post("/login", data={"email": email, "password": password})

    def logout(self):
        with self._client.session_transaction() as session:
            session.clear()


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def token_for(client):
    """Return a bearer header for a user: token_for(user) -> {"Authorization": "Bearer ..."}."""
    from anticafe.accounts.services import issue_token

    def make(user) -> dict:
        raw = issue_token(user)
        db.session.commit()
        return {"Authorization": f"Bearer {raw}"}

    return make


def venue_dt(day: date, hour: int, minute: int = 0) -> datetime:
    """Return an aware datetime for a wall-clock time at the venue (UTC+5)."""
    from zoneinfo import ZoneInfo

    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo("Asia/Yekaterinburg"))


def years_before(day: date, years: int) -> date:
    """The same date `years` earlier (29 February becomes the 28th in a common year)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


@pytest.fixture
def statements(app):
    """The SQL statements the app runs from now on, in order (a list that grows as the test goes)."""
    from sqlalchemy import event as sa_event

    seen: list[str] = []

    def note(conn, cursor, statement, *args):
        seen.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", note)
    yield seen
    sa_event.remove(db.engine, "before_cursor_execute", note)


@pytest.fixture
def make_event(app):
    """Create an event: make_event(starts_at=..., capacity=10, ...) (published and scheduled by default)."""
    from anticafe.events.models import Event

    def make(**fields) -> Event:
        starts = fields.pop("starts_at", None) or venue_dt(venue_today() + timedelta(days=7), 19)
        fields.setdefault("ends_at", starts + timedelta(hours=2))
        fields.setdefault("title", f"Турнир по мафии {next(_counter)}")
        fields.setdefault("category", "tournament")
        fields.setdefault("published", True)
        if fields["published"]:  # as publishing does: registration opens at publication
            fields.setdefault("published_at", datetime(2000, 1, 1, tzinfo=UTC))
        fields.setdefault("status", "scheduled")
        fields.setdefault("entry", "free")
        event = Event(starts_at=starts, **fields)
        db.session.add(event)
        db.session.commit()
        return event

    return make


# ------------------------------------------------------------------------------------------------
# A real server in a thread (browser tests, races)

class LiveServer:
    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join()


@pytest.fixture
def serve():
    """Serve an app over HTTP in a thread: `with serve(app) as server: server.url`."""
    return LiveServer


@pytest.fixture
def live_server(tmp_path, sqlite_template, app_config):
    """A real server on a fresh SQLite database for browser tests; `.app` gives its app."""
    path = tmp_path / "live.sqlite3"
    shutil.copy(sqlite_template, path)
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "WTF_CSRF_ENABLED": True,
                      **app_config})
    with LiveServer(app) as server:
        yield server
    with app.app_context():
        db.engine.dispose()


# ------------------------------------------------------------------------------------------------
# Playwright with Debian's Chromium and a fake camera

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]


@pytest.fixture(scope="session")
def camera_file(tmp_path_factory):
    from fakecam import write_qr_y4m

    path = tmp_path_factory.mktemp("camera") / "camera.y4m"
    write_qr_y4m(path, "nothing yet")
    return path


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, camera_file):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "headless": True,
            "args": [*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                     f"--use-file-for-fake-video-capture={camera_file}"]}


@pytest.fixture
def show_qr(camera_file):
    """show_qr(text): the next page that opens the camera sees this QR code."""
    from fakecam import write_qr_y4m

    return lambda text: write_qr_y4m(camera_file, text)


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "ru-RU", "timezone_id": "Asia/Yekaterinburg",
            "viewport": {"width": 412, "height": 915}}


def pytest_collection_modifyitems(config, items):
    """Mark tests under tests/browser/ as `browser` so that `-m "not browser"` skips them."""
    for item in items:
        if "/tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


# ------------------------------------------------------------------------------------------------
# A local SMTP server that keeps what it receives

class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        import email
        import email.policy

        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1; `.messages` holds EmailMessage objects; `.config` the app settings."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    inbox.host, inbox.port = "127.0.0.1", free_port()
    controller = Controller(inbox, hostname=inbox.host, port=inbox.port)
    controller.start()
    inbox.config = {"MAIL_SERVER": inbox.host, "MAIL_PORT": inbox.port, "MAIL_DEFAULT_SENDER": "cafe@example.org"}
    yield inbox
    controller.stop()


def pytest_sessionfinish(session, exitstatus):
    """With ANTICAFE_FAIL_ON_SKIP=1 (CI), a skipped test fails the run: no part may quietly not run."""
    if not os.environ.get("ANTICAFE_FAIL_ON_SKIP"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped and session.exitstatus == 0:
        reporter.write_line(f"ANTICAFE_FAIL_ON_SKIP: {len(skipped)} test(s) were skipped", red=True)
        session.exitstatus = 1


# ------------------------------------------------------------------------------------------------
# The door

@pytest.fixture
def door_registration(app):
    """Create a registration with a ticket: door_registration(event, user, status="confirmed", **fields)."""
    from anticafe.codes import random_code
    from anticafe.registrations.models import Registration

    positions = itertools.count(1)

    def make(event, user, status: str = "confirmed", **fields):
        fields.setdefault("ticket_code", random_code(128) if status == "confirmed" else None)
        fields.setdefault("source", "self")
        if status == "waitlisted":
            fields.setdefault("waitlist_position", next(positions))
        if status == "confirmed":
            fields.setdefault("confirmed_at", utcnow())
        registration = Registration(event_id=event.id, user_id=user.id, status=status, **fields)
        db.session.add(registration)
        db.session.commit()
        return registration

    return make


# ------------------------------------------------------------------------------------------------
# Bookings: zones of the café

@pytest.fixture
def make_zone(app):
    """Create a zone: make_zone(name="Игровая комната", capacity=12, price_per_hour=Decimal("500"), bookable=True)."""
    from anticafe.bookings.zones import new_feed_token
    from anticafe.venue.models import Zone

    def make(**fields) -> Zone:
        fields.setdefault("name", f"Комната {next(_counter)}")
        fields.setdefault("capacity", 12)
        fields.setdefault("bookable", True)
        zone = Zone(feed_token=new_feed_token(), **fields)
        db.session.add(zone)
        db.session.commit()
        return zone

    return make
