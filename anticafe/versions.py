"""Versions of the data, kept in the database, for caches that are never older than the last commit.

A cache here (the month grid, the statistics' figures, the calendar feeds' bodies) keys each entry by
the version of the data it was made from, never by a timer. The version is a row of `data_versions`
per topic, bumped in the same transaction as any change to a table the topic covers:

- the session notes which tables each flush (and each bulk INSERT/UPDATE/DELETE) touched;
- right before the commit, after every other lock the transaction takes, one
  `UPDATE data_versions SET number = number + 1` bumps the topics those tables belong to (taken last,
  the version rows' lock is held only for the commit itself, and never before another lock, so two
  transactions cannot wait on each other through it);
- a reader asks for the numbers once per request (`current`), one primary-key read, *before* it reads
  the data: an entry is then never older than its key, on any worker of any server sharing the database.

Row locks taken with `db.lock` (an `UPDATE ... SET c = c`) change nothing and bump nothing.
"""

import secrets
from functools import lru_cache

from flask import g, has_app_context
from sqlalchemy import Integer, String, event, insert, inspect, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from .extensions import db

#: The topics and the tables whose changes bump them. `stats` is broad on purpose: the statistics
#: read the check-ins, visits, registrations, events, passes and people (age bands, new or returning),
#: and an extra bump only costs one recount.
CALENDAR = "calendar"
STATS = "stats"
#: What the public calendar feed shows: the events, their series and zones, but not who registered (a
#: registration bumps `calendar`, for the seats left, and leaves the feeds' ETag as it was).
FEEDS = "feeds"
TOPICS = (CALENDAR, STATS, FEEDS)
_CALENDAR_TABLES = frozenset({"events", "event_series", "registrations", "zones", "checkin_windows"})
_FEED_TABLES = frozenset({"events", "event_series", "zones"})
#: Tables that no cached answer reads: logins, tokens, throttles, the outbox, and the door's scan log
#: (every scan writes one row; only the door's own pages, read afresh, and erasure read it back: a repeat
#: scan changes nothing any cache shows, and bumps nothing).
_UNCACHED_TABLES = frozenset({"notifications", "api_tokens", "login_sessions", "password_resets",
                              "throttle_hits", "scan_log"})
_TOUCHED = "anticafe_touched_tables"


class DataVersion(db.Model):
    """The version of one topic's data: a number bumped by every transaction that changes it."""

    __tablename__ = "data_versions"

    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


def first_rows() -> list[dict]:
    """The rows of a new database: each topic starts at a random number, so that a database made anew
    under the same URL (a test, a rebuilt demo) never meets entries cached for an old one."""
    return [{"name": topic, "number": secrets.randbelow(2**30)} for topic in TOPICS]


@event.listens_for(DataVersion.__table__, "after_create")
def _first_rows(target, connection, **kw):
    # A database made from the models (tests, `db.create_all`) gets its rows as the migration does.
    connection.execute(insert(target), first_rows())


def topics_of(tables) -> set[str]:
    """Return the topics a change to these tables bumps."""
    tables = set(tables) - _UNCACHED_TABLES - {DataVersion.__tablename__}
    topics = {STATS} if tables else set()
    if tables & _CALENDAR_TABLES:
        topics.add(CALENDAR)
    if tables & _FEED_TABLES:
        topics.add(FEEDS)
    return topics


def current() -> tuple[int, int]:
    """Return (calendar, stats) version numbers, read once per request with one primary-key query."""
    if has_app_context() and "data_versions" in g:
        return g.data_versions
    rows = dict(db.session.execute(select(DataVersion.name, DataVersion.number)).all())
    numbers = (rows.get(CALENDAR, 0), rows.get(STATS, 0))
    if has_app_context():
        g.data_versions = numbers
    return numbers


def calendar_version() -> int:
    """The version of events, series, registrations (seats) and zones."""
    return current()[0]


def stats_version() -> int:
    """The version of everything the statistics read."""
    return current()[1]


def feeds_version_subquery():
    """The feeds' version as a scalar subquery, to fold into a query that runs anyway."""
    return select(DataVersion.number).where(DataVersion.name == FEEDS).scalar_subquery()


def new_numbers() -> None:
    """Give every topic a new random number and commit (after a restore put the database back to an
    earlier state): an entry any worker cached under the numbers of before never matches again, even
    when later changes would bump the restored numbers back up to them."""
    if not inspect(db.engine).has_table(DataVersion.__tablename__):
        return  # a backup from before the data versions (migration 0018 adds them)
    for row in first_rows():
        db.session.execute(update(DataVersion).where(DataVersion.name == row["name"]).values(number=row["number"]))
    db.session.commit()
    forget()


def forget() -> None:
    """Read the versions again on the next `current()` (after this request committed a change)."""
    if has_app_context():
        g.pop("data_versions", None)


def unsettled(session: Session) -> bool:
    """Tell whether this session holds changes not yet committed (pending, flushed or run as bulk
    statements): what it reads then is newer than the version numbers say, and must not be cached
    under them."""
    return bool(session.new or session.dirty or session.deleted or session.info.get(_TOUCHED))


def _note(session: Session, tables) -> None:
    session.info.setdefault(_TOUCHED, set()).update(tables)


@event.listens_for(Session, "after_flush")
def _after_flush(session, flush_context):
    tables = set()
    for instance in (*session.new, *session.dirty, *session.deleted):
        table = getattr(type(instance), "__tablename__", None)
        if table is not None and (instance in session.new or instance in session.deleted
                                  or session.is_modified(instance, include_collections=False)):
            tables.add(table)
    if tables:
        _note(session, tables)


@event.listens_for(Session, "do_orm_execute")
def _bulk_change(state):
    # INSERT/UPDATE/DELETE statements run through the session (bulk writes), whether on a model or a table.
    if (state.is_insert or state.is_update or state.is_delete) and not state.execution_options.get("row_lock"):
        table = getattr(state.statement, "table", None)
        if table is not None and getattr(table, "name", None):
            _note(state.session, {table.name})


@event.listens_for(Session, "before_commit")
def _bump(session):
    if session.in_nested_transaction():
        return  # a savepoint's release: the whole transaction's commit bumps, after every other lock
    session.flush()  # the commit's own flush comes after this hook; its changes count too
    touched = session.info.pop(_TOUCHED, None)
    if not touched:
        return
    topics = _topics_of(frozenset(touched))
    if topics:
        # Straight to the connection: a Core UPDATE of a table, without the ORM's bulk-update machinery.
        session.connection().execute(_bump_statement(topics))
        session.info.pop(_TOUCHED, None)
        forget()


@lru_cache(maxsize=256)
def _topics_of(tables: frozenset[str]) -> tuple[str, ...]:
    return tuple(sorted(topics_of(tables)))


@lru_cache(maxsize=16)
def _bump_statement(topics: tuple[str, ...]):
    """The bump of these topics, built once per process (every committed change runs one)."""
    table = DataVersion.__table__
    return update(table).where(table.c.name.in_(topics)).values(number=table.c.number + 1)


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session, previous_transaction):
    # Only the whole transaction's rollback undoes its changes: a savepoint rolled back (a caught
    # IntegrityError) leaves the changes flushed before it, and they must still bump at the commit.
    if previous_transaction.parent is None:
        session.info.pop(_TOUCHED, None)
