"""Races: overlapping bookings fired at once through a real server; at most one may hold the zone."""

import json
import threading
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from conftest import venue_dt
from sqlalchemy import func, select

from anticafe.bookings.models import Booking
from anticafe.extensions import db
from anticafe.timeutil import venue_today

pytestmark = pytest.mark.concurrency

PARALLEL = 8


def next_saturday():
    day = venue_today() + timedelta(days=3)
    while day.weekday() != 5:
        day += timedelta(days=1)
    return day


def fire(url: str, requests: list[tuple[str, dict, dict]]) -> list[tuple[int, dict]]:
    """POST every (path, json, headers) at the same moment from its own thread; return (status, body) each."""
    barrier = threading.Barrier(len(requests))
    results: list = [None] * len(requests)

    def send(index: int, path: str, payload: dict, headers: dict) -> None:
        request = urllib.request.Request(url + path, data=json.dumps(payload).encode(), method="POST",
                                         headers={"Content-Type": "application/json", **headers})
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                results[index] = (response.status, json.load(response))
        except urllib.error.HTTPError as error:
            results[index] = (error.code, json.load(error))

    threads = [threading.Thread(target=send, args=(i, *req)) for i, req in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def holding(zone) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Booking.id)).where(
        Booking.zone_id == zone.id, Booking.status.in_(("confirmed", "checked_in"))))


def test_overlapping_staff_bookings_at_once_only_one_is_confirmed(app, serve, make_user, make_zone, token_for):
    zone = make_zone(name="Игровая комната", capacity=12)
    saturday = next_saturday()
    starts = [(14, 0), (14, 30), (15, 0), (15, 30), (16, 0)]
    requests = []
    for i in range(PARALLEL):
        hour, minute = starts[i % len(starts)]
        begin = venue_dt(saturday, hour, minute)
        requests.append(("/api/v1/bookings", {
            "zone_id": zone.id, "starts_at": begin.isoformat(), "ends_at": (begin + timedelta(hours=2)).isoformat(),
            "party_size": 5, "booker_name": f"Компания {i}"}, token_for(make_user("staff"))))
    with serve(app) as server:
        results = fire(server.url, requests)
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * (PARALLEL - 1), results
    assert {body["error"]["code"] for status, body in results if status == 409} == {"slot_taken"}
    assert holding(zone) == 1


def test_confirming_overlapping_requests_at_once_confirms_one(app, serve, make_user, make_zone, token_for):
    zone = make_zone(name="Консольный уголок", capacity=4)
    saturday = next_saturday()
    requested = []
    for i in range(PARALLEL):
        begin = venue_dt(saturday, 15) + timedelta(minutes=30 * (i % 3))
        booking = Booking(zone_id=zone.id, user_id=make_user().id, booker_name=f"Гость {i}", party_size=2,
                          status="requested", starts_at=begin, ends_at=begin + timedelta(hours=1))
        db.session.add(booking)
        requested.append(booking)
    db.session.commit()
    requests = [(f"/api/v1/bookings/{b.id}/confirm", {}, token_for(make_user("staff"))) for b in requested]
    with serve(app) as server:
        results = fire(server.url, requests)
    assert sorted(status for status, _ in results) == [200] + [409] * (PARALLEL - 1), results
    assert holding(zone) == 1


def test_the_same_request_confirmed_twice_at_once(app, serve, make_user, make_zone, token_for):
    zone = make_zone(name="Переговорная", capacity=10)
    saturday = next_saturday()
    visitor = make_user()
    created = fire_one_request(app, serve, token_for(visitor), zone, saturday)
    requests = [(f"/api/v1/bookings/{created}/confirm", {}, token_for(make_user("staff"))) for _ in range(4)]
    with serve(app) as server:
        results = fire(server.url, requests)
    codes = sorted((status, body.get("error", {}).get("code")) for status, body in results)
    assert codes == [(200, None)] + [(409, "wrong_status")] * 3
    assert holding(zone) == 1


def fire_one_request(app, serve, headers, zone, day) -> int:
    begin = venue_dt(day, 12)
    with serve(app) as server:
        [(status, body)] = fire(server.url, [("/api/v1/bookings", {
            "zone_id": zone.id, "starts_at": begin.isoformat(), "ends_at": (begin + timedelta(hours=1)).isoformat(),
            "party_size": 3}, headers)])
    assert status == 201 and body["status"] == "requested"
    return body["id"]
