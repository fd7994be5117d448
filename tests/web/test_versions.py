"""Data versions (anticafe/versions.py): bumped in the transaction of every change, and only then."""

from datetime import timedelta

from sqlalchemy.exc import IntegrityError

from anticafe import versions
from anticafe.accounts.models import User
from anticafe.db import lock, utcnow
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

    lock(Event, Event.id == event.id)  # a row lock changes nothing
    db.session.commit()
    assert _now() == (calendar + 1, stats + 1)

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
