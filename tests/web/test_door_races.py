"""Races at the door, fired as parallel HTTP requests at a real server, on SQLite and PostgreSQL.

Two phones scanning one ticket, a client retrying with the same nonce, walk-ins for the last seats:
the database decides, and every request gets a clean answer.
"""

from datetime import timedelta

import pytest
from races import at_once, post_json
from sqlalchemy import func, select

from anticafe.db import utcnow
from anticafe.door.models import CheckIn, ScanLog
from anticafe.extensions import db
from anticafe.registrations.models import Registration

pytestmark = pytest.mark.concurrency

PHONES = 8


@pytest.fixture
def tonight(make_event):
    return make_event(starts_at=utcnow() + timedelta(minutes=15), capacity=None)


@pytest.fixture
def phones(make_user, token_for):
    """Bearer headers of staff members, one per phone."""
    return [token_for(make_user("staff", name=f"Сотрудник {n}")) for n in range(PHONES)]


def test_phones_scanning_one_ticket_check_it_in_once(app, serve, tonight, make_user, door_registration, phones):
    tickets = [door_registration(tonight, make_user()) for _ in range(3)]
    event_id, codes = tonight.id, [ticket.ticket_code for ticket in tickets]  # threads have no app context
    with serve(app) as server:
        for code in codes:
            url = f"https://cafe.example/t/{code}"
            answers = at_once([lambda i=i, url=url: post_json(
                server.url + "/api/v1/checkin", phones[i], {"code": url, "event_id": event_id,
                                                            "device": f"Телефон {i}", "nonce": f"phone-{i}-{url}"})
                for i in range(PHONES)])
            assert {status for status, _ in answers} == {200}
            results = sorted(body["result"] for _, body in answers)
            assert results == ["already_checked_in"] * (PHONES - 1) + ["checked_in"]
            winner = next(body for _, body in answers if body["result"] == "checked_in")
            for _, body in answers:
                # every loser names the winner's check-in: same id, time, staff and device
                assert (body["checkin_id"], body["checked_in_at"], body["checked_in_by"], body["device"]) == (
                    winner["checkin_id"], winner["checked_in_at"], winner["checked_in_by"], winner["device"])
    db.session.expire_all()
    for ticket in tickets:
        assert db.session.scalar(select(func.count()).select_from(CheckIn).where(
            CheckIn.registration_id == ticket.id, CheckIn.undone_at.is_(None))) == 1
    assert db.session.scalar(select(func.count()).select_from(ScanLog)) == PHONES * len(tickets)


def test_retries_with_one_nonce_answer_the_first_result(app, serve, tonight, make_user, door_registration, phones):
    ticket = door_registration(tonight, make_user())
    body = {"code": ticket.ticket_code, "event_id": tonight.id, "device": "Телефон 1", "nonce": "retry-me"}
    with serve(app) as server:
        answers = at_once([lambda: post_json(server.url + "/api/v1/checkin", phones[0], body)] * PHONES)
        later = post_json(server.url + "/api/v1/checkin", phones[0], body)
        fresh = post_json(server.url + "/api/v1/checkin", phones[0], {**body, "nonce": "another"})
    assert {status for status, _ in answers} == {200}
    assert all(answer == answers[0][1] for _, answer in answers)
    assert answers[0][1]["result"] == "checked_in"
    assert later == (200, answers[0][1])
    assert fresh[1]["result"] == "already_checked_in"
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 1
    assert db.session.scalar(select(func.count()).select_from(ScanLog).where(ScanLog.nonce == "retry-me")) == 1


def test_walk_ins_cannot_overfill_an_event(app, serve, make_event, make_user, door_registration, phones):
    event = make_event(starts_at=utcnow() + timedelta(minutes=15), capacity=4)
    door_registration(event, make_user())
    event_id = event.id
    with serve(app) as server:
        answers = at_once([lambda i=i: post_json(
            server.url + f"/api/v1/events/{event_id}/walk-ins", phones[i],
            {"name": f"Гость {i}", "device": f"Телефон {i}"}) for i in range(PHONES)])
    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] * 3 + [409] * (PHONES - 3)
    assert {body["error"]["code"] for status, body in answers if status == 409} == {"event_full"}
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Registration).where(
        Registration.event_id == event_id, Registration.status == "confirmed")) == 4
    assert db.session.scalar(select(func.count()).select_from(CheckIn).where(CheckIn.walk_in)) == 3
