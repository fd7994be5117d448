"""Safeguards that warn and ask instead of refusing: the booking page after closing (next open day, past
slots «прошло»), and events in the past, overlapping another, or keeping minors after the curfew."""

from datetime import date, datetime, time

import pytest
from conftest import venue_dt
from sqlalchemy import func, select

from anticafe.bookings import rules
from anticafe.clock import set_clock
from anticafe.events import rules as event_rules
from anticafe.events.models import Event
from anticafe.extensions import db

TUESDAY = date(2025, 3, 4)


def test_the_booking_page_opens_on_the_next_open_day_after_closing(app, client, make_zone):
    room = make_zone(name="Игровая комната")
    set_clock(app, venue_dt(TUESDAY, 23, 45))
    page = client.get(f"/bookings/zones/{room.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Wednesday, 5 March" in page.split('id="day-heading"', 1)[1].split("</h2>", 1)[0]
    assert "past" not in page.split('class="slots"', 1)[1].split("</ul>", 1)[0]

    today = client.get(f"/bookings/zones/{room.id}?date=2025-03-04", headers={"Accept-Language": "ru"})
    slots = today.get_data(as_text=True).split('class="slots"', 1)[1].split("</ul>", 1)[0]
    assert "прошло" in slots and "занято" not in slots and 'class="slot past"' in slots
    api = client.get(f"/api/v1/zones/{room.id}/availability?date=2025-03-04").json
    assert api["slots"] and all(s["past"] and not s["free"] for s in api["slots"])

    set_clock(app, venue_dt(TUESDAY, 15, 10))
    page = client.get(f"/bookings/zones/{room.id}", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    slots = page.split('class="slots"', 1)[1].split("</ul>", 1)[0]
    assert "прошло" in slots and "свободно" in slots  # today still has times ahead: the page opens on today
    assert "4 марта" in page.split('id="day-heading"', 1)[1].split("</h2>", 1)[0]


def test_first_day_ahead_skips_days_without_slots_to_come():
    past = rules.Slot(venue_dt(TUESDAY, 22), venue_dt(TUESDAY, 23), False, True)
    ahead = rules.Slot(venue_dt(TUESDAY, 10), venue_dt(TUESDAY, 11), True)
    wednesday, thursday = date(2025, 3, 5), date(2025, 3, 6)
    assert rules.first_day_ahead({TUESDAY: [past], wednesday: [], thursday: [ahead]}) == thursday
    assert rules.first_day_ahead({TUESDAY: [past]}) is None


JUNE = date(2026, 6, 10)  # the app's "today" in the event tests (a Wednesday)


def event_form(**overrides) -> dict:
    values = {"title": "Вечеринка", "category": "party", "starts_at": "2026-06-15T19:00",
              "ends_at": "2026-06-15T21:00", "capacity": "", "entry": "free", "zone_id": "", "description": "",
              "published": "y"}
    return {**values, **overrides}


def warnings_box(response) -> str:
    html = response.get_data(as_text=True)
    return html.split("event-warnings", 1)[1].split("</div>", 1)[0] if "event-warnings" in html else ""


@pytest.fixture
def as_staff(app, auth, make_user):
    set_clock(app, venue_dt(JUNE, 12))
    auth.login(make_user("staff"))


def test_an_event_in_the_past_warns_and_saves_once_confirmed(client, as_staff):
    past = event_form(title="Январский квиз", starts_at="2026-06-01T19:00", ends_at="2026-06-01T21:00")
    asked = client.post("/staff/events/new", data=past, headers={"Accept-Language": "en"})
    assert asked.status_code == 409 and "It starts in the past: Monday 1 June, 19:00." in warnings_box(asked)
    assert "I have read the warnings: save anyway" in warnings_box(asked)
    assert db.session.scalar(select(func.count(Event.id))) == 0
    ru = client.post("/staff/events/new", data=past, headers={"Accept-Language": "ru"})
    assert "Начинается в прошлом: понедельник 1 июня, 19:00." in warnings_box(ru)
    saved = client.post("/staff/events/new", data={**past, "confirm_warnings": "y"})
    assert saved.status_code == 302 and db.session.scalar(select(func.count(Event.id))) == 1

    event = db.session.scalar(select(Event))  # saved again with only a new title: no news, no question
    again = client.post(f"/staff/events/{event.id}/edit", data={**past, "title": "Февральский квиз"})
    assert again.status_code == 302


def test_a_weekly_series_overlapping_another_event_warns(client, as_staff, make_event):
    make_event(title="Турнир по шахматам", starts_at=venue_dt(date(2026, 6, 20), 19),
               ends_at=venue_dt(date(2026, 6, 20), 21))
    series = event_form(title="Мафия", starts_at="2026-06-13T20:00", ends_at="2026-06-13T22:00", repeat="weekly",
                        interval_weeks="1", repeat_end="count", count="3")
    asked = client.post("/staff/events/new", data=series, headers={"Accept-Language": "en"})
    box = warnings_box(asked)
    assert asked.status_code == 409 and "It overlaps “Турнир по шахматам” (Saturday 20 June, 19:00)." in box
    assert "past" not in box and "curfew" not in box
    ru = client.post("/staff/events/new", data=series, headers={"Accept-Language": "ru"})
    assert "Пересекается с «Турнир по шахматам» (суббота 20 июня, 19:00)." in warnings_box(ru)
    assert client.post("/staff/events/new", data={**series, "confirm_warnings": "y"}).status_code == 302
    assert db.session.scalar(select(func.count(Event.id))) == 4


def test_minors_after_the_curfew_warn(app, client, as_staff):
    late = event_form(title="Вечеринка 14–25", min_age="14", max_age="25", ends_at="2026-06-15T23:30")
    asked = client.post("/staff/events/new", data=late, headers={"Accept-Language": "en"})
    assert asked.status_code == 409
    assert "Guests under 16 may come, and it runs past 22:00, their curfew" in warnings_box(asked)
    ru = client.post("/staff/events/new", data=late, headers={"Accept-Language": "ru"})
    assert "Могут прийти гости младше 16 лет, а мероприятие идёт после 22:00" in warnings_box(ru)
    adults = client.post("/staff/events/new", data={**late, "min_age": "16"})
    assert adults.status_code == 302  # nobody under 16: nothing to say

    check = client.post("/api/v1/events/check", json={"title": "Вечеринка", "starts_at": "2026-06-16T20:00",
                                                      "ends_at": "2026-06-16T23:30", "min_age": 14},
                        headers={"Accept-Language": "en"})
    assert check.status_code == 200 and len(check.json["warnings"]) == 1 and "curfew" in check.json["warnings"][0]
    fine = client.post("/api/v1/events/check", json={"title": "Лекция", "starts_at": "2026-06-17T18:00",
                                                     "ends_at": "2026-06-17T19:00"})
    assert fine.json == {"warnings": []}
    assert client.post("/api/v1/events/check", json={"title": ""}).status_code == 422


@pytest.mark.parametrize(("min_age", "max_age", "admits"), [
    (None, None, False), (14, 25, True), (16, None, False), (None, 12, True), (0, 15, True), (18, 30, False)])
def test_admits_minors(min_age, max_age, admits):
    assert event_rules.admits_minors(min_age, max_age) is admits


@pytest.mark.parametrize(("ends", "past"), [
    (datetime(2026, 12, 31, 22, 0), False), (datetime(2026, 12, 31, 22, 1), True),
    (datetime(2027, 1, 1, 1, 0), True), (datetime(2026, 12, 31, 21, 0), False)])
def test_runs_past_curfew(ends, past):
    assert event_rules.runs_past_curfew(datetime(2026, 12, 31, 19, 0), ends, time(22, 0)) is past


def test_the_admin_people_list_pages_through_everybody_with_the_search(client, auth, make_user):
    admin = make_user("admin", name="Админ Главный")
    for n in range(204):
        make_user(name=f"Житель {n:03d}")
    auth.login(admin)
    first = client.get("/admin/users", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "People 1–50 of 205" in first and "Page 1 of 5" in first and "Житель 048" in first  # Админ first
    assert "Житель 049" not in first and 'href="/admin/users?page=2"' in first
    last = client.get("/admin/users?page=5", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "Люди 201–205 из 205" in last and "Житель 199" in last and "Житель 198" not in last
    assert "Страница 5 из 5" in last and 'rel="next"' not in last
    found = client.get("/admin/users?q=житель 1&page=2", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "People 51–100 of 100" in found and 'q=%D0%B6%D0%B8%D1%82%D0%B5%D0%BB%D1%8C+1&amp;page=1' in found
    assert client.get("/admin/users?page=999999999").status_code == 200

    api = client.get("/api/v1/users", query_string={"q": "житель", "page": 3}).json
    assert api["total"] == 204 and api["pages"] == 5 and api["per_page"] == 50 and len(api["items"]) == 50
    assert api["items"][0]["name"] == "Житель 100" and api["items"][0]["role"] == "visitor"
    assert client.get("/api/v1/users", query_string={"page": 0}).status_code == 422
    assert client.get("/api/v1/users", query_string={"role": "king"}).status_code == 422
