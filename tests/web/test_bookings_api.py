"""The bookings API: zones, availability, requests and staff bookings, decisions, closures."""

from datetime import timedelta
from decimal import Decimal

import pytest
from conftest import venue_dt
from sqlalchemy import select

from anticafe.bookings.models import Booking
from anticafe.db import utcnow
from anticafe.extensions import db
from anticafe.timeutil import venue_today
from anticafe.venue.models import Zone


def next_saturday():
    day = venue_today() + timedelta(days=3)
    while day.weekday() != 5:
        day += timedelta(days=1)
    return day


@pytest.fixture
def room(make_zone):
    return make_zone(name="Игровая комната", capacity=12)


def body(zone, day, start=15, end=17, party=8, **extra):
    return {"zone_id": zone.id, "starts_at": f"{day.isoformat()}T{start:02d}:00:00+05:00",
            "ends_at": f"{day.isoformat()}T{end:02d}:00:00+05:00", "party_size": party, "purpose": "День рождения",
            **extra}


def test_zones_list_and_admin_creates_one(client, make_user, token_for, room):
    listing = client.get("/api/v1/zones").json
    assert listing["items"][0]["name"] == "Игровая комната" and listing["items"][0]["price_per_hour"] is None
    admin = token_for(make_user("admin"))
    created = client.post("/api/v1/zones", json={"name": "Переговорная", "capacity": 10, "bookable": True,
                                                 "price_per_hour": "500"}, headers=admin)
    assert created.status_code == 201
    assert created.json["price_per_hour"] == "500.00" and created.json["capacity"] == 10
    duplicate = client.post("/api/v1/zones", json={"name": "переговорная", "capacity": 5}, headers=admin)
    assert duplicate.status_code == 422 and "name" in duplicate.json["error"]["fields"]
    patched = client.patch(f"/api/v1/zones/{created.json['id']}", json={"bookable": False, "price_per_hour": None},
                           headers=admin)
    assert patched.json["bookable"] is False and patched.json["price_per_hour"] is None
    visitor = token_for(make_user())
    assert client.post("/api/v1/zones", json={"name": "X", "capacity": 1}, headers=visitor).status_code == 403


def test_availability_shape_and_buffer(client, make_user, room):
    saturday = next_saturday()
    db.session.add(Booking(zone_id=room.id, booker_name="Вика", party_size=5, status="confirmed",
                           starts_at=venue_dt(saturday, 15), ends_at=venue_dt(saturday, 17)))
    db.session.commit()
    data = client.get(f"/api/v1/zones/{room.id}/availability?date={saturday.isoformat()}").json
    assert data["zone_id"] == room.id and data["date"] == saturday.isoformat()
    slots = {s["start"][11:16]: s for s in data["slots"]}
    assert slots["10:00"]["start"] == f"{saturday.isoformat()}T10:00:00+05:00"
    assert slots["10:00"]["end"] == f"{saturday.isoformat()}T10:30:00+05:00"
    assert [t for t, s in slots.items() if not s["free"]] == ["14:30", "15:00", "15:30", "16:00", "16:30", "17:00"]
    assert client.get(f"/api/v1/zones/{room.id}/availability").status_code == 422
    assert client.get(f"/api/v1/zones/999/availability?date={saturday}").status_code == 404


def test_visitor_request_then_staff_confirm_decline_cancel(client, make_user, token_for, room):
    saturday = next_saturday()
    visitor = make_user(name="Алиса")
    mine = token_for(visitor)
    staff = token_for(make_user("staff"))
    created = client.post("/api/v1/bookings", json=body(room, saturday), headers=mine)
    assert created.status_code == 201
    assert created.json["status"] == "requested" and created.json["starts_at"].endswith("15:00:00+05:00")
    assert created.json["can_cancel"] is True
    again = client.post("/api/v1/bookings", json=body(room, saturday), headers=mine)
    assert again.status_code == 409 and again.json["error"]["code"] == "already_requested"
    other = client.post("/api/v1/bookings", json=body(room, saturday, 16, 18), headers=token_for(make_user()))
    assert other.status_code == 201

    booking_id = created.json["id"]
    confirmed = client.post(f"/api/v1/bookings/{booking_id}/confirm", json={"message": "Ждём!"}, headers=staff)
    assert confirmed.status_code == 200 and confirmed.json["status"] == "confirmed"
    assert confirmed.json["staff_message"] == "Ждём!"
    clash = client.post(f"/api/v1/bookings/{other.json['id']}/confirm", json={}, headers=staff)
    assert clash.status_code == 409 and clash.json["error"]["code"] == "slot_taken"
    declined = client.post(f"/api/v1/bookings/{other.json['id']}/decline", json={"message": "Занято"}, headers=staff)
    assert declined.json["status"] == "declined"
    twice = client.post(f"/api/v1/bookings/{other.json['id']}/decline", json={}, headers=staff)
    assert twice.status_code == 409 and twice.json["error"]["code"] == "wrong_status"

    assert [b["id"] for b in client.get("/api/v1/me/bookings", headers=mine).json["items"]] == [booking_id]
    assert client.get(f"/api/v1/bookings/{booking_id}", headers=token_for(make_user())).status_code == 404
    assert client.post(f"/api/v1/bookings/{booking_id}/confirm", json={}, headers=mine).status_code == 403
    cancelled = client.post(f"/api/v1/bookings/{booking_id}/cancel", json={}, headers=mine)
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    day_list = client.get(f"/api/v1/bookings?date={saturday.isoformat()}&zone_id={room.id}", headers=staff).json
    assert {b["status"] for b in day_list["items"]} == {"cancelled", "declined"}


def test_staff_booking_is_confirmed_and_conflicts_are_refused(client, make_user, token_for, room):
    saturday = next_saturday()
    staff = token_for(make_user("staff"))
    booker = make_user(name="Клуб «Ход конём»")
    created = client.post("/api/v1/bookings", json=body(room, saturday, user_id=booker.id), headers=staff)
    assert created.status_code == 201 and created.json["status"] == "confirmed"
    assert created.json["booker_name"] == "Клуб «Ход конём»"
    taken = client.post("/api/v1/bookings", json=body(room, saturday, 16, 18, booker_name="Другие"), headers=staff)
    assert taken.status_code == 409 and taken.json["error"]["code"] == "slot_taken"
    request = client.post("/api/v1/bookings", json=body(room, saturday, 17, 18), headers=token_for(make_user()))
    assert request.status_code == 409  # within the cleaning buffer after 17:00
    after_buffer = client.post("/api/v1/bookings", json={
        **body(room, saturday, 17, 19), "starts_at": f"{saturday.isoformat()}T17:30:00+05:00"},
        headers=token_for(make_user()))
    assert after_buffer.status_code == 201


@pytest.mark.parametrize(("change", "status", "code"), [
    ({"party_size": 13}, 422, "party_too_large"),
    ({"starts_at": "T21:00", "ends_at": "T23:30"}, 422, "outside_opening_hours"),
    ({"starts_at": "T07:00", "ends_at": "T09:00"}, 422, "outside_opening_hours"),
    ({"starts_at": "T15:10"}, 422, "validation_error"),
    ({"ends_at": "T14:00"}, 422, "validation_error"),
])
def test_refusals(client, make_user, token_for, room, change, status, code):
    saturday = next_saturday()
    data = body(room, saturday)
    for key, value in change.items():
        data[key] = f"{saturday.isoformat()}{value}:00" if isinstance(value, str) else value
    response = client.post("/api/v1/bookings", json=data, headers=token_for(make_user()))
    assert response.status_code == status and response.json["error"]["code"] == code


def test_times_without_offset_are_venue_time(client, make_user, token_for, room):
    saturday = next_saturday()
    response = client.post("/api/v1/bookings", json={
        "zone_id": room.id, "starts_at": f"{saturday}T15:00", "ends_at": f"{saturday}T16:00", "party_size": 2},
        headers=token_for(make_user()))
    assert response.status_code == 201
    assert db.session.get(Booking, response.json["id"]).starts_at == venue_dt(saturday, 15)


def test_not_bookable_zone_and_unknown_zone(client, make_user, token_for, make_zone):
    hall = make_zone(name="Основной зал", capacity=40, bookable=False)
    saturday = next_saturday()
    visitor = token_for(make_user())
    refused = client.post("/api/v1/bookings", json=body(hall, saturday), headers=visitor)
    assert refused.status_code == 422 and refused.json["error"]["code"] == "zone_not_bookable"
    missing = client.post("/api/v1/bookings", json={**body(hall, saturday), "zone_id": 999}, headers=visitor)
    assert missing.status_code == 404


def test_weekly_staff_booking_through_the_api(client, make_user, token_for, make_zone):
    meeting = make_zone(name="Переговорная", capacity=10, price_per_hour=Decimal("500"))
    tuesday = venue_today() + timedelta(days=3)
    while tuesday.weekday() != 1:
        tuesday += timedelta(days=1)
    staff = token_for(make_user("staff"))
    data = {"zone_id": meeting.id, "starts_at": f"{tuesday}T18:00", "ends_at": f"{tuesday}T20:00", "party_size": 9,
            "purpose": "Дебатный клуб", "booker_name": "Дебатный клуб", "repeat_weeks": 6}
    created = client.post("/api/v1/bookings", json=data, headers=staff)
    assert created.status_code == 201
    assert created.json["occurrences"] == 6 and created.json["series_id"] and created.json["price_per_hour"] == "500.00"
    again = client.post("/api/v1/bookings", json={**data, "repeat_weeks": 2}, headers=staff)
    assert again.status_code == 409 and len(again.json["error"]["dates"]) == 2


def test_check_in_release_and_pay(client, make_user, token_for, make_zone):
    meeting = make_zone(name="Переговорная", capacity=10, price_per_hour=Decimal("450"))
    staff = token_for(make_user("staff"))
    now = utcnow()
    arriving = Booking(zone_id=meeting.id, booker_name="Совет", party_size=6, status="confirmed",
                       starts_at=now - timedelta(minutes=2), ends_at=now + timedelta(minutes=88),
                       price_per_hour=meeting.price_per_hour)
    db.session.add(arriving)
    db.session.commit()
    checked = client.post(f"/api/v1/bookings/{arriving.id}/check-in", headers=staff)
    assert checked.status_code == 200 and checked.json["status"] == "checked_in" and checked.json["amount"] == "675.00"
    paid = client.post(f"/api/v1/bookings/{arriving.id}/pay", json={"method": "cash"}, headers=staff)
    assert paid.json["paid"] is True
    assert client.post(f"/api/v1/bookings/{arriving.id}/pay", json={"method": "cash"}, headers=staff).status_code == 409
    early = Booking(zone_id=meeting.id, booker_name="Другие", party_size=2, status="confirmed",
                    starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=1, hours=1))
    db.session.add(early)
    db.session.commit()
    refused = client.post(f"/api/v1/bookings/{early.id}/release", headers=staff)
    assert refused.status_code == 409 and refused.json["error"]["code"] == "too_early_to_release"
    too_early = client.post(f"/api/v1/bookings/{early.id}/check-in", headers=staff)
    assert too_early.status_code == 409 and too_early.json["error"]["code"] == "too_early"


def test_closures_api(client, make_user, token_for, room):
    saturday = next_saturday()
    staff = token_for(make_user("staff"))
    created = client.post("/api/v1/closures", json={
        "zone_id": None, "starts_at": f"{saturday}T10:00", "ends_at": f"{saturday}T23:00", "reason": "holiday",
        "note": "Санитарный день"}, headers=staff)
    assert created.status_code == 201 and created.json["zone_id"] is None
    slots = client.get(f"/api/v1/zones/{room.id}/availability?date={saturday}").json["slots"]
    assert not any(s["free"] for s in slots)
    refused = client.post("/api/v1/bookings", json=body(room, saturday, booker_name="X"), headers=staff)
    assert refused.status_code == 409 and refused.json["error"]["code"] == "zone_closed"
    assert client.get("/api/v1/closures", headers=staff).json["items"][0]["note"] == "Санитарный день"
    assert client.delete(f"/api/v1/closures/{created.json['id']}", headers=staff).status_code == 200
    assert client.post("/api/v1/bookings", json=body(room, saturday, booker_name="X"), headers=staff).status_code == 201


def test_openapi_describes_the_booking_endpoints(client):
    spec = client.get("/api/v1/openapi.json").json
    post = spec["paths"]["/api/v1/bookings"]["post"]
    assert "slot_taken" in post["responses"]["409"]["description"]
    assert "outside_opening_hours" in post["responses"]["422"]["description"]
    assert "/api/v1/zones/{zone_id}/availability" in spec["paths"]
    assert db.session.scalar(select(Zone)) is None


def test_party_check_in_and_group_bill_through_the_api(client, make_user, token_for, room):
    staff = token_for(make_user("staff"))
    booker = make_user(name="Клуб настолок")
    now = utcnow()
    booking = Booking(zone_id=room.id, user_id=booker.id, booker_name=booker.name, party_size=4, status="confirmed",
                      starts_at=now - timedelta(minutes=3), ends_at=now + timedelta(minutes=117))
    db.session.add(booking)
    db.session.commit()
    checked = client.post(f"/api/v1/bookings/{booking.id}/check-in", json={"guests": 2}, headers=staff)
    assert checked.status_code == 200 and checked.json["status"] == "checked_in"
    assert len(checked.json["visit_ids"]) == 2 and checked.json["amount"] is None and checked.json["paid"] is False
    board = client.get("/api/v1/visits?status=active", headers=staff).json["items"]
    assert {v["id"] for v in board} == set(checked.json["visit_ids"])
    for link in booking.party:
        link.visit.started_at -= timedelta(minutes=60)
        link.visit.segments[0].started_at -= timedelta(minutes=60)
    db.session.commit()
    paid = client.post(f"/api/v1/bookings/{booking.id}/pay", json={"method": "cash"}, headers=staff)
    assert paid.status_code == 200, paid.json
    assert paid.json["paid"] is True and paid.json["bill_id"]
    again = client.post(f"/api/v1/bookings/{booking.id}/pay", json={"method": "cash"}, headers=staff)
    assert again.status_code == 409 and again.json["error"]["code"] == "nothing_to_pay"


def test_a_party_that_stayed_minutes_pays_nothing(client, make_user, token_for, room):
    staff = token_for(make_user("staff"))
    now = utcnow()
    booking = Booking(zone_id=room.id, booker_name="Проездом", party_size=2, status="confirmed",
                      starts_at=now - timedelta(minutes=3), ends_at=now + timedelta(minutes=57))
    db.session.add(booking)
    db.session.commit()
    assert client.post(f"/api/v1/bookings/{booking.id}/check-in", json={}, headers=staff).json["visit_ids"]
    paid = client.post(f"/api/v1/bookings/{booking.id}/pay", json={"method": "cash"}, headers=staff)
    assert paid.status_code == 200 and paid.json["paid"] is True and paid.json["bill_id"] is None


def test_an_event_cannot_take_a_booked_zone(client, make_user, token_for, room):
    """The events domain asks bookings (`signals.zone_check`) before placing an event in a zone."""
    saturday = next_saturday()
    staff = token_for(make_user("staff"))
    booked = client.post("/api/v1/bookings", json=body(room, saturday, booker_name="Вика"), headers=staff)
    assert booked.status_code == 201
    event = {"title": "Турнир по «Мафии»", "category": "tournament", "zone_id": room.id,
             "starts_at": f"{saturday}T17:00:00", "ends_at": f"{saturday}T20:00:00"}
    refused = client.post("/api/v1/events", json=event, headers={**staff, "Accept-Language": "ru"})
    assert refused.status_code == 422
    assert refused.json["error"]["fields"]["zone_id"][0].startswith("Зона занята бронью: Вика")
    later = client.post("/api/v1/events", json={**event, "starts_at": f"{saturday}T17:30:00"}, headers=staff)
    assert later.status_code == 201
    # ...and from then on the event holds the zone for bookings.
    taken = client.post("/api/v1/bookings", json=body(room, saturday, 19, 21, booker_name="Другие"), headers=staff)
    assert taken.status_code == 409 and taken.json["error"]["code"] == "slot_taken"
