"""Timed visits at the door: a guest card starts and stops a visit; a timed event's check-in starts one."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from anticafe.db import utcnow
from anticafe.extensions import db
from anticafe.visits.models import Visit, VisitSegment

RU = {"Accept-Language": "ru"}


@pytest.fixture
def staff(make_user, auth):
    return auth.login(make_user("staff", name="Денис Бариста"))


def scan(client, code, **body):
    return client.post("/api/v1/checkin", json={"code": code, **body}, headers=RU)


def test_guest_card_starts_then_stops_a_visit(client, staff, make_user):
    guest = make_user(name="Алина Орлова")
    started = scan(client, guest.card_code.lower())
    assert started.status_code == 200, started.json
    assert started.json["result"] == "visit_started"
    assert started.json["visit"]["user_id"] == guest.id
    visit = db.session.scalar(select(Visit).where(Visit.user_id == guest.id))
    # Ninety minutes later the guest leaves and scans the card again.
    earlier = utcnow() - timedelta(minutes=89, seconds=30)  # billed by started minute: 90
    visit.started_at = earlier
    db.session.execute(VisitSegment.__table__.update().where(VisitSegment.visit_id == visit.id)
                       .values(started_at=earlier))
    db.session.commit()
    stopped = scan(client, guest.card_code)
    assert stopped.json["result"] == "visit_stopped"
    db.session.refresh(visit)
    assert visit.status == "stopped" and visit.billed_minutes == 90


def test_card_scan_is_logged_with_the_person(client, staff, make_user):
    from anticafe.door.models import ScanLog

    guest = make_user()
    scan(client, guest.card_code)
    log = db.session.scalar(select(ScanLog).order_by(ScanLog.id.desc()))
    assert (log.result, log.user_id) == ("visit_started", guest.id)


def test_check_in_to_a_timed_event_starts_the_visit_and_undo_cancels_it(client, staff, make_user, make_event,
                                                                          door_registration):
    event = make_event(starts_at=utcnow() + timedelta(minutes=20), entry="timed", capacity=10)
    guest = make_user(name="Ринат Сафин")
    registration = door_registration(event, guest)
    answer = scan(client, registration.ticket_code, event_id=event.id)
    assert answer.json["result"] == "checked_in"
    assert answer.json["visit"]["user_id"] == guest.id
    visit = db.session.scalar(select(Visit).where(Visit.user_id == guest.id))
    assert visit.registration_id == registration.id and visit.status == "active"
    checkin_id = answer.json["checkin_id"]
    assert client.delete(f"/api/v1/checkins/{checkin_id}", headers=RU).status_code == 200
    db.session.refresh(visit)
    assert visit.status not in ("active", "paused")


def test_check_in_to_a_free_event_starts_no_visit(client, staff, make_user, make_event, door_registration):
    event = make_event(starts_at=utcnow() + timedelta(minutes=20), entry="free")
    registration = door_registration(event, make_user())
    assert scan(client, registration.ticket_code).json["result"] == "checked_in"
    assert db.session.scalar(select(Visit.id)) is None
