"""The app under stress: a locked database, a database error, hostile input at every door.

- a write that meets another writer's lock waits DB_BUSY_SECONDS, then answers 503 with Retry-After
  (JSON under /api, a plain page elsewhere); reads and /healthz do not wait;
- after a database error nothing queries the database again, and the answer names the request;
- the probes that once answered 500 each get a 4xx.
"""

import logging
import sqlite3
import time
from contextlib import contextmanager

import psycopg
import pytest
from sqlalchemy import text

from anticafe.extensions import db


@pytest.fixture
def app_config():
    return {"DB_BUSY_SECONDS": 0.5, "PROPAGATE_EXCEPTIONS": False}


@contextmanager
def held_write_lock(app, backend):
    """Hold another connection's write lock on the database (as a long transaction elsewhere would)."""
    url = db.engine.url
    if backend == "sqlite":
        conn = sqlite3.connect(url.database, timeout=0.1)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE users SET name = name")
        try:
            yield
        finally:
            conn.rollback()
            conn.close()
    else:
        conn = psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False))
        conn.execute("LOCK TABLE users IN EXCLUSIVE MODE")  # blocks writes, not reads
        try:
            yield
        finally:
            conn.rollback()
            conn.close()


def signup_json(email="busy@example.org"):
    return {"name": "Маша", "email": email, "password": "Kofe-Vecher-2027", "birth_date": "2005-03-01",
            "consent": True}


def test_a_write_behind_a_held_lock_is_a_503_and_reads_go_on(app, client, backend, make_user):
    make_user()
    with held_write_lock(app, backend):
        started = time.monotonic()
        health = client.get("/healthz")
        page = client.get("/events/")
        assert time.monotonic() - started < 2, "reads must not wait behind a writer"
        assert health.status_code == 200 and health.json == {"status": "ok", "database": True}
        assert page.status_code == 200

        started = time.monotonic()
        answer = client.post("/api/v1/users", json=signup_json())
        waited = time.monotonic() - started
        assert answer.status_code == 503 and answer.headers["Retry-After"] == "5"
        assert answer.json["error"]["code"] == "database_busy"
        assert answer.json["error"]["request_id"] == answer.headers["X-Request-ID"]
        assert 0.4 < waited < 5

        fields = {"name": "Маша", "email": "busy2@example.org", "password": "Kofe-Vecher-2027",
                  "password2": "Kofe-Vecher-2027", "birth_date": "2005-03-01", "consent": "y"}
        form = client.post("/signup", data=fields, headers={"Accept-Language": "en"})
        assert form.status_code == 503 and form.headers["Retry-After"] == "5"
        assert "busy" in form.get_data(as_text=True) and form.mimetype == "text/html"
    # The lock gone, the same write goes through.
    assert client.post("/api/v1/users", json=signup_json()).status_code == 201


def test_healthz_says_when_the_database_does_not_answer(app, client, monkeypatch):
    from sqlalchemy.exc import OperationalError

    def broken(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", broken)
    answer = client.get("/healthz")
    assert answer.status_code == 503 and answer.json == {"status": "unavailable", "database": False}


@pytest.fixture
def broken_events(monkeypatch):
    """Make the events list fail with a database error (a table that is not there)."""
    from anticafe.events import listings

    def fail(*args, **kwargs):
        db.session.execute(text("SELECT * FROM no_such_table"))

    monkeypatch.setattr(listings, "events_on_days", fail)


def test_after_a_database_error_the_api_answers_json_without_another_query(
        app, client, auth, make_user, broken_events, statements, caplog):
    auth.login(make_user())
    with caplog.at_level(logging.ERROR, logger="anticafe.errors"):
        answer = client.get("/api/v1/events", headers={"X-Request-ID": "probe-42"})
    assert answer.status_code == 500 and answer.is_json
    assert answer.json["error"]["code"] == "internal_error"
    assert answer.json["error"]["request_id"] == "probe-42" == answer.headers["X-Request-ID"]
    assert "probe-42" in caplog.text and "no_such_table" in caplog.text
    failing = next(i for i, sql in enumerate(statements) if "no_such_table" in sql)
    assert statements[failing + 1:] == [], "the error path queried the database again"


def test_after_a_database_error_a_page_is_plain_and_queries_nothing(
        app, client, auth, make_user, broken_events, statements):
    auth.login(make_user(name="Скрытое Имя"))
    answer = client.get("/events/week", headers={"Accept-Language": "en"})
    body = answer.get_data(as_text=True)
    assert answer.status_code == 500 and answer.mimetype == "text/html"
    assert "Something went wrong" in body and answer.headers["X-Request-ID"] in body
    assert "Скрытое Имя" not in body
    failing = next(i for i, sql in enumerate(statements) if "no_such_table" in sql)
    assert statements[failing + 1:] == []


def test_a_strange_request_id_is_replaced():
    from anticafe.errors import _REQUEST_ID

    assert _REQUEST_ID.match("abc-123.x_y")
    assert not _REQUEST_ID.match("a\r\nX: y") and not _REQUEST_ID.match("x" * 65)


# ------------------------------------------------------------------------------------------------
# The probes that answered 500 before: each is a 4xx now (or a page that ignores the bad value).

@pytest.fixture
def staff_headers(make_user, token_for):
    return token_for(make_user("staff"))


EVENT = {"title": "Турнир", "category": "tournament"}


@pytest.mark.parametrize("starts", ["9999-12-31T10:00:00+05:00", "1900-06-01T10:00:00+05:00", -1,
                                    "0001-01-01T00:00"])
def test_events_far_in_time_are_refused_with_a_field_error(client, staff_headers, starts):
    answer = client.post("/api/v1/events", headers=staff_headers,
                         json={**EVENT, "starts_at": starts, "ends_at": "2030-01-01T12:00:00+05:00"})
    assert answer.status_code == 422
    assert "starts_at" in answer.json["error"]["fields"]
    assert client.get("/calendar.ics").status_code == 200


@pytest.mark.parametrize("body", ["[" * 1000, '{"a":' * 5000, "[" * 40 + "]" * 40])
def test_deeply_nested_json_is_a_422(client, body):
    answer = client.post("/api/v1/auth/token", data=body, content_type="application/json")
    assert answer.status_code == 422 and answer.json["error"]["fields"]["body"]


def test_a_json_body_too_large_is_a_413_in_the_json_shape(client):
    answer = client.post("/api/v1/auth/token", data=b"{" + b" " * (2 * 1024 * 1024) + b"}",
                         content_type="application/json")
    assert answer.status_code == 413 and answer.json["error"]["code"] == "payload_too_large"


def test_a_body_over_max_content_length_is_a_413(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    answer = client.post("/api/v1/users", data=b"x" * 2000, content_type="application/octet-stream")
    assert answer.status_code == 413 and answer.json["error"]["code"] == "payload_too_large"
    page = client.post("/signup", data={"name": "x" * 2000})
    assert page.status_code == 413


@pytest.mark.parametrize("url", ["/api/v1/events/2147483648", "/api/v1/events/99999999999999999999",
                                 "/api/v1/registrations/2147483648", "/events/2147483648"])
def test_ids_past_the_database_integer_are_404(client, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("url", ["/api/v1/events?from=9999-12-31", "/api/v1/events?from=0001-01-01",
                                 "/api/v1/zones/1/availability?date=0001-01-01"])
def test_far_dates_in_api_queries_are_422(client, url):
    answer = client.get(url)
    assert answer.status_code == 422, answer.json


@pytest.mark.parametrize("url", ["/events/?month=9999-12", "/events/?month=0001-01", "/events/week?date=0001-01-01",
                                 "/events/week?date=9999-12-31"])
def test_far_dates_in_page_queries_show_today(client, url):
    assert client.get(url).status_code == 200


def test_far_dates_on_staff_and_committee_pages(client, auth, make_user):
    auth.login(make_user("admin"))
    for url in ["/committee/allowances?month=9999-12", "/visits/shift?day=0001-01-01",
                "/staff/bookings/?date=9999-12-31", "/door/?event=99999999999999999999"]:
        assert client.get(url).status_code in (200, 404), url


def test_nul_in_text_is_a_field_error(client):
    answer = client.post("/api/v1/users", json={**signup_json(), "name": "Ма\x00ша"})
    assert answer.status_code == 422 and "name" in answer.json["error"]["fields"]
    assert client.post("/api/v1/auth/token", json={"email": "a\x00@e.org", "password": "x"}).status_code == 422
    page = client.post("/login", data={"email": "a\x00@example.org", "password": "password123"},
                       headers={"Accept-Language": "en"})
    assert page.status_code == 422 and "control characters" in page.get_data(as_text=True)


def test_huge_amounts_are_refused(client, make_user, token_for):
    headers = token_for(make_user("admin"))
    answer = client.post("/api/v1/pass-types", headers=headers,
                         json={"name": "X", "kind": "package", "minutes": 600, "validity_days": 30, "price": 1e27})
    assert answer.status_code == 422 and "price" in answer.json["error"]["fields"]


def test_next_with_line_breaks_is_not_followed(client, auth, make_user):
    auth.login(make_user())
    answer = client.get("/login?next=/%0D%0AX:y")
    assert answer.status_code == 302 and answer.headers["Location"] == "/"


def test_405_says_which_methods_are_allowed(client):
    answer = client.put("/api/v1/events")
    assert answer.status_code == 405 and answer.json["error"]["code"] == "method_not_allowed"
    assert set(answer.headers["Allow"].split(", ")) >= {"GET", "POST"}
