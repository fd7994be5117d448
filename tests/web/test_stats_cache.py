"""The statistics cache (anticafe/stats/cache.py): repeat questions are answered without counting again,
new rows and corrections of existing rows show at once (the data version), with no timer."""

from datetime import date

import pytest
from flask import current_app, g
from sqlalchemy import select
from stats_data import JANUARY, build_world

from anticafe.codes import random_code
from anticafe.door.models import CheckIn
from anticafe.extensions import db
from anticafe.registrations.models import Registration
from anticafe.stats import cache, rules, services

JANUARY_PERIOD = rules.Period(date(2025, 1, 1), date(2025, 1, 31))


@pytest.fixture
def cached_app(app):
    cache.clear()
    yield app
    cache.clear()


@pytest.fixture
def world(cached_app):
    return build_world(db.session)


def _summary():
    # Each request has its own `g`, so it reads the data version anew; here the tests' app context
    # outlives the request, so forget the version as the end of a request would.
    g.pop("data_versions", None)
    with current_app.test_request_context():
        current, _ = services.summaries(JANUARY_PERIOD, compare=False)
        return current


def test_a_repeat_question_reads_only_the_data_version(world, statements):
    first = _summary()
    counted = len(statements)
    second = _summary()
    assert second == first
    assert len(statements) - counted == 1  # the version query, not the two passes over the year


def test_a_new_check_in_shows_at_once(world):
    before = _summary()
    e2, dana = world.events["e2"], world.people["dana"]
    registration = Registration(event_id=e2.id, user_id=dana.id, status="confirmed", source="walk_in",
                                ticket_code=random_code(128), confirmed_at=e2.starts_at)
    db.session.add(registration)
    db.session.flush()
    db.session.add(CheckIn(registration_id=registration.id, event_id=e2.id, user_id=dana.id,
                           checked_in_at=e2.starts_at, walk_in=True))
    db.session.commit()
    assert _summary().checked_in == before.checked_in + 1


def test_a_correction_shows_at_once(world, cached_app):
    before = _summary()
    standing = db.session.scalar(select(CheckIn).where(CheckIn.event_id == world.events["e1"].id,
                                                       CheckIn.undone_at.is_(None)).limit(1))
    standing.undone_at = standing.checked_in_at
    db.session.commit()
    assert _summary().checked_in == before.checked_in - 1
    standing.undone_at = None
    db.session.commit()
    assert _summary().checked_in == before.checked_in


def test_a_hard_reload_counts_again(world, cached_app, statements):
    _summary()
    counted = len(statements)
    g.pop("data_versions", None)
    with cached_app.test_request_context(headers={"Cache-Control": "no-cache"}):
        services.summaries(JANUARY_PERIOD, compare=False)
    assert len(statements) - counted >= 2


def test_the_api_and_the_dashboard_use_the_cache(client, world, statements, make_user, auth):
    auth.login(make_user("committee", email="committee@example.org"))
    committee = client
    query = {"from": JANUARY[0], "to": JANUARY[1]}
    assert committee.get("/api/v1/stats/summary", query_string=query).status_code == 200
    assert committee.get("/stats/", query_string=query).status_code == 200
    counted = len(statements)
    answer = committee.get("/api/v1/stats/summary", query_string=query)
    assert answer.status_code == 200 and answer.get_json()["checked_in"] == 6
    page = committee.get("/stats/", query_string=query)
    assert page.status_code == 200
    statistics = [s for s in statements[counted:] if "GROUP BY" in s.upper()]
    assert statistics == []
