"""SQLite's writers wait in line on a file lock beside the database (`anticafe/writers.py`).

A write transaction holds `<database>-writers` from its first write to its end; reads never take it;
a writer kept waiting by another in line fails after DB_BUSY_SECONDS as a locked database does (503).
SQLite only: PostgreSQL connections open no lock file (they queue on row locks), which every other
test on PostgreSQL goes through.
"""

import fcntl
import os
from contextlib import contextmanager

import pytest
from sqlalchemy import select, update

from anticafe import writers
from anticafe.accounts.models import User
from anticafe.extensions import db


@pytest.fixture
def app_config():
    return {"DB_BUSY_SECONDS": 0.3, "PROPAGATE_EXCEPTIONS": False}


@pytest.fixture(params=["sqlite"])
def backend(request) -> str:
    return request.param


@contextmanager
def outside_descriptor(app):
    """A descriptor of the database's writers' lock file of our own, as another worker has."""
    with app.app_context():
        path = writers.lock_path(db.engine.url.database)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        yield fd
    finally:
        os.close(fd)


def taken(fd: int) -> bool:
    """Whether somebody else holds the lock (tried without waiting; let go again at once)."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    fcntl.flock(fd, fcntl.LOCK_UN)
    return False


@pytest.mark.parametrize("statement, opens", [
    ("INSERT INTO visits (user_id) VALUES (?)", True),
    ("  update visits SET status = ?", True),
    ("\nDELETE FROM scan_log", True),
    ("REPLACE INTO t VALUES (1)", True),
    ("SAVEPOINT sa_savepoint_1", True),
    ("SELECT id FROM users", False),
    ("WITH x AS (SELECT 1) SELECT * FROM x", False),
    ("PRAGMA database_list", False),
    ("RELEASE SAVEPOINT sa_savepoint_1", False),
])
def test_the_statements_that_open_a_write_transaction(statement, opens):
    assert writers.opens_write(statement) is opens


def test_a_write_transaction_holds_the_line_until_it_ends(app, make_user):
    user = make_user()
    with outside_descriptor(app) as fd, app.app_context():
        db.session.scalars(select(User)).all()
        assert not taken(fd), "a read takes no place in the line"

        db.session.execute(update(User).where(User.id == user.id).values(name="Аня"))
        assert taken(fd)
        db.session.commit()
        assert not taken(fd), "the commit lets the next writer in"

        db.session.execute(update(User).where(User.id == user.id).values(name="Оля"))
        assert taken(fd)
        db.session.rollback()
        assert not taken(fd), "so does a rollback"
        assert db.session.get(User, user.id).name == "Аня"


def test_a_writer_behind_another_in_line_gets_the_busy_answer_and_nothing_is_stored(
        app, client, make_user):
    make_user()
    signup = {"name": "Маша", "email": "line@example.org", "password": "Kofe-Vecher-2027",
              "birth_date": "2005-03-01", "consent": True}
    with outside_descriptor(app) as fd:
        fcntl.flock(fd, fcntl.LOCK_EX)  # another worker's write transaction
        health = client.get("/healthz")
        answer = client.post("/api/v1/users", json=signup)
        fcntl.flock(fd, fcntl.LOCK_UN)
    assert health.status_code == 200, "reads do not wait in line"
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "5"
    assert answer.json["error"]["code"] == "database_busy"
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "line@example.org")) is None
    # The line free again, the same write goes through.
    assert client.post("/api/v1/users", json=signup).status_code == 201

