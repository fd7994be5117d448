"""Browser journey: a visitor books the game room for Saturday 15:00–17:00, staff confirm it, and a
second visitor no longer sees that time as free."""

import re
from datetime import date, timedelta

from browser_steps import log_in, log_out
from playwright.sync_api import Page, expect

from anticafe.accounts.models import User
from anticafe.accounts.services import hash_password, new_card_code, new_feed_token
from anticafe.bookings.zones import new_feed_token as new_zone_feed_token
from anticafe.extensions import db
from anticafe.timeutil import venue_today
from anticafe.venue.models import Zone


def person(email: str, name: str, role: str = "visitor") -> User:
    return User(email=email, name=name, role=role, birth_date=date(2006, 3, 14),
                password_hash=hash_password("secret-123"), card_code=new_card_code(), feed_token=new_feed_token())




def test_book_confirm_and_the_slot_is_taken(page: Page, live_server):
    base = live_server.url
    with live_server.app.app_context():
        db.session.add(Zone(name="Игровая комната", capacity=12, bookable=True, feed_token=new_zone_feed_token(),
                            description="Большой стол и полки настольных игр."))
        db.session.add_all([person("masha@example.org", "Маша Орлова"), person("staff@example.org", "Денис", "staff"),
                            person("timur@example.org", "Тимур Волков")])
        db.session.commit()
        today = venue_today()
    saturday = today + timedelta(days=(5 - today.weekday()) % 7 or 7)

    log_in(page, base, "masha@example.org", "secret-123")
    page.get_by_role("link", name="Бронирование").click()
    expect(page.get_by_role("heading", name="Игровая комната")).to_be_visible()
    page.get_by_role("button", name="Свободное время").click()
    page.locator(f'a.day-chip[href$="date={saturday.isoformat()}"]').click()
    expect(page.locator('.slot[data-start="15:00"]')).to_have_class(re.compile(r"\bfree\b"))
    page.locator('.slot[data-start="15:00"]').click()  # tapping a free slot picks it as the start
    expect(page.get_by_label("Начало")).to_have_value("15:00")
    page.get_by_label("Конец").select_option("17:00")
    expect(page.locator('.slot[data-start="16:30"]')).to_have_class(re.compile(r"\bin-range\b"))
    page.get_by_label("Сколько человек").fill("8")
    page.get_by_label("Повод").fill("День рождения Маши")
    page.get_by_role("button", name="Отправить заявку").click()
    expect(page.get_by_text("Заявка отправлена.")).to_be_visible()
    card = page.locator(".booking-card").filter(has_text="Игровая комната")
    expect(card.get_by_text("ждёт подтверждения")).to_be_visible()
    expect(card).to_contain_text("15:00–17:00")
    log_out(page)

    log_in(page, base, "staff@example.org", "secret-123")
    page.get_by_role("link", name="Брони").click()
    request = page.locator(".request-card").filter(has_text="День рождения Маши")
    expect(request).to_contain_text("Маша Орлова")
    request.get_by_label("Сообщение гостю").fill("Ждём вас! Торт можно принести с собой.")
    request.get_by_role("button", name="Подтвердить").click()
    expect(page.get_by_text("Подтверждено; гость получит уведомление.")).to_be_visible()
    expect(page.get_by_text("Заявок без ответа нет.")).to_be_visible()
    page.goto(f"{base}/staff/bookings/day?date={saturday.isoformat()}")
    expect(page.locator(".booking-grid")).to_contain_text("Маша Орлова")
    log_out(page)

    log_in(page, base, "timur@example.org", "secret-123")
    page.goto(f"{base}/bookings/")
    page.get_by_role("button", name="Свободное время").click()
    page.locator(f'a.day-chip[href$="date={saturday.isoformat()}"]').click()
    for taken in ("14:30", "15:00", "16:30", "17:00"):
        slot = page.locator(f'.slot[data-start="{taken}"]')
        expect(slot).to_have_class(re.compile(r"\bbusy\b"))
        expect(slot).to_contain_text("занято")
        expect(page.locator(f'#start option[value="{taken}"]')).to_have_count(0)
    expect(page.locator('.slot[data-start="17:30"]')).to_have_class(re.compile(r"\bfree\b"))
