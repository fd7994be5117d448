"""Races decided by the database: parallel HTTP requests against a real threaded server, on both databases."""

from collections import Counter
from datetime import timedelta
from itertools import pairwise

import pytest
from races import at_once, post_json

from anticafe.db import utcnow
from anticafe.extensions import db
from anticafe.visits import clock
from anticafe.visits.models import Visit, VisitSegment

pytestmark = pytest.mark.concurrency


@pytest.fixture
def staff_headers(make_user, token_for):
    return token_for(make_user("staff"))


def test_two_scans_of_one_card_start_one_visit(app, serve, make_user, staff_headers):
    guest = make_user()
    code = guest.card_code
    with serve(app) as server:
        results = at_once([lambda: post_json(f"{server.url}/api/v1/visits", staff_headers, {"card_code": code})
                           for _ in range(6)])
    statuses = Counter(status for status, _ in results)
    assert statuses == {201: 1, 409: 5}
    assert {body["error"]["code"] for status, body in results if status == 409} == {"visit_already_active"}
    db.session.expire_all()
    assert db.session.query(Visit).filter(Visit.user_id == guest.id).count() == 1


def test_stops_from_two_phones_stop_once(app, serve, make_user, staff_headers):
    staff = make_user("staff")
    visit_id = clock.start_visit(user=make_user(), staff=staff, at=utcnow() - timedelta(minutes=45)).id
    db.session.commit()
    with serve(app) as server:
        results = at_once([lambda: post_json(f"{server.url}/api/v1/visits/{visit_id}/stop", staff_headers)
                           for _ in range(5)])
    assert Counter(status for status, _ in results) == {200: 1, 409: 4}
    winner = next(body for status, body in results if status == 200)
    assert winner["status"] == "stopped" and winner["billed_minutes"] == 46
    db.session.expire_all()
    segments = db.session.query(VisitSegment).filter(VisitSegment.visit_id == visit_id).all()
    assert len(segments) == 1 and segments[0].ended_at is not None


def test_pause_and_resume_from_several_phones_keep_one_clock(app, serve, make_user, staff_headers):
    staff = make_user("staff")
    visit_id = clock.start_visit(user=make_user(), staff=staff, at=utcnow() - timedelta(minutes=30)).id
    db.session.commit()
    with serve(app) as server:
        calls = [lambda action=action: post_json(f"{server.url}/api/v1/visits/{visit_id}/{action}", staff_headers)
                 for action in ["pause", "resume"] * 4]
        results = at_once(calls)
    assert {status for status, _ in results} <= {200, 409}
    db.session.expire_all()
    visit = db.session.get(Visit, visit_id)
    running = [s for s in visit.segments if s.ended_at is None]
    assert len(running) == (1 if visit.status == "active" else 0)
    ordered = sorted(visit.segments, key=lambda s: s.started_at)
    for before, after in pairwise(ordered):
        assert before.ended_at is not None and before.ended_at <= after.started_at


def test_the_last_free_place_goes_to_one_guest(app, serve, make_user, staff_headers):
    app.config["VENUE_CAPACITY"] = 3
    staff = make_user("staff")
    for _ in range(2):
        clock.start_visit(user=make_user(), staff=staff)
    db.session.commit()
    guest_ids = [make_user().id for _ in range(5)]
    with serve(app) as server:
        results = at_once([lambda guest=guest: post_json(f"{server.url}/api/v1/visits", staff_headers,
                                                         {"user_id": guest})
                           for guest in guest_ids])
    assert Counter(status for status, _ in results) == {201: 1, 409: 4}
    assert {body["error"]["code"] for status, body in results if status == 409} == {"venue_full"}
    db.session.expire_all()
    assert db.session.query(Visit).filter(Visit.status == "active").count() == 3
