"""No overbooking under concurrency: parallel HTTP requests at a real server, on SQLite and PostgreSQL."""

import http.client
import json
import random
import threading
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from anticafe.extensions import db
from anticafe.registrations import services
from anticafe.registrations.models import Registration

pytestmark = pytest.mark.concurrency


def fire(base_url: str, calls: list[tuple[str, str, dict]]) -> list[tuple[int, dict]]:
    """Send every (method, path, headers) call at once from its own thread; return (status, json) in order."""
    host = urlsplit(base_url)
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index: int, method: str, path: str, headers: dict) -> None:
        conn = http.client.HTTPConnection(host.hostname, host.port, timeout=120)
        try:
            conn.connect()
            barrier.wait()
            conn.request(method, path, body=b"{}", headers={**headers, "Content-Type": "application/json"})
            response = conn.getresponse()
            results[index] = (response.status, json.loads(response.read() or b"{}"))
        except Exception as error:  # reported by the assertions of the caller
            results[index] = (0, {"exception": repr(error)})
        finally:
            conn.close()

    threads = [threading.Thread(target=run, args=(i, *call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def assert_invariants(event_id: int, capacity: int) -> tuple[list[Registration], list[Registration]]:
    """Check: at most `capacity` confirmed, each with its own ticket; the waitlist is exactly 1..N."""
    db.session.expire_all()
    rows = db.session.scalars(select(Registration).where(Registration.event_id == event_id)).all()
    confirmed = [r for r in rows if r.status == "confirmed"]
    waiting = sorted((r for r in rows if r.status == "waitlisted"), key=lambda r: r.waitlist_position)
    assert len(confirmed) <= capacity
    assert len({r.ticket_code for r in confirmed}) == len(confirmed) and all(r.ticket_code for r in confirmed)
    assert [r.waitlist_position for r in waiting] == list(range(1, len(waiting) + 1))
    if waiting:
        assert len(confirmed) == capacity, "a seat is free while people wait"
    active_users = [r.user_id for r in rows if r.status != "cancelled"]
    assert len(active_users) == len(set(active_users))
    return confirmed, waiting


def test_sixty_simultaneous_registrations_for_ten_seats(app, serve, make_user, make_event, token_for):
    event = make_event(capacity=10)
    people = [make_user() for _ in range(60)]
    headers = [token_for(person) for person in people]
    with serve(app) as server:
        results = fire(server.url, [("POST", f"/api/v1/events/{event.id}/registrations", h) for h in headers])
    assert [status for status, _ in results] == [201] * 60, [r for r in results if r[0] != 201][:3]
    answered = [body["status"] for _, body in results]
    assert answered.count("confirmed") == 10 and answered.count("waitlisted") == 50
    confirmed, waiting = assert_invariants(event.id, 10)
    assert len(confirmed) == 10 and len(waiting) == 50
    # What each person was told is what the database holds.
    told = {body["user_id"]: (body["status"], body["waitlist_position"]) for _, body in results}
    assert told == {r.user_id: (r.status, r.waitlist_position) for r in confirmed + waiting}


def test_the_same_person_twice_at_once_gets_one_registration(app, serve, make_user, make_event, token_for):
    event = make_event(capacity=10)
    headers = token_for(make_user())
    with serve(app) as server:
        results = fire(server.url, [("POST", f"/api/v1/events/{event.id}/registrations", headers)] * 8)
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * 7
    assert {body["error"]["code"] for status, body in results if status == 409} == {"already_registered"}
    assert_invariants(event.id, 10)


def test_cancellations_race_registrations(app, serve, make_user, make_event, token_for):
    event = make_event(capacity=10)
    first = [make_user() for _ in range(20)]
    made = [services.register(event, person) for person in first]
    db.session.commit()
    assert [r.status for r in made] == ["confirmed"] * 10 + ["waitlisted"] * 10
    newcomers = [make_user() for _ in range(30)]
    calls = [("DELETE", f"/api/v1/registrations/{r.id}", token_for(p)) for r, p in zip(made[:5], first[:5],
                                                                                       strict=True)]
    calls += [("DELETE", f"/api/v1/registrations/{r.id}", token_for(p)) for r, p in zip(made[15:], first[15:],
                                                                                        strict=True)]
    calls += [("POST", f"/api/v1/events/{event.id}/registrations", token_for(p)) for p in newcomers]
    random.Random(4).shuffle(calls)  # interleave the kinds
    with serve(app) as server:
        results = fire(server.url, calls)
    assert all(status in (200, 201) for status, _ in results), [r for r in results if r[0] not in (200, 201)][:3]
    confirmed, waiting = assert_invariants(event.id, 10)
    # Seats never stood empty, so the five who kept their place in the old queue all got in,
    # and every newcomer is on the waitlist behind them.
    assert {r.user_id for r in confirmed} == {p.id for p in first[5:15]}
    assert {r.user_id for r in waiting} == {p.id for p in newcomers}
    assert len(waiting) == 30
