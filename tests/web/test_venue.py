"""Opening hours: the admin page, the API and the home page."""

from datetime import date, time

from anticafe.venue import services


def test_admin_changes_hours_and_home_shows_them(client, auth, make_user):
    auth.login(make_user("admin"))
    data = {}
    for day in range(7):
        data[f"days-{day}-opens"] = "12:00" if day < 5 else "10:00"
        data[f"days-{day}-closes"] = "22:00" if day < 5 else "23:00"
    data["days-6-closed"] = "y"
    response = client.post("/admin/hours/", data=data)
    assert response.status_code == 302
    assert services.hours_on(date(2026, 11, 23)).opens == time(12)
    assert not services.hours_on(date(2026, 11, 29)).is_open_day
    home = client.get("/", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "12:00–22:00" in home and "закрыто" in home


def test_bad_hours_store_nothing(client, auth, make_user):
    auth.login(make_user("admin"))
    data = {f"days-{d}-opens": "10:00" for d in range(7)} | {f"days-{d}-closes": "23:00" for d in range(7)}
    data["days-2-closes"] = "09:00"
    response = client.post("/admin/hours/", data=data, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert "The closing time must be after the opening time." in response.get_data(as_text=True)
    assert services.hours_on(date(2026, 11, 25)).closes == time(23)


def test_hours_api(client, make_user, token_for):
    assert client.get("/api/v1/venue/hours").json["days"][0]["opens"] == "10:00:00"
    admin = make_user("admin")
    response = client.put("/api/v1/venue/hours", json={"days": [{"weekday": 0, "closed": True}]},
                          headers=token_for(admin))
    assert response.status_code == 200
    assert response.json["days"][0]["closed"] is True
    bad = client.put("/api/v1/venue/hours", json={"days": [{"weekday": 1, "opens": "20:00", "closes": "10:00"}]},
                     headers=token_for(admin))
    assert bad.status_code == 422 and "day-1" in bad.json["error"]["fields"]
