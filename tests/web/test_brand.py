"""The venue's face: contacts where visitors look, the home page that knows you, calendar honesty,
the calculator's errors, the installable app and the menu."""

from datetime import timedelta

from conftest import venue_dt

from anticafe.extensions import db
from anticafe.registrations.services import register
from anticafe.timeutil import venue_today


def html(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def test_footer_and_home_show_town_phone_links_and_maps(client):
    page = html(client, "/")
    assert "г. Новотроицк, ул. Советская, 1" in page and 'href="tel:+73537670101"' in page
    assert "https://vk.com/" in page and "https://t.me/" in page
    assert "https://yandex.ru/maps/?pt=58.305000%2C51.203600" in page
    assert "https://2gis.ru/geo/58.305000,51.203600" in page
    assert "<title>Антикафе</title>" in page and 'rel="manifest"' in page


def test_venue_api(client):
    body = client.get("/api/v1/venue").get_json()
    assert body["name"] == "Антикафе" and body["town"] == "Новотроицк" and body["timezone"] == "Asia/Yekaterinburg"
    assert {link["label"] for link in body["links"]} == {"VK", "Telegram"} and set(body["maps"]) == {"yandex", "2gis"}
    assert "/venue" in client.get("/api/v1/openapi.json").get_json()["paths"] or any(
        path.endswith("/venue") for path in client.get("/api/v1/openapi.json").get_json()["paths"])


def test_manifest_and_ticket_worker(client):
    manifest = client.get("/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    body = manifest.get_json()
    assert body["name"] == "Антикафе" and body["display"] == "standalone"
    assert {"192x192", "512x512"} <= {icon["sizes"] for icon in body["icons"]}
    for icon in body["icons"]:
        assert client.get(icon["src"]).status_code == 200
    worker = client.get("/t/sw.js")
    assert worker.status_code == 200 and worker.mimetype == "text/javascript" and "caches.open" in worker.get_data(True)


def test_event_page_calendar_links_in_venue_time(client, make_event):
    day = venue_today() + timedelta(days=9)
    event = make_event(title="Квиз", starts_at=venue_dt(day, 19), ends_at=venue_dt(day, 22))
    page = html(client, f"/events/{event.id}")
    assert f"dates={day:%Y%m%d}T190000/{day:%Y%m%d}T220000".replace("/", "%2F") in page
    assert "ctz=Asia%2FYekaterinburg" in page and "tz_id=Asia%2FYekaterinburg" in page
    assert f'href="/events/{event.id}.ics"' in page and "Apple или Outlook" in page


def test_past_event_says_so_and_counts_no_seats(client, make_event):
    day = venue_today() - timedelta(days=3)
    event = make_event(title="Было весело", starts_at=venue_dt(day, 18), capacity=10)
    page = html(client, f"/events/{event.id}")
    assert "мероприятие уже прошло" in page and "осталось" not in page.lower().split("мероприятие уже прошло")[0][-200:]
    month = html(client, f"/events/?month={day:%Y-%m}")
    chip = month.split("Было весело", 1)[1][:400]
    assert "Уже прошло" in chip and "Осталось" not in chip


def test_seats_left_only_while_registration_is_open(client, make_event):
    from datetime import UTC, datetime

    day = venue_today() + timedelta(days=4)
    closed = make_event(title="Запись закрыта", starts_at=venue_dt(day, 18), capacity=10,
                        registration_closes_at=datetime(2001, 1, 1, tzinfo=UTC))
    month = html(client, f"/events/?month={day:%Y-%m}")
    assert "Осталось" not in month.split("Запись закрыта", 1)[1][:400]
    assert "seats-line" not in html(client, f"/events/{closed.id}")


def test_calculator_says_what_is_wrong(client):
    for bad in ("-5", "100000", "", "abc"):
        page = html(client, f"/?minutes={bad}")
        assert "Введите целое число минут от 0 до 1440" in page and 'class="calc-amount"' not in page
    assert 'class="calc-amount"' in html(client, "/?minutes=120")


def test_home_knows_a_visitor(client, auth, make_user, make_event):
    teen, other = make_user(name="Алина Смирнова"), make_user()
    day = venue_today() + timedelta(days=5)
    quiz = make_event(title="Квиз", starts_at=venue_dt(day, 19), capacity=10)
    full = make_event(title="Битбокс", starts_at=venue_dt(day, 16), capacity=1)
    register(quiz, teen)
    register(full, other)
    register(full, teen)
    db.session.commit()
    auth.login(teen)
    page = html(client, "/")
    assert "Привет, Алина!" in page and "Ваше ближайшее мероприятие" in page and "qr.svg" in page
    assert "Битбокс" in page and "№ 1 в очереди" in page and "Мои абонементы" in page
    assert "hero-art" not in page


def test_stranger_sees_the_hero_and_the_town(client):
    page = html(client, "/")
    assert "hero-art" in page and "Новотроицк" in page and "Платите за время" in page


def test_menu_has_at_most_six_sections_and_marks_the_current_one(client, auth, make_user):
    auth.login(make_user(role="admin"))
    page = html(client, "/admin/")
    bar = page.split('class="nav-pills"', 1)[1].split('class="nav-more"', 1)[0]
    assert bar.count("<li>") <= 6 and 'aria-current="page">Обзор' in bar
    assert "Ещё" in page and "Контроль входа" in page


def test_api_tokens_sit_under_for_developers(client, auth, make_user):
    auth.login(make_user())
    page = html(client, "/profile")
    assert page.index("Для разработчиков") < page.index("Токены API")


def test_english_months_are_capitalised(client, make_event):
    client.post("/lang", data={"lang": "en"})
    day = venue_today() + timedelta(days=9)
    event = make_event(title="Quiz", starts_at=venue_dt(day, 19))
    page = html(client, f"/events/{event.id}")
    assert f"{day:%B}" in page and f"{day:%B}".lower() + " " not in page.replace(f"{day:%B}", "")


def test_feed_events_carry_the_venue_contact(client, make_event):
    make_event(title="Квиз")
    body = client.get("/calendar.ics").get_data(as_text=True)
    assert "CONTACT:Антикафе\\, +7 3537 67-01-01" in body.replace("\r\n ", "")
