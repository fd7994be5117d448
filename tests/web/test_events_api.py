"""The events API: listing by dates and category, one event, and the staff's changes."""

import secrets
from datetime import date, timedelta

from conftest import venue_dt

from anticafe.events.models import Event
from anticafe.extensions import db
from anticafe.registrations.models import Registration
from anticafe.timeutil import venue_today

FIELDS = {"id", "title", "category", "description", "starts_at", "ends_at", "capacity", "min_age", "max_age",
          "entry", "status", "registered", "waitlisted", "checked_in", "seats_left", "url", "ics_url"}


def day(n: int) -> date:
    return venue_today() + timedelta(days=n)


def new_event(**overrides) -> dict:
    body = {"title": "Турнир по «Монополии»", "category": "tournament", "starts_at": f"{day(10)}T15:00:00",
            "ends_at": f"{day(10)}T18:00:00", "capacity": 16, "min_age": 12}
    body.update(overrides)
    return body


def test_listing_by_dates_and_category(client, make_event, make_user):
    later = make_event(title="Позже", starts_at=venue_dt(day(12), 19), category="party", capacity=10)
    sooner = make_event(title="Раньше", starts_at=venue_dt(day(11), 9))
    outside = make_event(starts_at=venue_dt(day(20), 19))
    make_event(starts_at=venue_dt(day(11), 12), published=False)
    for _ in range(3):
        db.session.add(Registration(event_id=later.id, user_id=make_user().id, status="confirmed",
                                    ticket_code=secrets.token_hex(10)))
    db.session.commit()
    body = client.get(f"/api/v1/events?from={day(11)}&to={day(12)}").json
    assert [item["id"] for item in body["items"]] == [sooner.id, later.id]
    item = body["items"][1]
    assert set(item) == FIELDS
    assert item["starts_at"] == f"{day(12)}T19:00:00+05:00"
    assert item["ends_at"] == f"{day(12)}T21:00:00+05:00"
    assert (item["registered"], item["waitlisted"], item["checked_in"], item["seats_left"]) == (3, 0, 0, 7)
    assert item["url"] == f"http://localhost/events/{later.id}"
    assert item["ics_url"] == f"http://localhost/events/{later.id}.ics"
    assert item["status"] == "scheduled" and item["entry"] == "free"
    parties = client.get(f"/api/v1/events?from={day(1)}&to={day(30)}&category=party").json["items"]
    assert [p["id"] for p in parties] == [later.id]
    everything = client.get(f"/api/v1/events?from={day(1)}&to={day(30)}").json["items"]
    assert outside.id in [e["id"] for e in everything]


def test_default_range_starts_today(client, make_event):
    soon = make_event(starts_at=venue_dt(day(3), 19))
    far = make_event(starts_at=venue_dt(day(90), 19))
    past = make_event(starts_at=venue_dt(day(-3), 19))
    ids = [item["id"] for item in client.get("/api/v1/events").json["items"]]
    assert soon.id in ids and far.id not in ids and past.id not in ids


def test_staff_also_see_drafts(client, auth, make_user, make_event):
    draft = make_event(starts_at=venue_dt(day(5), 19), published=False)
    assert client.get(f"/api/v1/events/{draft.id}").status_code == 404
    auth.login(make_user("staff"))
    assert client.get(f"/api/v1/events/{draft.id}").json["id"] == draft.id
    assert [i["id"] for i in client.get(f"/api/v1/events?from={day(5)}&to={day(5)}").json["items"]] == [draft.id]


def test_bad_queries_are_422_with_field_errors(client):
    bad = client.get("/api/v1/events?category=opera")
    assert bad.status_code == 422 and "category" in bad.json["error"]["fields"]
    assert client.get("/api/v1/events?from=2026-13-01").json["error"]["fields"].keys() == {"from"}
    reversed_ = client.get("/api/v1/events?from=2026-03-10&to=2026-03-01")
    assert reversed_.status_code == 422 and reversed_.json["error"]["fields"].keys() == {"to"}
    assert client.get("/api/v1/events?from=2026-01-01&to=2028-01-01").status_code == 422


def test_staff_create_published_by_default(client, make_user, token_for):
    headers = token_for(make_user("staff"))
    response = client.post("/api/v1/events", json=new_event(), headers=headers)
    assert response.status_code == 201
    body = response.json
    assert set(body) == FIELDS
    assert body["starts_at"] == f"{day(10)}T15:00:00+05:00" and body["seats_left"] == 16
    event = db.session.get(Event, body["id"])
    assert event.published and event.published_at is not None
    draft = client.post("/api/v1/events", json=new_event(published=False), headers=headers).json
    assert not db.session.get(Event, draft["id"]).published
    utc = client.post("/api/v1/events", json=new_event(starts_at=f"{day(10)}T10:00:00Z",
                                                        ends_at=f"{day(10)}T12:00:00+00:00"), headers=headers)
    assert utc.json["starts_at"] == f"{day(10)}T15:00:00+05:00"


def test_create_refuses_bad_input_with_fields(client, make_user, token_for):
    headers = token_for(make_user("staff"))
    unknown = client.post("/api/v1/events", json=new_event(category="opera"), headers=headers)
    assert unknown.status_code == 422 and "category" in unknown.json["error"]["fields"]
    backwards = client.post("/api/v1/events", json=new_event(ends_at=f"{day(10)}T14:00:00"),
                            headers={**headers, "Accept-Language": "en"})
    assert backwards.status_code == 422
    assert backwards.json["error"]["fields"] == {"ends_at": ["An event must end after it starts."]}
    bad_date = client.post("/api/v1/events", json=new_event(starts_at="next friday"), headers=headers)
    assert bad_date.status_code == 422 and "starts_at" in bad_date.json["error"]["fields"]
    assert client.post("/api/v1/events", json=new_event(zone_id=42), headers=headers).json["error"]["fields"].keys() \
        == {"zone_id"}
    assert client.post("/api/v1/events", json=new_event(colour="red"), headers=headers).status_code == 422


def test_create_a_weekly_series(client, make_user, token_for):
    headers = token_for(make_user("staff"))
    body = client.post("/api/v1/events", json=new_event(repeat={"interval_weeks": 1, "count": 4}),
                       headers=headers).json
    first = db.session.get(Event, body["id"])
    assert len(first.series.events) == 4
    missing_end = client.post("/api/v1/events", json=new_event(repeat={"interval_weeks": 1}), headers=headers)
    assert missing_end.status_code == 422 and "until" in missing_end.json["error"]["fields"]


def test_patch_changes_only_what_is_sent(client, make_user, token_for, make_event):
    headers = token_for(make_user("staff"))
    event = make_event(capacity=10, min_age=14, starts_at=venue_dt(day(8), 19))
    body = client.patch(f"/api/v1/events/{event.id}", json={"capacity": None, "title": "Мафия: финал"},
                        headers=headers).json
    assert body["capacity"] is None and body["seats_left"] is None and body["title"] == "Мафия: финал"
    assert body["min_age"] == 14
    db.session.refresh(event)
    assert event.sequence == 1
    null_title = client.patch(f"/api/v1/events/{event.id}", json={"title": None}, headers=headers)
    assert null_title.status_code == 422 and "title" in null_title.json["error"]["fields"]
    backwards = client.patch(f"/api/v1/events/{event.id}", json={"ends_at": f"{day(8)}T18:00:00"}, headers=headers)
    assert backwards.status_code == 422 and "ends_at" in backwards.json["error"]["fields"]
    assert client.patch("/api/v1/events/999999", json={"title": "x"}, headers=headers).status_code == 404


def test_patch_capacity_below_confirmed(client, make_user, token_for, make_event):
    headers = token_for(make_user("staff"))
    event = make_event(capacity=5)
    for _ in range(2):
        db.session.add(Registration(event_id=event.id, user_id=make_user().id, status="confirmed",
                                    ticket_code=secrets.token_hex(10)))
    db.session.commit()
    refused = client.patch(f"/api/v1/events/{event.id}", json={"capacity": 1}, headers=headers)
    assert refused.status_code == 422 and "capacity" in refused.json["error"]["fields"]
    assert client.patch(f"/api/v1/events/{event.id}", json={"capacity": 2}, headers=headers).json["seats_left"] == 0


def test_patch_unpublish_with_registrations_is_409(client, make_user, token_for, make_event):
    headers = token_for(make_user("staff"))
    event = make_event()
    db.session.add(Registration(event_id=event.id, user_id=make_user().id, status="confirmed",
                                    ticket_code=secrets.token_hex(10)))
    db.session.commit()
    response = client.patch(f"/api/v1/events/{event.id}", json={"published": False}, headers=headers)
    assert response.status_code == 409 and response.json["error"]["code"] == "has_registrations"


def test_cancel(client, make_user, token_for, make_event):
    headers = token_for(make_user("staff"))
    event = make_event()
    body = client.post(f"/api/v1/events/{event.id}/cancel", json={"reason": "Ремонт"}, headers=headers).json
    assert body["status"] == "cancelled"
    again = client.post(f"/api/v1/events/{event.id}/cancel", json={}, headers=headers)
    assert again.status_code == 409 and again.json["error"]["code"] == "already_cancelled"
    assert client.get(f"/api/v1/events/{event.id}").json["status"] == "cancelled"


def test_visitors_cannot_change_events(client, make_user, token_for, make_event):
    headers = token_for(make_user("visitor"))
    event = make_event()
    assert client.post("/api/v1/events", json=new_event(), headers=headers).status_code == 403
    assert client.patch(f"/api/v1/events/{event.id}", json={"title": "x"}, headers=headers).status_code == 403
    assert client.post(f"/api/v1/events/{event.id}/cancel", json={}, headers=headers).status_code == 403


def test_openapi_describes_the_events_api(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/events"])
    assert {"get", "patch"} <= set(paths["/api/v1/events/{event_id}"])
    assert "post" in paths["/api/v1/events/{event_id}/cancel"]
    names = {p["name"] for p in paths["/api/v1/events"]["get"]["parameters"]}
    assert names == {"from", "to", "category"}
