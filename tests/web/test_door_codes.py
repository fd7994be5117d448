"""Short door codes (typed with the event), «Запись отменена» at the door, staff on a ticket page,
the door log in words, and WTForms' own messages translated in nested forms."""

from datetime import datetime, timedelta

import pytest

from anticafe import codes
from anticafe.db import utcnow
from anticafe.door import labels, rules
from anticafe.extensions import db
from anticafe.registrations import rows
from anticafe.registrations import services as registrations
from anticafe.registrations.models import Registration

RU = {"Accept-Language": "ru"}
EN = {"Accept-Language": "en"}


def now() -> datetime:
    return utcnow()


@pytest.fixture
def staff(make_user, auth):
    return auth.login(make_user("staff", name="Денис Бариста"))


@pytest.fixture
def tonight(make_event):
    return make_event(starts_at=now() + timedelta(minutes=20), capacity=100, title="Турнир по мафии")


def register(event, user) -> Registration:
    registration = registrations.register(event, user)
    db.session.commit()
    return registration


# ------------------------------------------------------------------------------------------------
# Pure rules


def test_new_door_code_is_short_typeable_and_avoids_taken_codes(monkeypatch):
    code = rows.new_door_code()
    assert len(code) == rows.DOOR_CODE_LENGTH and set(code) <= set(codes.ALPHABET)
    picks = iter([list("AAAAAA"), list("AAAAAA"), list("BBBBBB")])
    monkeypatch.setattr(codes, "random_choice", lambda length: next(picks))
    assert rows.new_door_code({"AAAAAA"}) == "BBBBBB"


@pytest.mark.parametrize("raw, event_id, expected", [
    ("k7m-3pq", 5, True),
    ("K7M3PQ", None, False),  # without the event a short code means nothing
    ("K7M3P", 5, False),  # too short
    ("K7M3PQ2HX", 5, False),  # too long: a ticket or a guest card
    ("https://cafe.example/t/K7M3PQ", 5, False),  # a ticket URL is never a door code
])
def test_may_be_door_code(raw, event_id, expected):
    assert rules.may_be_door_code(rules.parse_code(raw), event_id) is expected


def test_scan_decision_says_cancelled_before_wrong_event():
    assert rules.scan_decision(found=True, ticket_event_id=1, event_id=2,
                               registration_status="cancelled") == "registration_cancelled"
    assert rules.scan_decision(found=True, ticket_event_id=1, event_id=2) == "wrong_event"


def test_raw_label_never_shows_internal_notes(app):
    with app.test_request_context(headers=RU):
        assert labels.raw_label("walk-in:Петя Иванов") == "Вход без записи: Петя Иванов"
        assert "registration" not in labels.raw_label("registration:12")
        assert labels.raw_label("K7M3PQ") == "K7M3PQ"


# ------------------------------------------------------------------------------------------------
# The services and the API


def test_every_seat_gets_a_door_code_unique_within_its_event(app, make_user, tonight, make_event):
    people = [register(tonight, make_user(name=f"Гость {i}")) for i in range(30)]
    door_codes = [r.door_code for r in people]
    assert all(c and len(c) == 6 and set(c) <= set(codes.ALPHABET) for c in door_codes)
    assert len(set(door_codes)) == len(door_codes)
    other = make_event(starts_at=now() + timedelta(days=3), capacity=1)
    seated = register(other, make_user())
    waiting = register(other, make_user())
    assert seated.door_code and waiting.door_code is None  # the waitlist holds no ticket


def test_a_waitlisted_person_promoted_gets_a_door_code(app, make_user, make_event):
    event = make_event(starts_at=now() + timedelta(days=3), capacity=1)
    first = register(event, make_user())
    second = register(event, make_user())
    registrations.cancel(first, by=first.user)
    db.session.commit()
    db.session.refresh(second)
    assert second.is_confirmed and second.door_code and second.door_code != first.door_code


def test_reissued_ticket_gets_a_new_door_code(app, make_user, tonight):
    registration = register(tonight, make_user())
    old = registration.door_code
    registrations.reissue_ticket(registration, by=registration.user)
    db.session.commit()
    assert registration.door_code and registration.door_code != old


def test_typed_door_code_with_the_event_checks_in(client, staff, tonight, make_user, make_event):
    registration = register(tonight, make_user(name="Алина Морозова"))
    typed = registration.door_code[:3].lower() + "-" + registration.door_code[3:].lower()
    answer = client.post("/api/v1/checkin", json={"code": typed, "event_id": tonight.id, "source": "typed"},
                         headers=RU)
    assert answer.status_code == 200, answer.json
    assert answer.json["result"] == "checked_in"
    assert answer.json["registration"]["door_code"] == registration.door_code
    # Without the event, or for another event, the short code matches nothing.
    other = make_event(starts_at=now() + timedelta(minutes=30), capacity=5)
    assert client.post("/api/v1/checkin", json={"code": registration.door_code},
                       headers=RU).json["error"]["code"] == "unknown_code"
    assert client.post("/api/v1/checkin", json={"code": registration.door_code, "event_id": other.id},
                       headers=RU).json["error"]["code"] == "unknown_code"


def test_door_code_in_the_registration_api(client, make_user, auth, tonight):
    visitor = make_user()
    registration = register(tonight, visitor)
    auth.login(visitor)
    body = client.get(f"/api/v1/registrations/{registration.id}").json
    assert body["door_code"] == registration.door_code
    spec = client.get("/api/v1/openapi.json").json
    assert "door_code" in spec["components"]["schemas"]["RegistrationOut"]["properties"]


def test_cancelled_ticket_says_cancelled_even_for_another_event(client, staff, tonight, make_user, make_event):
    registration = register(tonight, make_user())
    registrations.cancel(registration, by=registration.user)
    db.session.commit()
    other = make_event(starts_at=now() + timedelta(minutes=10), capacity=5)
    for event_id in (tonight.id, other.id):
        answer = client.post("/api/v1/checkin", json={"code": registration.ticket_code, "event_id": event_id},
                             headers=RU)
        assert answer.status_code == 409
        assert answer.json["error"]["code"] == "registration_cancelled"


# ------------------------------------------------------------------------------------------------
# Pages


def test_ticket_page_shows_the_door_code_to_its_owner(client, make_user, auth, tonight):
    visitor = make_user()
    registration = register(tonight, visitor)
    auth.login(visitor)
    page = client.get(f"/t/{registration.ticket_code}", headers=RU).get_data(as_text=True)
    assert "Код для входа" in page and registration.door_code in page
    assert "Отметить вход" not in page  # the door's button is for staff


def test_staff_opening_a_ticket_url_see_status_and_check_in(client, staff, tonight, make_user):
    registration = register(tonight, make_user(name="Алина Морозова"))
    url = f"/t/{registration.ticket_code}"
    page = client.get(url, headers=RU).get_data(as_text=True)
    assert 'data-door-status="not_checked_in"' in page and "Ещё не отмечен" in page
    assert f'action="/door/registrations/{registration.id}/check-in"' in page
    answer = client.post(f"/door/registrations/{registration.id}/check-in", headers=RU)
    assert answer.status_code == 302 and answer.headers["Location"].endswith(url)
    page = client.get(url, headers=RU).get_data(as_text=True)
    assert 'data-door-status="checked_in"' in page and "Денис Бариста" in page


def test_door_log_shows_walk_ins_in_words(client, staff, tonight):
    answer = client.post(f"/api/v1/events/{tonight.id}/walk-ins", json={"name": "Петя Иванов",
                                                                         "birth_date": "2000-01-01"}, headers=RU)
    assert answer.status_code == 201, answer.json
    page = client.get("/door/log", headers=RU).get_data(as_text=True)
    assert "walk-in:" not in page
    assert "Вход без записи: Петя Иванов" in page


def test_nested_form_messages_are_translated(client, make_user, auth):
    auth.login(make_user("admin"))
    data = {"unit_minutes": "1", "grace_minutes": "0", "minimum_charge": "0", "weekday_cap": "", "weekend_cap": "",
            "weekend_same": "y", "weekday_tiers-0-first_minute": "5000", "weekday_tiers-0-rate": "2,5"}
    page = client.post("/admin/tariff", data=data, headers=RU).get_data(as_text=True)
    assert "Значение должно быть между 1 и 1440." in page
    assert "Number must be between" not in page
