"""Data versions (anticafe/versions.py): bumped in the transaction of every change, and only then."""

from datetime import timedelta

from sqlalchemy.exc import IntegrityError

from anticafe import versions
from anticafe.accounts.models import User
from anticafe.db import lock, lock_row, lock_values, utcnow
from anticafe.events.models import Event
from anticafe.extensions import db


def _now():
    versions.forget()
    return versions.current()


def test_a_change_bumps_its_topics_and_a_read_bumps_nothing(app, make_event, make_user):
    calendar, stats = _now()
    event = make_event(starts_at=utcnow() + timedelta(days=2))
    db.session.commit()
    assert _now() == (calendar + 1, stats + 1)

    db.session.get(Event, event.id)
    db.session.commit()
    assert _now() == (calendar + 1, stats + 1)

    stamped = db.session.get(Event, event.id).updated_at
    lock(Event, Event.id == event.id)  # a row lock changes nothing, not even the `onupdate` stamp
    assert lock_row(Event, event.id) and not lock_row(Event, event.id + 1000)
    db.session.commit()
    assert _now() == (calendar + 1, stats + 1)
    assert db.session.get(Event, event.id, populate_existing=True).updated_at == stamped

    make_user(email="someone@example.org")
    db.session.commit()
    assert _now() == (calendar + 1, stats + 2)  # people count in the statistics, not on the calendar


def test_a_rolled_back_savepoint_keeps_the_earlier_change(app, make_event, make_user):
    event = make_event(starts_at=utcnow() + timedelta(days=2))
    db.session.commit()
    taken = make_user(email="taken@example.org").email
    db.session.commit()
    base = _now()

    event.title = "Новое название"
    db.session.flush()
    try:
        with db.session.begin_nested():
            db.session.add(User(name="Двойник", email=taken, role="visitor", card_code="x" * 16,
                                feed_token="y" * 32))
            db.session.flush()
    except IntegrityError:
        pass
    db.session.commit()
    assert _now() == (base[0] + 1, base[1] + 1)


def test_a_rolled_back_transaction_bumps_nothing(app, make_event):
    event = make_event(starts_at=utcnow() + timedelta(days=2))
    db.session.commit()
    base = _now()
    event.title = "Передумали"
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert _now() == base


def test_a_lock_writes_no_key_and_no_indexed_column(app):
    """SQLite checks a foreign key's children whenever the parent key is in an UPDATE's SET list, and a
    write to an indexed column rewrites the index: a lock writes neither, on every table the code locks."""
    locked = ("events", "ideas", "contests", "zones", "pass_types", "passes", "pass_uses", "visits", "tariffs")
    for table in (db.metadata.tables[name] for name in locked):
        indexed = {column for index in table.indexes for column in index.columns}
        for column in (table.c[key] for key in lock_values(table)):
            assert not (column.primary_key or column.foreign_keys or column.unique or column in indexed), column
            assert column.onupdate is not None or not any(c.onupdate is not None for c in table.columns)
