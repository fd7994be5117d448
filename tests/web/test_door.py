"""The door's API and pages: scans, refusals, retries, undo, walk-ins, attendance, no-shows, the log."""

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from conftest import venue_dt, years_before
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from anticafe import codes, signals, versions
from anticafe.accounts.models import User
from anticafe.accounts.rules import age_on
from anticafe.clock import set_clock
from anticafe.db import utcnow
from anticafe.door import attendance, services
from anticafe.door.models import CheckIn, CheckInWindow, ScanLog
from anticafe.extensions import db
from anticafe.registrations.models import Registration
from anticafe.timeutil import to_venue, venue_today

RU = {"Accept-Language": "ru"}
EN = {"Accept-Language": "en"}


def now() -> datetime:
    return utcnow()


@pytest.fixture
def staff(make_user, auth):
    """A staff member, logged in."""
    return auth.login(make_user("staff", name="Денис Бариста"))


@pytest.fixture
def tonight(make_event):
    """An event starting in 20 minutes: check-in is open."""
    return make_event(starts_at=now() + timedelta(minutes=20), capacity=10, title="Турнир по мафии")


def scan(client, code, **body):
    return client.post("/api/v1/checkin", json={"code": code, **body}, headers=RU)


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


# ------------------------------------------------------------------------------------------------
# Scanning


def test_ticket_url_checks_in_then_answers_already(client, staff, tonight, make_user, door_registration):
    visitor = make_user(name="Алина Морозова", birth_date=date(2010, 3, 1))
    registration = door_registration(tonight, visitor)
    url = f"https://cafe.example/t/{registration.ticket_code}"

    first = scan(client, url, event_id=tonight.id, device="Телефон у двери")
    assert first.status_code == 200
    body = first.json
    assert body["result"] == "checked_in"
    assert body["user"]["name"] == "Алина Морозова"
    assert body["user"]["age"] == age_on(date(2010, 3, 1), to_venue(tonight.starts_at).date())
    assert body["event"]["id"] == tonight.id and body["event"]["title"] == "Турнир по мафии"
    assert body["registration"]["id"] == registration.id
    assert body["checked_in_at"].endswith("+05:00")
    assert body["checked_in_by"] == "Денис Бариста"

    second = scan(client, url, event_id=tonight.id, device="Второй телефон")
    assert second.status_code == 200
    assert second.json["result"] == "already_checked_in"
    assert second.json["checked_in_at"] == body["checked_in_at"]
    assert second.json["checked_in_by"] == "Денис Бариста"
    assert second.json["device"] == "Телефон у двери"
    assert "Телефон у двери" in second.json["message"] and "Денис Бариста" in second.json["message"]
    assert count(CheckIn) == 1


@pytest.mark.parametrize("variant", [
    lambda code: code.lower(),
    lambda code: codes.group(code),
    lambda code: " " + codes.group(code, 5).lower().replace("-", " ") + " ",
    lambda code: f"http://192.168.1.5:5000/t/{codes.group(code)}",
    lambda code: f"https://cafe.example/t/{code.lower()}/",
])
def test_ticket_code_variants_are_accepted(client, staff, tonight, make_user, door_registration, variant):
    registration = door_registration(tonight, make_user())
    response = scan(client, variant(registration.ticket_code), event_id=tonight.id)
    assert response.status_code == 200, response.json
    assert response.json["result"] == "checked_in"


@pytest.mark.parametrize("raw", ["", "   ", "hello world", "https://cafe.example/t/", "0000-1111",
                                 "https://cafe.example/t/ABCDEFGHJKMNPQRSTUVWXYZ234", "javascript:alert(1)"])
def test_unknown_codes_are_refused_and_logged(client, staff, raw):
    response = client.post("/api/v1/checkin", json={"code": raw or " "}, headers=EN)
    assert response.status_code == 404
    assert response.json["error"]["code"] == "unknown_code"
    assert "Unknown code" in response.json["error"]["message"]
    entry = db.session.scalar(select(ScanLog))
    assert entry.result == "unknown_code" and entry.staff_id == staff.id


def test_validation_errors_are_422(client, staff):
    response = client.post("/api/v1/checkin", json={})
    assert response.status_code == 422
    assert "code" in response.json["error"]["fields"]


@pytest.fixture
def noon(app):
    """Set the app's clock to noon tomorrow (venue time), so that "later today" stays today."""
    moment = venue_dt(venue_today() + timedelta(days=1), 12).astimezone(UTC)
    set_clock(app, moment)
    return moment


def _refusal_case(name, t0, make_event, make_user, door_registration):
    """Build a registration that the door must refuse at `t0` for `name`; return (registration, event_id to send)."""
    start = t0 + timedelta(minutes=20)
    user = make_user()
    if name == "registration_cancelled":
        event = make_event(starts_at=start)
        return door_registration(event, user, status="cancelled", ticket_code=codes.random_code(128)), event.id
    if name == "cancelled_with_revoked_ticket":  # what registrations' cancel() leaves behind
        event = make_event(starts_at=start)
        return door_registration(event, user, status="cancelled", ticket_code=codes.random_code(128),
                                 ticket_revoked_at=now()), event.id
    if name == "waitlisted":  # no ticket while waitlisted: staff find the person by search
        event = make_event(starts_at=start)
        return door_registration(event, user, status="waitlisted"), event.id
    if name == "event_cancelled":
        event = make_event(starts_at=start, status="cancelled")
        return door_registration(event, user), event.id
    if name == "wrong_event":
        event, other = make_event(starts_at=start), make_event(starts_at=start, title="Другое")
        return door_registration(other, user), event.id
    if name == "wrong_day":
        event = make_event(starts_at=t0 + timedelta(days=1))
        return door_registration(event, user), None
    if name == "not_open_yet":
        event = make_event(starts_at=t0 + timedelta(minutes=90))
        return door_registration(event, user), None
    if name == "over":
        event = make_event(starts_at=t0 - timedelta(hours=3), ends_at=t0 - timedelta(hours=1))
        return door_registration(event, user), None
    raise AssertionError(name)


@pytest.mark.parametrize("case, code", [
    ("registration_cancelled", "registration_cancelled"),
    ("cancelled_with_revoked_ticket", "registration_cancelled"),
    ("waitlisted", "waitlisted"),
    ("event_cancelled", "event_cancelled"),
    ("wrong_event", "wrong_event"),
    ("wrong_day", "outside_checkin_window"),
    ("not_open_yet", "outside_checkin_window"),
    ("over", "outside_checkin_window"),
])
def test_refusals_name_the_reason_event_and_person(client, staff, noon, make_event, make_user, door_registration,
                                                   case, code):
    registration, event_id = _refusal_case(case, noon, make_event, make_user, door_registration)
    body = {"event_id": event_id} if event_id else {}
    if registration.ticket_code is None:
        response = client.post("/api/v1/checkins", json={"registration_id": registration.id}, headers=RU)
    else:
        response = client.post("/api/v1/checkin", json={"code": registration.ticket_code, **body}, headers=RU)
    assert response.status_code == 409, response.json
    error = response.json["error"]
    assert error["code"] == code
    assert error["message"]
    assert error["event"]["id"] == registration.event_id
    assert error["user"]["id"] == registration.user_id
    if code == "outside_checkin_window":
        assert error["window"]["state"] == case
    assert count(CheckIn) == 0
    assert db.session.scalar(select(ScanLog.result)) == code


def test_refusal_messages_are_translated(client, staff, noon, make_event, make_user, door_registration):
    event = make_event(starts_at=noon + timedelta(minutes=90))
    registration = door_registration(event, make_user())
    ru = client.post("/api/v1/checkin", json={"code": registration.ticket_code}, headers=RU).json["error"]["message"]
    en = client.post("/api/v1/checkin", json={"code": registration.ticket_code}, headers=EN).json["error"]["message"]
    assert ru == "Вход ещё не открыт: откроется в 12:30."
    assert en == "Check-in is not open yet: it opens at 12:30."


def test_already_checked_in_wins_over_a_closed_window(client, staff, make_event, make_user, door_registration):
    event = make_event(starts_at=now() - timedelta(hours=3), ends_at=now() - timedelta(hours=1))
    registration = door_registration(event, make_user())
    db.session.add(CheckIn(registration_id=registration.id, event_id=event.id, user_id=registration.user_id,
                           checked_in_at=now() - timedelta(hours=3), staff_id=staff.id, device="A"))
    db.session.commit()
    response = scan(client, registration.ticket_code)
    assert response.status_code == 200 and response.json["result"] == "already_checked_in"


def test_scan_log_keeps_every_scan(client, staff, tonight, make_user, door_registration):
    registration = door_registration(tonight, make_user())
    scan(client, f"https://x.example/t/{registration.ticket_code}", device="Телефон 1", source="camera",
         event_id=tonight.id)
    scan(client, registration.ticket_code.lower(), device="Телефон 2", source="typed", event_id=tonight.id)
    scan(client, "NOPE2345", device="Телефон 2", source="photo")
    entries = db.session.scalars(select(ScanLog).order_by(ScanLog.id)).all()
    assert [(e.result, e.source, e.device) for e in entries] == [
        ("checked_in", "camera", "Телефон 1"), ("already_checked_in", "typed", "Телефон 2"),
        ("unknown_code", "photo", "Телефон 2")]
    assert entries[0].raw == f"https://x.example/t/{registration.ticket_code}"
    assert entries[0].registration_id == registration.id and entries[0].user_id == registration.user_id
    assert entries[0].checkin_id is not None and entries[0].event_id == tonight.id
    assert all(e.staff_id == staff.id for e in entries)


def test_same_nonce_replays_the_first_answer(client, staff, tonight, make_user, door_registration):
    registration = door_registration(tonight, make_user())
    first = scan(client, registration.ticket_code, nonce="n-1", event_id=tonight.id)
    again = scan(client, registration.ticket_code, nonce="n-1", event_id=tonight.id)
    assert first.status_code == again.status_code == 200
    assert again.json == first.json
    assert again.json["result"] == "checked_in"
    other = scan(client, registration.ticket_code, nonce="n-2", event_id=tonight.id)
    assert other.json["result"] == "already_checked_in"
    assert count(ScanLog, ScanLog.nonce == "n-1") == 1
    # A refusal is replayed too, with its status.
    bad = scan(client, "ZZZZ", nonce="n-3")
    bad_again = scan(client, "ZZZZ", nonce="n-3")
    assert bad.status_code == bad_again.status_code == 404 and bad.json == bad_again.json


def test_nonces_are_per_staff_member(client, auth, make_user, tonight, door_registration):
    registration = door_registration(tonight, make_user())
    auth.login(make_user("staff"))
    assert scan(client, registration.ticket_code, nonce="same").json["result"] == "checked_in"
    auth.login(make_user("admin"))
    assert scan(client, registration.ticket_code, nonce="same").json["result"] == "already_checked_in"


def test_hot_path_is_one_lookup_and_three_inserts(app, make_user, tonight, door_registration):
    staff_id = make_user("staff").id
    code, event_id = door_registration(tonight, make_user()).ticket_code, tonight.id
    db.session.expunge_all()  # as in a fresh request: only the logged-in staff member is loaded
    staff = db.session.get(User, staff_id)
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement.split()[0].upper())

    with app.test_request_context(headers=RU):
        sa_event.listen(db.engine, "before_cursor_execute", record)
        try:
            outcome = services.scan(code, staff=staff, device="A", event_id=event_id, nonce="hot")
        finally:
            sa_event.remove(db.engine, "before_cursor_execute", record)
        db.session.commit()
    assert outcome.body["result"] == "checked_in"
    # the ticket; the statistics' stale mark, the check-in, the scan log
    assert statements == ["SELECT", "INSERT", "INSERT", "INSERT"]


def test_a_repeat_scan_writes_only_its_log_and_bumps_no_data_version(client, auth, make_user, tonight,
                                                                     door_registration):
    registration = door_registration(tonight, make_user())
    auth.login(make_user("staff"))
    assert scan(client, registration.ticket_code).json["result"] == "checked_in"
    versions.forget()
    before = versions.current()
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement.split()[0].upper())

    sa_event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert scan(client, registration.ticket_code).json["result"] == "already_checked_in"
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", record)
    versions.forget()
    assert versions.current() == before  # the month grid, the statistics and the board keep their copies
    assert "UPDATE" not in statements and statements.count("INSERT") == 1  # the scan log alone
    assert count(ScanLog, ScanLog.result == "already_checked_in") == 1


def test_code_handlers_take_codes_that_are_not_tickets(client, staff, monkeypatch):
    seen = []

    def guest_card(code, *, staff, device, event_id, log, **_):
        seen.append(code)
        if code != "CARD2345":
            return None
        log.user_id = staff.id
        return {"result": "visit_started", "visit": {"id": 1}}

    with signals.code_scanned.connected_to(guest_card):
        response = scan(client, "card-2345")
        assert response.status_code == 200 and response.json == {"result": "visit_started", "visit": {"id": 1}}
        assert scan(client, "THERE234").status_code == 404
        # A ticket URL is never offered to the receivers.
        assert scan(client, "https://cafe.example/t/CARD2345").status_code == 404
    assert seen == ["CARD2345", "THERE234"]
    assert db.session.scalar(select(ScanLog.result).order_by(ScanLog.id)) == "visit_started"


def test_a_code_shorter_than_a_ticket_is_offered_first_and_still_tried_as_a_ticket(
        client, staff, tonight, make_user, door_registration, monkeypatch):
    asked = []
    load_ticket = services.load_ticket

    def spy(**key):
        asked.append("ticket")
        return load_ticket(**key)

    def guest_card(code, **_):
        asked.append("offered")
        return {"result": "visit_started", "visit": {"id": 1}} if code == "CARD2345" else None

    monkeypatch.setattr(services, "load_ticket", spy)
    older = door_registration(tonight, make_user(), ticket_code="PASTTKCKET23")  # another length than today's
    with signals.code_scanned.connected_to(guest_card):
        assert scan(client, "CARD2345").json["result"] == "visit_started"
        assert asked == ["offered"]  # a guest card's scan pays no ticket lookup
        asked.clear()
        assert scan(client, older.ticket_code, event_id=tonight.id).json["result"] == "checked_in"
        assert asked == ["offered", "ticket"]
        asked.clear()
        fresh = door_registration(tonight, make_user())
        assert scan(client, fresh.ticket_code, event_id=tonight.id).json["result"] == "checked_in"
        assert asked == ["ticket"]  # a ticket of today's length is never offered to the receivers


def test_ticket_first(client):
    from anticafe.door import rules

    today = codes.random_code(128)
    assert len(today) == rules.TICKET_CODE_LENGTH
    assert rules.ticket_first(rules.parse_code(today), None)
    assert rules.ticket_first(rules.parse_code("https://cafe.example/t/K7M3PQ"), None)
    assert rules.ticket_first(rules.parse_code("K7M3PQ"), 5)  # a door code, the event known
    assert rules.ticket_first(None, None)
    assert not rules.ticket_first(rules.parse_code("K7M3PQ"), None)
    assert not rules.ticket_first(rules.parse_code(codes.random_code(50)), 5)  # a guest card's length


# ------------------------------------------------------------------------------------------------
# Manual check-in and undo


def test_manual_check_in_and_undo(client, staff, tonight, make_user, door_registration):
    registration = door_registration(tonight, make_user(name="Тимур Волков"))
    first = client.post("/api/v1/checkins", json={"registration_id": registration.id, "device": "Планшет"})
    assert first.status_code == 200 and first.json["result"] == "checked_in"
    checkin_id = first.json["checkin_id"]
    assert client.post("/api/v1/checkins", json={"registration_id": registration.id}).json["result"] == \
        "already_checked_in"

    undone = client.delete(f"/api/v1/checkins/{checkin_id}", json={"device": "Планшет"}, headers=EN)
    assert undone.status_code == 200
    assert undone.json["result"] == "undone" and undone.json["checkin"]["undone_at"]
    assert undone.json["checkin"]["undone_by"] == "Денис Бариста"
    assert "Тимур Волков" in undone.json["message"]
    # Undoing twice changes nothing; the check-in stays in the table.
    assert client.delete(f"/api/v1/checkins/{checkin_id}").status_code == 200
    assert count(CheckIn) == 1

    again = scan(client, registration.ticket_code, event_id=tonight.id)
    assert again.json["result"] == "checked_in" and again.json["checkin_id"] != checkin_id
    attendance = client.get(f"/api/v1/events/{tonight.id}/attendance").json
    assert attendance["checked_in"] == 1
    assert [bool(c["undone_at"]) for c in attendance["checkins"]] == [False, True]
    assert [e.result for e in db.session.scalars(select(ScanLog).order_by(ScanLog.id))] == [
        "checked_in", "already_checked_in", "undone", "undone", "checked_in"]


def test_manual_check_in_refuses_like_a_scan(client, staff, make_event, make_user, door_registration):
    event = make_event(starts_at=now() + timedelta(minutes=10))
    waitlisted = door_registration(event, make_user(), status="waitlisted")
    response = client.post("/api/v1/checkins", json={"registration_id": waitlisted.id})
    assert response.status_code == 409 and response.json["error"]["code"] == "waitlisted"
    missing = client.post("/api/v1/checkins", json={"registration_id": 424242})
    assert missing.status_code == 404 and missing.json["error"]["code"] == "registration_not_found"
    assert client.delete("/api/v1/checkins/424242").json["error"]["code"] == "checkin_not_found"


def test_undo_from_the_attendance_page(client, staff, tonight, make_user, door_registration):
    registration = door_registration(tonight, make_user(name="Ксения Орлова"))
    checkin_id = scan(client, registration.ticket_code).json["checkin_id"]
    response = client.post(f"/door/checkins/{checkin_id}/undo", follow_redirects=True, headers=RU)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Отметка отменена: Ксения Орлова." in page
    assert db.session.get(CheckIn, checkin_id).undone_at is not None


# ------------------------------------------------------------------------------------------------
# Attendance and no-shows


def test_attendance_counts(client, staff, make_event, make_user, door_registration):
    event = make_event(starts_at=now() - timedelta(minutes=30), capacity=5)
    a, b, c = (door_registration(event, make_user()) for _ in range(3))
    door_registration(event, make_user(), status="waitlisted")
    door_registration(event, make_user(), status="cancelled")
    scan(client, a.ticket_code)
    scan(client, b.ticket_code)
    data = client.get(f"/api/v1/events/{event.id}/attendance").json
    assert (data["confirmed"], data["waitlisted"], data["capacity"], data["seats_left"]) == (3, 1, 5, 2)
    assert data["checked_in"] == 2 and data["walk_ins"] == 0
    assert data["inside_now"] == 2 and data["venue_capacity"] == 60
    assert data["no_shows"] is None
    assert data["window"]["state"] == "open"
    assert {row["user"]["id"] for row in data["checkins"]} == {a.user_id, b.user_id}
    limited = client.get(f"/api/v1/events/{event.id}/attendance?limit=1").json
    assert len(limited["checkins"]) == 1 and limited["checked_in"] == 2
    assert c.status == "confirmed"
    assert client.get("/api/v1/events/424242/attendance").status_code == 404


def test_no_shows_after_the_event(client, staff, make_event, make_user, door_registration):
    event = make_event(starts_at=now() - timedelta(hours=3), ends_at=now() - timedelta(hours=1))
    came = door_registration(event, make_user(name="Пришёл Вовремя"))
    door_registration(event, make_user(name="Не Пришёл"))
    door_registration(event, make_user(name="В Очереди"), status="waitlisted")
    undone = door_registration(event, make_user(name="Отменили Отметку"))
    db.session.add_all([
        CheckIn(registration_id=came.id, event_id=event.id, user_id=came.user_id),
        CheckIn(registration_id=undone.id, event_id=event.id, user_id=undone.user_id, undone_at=now()),
    ])
    db.session.commit()
    assert [r.user.name for r in attendance.no_shows(event)] == ["Не Пришёл", "Отменили Отметку"]
    assert client.get(f"/api/v1/events/{event.id}/attendance").json["no_shows"] == 2
    page = client.get(f"/door/events/{event.id}", headers=RU).get_data(as_text=True)
    assert "Не пришли" in page and "Не Пришёл" in page and "Отменили Отметку" in page


def test_no_shows_are_empty_before_the_end(app, tonight, make_user, door_registration):
    door_registration(tonight, make_user())
    assert attendance.no_shows(tonight) == []


# ------------------------------------------------------------------------------------------------
# Search and walk-ins


def test_search_attendees_by_name_phone_email(client, staff, tonight, make_user, door_registration):
    anna = make_user(name="Анна Кузнецова", email="anna.k@example.org", phone="+79121234567")
    door_registration(tonight, anna)
    door_registration(tonight, make_user(name="Пётр Иванов"), status="waitlisted")
    url = f"/api/v1/events/{tonight.id}/attendees"
    for q in ("анна", "КУЗНЕЦ", "anna.k@", "8 912 123-45-67", "4567"):
        items = client.get(url, query_string={"q": q}).json["items"]
        assert [i["user"]["name"] for i in items] == ["Анна Кузнецова"], q
    everyone = client.get(url).json["items"]
    assert [i["registration"]["status"] for i in everyone] == ["confirmed", "waitlisted"]
    checkin_id = client.post("/api/v1/checkins", json={"registration_id": everyone[0]["registration"]["id"]}).json[
        "checkin_id"]
    assert client.get(url, query_string={"q": "анна"}).json["items"][0]["checkin_id"] == checkin_id


def test_search_people_for_a_walk_in(client, staff, tonight, make_user, door_registration):
    lena = make_user(name="Елена Смирнова", phone="+79220001122")
    door_registration(tonight, lena)
    make_user(name="Елизавета Смирнова")
    items = client.get("/api/v1/door/people", query_string={"q": "смирнова", "event_id": tonight.id}).json["items"]
    assert [(i["name"], i["registration"] and i["registration"]["status"]) for i in items] == [
        ("Елена Смирнова", "confirmed"), ("Елизавета Смирнова", None)]
    assert client.get("/api/v1/door/people", query_string={"q": ""}).json["items"] == []


def test_walk_in_new_guest(client, staff, tonight):
    response = client.post(f"/api/v1/events/{tonight.id}/walk-ins",
                           json={"name": "Марат Гайнуллин", "phone": "8 912 555 66 77", "birth_date": "2009-05-05",
                                 "device": "Телефон у двери"})
    assert response.status_code == 201, response.json
    body = response.json
    assert body["result"] == "checked_in" and body["walk_in"] is True
    assert body["user"]["name"] == "Марат Гайнуллин"
    guest = db.session.get(User, body["user"]["id"])
    assert guest.email is None and guest.password_hash is None and guest.phone == "+79125556677"
    registration = db.session.get(Registration, body["registration"]["id"])
    assert (registration.status, registration.source, registration.created_by_id) == ("confirmed", "walk_in", staff.id)
    assert codes.normalize(registration.ticket_code) == registration.ticket_code and len(registration.ticket_code) >= 26
    entry = db.session.scalar(select(ScanLog))
    assert (entry.source, entry.result, entry.user_id) == ("walk_in", "checked_in", guest.id)


def test_walk_in_needs_a_person(client, staff, tonight):
    response = client.post(f"/api/v1/events/{tonight.id}/walk-ins", json={"name": "  "})
    assert response.status_code == 422
    assert client.post(f"/api/v1/events/{tonight.id}/walk-ins", json={"user_id": 424242}).status_code == 404
    assert client.post("/api/v1/events/424242/walk-ins", json={"name": "Кто-то"}).status_code == 404


def test_walk_in_into_a_full_event_needs_a_reason(client, staff, make_event, make_user, door_registration):
    event = make_event(starts_at=now() + timedelta(minutes=5), capacity=1)
    door_registration(event, make_user())
    url = f"/api/v1/events/{event.id}/walk-ins"
    refused = client.post(url, json={"name": "Гость Без Места"}, headers=RU)
    assert refused.status_code == 409
    error = refused.json["error"]
    assert error["code"] == "event_full" and error["override_allowed"] is True
    assert "1 из 1" in error["message"]
    assert count(User, User.name == "Гость Без Места") == 0

    let_in = client.post(url, json={"name": "Гость Без Места", "override_reason": "Брат участника, стоит у стены"})
    assert let_in.status_code == 201
    checkin = db.session.get(CheckIn, let_in.json["checkin_id"])
    assert checkin.override_reason == "Брат участника, стоит у стены" and checkin.walk_in
    page = client.get("/door/log", headers=RU).get_data(as_text=True)
    assert "Брат участника, стоит у стены" in page
    attendance = client.get(f"/door/events/{event.id}", headers=RU).get_data(as_text=True)
    assert "Брат участника, стоит у стены" in attendance


def test_walk_in_details_are_checked_before_the_seats(client, staff, make_event, make_user, door_registration):
    event = make_event(starts_at=now() + timedelta(minutes=5), capacity=1)
    door_registration(event, make_user())
    response = client.post(f"/api/v1/events/{event.id}/walk-ins", json={"name": "Марат", "phone": "123"},
                           headers=RU)
    assert response.status_code == 422
    assert response.json["error"]["fields"]["phone"] == ["Введите номер телефона, например +7 912 345-67-89."]
    assert count(User, User.name == "Марат") == 0
    assert db.session.scalar(select(ScanLog.result)) == "validation_error"


def test_walk_in_refused_by_a_hook_leaves_nothing_behind(client, staff, tonight, monkeypatch):
    from anticafe.errors import DomainError

    def venue_full(checkin, *, ticket, staff, **_):
        raise DomainError("venue_full", "The venue is full.", status=409)

    with signals.checked_in.connected_to(venue_full):
        response = client.post(f"/api/v1/events/{tonight.id}/walk-ins", json={"name": "Слишком Поздно"})
    assert response.status_code == 409 and response.json["error"]["code"] == "venue_full"
    assert count(User, User.name == "Слишком Поздно") == 0 and count(Registration) == 0 and count(CheckIn) == 0
    entry = db.session.scalar(select(ScanLog))
    assert (entry.result, entry.user_id, entry.registration_id, entry.event_id) == ("venue_full", None, None,
                                                                                   tonight.id)


def test_walk_in_of_someone_already_registered(client, staff, tonight, make_user, door_registration):
    registered = door_registration(tonight, make_user())
    response = client.post(f"/api/v1/events/{tonight.id}/walk-ins", json={"user_id": registered.user_id})
    assert response.status_code == 201
    assert response.json["registration"]["id"] == registered.id and response.json["walk_in"] is False
    assert count(Registration) == 1


def test_walk_in_of_a_waitlisted_person_confirms_them_and_closes_the_gap(client, staff, make_event, make_user,
                                                                       door_registration):
    event = make_event(starts_at=now() + timedelta(minutes=5), capacity=3)
    door_registration(event, make_user())
    first, second, third = (door_registration(event, make_user(), status="waitlisted", waitlist_position=n)
                            for n in (1, 2, 3))
    response = client.post(f"/api/v1/events/{event.id}/walk-ins", json={"user_id": second.user_id})
    assert response.status_code == 201
    db.session.expire_all()
    assert (second.status, second.waitlist_position) == ("confirmed", None) and second.ticket_code
    assert (first.waitlist_position, third.waitlist_position) == (1, 2)


def test_walk_in_respects_age_limits_unless_overridden(client, staff, make_event, make_user):
    event = make_event(starts_at=now() + timedelta(minutes=5), min_age=14, max_age=18)
    kid = make_user(birth_date=years_before(venue_today(), 11) - timedelta(days=10))
    url = f"/api/v1/events/{event.id}/walk-ins"
    refused = client.post(url, json={"user_id": kid.id}, headers=EN)
    assert refused.status_code == 422 and refused.json["error"]["code"] == "age_restricted"
    assert "14–18" in refused.json["error"]["message"]
    assert client.post(url, json={"user_id": kid.id, "override_reason": "С мамой"}).status_code == 201


def test_walk_in_outside_the_window_is_refused(client, staff, make_event):
    event = make_event(starts_at=now() + timedelta(days=2))
    response = client.post(f"/api/v1/events/{event.id}/walk-ins", json={"name": "Рано Пришёл"})
    assert response.status_code == 409
    assert response.json["error"]["code"] == "outside_checkin_window"
    assert response.json["error"]["window"]["state"] == "wrong_day"


def test_walk_in_retry_with_the_same_nonce_creates_one_guest(client, staff, tonight):
    url = f"/api/v1/events/{tonight.id}/walk-ins"
    first = client.post(url, json={"name": "Один Раз", "nonce": "w-1"})
    again = client.post(url, json={"name": "Один Раз", "nonce": "w-1"})
    assert first.status_code == again.status_code == 201 and first.json == again.json
    assert count(User, User.name == "Один Раз") == 1


# ------------------------------------------------------------------------------------------------
# Check-in window


def test_event_window_can_be_widened(client, staff, make_event, make_user, door_registration):
    event = make_event(starts_at=now() + timedelta(minutes=100))
    registration = door_registration(event, make_user())
    assert scan(client, registration.ticket_code).status_code == 409
    saved = client.post(f"/door/events/{event.id}/window",
                        data={"opens_minutes_before": "120", "closes_minutes_after": "30"})
    assert saved.status_code == 302
    assert db.session.get(CheckInWindow, event.id).opens_minutes_before == 120
    assert scan(client, registration.ticket_code).json["result"] == "checked_in"
    bad = client.post(f"/door/events/{event.id}/window", data={"opens_minutes_before": "-5",
                                                               "closes_minutes_after": ""}, headers=RU)
    assert bad.status_code == 422


# ------------------------------------------------------------------------------------------------
# Pages


def test_scanner_page_defaults_to_the_event_happening_now(client, staff, make_event):
    make_event(starts_at=now() + timedelta(days=2), title="Послезавтра")
    current = make_event(starts_at=now() - timedelta(minutes=10), title="Прямо сейчас")
    make_event(starts_at=now() + timedelta(hours=3), title="Вечером")
    page = client.get("/door", headers=RU).get_data(as_text=True)
    assert f'<option value="{current.id}" selected>' in page
    assert "Послезавтра" in page and "Вечером" in page
    assert "vendor/zxing-browser.min.js" in page
    strings = json.loads(page.split('<script type="application/json" id="door-strings">')[1].split("</script>")[0])
    assert strings["results"]["already_checked_in"].startswith("Вход уже отмечен")  # the script's words, translated


def test_scanner_page_picks_the_next_event_when_none_is_on(client, staff, make_event):
    later = make_event(starts_at=now() + timedelta(hours=5), title="Вечером")
    make_event(starts_at=now() + timedelta(days=1), title="Завтра")
    page = client.get("/door", headers=RU).get_data(as_text=True)
    assert f'<option value="{later.id}" selected>' in page
    past = make_event(starts_at=now() - timedelta(days=30), title="Давно")
    chosen = client.get(f"/door?event={past.id}", headers=RU).get_data(as_text=True)
    assert f'<option value="{past.id}" selected>' in chosen


def test_scanner_page_without_events(client, staff):
    page = client.get("/door", headers=RU).get_data(as_text=True)
    assert "Нет мероприятий" in page


def test_door_link_only_for_staff(client, auth, make_user):
    auth.login(make_user("visitor"))
    assert 'href="/door"' not in client.get("/", headers=RU).get_data(as_text=True)
    auth.login(make_user("staff"))
    home = client.get("/", headers=RU).get_data(as_text=True)
    assert 'href="/door"' in home and "Контроль входа</a>" in home  # not «Вход», which reads as "log in"


def test_attendance_and_log_pages(client, staff, tonight, make_user, door_registration):
    registration = door_registration(tonight, make_user(name="Вероника Павлова"))
    scan(client, registration.ticket_code, device="Телефон 1", source="camera")
    scan(client, "JUNK2345", device="Телефон 1", source="typed")
    attendance = client.get(f"/door/events/{tonight.id}", headers=RU).get_data(as_text=True)
    assert "Вероника Павлова" in attendance and "Денис Бариста" in attendance and "Телефон 1" in attendance
    log = client.get("/door/log", headers=RU).get_data(as_text=True)
    assert "Неизвестный код" in log and "Вход отмечен" in log and "Камера" in log and "JUNK2345" in log
    only_unknown = client.get("/door/log?result=unknown_code", headers=RU).get_data(as_text=True)
    assert "JUNK2345" in only_unknown and "Вероника Павлова" not in only_unknown
    assert client.get("/door/events/424242").status_code == 404


def test_log_pages_back(client, staff, monkeypatch):
    from anticafe.door import views

    monkeypatch.setattr(views, "LOG_PAGE_SIZE", 2)
    for n in range(3):
        scan(client, f"CODE{n + 2}")
    first = client.get("/door/log").get_data(as_text=True)
    assert "CODE4" in first and "CODE3" in first and "CODE2" not in first
    oldest = db.session.scalar(select(func.min(ScanLog.id)))
    older = client.get(f"/door/log?before={oldest + 1}").get_data(as_text=True)
    assert "CODE2" in older and "CODE4" not in older


# ------------------------------------------------------------------------------------------------
# Demo data


def test_demo_checks_people_in_to_past_events(app, runner, make_event, make_user, door_registration):
    past = make_event(starts_at=now() - timedelta(days=2), capacity=30)
    for _ in range(20):
        door_registration(past, make_user())
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    checkins = db.session.scalars(select(CheckIn).where(CheckIn.event_id == past.id)).all()
    assert 10 <= len([c for c in checkins if not c.walk_in]) < 20
    assert all(c.staff_id and c.device for c in checkins)
    logged = db.session.scalars(select(ScanLog).where(ScanLog.event_id == past.id)).all()
    assert {e.result for e in logged} >= {"checked_in"}
    assert all(e.checkin_id for e in logged if e.result == "checked_in")
    assert attendance.no_shows(past)
