"""Browser journey: staff create a weekly series; a visitor filters the month by category, opens one
occurrence and downloads its .ics, which parses."""

import re
from datetime import date, timedelta

import icalendar
import vobject
from browser_steps import app_today, go_to, log_out
from playwright.sync_api import Page, expect

from anticafe.accounts.models import User
from anticafe.accounts.services import hash_password, new_card_code, new_feed_token
from anticafe.events.models import Event
from anticafe.extensions import db


def add_staff(app) -> None:
    with app.app_context():
        db.session.add(User(email="denis@example.org", name="Денис Бариста", role="staff",
                            password_hash=hash_password("staff-secret"), birth_date=date(2001, 9, 3),
                            card_code=new_card_code(), feed_token=new_feed_token()))
        db.session.commit()


def test_weekly_series_filter_open_and_download(page: Page, live_server, tmp_path):
    base = live_server.url
    add_staff(live_server.app)
    today = app_today(live_server.app)
    first = today + timedelta(days=(4 - today.weekday()) % 7 + 7)  # a Friday at least a week ahead

    page.goto(base + "/login")
    page.get_by_label("Эл. почта").fill("denis@example.org")
    page.get_by_label("Пароль", exact=True).fill("staff-secret")
    page.get_by_role("button", name="Войти").click()
    go_to(page, "Управление афишей")
    page.get_by_role("button", name="Новое мероприятие").click()
    page.get_by_label("Название").fill("Мафия по пятницам")
    page.get_by_label("Категория").select_option(label="Турнир")
    page.get_by_label("Начало").fill(f"{first}T19:00")
    page.get_by_label("Окончание").fill(f"{first}T22:30")
    page.get_by_label("Число мест").fill("20")
    page.get_by_label("Возраст от").fill("14")
    page.get_by_label("Описание").fill("Классическая **мафия** с ведущим.")
    page.get_by_label("Повторяется еженедельно").check()
    page.get_by_label("После нескольких мероприятий").check()
    page.get_by_label("Количество мероприятий").fill("5")
    page.get_by_role("button", name="Сохранить").click()
    expect(page.get_by_text("Серия создана: мероприятий — 5.")).to_be_visible()
    expect(page.get_by_role("heading", name="Мафия по пятницам")).to_be_visible()
    # Another category the same month, which the filter must hide.
    page.goto(base + "/staff/events/new")
    page.get_by_label("Название").fill("Пижамная вечеринка")
    page.get_by_label("Категория").select_option(label="Вечеринка")
    page.get_by_label("Начало").fill(f"{first + timedelta(days=1)}T21:00")
    page.get_by_label("Окончание").fill(f"{first + timedelta(days=2)}T03:00")
    page.get_by_role("button", name="Сохранить").click()
    expect(page.get_by_text("Мероприятие создано.")).to_be_visible()
    log_out(page)

    # A visitor (not logged in) looks at the month of the first Friday, on a phone.
    page.goto(base + "/")
    page.get_by_role("link", name="Афиша").first.click()
    if (first.year, first.month) != (today.year, today.month):
        page.get_by_role("link", name="Следующий месяц").click()
        # The month grid shows the neighbouring weeks too, so wait for the new month's page itself.
        expect(page).to_have_url(re.compile(rf"month={first:%Y-%m}"))
    expect(page.get_by_role("heading", name=re.compile(str(first.year)))).to_be_visible()
    expect(page.get_by_text("Пижамная вечеринка").first).to_be_visible()
    page.get_by_label("Категория").select_option(label="Турнир")
    expect(page).to_have_url(re.compile(r"category=tournament"))
    expect(page.get_by_text("Пижамная вечеринка")).to_have_count(0)
    occurrences = page.locator("a.chip", has_text="Мафия по пятницам")
    expect(occurrences.first).to_be_visible()
    occurrences.first.click()
    expect(page.get_by_role("heading", name="Мафия по пятницам")).to_be_visible()
    expect(page.get_by_text("Следующие в этой серии")).to_be_visible()
    expect(page.locator(".event-description strong")).to_have_text("мафия")

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Apple или Outlook").click()
    path = tmp_path / "event.ics"
    download_info.value.save_as(path)
    data = path.read_bytes()
    event_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    uid = f"event-{event_id}@anticafe"
    with live_server.app.app_context():
        event = db.session.get(Event, event_id)
        starts_at, ends_at = event.starts_at, event.ends_at
    [library] = icalendar.Calendar.from_ical(data).walk("VEVENT")
    assert str(library["UID"]) == uid and library["DTSTART"].dt == starts_at
    other = vobject.readOne(data.decode("utf-8")).vevent
    assert other.uid.value == uid and other.summary.value == "Мафия по пятницам"
    assert other.dtstart.value == starts_at and other.dtend.value == ends_at
    assert other.dtstart.value.utcoffset() == timedelta(hours=5)
    assert (other.dtstart.value.hour, other.dtstart.value.minute) == (19, 0)
