"""Offline scanning at the door, server side: the list a phone keeps, and uploads of scans decided offline."""

import hashlib
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from anticafe.db import utcnow
from anticafe.door import offline
from anticafe.door.models import CheckIn, ScanLog
from anticafe.extensions import db
from anticafe.timeutil import to_venue

RU = {"Accept-Language": "ru"}


def now() -> datetime:
    return utcnow()


@pytest.fixture
def staff(make_user, auth):
    return auth.login(make_user("staff", name="Денис Бариста"))


@pytest.fixture
def tonight(make_event):
    """Started 30 minutes ago: check-in is open."""
    return make_event(starts_at=now() - timedelta(minutes=30), capacity=10, title="Хеллоуин-дискотека")


def upload(client, code, scanned_at: datetime, offline_result="checked_in", **body):
    return client.post("/api/v1/checkin", headers=RU, json={
        "code": code, "offline": True, "scanned_at": scanned_at.isoformat(), "offline_result": offline_result,
        "source": "camera", **body})


def iso(moment: datetime) -> str:
    return to_venue(moment).isoformat()


def test_offline_list_holds_hashes_short_names_bands_and_states(client, staff, tonight, make_user, make_event,
                                                                door_registration):
    alina = door_registration(tonight, make_user(name="Алина Морозова", birth_date=date(2010, 3, 1)))
    timur = door_registration(tonight, make_user(name="Тимур Волков", birth_date=None))
    gone = door_registration(tonight, make_user(name="Ксения Орлова"))
    revoked = door_registration(tonight, make_user(name="Марат Гайнуллин", birth_date=date(1990, 1, 1)))
    door_registration(tonight, make_user(name="Ждущий Очереди"), status="waitlisted")
    other = door_registration(make_event(starts_at=now() + timedelta(days=2)), make_user(name="Чужой Гость"))
    gone.status = "cancelled"
    revoked.status, revoked.ticket_revoked_at = "cancelled", now()
    db.session.commit()
    assert scan_code(client, timur.ticket_code, tonight.id).status_code == 200

    response = client.get(f"/api/v1/events/{tonight.id}/offline-list")
    assert response.status_code == 200
    body = response.json
    text = response.get_data(as_text=True)
    for registration in (alina, timur, gone, revoked, other):  # never a code, only hashes
        assert registration.ticket_code not in text
    tickets = {t["hash"]: t for t in body["tickets"]}
    assert len(tickets) == 4  # the waitlisted has no ticket; the other event's ticket is not listed

    def entry(registration):
        return tickets[hashlib.sha256(("anticafe-ticket:" + registration.ticket_code).encode()).hexdigest()]

    assert entry(alina) == {"hash": entry(alina)["hash"], "name": "Алина М.", "age_band": "14_17",
                            "status": "confirmed", "revoked": False, "checked_in_at": None}
    assert entry(timur)["age_band"] == "unknown" and entry(timur)["checked_in_at"] is not None
    assert entry(gone)["status"] == "cancelled" and entry(gone)["revoked"] is False
    assert entry(revoked)["revoked"] is True and entry(revoked)["age_band"] == "18_plus"
    assert body["event"]["id"] == tonight.id
    assert body["timezone"] == "Asia/Yekaterinburg"
    assert body["window"] == {"opens_at": iso(tonight.starts_at - timedelta(hours=1)),
                              "closes_at": iso(tonight.ends_at)}
    assert body["keep_until"] == iso(tonight.ends_at + timedelta(hours=6))
    assert body["hash"] == {"algorithm": "sha256", "prefix": "anticafe-ticket:"}


def test_offline_list_of_a_missing_event_is_404(client, staff):
    response = client.get("/api/v1/events/999999/offline-list")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "event_not_found"


def test_offline_list_needs_a_staff_session(client, make_user, auth, tonight):
    assert client.get(f"/api/v1/events/{tonight.id}/offline-list").status_code == 401
    auth.login(make_user("visitor"))
    assert client.get(f"/api/v1/events/{tonight.id}/offline-list").status_code == 403


def scan_code(client, code, event_id, **body):
    return client.post("/api/v1/checkin", json={"code": code, "event_id": event_id, **body}, headers=RU)


def test_an_offline_scan_is_recorded_at_its_moment(client, staff, tonight, make_user, door_registration):
    registration = door_registration(tonight, make_user(name="Алина Морозова"))
    scanned_at = now() - timedelta(minutes=12)
    response = upload(client, registration.ticket_code, scanned_at, event_id=tonight.id, nonce="n-1",
                      device="Телефон 1")
    assert response.status_code == 200, response.json
    assert response.json["result"] == "checked_in"
    assert response.json["offline"] is True and "conflict" not in response.json
    assert response.json["checked_in_at"] == iso(scanned_at)
    checkin = db.session.scalar(select(CheckIn))
    assert checkin.checked_in_at == scanned_at and checkin.offline is True and checkin.device == "Телефон 1"
    entry = db.session.scalar(select(ScanLog))
    assert (entry.result, entry.offline_result, entry.scanned_at) == ("checked_in", "checked_in", scanned_at)
    assert entry.at > scanned_at
    assert not entry.offline_conflict

    # The phone retries the upload (its answer was lost): the first answer comes back, nothing is added.
    again = upload(client, registration.ticket_code, scanned_at, event_id=tonight.id, nonce="n-1")
    assert again.json == response.json
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 1


def test_two_phones_admitting_one_ticket_offline_keep_the_first_and_show_a_conflict(
        client, staff, tonight, make_user, door_registration):
    registration = door_registration(tonight, make_user(name="Алина Морозова"))
    first_at, second_at = now() - timedelta(minutes=20), now() - timedelta(minutes=15)
    first = upload(client, registration.ticket_code, first_at, event_id=tonight.id, nonce="a", device="Телефон 1")
    second = upload(client, registration.ticket_code, second_at, event_id=tonight.id, nonce="b", device="Телефон 2")
    assert first.json["result"] == "checked_in"
    assert second.status_code == 200
    assert second.json["result"] == "already_checked_in" and second.json["conflict"] is True
    assert second.json["checked_in_at"] == iso(first_at) and second.json["device"] == "Телефон 1"
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 1

    conflicts = offline.offline_conflicts(tonight.id)
    assert [(c.device, c.scanned_at, c.result) for c in conflicts] == [("Телефон 2", second_at, "already_checked_in")]

    page = client.get(f"/door/events/{tonight.id}", headers=RU).get_data(as_text=True)
    assert "Конфликты офлайн-сканирования" in page and "Телефон 2" in page
    log = client.get(f"/door/log?event={tonight.id}", headers=RU).get_data(as_text=True)
    assert "офлайн" in log and "конфликт" in log


def test_a_phone_repeating_its_own_offline_scan_is_no_conflict(client, staff, tonight, make_user, door_registration):
    registration = door_registration(tonight, make_user())
    upload(client, registration.ticket_code, now() - timedelta(minutes=5), event_id=tonight.id, nonce="a")
    again = upload(client, registration.ticket_code, now() - timedelta(minutes=4), "already_checked_in",
                   event_id=tonight.id, nonce="b")
    assert again.json["result"] == "already_checked_in" and "conflict" not in again.json
    assert offline.offline_conflicts(tonight.id) == []


def test_admitted_offline_but_cancelled_since_is_a_conflict(client, staff, tonight, make_user, door_registration):
    registration = door_registration(tonight, make_user())
    registration.status = "cancelled"
    db.session.commit()
    response = upload(client, registration.ticket_code, now() - timedelta(minutes=5), event_id=tonight.id)
    assert response.status_code == 409
    assert response.json["error"]["code"] == "registration_cancelled" and response.json["error"]["conflict"] is True
    assert len(offline.offline_conflicts(tonight.id)) == 1


def test_scanned_at_in_the_future_is_refused(client, staff, tonight, make_user, door_registration):
    registration = door_registration(tonight, make_user())
    response = upload(client, registration.ticket_code, now() + timedelta(minutes=10), event_id=tonight.id)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "scanned_at_in_future"
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 0
    assert db.session.scalar(select(ScanLog.result)) == "scanned_at_in_future"


def test_scanned_at_before_the_window_is_refused(client, staff, tonight, make_user, door_registration):
    registration = door_registration(tonight, make_user())
    response = upload(client, registration.ticket_code, tonight.starts_at - timedelta(hours=3), event_id=tonight.id)
    assert response.status_code == 409
    assert response.json["error"]["code"] == "outside_checkin_window"
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 0


@pytest.mark.parametrize("body", [
    {"offline": True},
    {"offline": True, "scanned_at": "2026-10-31T19:00:00+05:00"},
    {"offline": True, "scanned_at": "2026-10-31T19:00:00", "offline_result": "checked_in"},
    {"offline": True, "scanned_at": "not a time", "offline_result": "checked_in"},
    {"offline": True, "scanned_at": "2026-10-31T19:00:00+05:00", "offline_result": "let_in"},
    {"scanned_at": "2026-10-31T19:00:00+05:00"},
    {"offline_result": "checked_in"},
])
def test_offline_fields_are_validated(client, staff, body):
    response = client.post("/api/v1/checkin", json={"code": "ABCDEFGH", **body})
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_error"


def test_an_offline_scan_of_a_guest_card_starts_no_visit(client, staff, make_user):
    guest = make_user(name="Гость С Картой")
    response = upload(client, guest.card_code, now() - timedelta(minutes=3), "unknown_code")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "unknown_code"


def test_offline_scans_are_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").json
    assert "/api/v1/events/{event_id}/offline-list" in spec["paths"]
    ref = spec["paths"]["/api/v1/checkin"]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"]
    assert {"offline", "scanned_at", "offline_result"} <= set(body)


def test_the_service_worker_and_manifest_are_public_and_scoped_to_the_door(client):
    worker = client.get("/door/sw.js")
    assert worker.status_code == 200
    assert worker.mimetype == "text/javascript"
    assert worker.headers["Service-Worker-Allowed"] == "/door"
    assert worker.headers["Cache-Control"] == "no-cache"
    text = worker.get_data(as_text=True)
    assert '"/door"' in text and "/static/js/door-offline.js" in text and "/api/" in text

    manifest = client.get("/door/manifest.webmanifest", headers={"Accept-Language": "en"})
    assert manifest.status_code == 200 and manifest.mimetype == "application/manifest+json"
    body = manifest.json
    assert (body["start_url"], body["scope"], body["display"]) == ("/door", "/door", "standalone")
    assert body["name"] == "Door scanner"
    assert {icon["sizes"] for icon in body["icons"]} == {"192x192", "512x512"}
    for icon in body["icons"]:
        assert client.get(icon["src"]).status_code == 200
    assert client.get("/door/manifest.webmanifest", headers=RU).json["name"] == "Сканер на входе"


def test_the_scanner_page_links_its_manifest_worker_and_offline_counter(client, staff, tonight):
    page = client.get("/door", headers=RU).get_data(as_text=True)
    assert 'rel="manifest" href="/door/manifest.webmanifest"' in page
    assert 'data-worker-url="/door/sw.js"' in page and 'data-worker-scope="/door"' in page
    assert 'data-offline-list-url="/api/v1/events/__ID__/offline-list"' in page
    assert "Ждут отправки: 0" in page


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00-14:00",
                                    "9999-12-31T23:59:59-14:00", "9999-12-31T23:59:59+14:00"])
def test_scanned_at_at_the_ends_of_the_calendar_is_a_4xx(client, staff, tonight, make_user, door_registration, moment):
    registration = door_registration(tonight, make_user())
    response = client.post("/api/v1/checkin", json={"code": registration.ticket_code, "event_id": tonight.id,
                                                    "offline": True, "scanned_at": moment,
                                                    "offline_result": "checked_in"})
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 0
