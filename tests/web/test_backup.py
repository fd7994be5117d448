"""`flask backup` and `flask restore`: a copy taken while writes run restores into a fresh database that
passes its checks and holds every write acknowledged before the backup began."""

import sqlite3
import threading
import time

import psycopg
import pytest
from conftest import TEST_CONFIG, _pg_database, _pg_drop
from sqlalchemy import func, select

from anticafe import create_app, versions
from anticafe.accounts.models import User
from anticafe.extensions import db


def _libpq(app) -> str:
    return db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


class Writer:
    """Insert rows into a probe table on its own connection, noting each id once its commit returned."""

    def __init__(self, app, backend):
        self.backend, self.acknowledged, self.stop = backend, [], threading.Event()
        if backend == "sqlite":
            path = db.engine.url.database
            self.connect = lambda: sqlite3.connect(path, timeout=10)
            ddl = "CREATE TABLE backup_probe (id INTEGER PRIMARY KEY, note TEXT)"
        else:
            url = _libpq(app)
            self.connect = lambda: psycopg.connect(url)
            ddl = "CREATE TABLE backup_probe (id SERIAL PRIMARY KEY, note TEXT)"
        conn = self.connect()
        conn.execute(ddl)
        # Enough rows that the copy takes many steps.
        conn.execute("INSERT INTO backup_probe (note) SELECT 'x' || x FROM (WITH RECURSIVE n(x) AS "
                     "(SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 20000) SELECT x FROM n) AS numbers")
        conn.commit()
        conn.close()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        conn = self.connect()
        while not self.stop.is_set():
            cursor = conn.execute("INSERT INTO backup_probe (note) VALUES ('during') RETURNING id")
            new_id = cursor.fetchall()[0][0]
            conn.commit()
            self.acknowledged.append((time.monotonic(), new_id))
        conn.close()

    def __enter__(self):
        self.thread.start()
        while len(self.acknowledged) < 20:
            assert self.thread.is_alive(), "the writer stopped"
            time.sleep(0.01)
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


@pytest.fixture
def fresh_url(backend, request, tmp_path):
    """An empty database (no tables) to restore into."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    else:
        server = request.getfixturevalue("pg_server")
        name = _pg_database(server, None)
        yield f"{server}/{name}"
        _pg_drop(server, name)


def test_backup_under_writes_restores_every_acknowledged_write(app, runner, backend, make_user, tmp_path,
                                                                fresh_url):
    make_user(name="Сохранённая Гостья")
    target = tmp_path / ("copy.sqlite3" if backend == "sqlite" else "copy.dump")
    with Writer(app, backend) as writer:
        began = time.monotonic()
        result = runner.invoke(args=["backup", str(target)])
        time.sleep(0.05)
    assert result.exit_code == 0, result.output
    assert "Backup written:" in result.output and str(target) in result.output
    before = {row_id for at, row_id in writer.acknowledged if at < began}
    assert before and len(writer.acknowledged) > len(before), "writes must run during the backup"

    restored_app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": fresh_url})
    with restored_app.app_context():
        result = restored_app.test_cli_runner().invoke(args=["restore", str(target)])
        assert result.exit_code == 0, result.output
        assert "Restored from" in result.output
        if backend == "sqlite":
            conn = sqlite3.connect(db.engine.url.database)
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            ids = {row[0] for row in conn.execute("SELECT id FROM backup_probe")}
            conn.close()
        else:
            with psycopg.connect(_libpq(restored_app)) as conn:
                ids = {row[0] for row in conn.execute("SELECT id FROM backup_probe")}
        assert before <= ids, f"{len(before - ids)} acknowledged writes missing"
        assert db.session.scalar(select(func.count()).select_from(User).where(User.name == "Сохранённая Гостья")) == 1
        db.session.remove()
        db.engine.dispose()


def test_restore_refuses_to_overwrite_without_force(app, runner, make_user, tmp_path, backend):
    make_user(name="Первая")
    target = tmp_path / ("one.sqlite3" if backend == "sqlite" else "one.dump")
    assert runner.invoke(args=["backup", str(target)]).exit_code == 0
    make_user(name="Вторая")
    db.session.remove()

    refused = runner.invoke(args=["restore", str(target)])
    assert refused.exit_code != 0 and "--force" in refused.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 2
    db.session.remove()

    versions.forget()
    before_restore = versions.current()
    forced = runner.invoke(args=["restore", str(target), "--force"])
    assert forced.exit_code == 0, forced.output
    db.session.remove()
    assert [u.name for u in db.session.scalars(select(User))] == ["Первая"]
    # The restored data is older than what the workers may have cached: new version numbers, so no
    # entry of before matches, now or after the restored numbers are bumped again.
    versions.forget()
    restored = versions.current()
    assert all(abs(now - then) > 10 for now, then in zip(restored, before_restore, strict=True))


def test_backup_refuses_an_existing_file_and_a_non_backup(app, runner, tmp_path, backend):
    existing = tmp_path / "there.bin"
    existing.write_bytes(b"not a backup")
    assert runner.invoke(args=["backup", str(existing)]).exit_code != 0
    assert existing.read_bytes() == b"not a backup"
    refused = runner.invoke(args=["restore", str(existing), "--force"])
    assert refused.exit_code != 0
