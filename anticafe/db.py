"""Column types and helpers shared by all models: UTC timestamps and money."""

import re
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache

from sqlalchemy import CheckConstraint, DateTime, Integer, bindparam, update
from sqlalchemy.types import TypeDecorator

from . import clock


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime, from the app's clock (`anticafe/clock.py`)."""
    return clock.now()


def constant_in(column, values):
    """`column IN ('a', 'b')` with the values written into the SQL instead of bound as `?`.

    For small fixed sets such as the open statuses of a visit: given `?`, SQLite's planner can neither
    use a partial index nor its statistics, and scans a year of closed visits to find the few open ones
    (20 ms instead of 0.2 ms). The values are constants of the code, never user input.
    """
    return column.in_(bindparam(None, list(values), expanding=True, literal_execute=True))


def lock(model, *conditions) -> int:
    """Lock the rows of `model` that match `conditions` for the rest of the transaction; return how many.

    The one way to lock rows here: `UPDATE t SET c = c WHERE ...` is a row lock on PostgreSQL and takes
    SQLite's write lock, so whatever the caller reads next is settled until it commits. (The
    notifications outbox alone also uses `FOR UPDATE SKIP LOCKED`, a queue's lock, on PostgreSQL.)
    The column written is one no key, index or check refers to (`lock_values`): SQLite checks the
    children of a foreign key whenever the parent key is in the SET list, changed or not, so
    `SET id = id` on an event walked its registrations, on a visit its segments.
    """
    from .extensions import db

    result = db.session.execute(update(model).where(*conditions).values(lock_values(model.__table__))
                                .execution_options(synchronize_session=False, row_lock=True))
    return result.rowcount


def lock_returning(model, key: str, value) -> list:
    """Lock the rows of `model` whose column `key` equals `value` and read them, fresh, in the same
    statement (`UPDATE … RETURNING`, built once per model and column): the rows as objects of `model`,
    in no particular order."""
    from .extensions import db

    return list(db.session.scalars(_lock_returning(model, key), {"lock_value": value}))


@cache
def _lock_returning(model, key: str):
    return (update(model).where(getattr(model, key) == bindparam("lock_value"))
            .values(lock_values(model.__table__)).returning(model)
            .execution_options(synchronize_session=False, row_lock=True, populate_existing=True))


def lock_row(model, row_id) -> bool:
    """`lock(model, model.id == row_id)` with a statement built once per model; whether the row exists."""
    from .extensions import db

    return bool(db.session.execute(_lock_row(model.__table__), {"lock_id": row_id}).rowcount)


@cache
def _lock_row(table):
    return (update(table).where(table.c.id == bindparam("lock_id")).values(lock_values(table))
            .execution_options(synchronize_session=False, row_lock=True))


@cache
def lock_values(table) -> dict:
    """The SET list of a lock on `table`: each column with an `onupdate` written as itself (else the
    UPDATE would stamp it), or else one column that no key, index, unique or check constraint names,
    so that the write touches neither an index nor a foreign key's children."""
    stamped = [column for column in table.columns if column.onupdate is not None]
    if stamped:
        return {column.key: column for column in stamped}
    indexed = {column for index in table.indexes for column in index.columns}
    indexed |= {column for constraint in table.constraints if not isinstance(constraint, CheckConstraint)
                for column in getattr(constraint, "columns", ())}
    checks = " ".join(str(constraint.sqltext) for constraint in table.constraints
                      if isinstance(constraint, CheckConstraint))
    for column in table.columns:
        if (column.primary_key or column.foreign_keys or column.unique or column.index or column in indexed
                or re.search(rf"\b{re.escape(column.name)}\b", checks)):
            continue
        return {column.key: column}
    raise ValueError(f"{table.name} has no column a lock could write without touching a key or an index")


class UTCDateTime(TypeDecorator):
    """An aware datetime stored as naive UTC, read back as aware UTC on every database.

    SQLite has no time zones and PostgreSQL's `timestamptz` converts to the session zone; storing
    naive UTC keeps both identical and makes range queries on indexed columns simple.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; attach a time zone first")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Kopecks(TypeDecorator):
    """A ruble amount as `Decimal` in Python, stored as whole kopecks (never float)."""

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return int((Decimal(value) * 100).to_integral_value())

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return (Decimal(value) / 100).quantize(Decimal("0.01"))
