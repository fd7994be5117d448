"""Browser journey: staff start a walk-in's visit, pause, resume, stop and mark it paid; the board and the
shift report show it."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect


@pytest.fixture
def app_config():
    """The live server's clock on an ordinary Wednesday afternoon: the journey's visit, moved back in time,
    stays on today's shift whatever the hour the suite runs at (tests/web/test_visits.py covers midnight)."""
    return {"CLOCK_NOW": "2026-03-11T15:00"}


def test_staff_run_a_walk_in_visit_from_start_to_receipt(page: Page, live_server):
    from anticafe.accounts.models import User
    from anticafe.accounts.services import hash_password, new_card_code, new_feed_token
    from anticafe.extensions import db
    from anticafe.visits.models import Visit

    app = live_server.app
    with app.app_context():
        db.session.add(User(name="Денис Бариста", email="denis@example.org", role="staff",
                            password_hash=hash_password("staff-secret"), card_code=new_card_code(),
                            feed_token=new_feed_token()))
        db.session.commit()

    base = live_server.url
    page.goto(base + "/login")
    page.get_by_label("Эл. почта").fill("denis@example.org")
    page.get_by_label("Пароль", exact=True).fill("staff-secret")
    page.get_by_role("button", name="Войти").click()
    page.get_by_role("link", name="Гости", exact=True).click()
    expect(page.get_by_role("heading", name="Гости в кафе")).to_be_visible()
    expect(page.get_by_text("Сейчас в кафе никого нет.")).to_be_visible()

    page.get_by_label("Имя гостя").fill("Вика Новикова")
    page.get_by_label("Телефон (необязательно)").fill("+7 912 555-44-33")
    page.get_by_role("button", name="Начать визит").click()
    expect(page.get_by_text("Вика Новикова: визит начат")).to_be_visible()
    row = page.locator("#board-rows tr", has_text="Вика Новикова")
    expect(row).to_be_visible()
    expect(row.get_by_text("без аккаунта")).to_be_visible()

    # She has been here for forty minutes.
    with app.app_context():
        visit = db.session.query(Visit).one()
        visit.started_at -= timedelta(minutes=40)
        visit.segments[0].started_at -= timedelta(minutes=40)
        db.session.commit()
    page.reload()
    expect(row.locator('[data-field="time"]')).to_have_text("40 мин")
    expect(row.locator('[data-field="amount"]')).to_have_text(re.compile(r"^12\d\s₽$"))
    expect(row.get_by_text("стоп-чек 600 ₽").or_(row.get_by_text("стоп-чек 700 ₽"))).to_be_visible()

    row.get_by_role("button", name="Пауза").click()
    expect(row.get_by_text("на паузе")).to_be_visible()
    row.get_by_role("button", name="Продолжить").click()
    expect(row.get_by_text("на паузе")).to_be_hidden()
    expect(row.get_by_role("button", name="Пауза")).to_be_visible()

    row.get_by_role("button", name="Стоп").click()
    expect(page.get_by_role("heading", name=re.compile("Вика Новикова"))).to_be_visible()
    expect(page.get_by_text("Минуты 1–41: 41 × 3 ₽")).to_be_visible()
    expect(page.locator(".breakdown tfoot")).to_contain_text("123 ₽")
    page.get_by_label("Наличные").check()
    page.get_by_role("button", name=re.compile("Принять оплату")).click()

    expect(page.get_by_role("heading", name=re.compile(r"Чек № \d+"))).to_be_visible()
    expect(page.locator(".receipt")).to_contain_text("Вика Новикова")
    expect(page.locator(".receipt")).to_contain_text("Наличные")

    page.get_by_role("link", name="Гости", exact=True).click()
    expect(page.get_by_text("Сейчас в кафе никого нет.")).to_be_visible()
    expect(page.get_by_text("Все оплатили.")).to_be_visible()

    page.get_by_role("link", name="Смена").click()
    expect(page.get_by_role("heading", name=re.compile("Отчёт за смену"))).to_be_visible()
    visits = page.locator("table.shift-visits")
    expect(visits).to_contain_text("Вика Новикова")
    expect(visits).to_contain_text("Наличные")
    expect(page.locator('[data-field="revenue"]')).to_have_text("123 ₽")
