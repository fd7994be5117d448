"""SQLite's writers wait in line: an OS file lock beside the database, taken before a transaction's first write.

SQLite lets one connection write at a time. A connection that finds the write lock taken waits in the
driver's busy handler, which sleeps 1, 2, 5, 10… ms between tries however soon the other writer
finishes. A guest-card scan holds the write lock for 2–3 ms, so with two workers a collision often
cost more sleep than the other scan's whole write.

Here each SQLite connection also holds an exclusive `flock` on `<database>-writers` from the statement
that opens its write transaction (the driver's implicit BEGIN comes before INSERT, UPDATE, DELETE and
REPLACE; a SAVEPOINT opens one too) until that transaction has ended. A writer that finds the file
lock taken tries it again every `POLL_SECONDS` (a system call, not a database statement), so it starts
within a fraction of a millisecond of the other's commit and then finds SQLite's own lock free. The
wait is bounded as before: after the driver's `timeout` (DB_BUSY_SECONDS) it fails as a locked
database does (a 503). Someone who writes without this lock (the `sqlite3` shell, a backup tool) is
waited for by SQLite's busy handler, as before.

The lock is let go when the connection goes back to the pool (right after a session's commit or
rollback) or, on a connection kept out, at its first statement after the transaction ended.
PostgreSQL takes row locks and queues its waiters itself: nothing here applies to it.
"""

import fcntl
import os
import sqlite3
import time

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

#: How often a waiting writer tries the file lock again.
POLL_SECONDS = 0.0001

#: Keys in a pooled connection's `info`: the lock file's descriptor, the process that opened it,
#: whether the lock is held, and how long to wait for it.
_FD, _PID, _HELD, _WAIT = "writers_fd", "writers_pid", "writers_held", "writers_wait"

#: First keywords of the statements before which a transaction begins (pysqlite's implicit BEGIN, or
#: SQLite's own for a SAVEPOINT outside a transaction).
_OPENS_WRITE = ("insert", "update", "delete", "replace", "savepoint")


def lock_path(database: str) -> str:
    """The file whose lock the writers of `database` (an SQLite file) queue on."""
    return f"{database}-writers"


def opens_write(statement: str) -> bool:
    """Whether `statement`, run outside a transaction, begins a write transaction on SQLite."""
    return statement.lstrip()[:9].lower().startswith(_OPENS_WRITE)


def attach(dbapi_connection: sqlite3.Connection, info: dict) -> None:
    """Give a new SQLite connection its own descriptor of its database's writers' lock file."""
    row = dbapi_connection.execute("PRAGMA database_list").fetchone()
    database = row[2] if row else ""
    if not database:  # in memory: one connection, nobody to queue with
        return
    info[_FD] = os.open(lock_path(database), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    info[_PID] = os.getpid()


def acquire(info: dict) -> None:
    """Take the writers' lock for this connection, or fail as a locked database after the wait."""
    fd = info[_FD]
    deadline = None
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            now = time.monotonic()
            deadline = deadline or now + info.get(_WAIT, 5.0)
            if now > deadline:
                raise sqlite3.OperationalError("database is locked (waited for the other writers)") from None
            time.sleep(POLL_SECONDS)
        else:
            info[_HELD] = True
            return


def release(info: dict) -> None:
    """Let the next writer in, if this connection holds the lock."""
    if info.pop(_HELD, False):
        fcntl.flock(info[_FD], fcntl.LOCK_UN)


def detach(info: dict) -> None:
    """Close the descriptor of a connection that closes (which also drops its lock)."""
    fd = info.pop(_FD, None)
    info.pop(_HELD, None)
    if fd is not None and info.pop(_PID, None) == os.getpid():
        os.close(fd)


@event.listens_for(Engine, "do_connect")
def _note_wait(dialect, connection_record, cargs, cparams):
    if dialect.name == "sqlite":
        connection_record.info[_WAIT] = float(cparams.get("timeout", 5.0))


@event.listens_for(Engine, "before_cursor_execute")
def _queue_writers(conn, cursor, statement, parameters, context, executemany):
    info = conn.connection.info
    if _FD not in info or conn.connection.dbapi_connection.in_transaction:
        return
    release(info)  # a transaction this connection wrote in has ended
    if opens_write(statement) and info[_PID] == os.getpid():
        acquire(info)


@event.listens_for(Pool, "checkin")
def _release_on_checkin(dbapi_connection, connection_record):
    if connection_record is not None:
        release(connection_record.info)


@event.listens_for(Pool, "close")
def _detach_on_close(dbapi_connection, connection_record):
    detach(connection_record.info)
