"""The registrations API: shapes, status codes and error codes exactly as the issue lists them."""

from datetime import date, timedelta

from anticafe.db import utcnow
from anticafe.extensions import db
from anticafe.registrations import services

EN = {"Accept-Language": "en"}


def test_register_answers_201_with_the_documented_shape(app, client, make_user, make_event, token_for):
    app.config["PUBLIC_BASE_URL"] = "https://cafe.example"
    event = make_event(capacity=1)
    anna, boris = make_user(), make_user()
    response = client.post(f"/api/v1/events/{event.id}/registrations", json={}, headers=token_for(anna))
    assert response.status_code == 201
    body = response.json
    assert {"id", "event_id", "user_id", "status", "waitlist_position", "ticket_url", "qr_png_url",
            "qr_svg_url"} <= set(body)
    assert body["event_id"] == event.id and body["user_id"] == anna.id
    assert body["status"] == "confirmed" and body["waitlist_position"] is None
    code = services.user_registrations(anna)[0].ticket_code
    assert body["ticket_url"] == f"https://cafe.example/t/{code}"
    assert body["qr_png_url"] == f"https://cafe.example/registrations/{body['id']}/qr.png"
    assert body["qr_svg_url"].endswith(f"/registrations/{body['id']}/qr.svg")
    assert body["event"]["starts_at"].endswith("+05:00") and body["source"] == "self"

    waiting = client.post(f"/api/v1/events/{event.id}/registrations", headers=token_for(boris))
    assert waiting.status_code == 201
    assert waiting.json["status"] == "waitlisted" and waiting.json["waitlist_position"] == 1
    assert waiting.json["ticket_url"] is None and waiting.json["qr_png_url"] is None

    again = client.post(f"/api/v1/events/{event.id}/registrations", json={}, headers={**token_for(boris), **EN})
    assert again.status_code == 409
    assert again.json["error"]["code"] == "already_registered"
    assert again.json["error"]["message"] == "You are already on the waitlist for this event (number 1)."


def test_ticket_url_uses_the_request_host_without_public_base_url(client, make_user, make_event, token_for):
    event = make_event()
    response = client.post(f"/api/v1/events/{event.id}/registrations", json={}, headers=token_for(make_user()),
                           base_url="http://cafe.local:8080")
    assert response.json["ticket_url"].startswith("http://cafe.local:8080/t/")


def test_error_codes(client, make_user, make_event, token_for):
    headers = token_for(make_user(birth_date=date(2015, 1, 1)))
    cancelled = make_event(status="cancelled")
    closed = make_event(registration_closes_at=utcnow() - timedelta(minutes=1))
    adults = make_event(min_age=18)
    for event, code in [(cancelled, "event_cancelled"), (closed, "registration_closed"), (adults, "age_restricted")]:
        response = client.post(f"/api/v1/events/{event.id}/registrations", json={}, headers=headers)
        assert response.status_code == 422, code
        assert response.json["error"]["code"] == code
    assert client.post("/api/v1/events/999999/registrations", json={}, headers=headers).status_code == 404
    bad = client.post(f"/api/v1/events/{adults.id}/registrations", json={"user_id": "x"}, headers=headers)
    assert bad.status_code == 422 and "user_id" in bad.json["error"]["fields"]


def test_staff_registers_others_and_visitors_cannot(client, make_user, make_event, token_for):
    event = make_event(capacity=5)
    anna, boris = make_user(), make_user()
    denied = client.post(f"/api/v1/events/{event.id}/registrations", json={"user_id": boris.id},
                         headers=token_for(anna))
    assert denied.status_code == 403 and denied.json["error"]["code"] == "forbidden"
    staff = make_user("staff")
    created = client.post(f"/api/v1/events/{event.id}/registrations", json={"user_id": boris.id},
                          headers=token_for(staff))
    assert created.status_code == 201 and created.json["user_id"] == boris.id and created.json["source"] == "staff"
    missing = client.post(f"/api/v1/events/{event.id}/registrations", json={"user_id": 999999},
                          headers=token_for(staff))
    assert missing.status_code == 404


def test_get_and_delete_for_owner_and_staff_only(client, make_user, make_event, token_for):
    event = make_event(capacity=1)
    anna, boris = make_user(), make_user()
    mine = services.register(event, anna)
    services.register(event, boris)
    db.session.commit()
    url = f"/api/v1/registrations/{mine.id}"
    assert client.get(url, headers=token_for(anna)).json["status"] == "confirmed"
    assert client.get(url, headers=token_for(make_user("staff"))).status_code == 200
    assert client.get(url, headers=token_for(boris)).status_code == 404
    assert client.delete(url, headers=token_for(boris)).status_code == 404
    deleted = client.delete(url, headers=token_for(anna))
    assert deleted.status_code == 200 and deleted.json["status"] == "cancelled"
    assert deleted.json["ticket_url"] is None and deleted.json["cancelled_at"]
    assert client.delete(url, headers=token_for(anna)).json["status"] == "cancelled"  # repeating is harmless
    promoted = client.get("/api/v1/me/registrations", headers=token_for(boris)).json["items"]
    assert [(r["event_id"], r["status"]) for r in promoted] == [(event.id, "confirmed")]


def test_me_registrations_and_the_staff_list(client, make_user, make_event, token_for):
    first = make_event(capacity=1, title="Мафия")
    later = make_event(capacity=1, title="Стендап", starts_at=first.starts_at + timedelta(days=3))
    anna, boris = make_user(name="Анна"), make_user(name="Борис")
    for event in (later, first):
        services.register(event, anna)
    services.register(first, boris)
    db.session.commit()
    items = client.get("/api/v1/me/registrations", headers=token_for(anna)).json["items"]
    assert [i["event"]["title"] for i in items] == ["Мафия", "Стендап"]
    assert client.get(f"/api/v1/events/{first.id}/registrations", headers=token_for(anna)).status_code == 403
    staff_list = client.get(f"/api/v1/events/{first.id}/registrations", headers=token_for(make_user("staff"))).json
    assert staff_list["capacity"] == 1 and staff_list["confirmed"] == 1 and staff_list["waitlisted"] == 1
    assert staff_list["seats_left"] == 0
    assert [(i["user"]["name"], i["status"], i["waitlist_position"]) for i in staff_list["items"]] == [
        ("Анна", "confirmed", None), ("Борис", "waitlisted", 1)]


def test_the_browser_session_works_too(client, auth, make_user, make_event):
    event = make_event()
    auth.login(make_user())
    response = client.post(f"/api/v1/events/{event.id}/registrations", json={})
    assert response.status_code == 201
    assert client.get(f"/api/v1/registrations/{response.json['id']}").status_code == 200


def test_openapi_lists_the_registration_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert {"post", "get"} <= set(paths["/api/v1/events/{event_id}/registrations"])
    assert {"get", "delete"} <= set(paths["/api/v1/registrations/{registration_id}"])
    assert "get" in paths["/api/v1/me/registrations"]
    post = paths["/api/v1/events/{event_id}/registrations"]["post"]
    assert "201" in post["responses"] and "409" in post["responses"] and "422" in post["responses"]
