"""Browser journey: staff sell a 10-hour pass; the guest's 90-minute visit is paid by it and the balance drops."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from browser_steps import app_today, log_in, log_out
from playwright.sync_api import Page, expect

from anticafe.extensions import db


@pytest.fixture
def app_config():
    """The live server's clock on an ordinary Wednesday afternoon: the journey's visit, moved back in time,
    stays on today's shift whatever the hour the suite runs at (tests/web/test_visits.py covers midnight)."""
    return {"CLOCK_NOW": "2026-03-11T15:00"}


def make_people_and_types(app) -> None:
    """Create a staff member, a guest and the pass types in the live server's database."""
    from anticafe.accounts.models import User
    from anticafe.accounts.services import hash_password, new_card_code, new_feed_token
    from anticafe.passes import services

    with app.app_context():
        for name, email, role in [("Денис Бариста", "denis@example.org", "staff"),
                                  ("Алина Смирнова", "alina@example.org", "visitor")]:
            db.session.add(User(name=name, email=email, role=role, password_hash=hash_password("secret-password"),
                                birth_date=date(2007, 5, 1), card_code=new_card_code(), feed_token=new_feed_token()))
        services.save_pass_type(services.PassTypeData(name="10 часов", kind="package", minutes=600,
                                                      validity_days=60, price=Decimal(1500)))
        services.save_pass_type(services.PassTypeData(name="Соцпрограмма", kind="allowance", minutes=480,
                                                      validity_days=None, price=Decimal(0),
                                                      committee_may_issue=True))
        db.session.commit()




def sell_ten_hours(page: Page, base: str, app) -> None:
    """Staff find the guest and sell the package, paid by card."""
    log_in(page, base, "denis@example.org", "secret-password")
    page.get_by_role("link", name="Абонементы").first.click()
    page.get_by_placeholder("Имя, почта или телефон").fill("Алина")
    page.get_by_role("button", name="Найти").click()
    page.locator(".people-list").get_by_role("link", name="Алина Смирнова").click()
    page.get_by_label("Абонемент").select_option(label="10 часов — 1 500 ₽, 10 ч, 60 дней")
    # A paid pass asks how it was paid, not why it is free.
    expect(page.get_by_label("Причина")).to_be_hidden()
    page.get_by_label("Банковская карта").check()
    page.get_by_role("button", name="Продать или выдать").click()
    expect(page.get_by_text("Абонемент «10 часов» продан.")).to_be_visible()
    card = page.locator("article.pass-card").first
    expect(card.get_by_test_id("pass-remaining")).to_have_text("10 ч")
    valid_until = app_today(app) + timedelta(days=59)
    expect(card).to_contain_text(f"Действует до {valid_until.day}")
    log_out(page)


def start_ninety_minutes_ago(app) -> None:
    """Алина came in an hour and a half ago (started through the service, then moved back in time)."""
    from anticafe.accounts.models import User
    from anticafe.db import utcnow
    from anticafe.visits import clock as visits_clock

    with app.app_context():
        guest = db.session.query(User).filter_by(email="alina@example.org").one()
        staff = db.session.query(User).filter_by(email="denis@example.org").one()
        visits_clock.start_visit(user=guest, staff=staff, at=utcnow() - timedelta(minutes=89, seconds=30))
        db.session.commit()


def test_a_ten_hour_pass_pays_a_ninety_minute_visit(page: Page, live_server):
    base = live_server.url
    make_people_and_types(live_server.app)
    sell_ten_hours(page, base, live_server.app)

    log_in(page, base, "alina@example.org", "secret-password")
    page.get_by_role("link", name="Моя карта").click()
    section = page.locator("#my-passes")
    expect(section).to_contain_text("10 часов")
    expect(section.get_by_test_id("pass-remaining")).to_have_text("10 ч")
    log_out(page)

    start_ninety_minutes_ago(live_server.app)
    log_in(page, base, "denis@example.org", "secret-password")
    page.get_by_role("link", name="Гости", exact=True).click()
    row = page.locator("#board-rows tr", has_text="Алина Смирнова")
    row.get_by_role("button", name="Стоп").click()
    expect(page.get_by_role("heading", name=re.compile("Алина Смирнова"))).to_be_visible()
    expect(page.get_by_text("90 минут оплачено абонементом «10 часов»")).to_be_visible()
    expect(page.locator(".breakdown tfoot")).to_contain_text("0 ₽")
    page.get_by_role("link", name="Абонементы").first.click()
    page.get_by_placeholder("Имя, почта или телефон").fill("Алина")
    page.get_by_role("button", name="Найти").click()
    page.locator(".people-list").get_by_role("link", name="Алина Смирнова").click()
    card = page.locator("article.pass-card").first
    expect(card.get_by_test_id("pass-remaining")).to_have_text("8 ч 30 мин")
    expect(card).to_contain_text("Оплатил 1 посещение")
    log_out(page)

    log_in(page, base, "alina@example.org", "secret-password")
    page.get_by_role("link", name="Моя карта").click()
    expect(page.locator("#my-passes").get_by_test_id("pass-remaining")).to_have_text("8 ч 30 мин")
    page.get_by_role("link", name="Все мои абонементы и что они оплатили").click()
    expect(page.get_by_test_id("pass-summary")).to_have_text("Осталось 8 ч 30 мин оплаченного и льготного времени")
