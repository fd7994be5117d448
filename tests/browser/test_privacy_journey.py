"""Browser journeys of personal data: a 12-year-old signs up, her guardian confirms by the emailed link,
she registers; a visitor downloads her data and deletes her account while the committee's dashboard
keeps its numbers."""

import io
import json
import zipfile
from datetime import date, datetime, timedelta

import pytest
from browser_steps import log_in
from playwright.sync_api import Page, expect
from stats_data import JANUARY, build_world

from anticafe.accounts.models import User
from anticafe.accounts.services import hash_password, new_card_code, new_feed_token
from anticafe.db import utcnow
from anticafe.events.models import Event
from anticafe.extensions import db

AXE = "node_modules/axe-core/axe.min.js"


@pytest.fixture
def app_config(smtp_server):
    """Mail goes to a real SMTP server on 127.0.0.1 (the guardian's inbox)."""
    return dict(smtp_server.config)


@pytest.fixture
def browser_context_args(browser_context_args):
    """axe is added as a script tag, which the app's CSP forbids: the test browser bypasses it."""
    return {**browser_context_args, "bypass_csp": True}


def check_page(page: Page) -> None:
    """The page passes axe (no serious or critical violations) and fits a 360 px phone."""
    page.set_viewport_size({"width": 360, "height": 740})
    page.add_script_tag(path=AXE)
    violations = page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']}))
        .violations.filter(v => ['serious', 'critical'].includes(v.impact))
        .map(v => ({id: v.id, nodes: v.nodes.map(n => n.target.join(' '))}))""")
    assert violations == [], violations
    wide = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert wide[0] <= wide[1], wide
    page.set_viewport_size({"width": 1280, "height": 800})


def add_event(app) -> int:
    with app.app_context():
        start = utcnow() + timedelta(days=5)
        event = Event(title="Настольные игры для школьников", starts_at=start, ends_at=start + timedelta(hours=2),
                      category="tournament", capacity=10, entry="free", status="scheduled", published=True)
        db.session.add(event)
        db.session.commit()
        return event.id


def test_a_twelve_year_old_waits_for_her_guardian_then_registers(page: Page, live_server, smtp_server, browser):
    base = live_server.url
    event_id = add_event(live_server.app)
    page.goto(base + "/signup")
    page.get_by_label("Имя", exact=True).fill("Маша Петрова")
    page.get_by_label("Эл. почта").fill("masha@example.org")
    page.get_by_label("Дата рождения").fill("2014-06-01")
    page.get_by_label("Имя родителя или опекуна").fill("Ольга Петрова")
    page.get_by_label("Телефон родителя или опекуна").fill("+7 912 111-22-33")
    page.get_by_label("Почта родителя или опекуна").fill("olga@example.org")
    page.get_by_label("Пароль", exact=True).fill("masha-secret")
    page.get_by_label("Пароль ещё раз").fill("masha-secret")
    page.get_by_label("Даю согласие на обработку моих персональных данных").check()
    page.get_by_role("button", name="Создать аккаунт").click()
    expect(page.get_by_text("Мы отправили родителю или опекуну ссылку")).to_be_visible()

    # Until the guardian confirms, the event page refuses her registration.
    page.goto(f"{base}/events/{event_id}")
    page.get_by_role("button", name="Записаться").click()
    expect(page.get_by_text("Родитель или опекун ещё не подтвердил согласие").first).to_be_visible()
    page.goto(base + "/me/data")
    expect(page.get_by_text("Ждём согласия родителя или опекуна.")).to_be_visible()
    check_page(page)

    # The guardian's inbox: one message to her, with the link.
    [message] = smtp_server.messages
    assert message["To"] == "olga@example.org" and "Маша Петрова" in message["Subject"]
    link = next(line for line in message.get_content().splitlines() if "/guardian/" in line)
    guardian = browser.new_page(locale="ru-RU", bypass_csp=True)
    guardian.goto(link)
    expect(guardian.get_by_text("Маша Петрова зарегистрировался(-ась)")).to_be_visible()
    check_page(guardian)
    expect(guardian.get_by_label("Ваше имя (родитель или опекун)")).to_have_value("Ольга Петрова")
    guardian.get_by_role("button", name="Я согласен(-на) на обработку персональных данных моего ребёнка").click()
    expect(guardian.locator("#guardian-done")).to_contain_text("Ваше согласие записано")
    guardian.close()

    page.goto(f"{base}/events/{event_id}")
    page.get_by_role("button", name="Записаться").click()
    expect(page.get_by_text("Действующий билет")).to_be_visible()
    page.goto(base + "/me/data")
    expect(page.locator("#my-consents")).to_contain_text("родителем или опекуном")
    expect(page.locator("#my-consents")).to_contain_text("ссылка из письма")


def committee_figures(page: Page, base: str) -> str:
    page.goto(f"{base}/stats/?from={JANUARY[0]}&to={JANUARY[1]}")
    figures = page.locator(".figure-grid")
    expect(figures).to_be_visible()
    return figures.inner_text()


def test_a_visitor_takes_her_data_and_deletes_the_account(page: Page, live_server, browser, tmp_path):
    base = live_server.url
    with live_server.app.app_context():
        world = build_world(db.session)
        anna = db.session.get(User, world.people["anna"].id)
        anna.password_hash = hash_password("anna-secret")
        db.session.add(User(name="Ирина Комитетова", email="irina@committee.example.org", role="committee",
                            password_hash=hash_password("committee-secret"), card_code=new_card_code(),
                            feed_token=new_feed_token()))
        db.session.commit()
    committee = browser.new_page(locale="ru-RU", timezone_id="Asia/Yekaterinburg")
    log_in(committee, base, "irina@committee.example.org", "committee-secret")
    before = committee_figures(committee, base)
    assert "6" in before

    log_in(page, base, "anna.sokolova@example.org", "anna-secret")
    page.goto(base + "/profile")
    page.get_by_role("link", name="Мои данные: скачать, отозвать согласие, удалить учётную запись").click()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Скачать мои данные (ZIP)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(open(download.path(), "rb").read())) as archive:
        document = json.loads(archive.read("personal-data.json"))
        html = archive.read("personal-data.html").decode()
    assert document["profile"]["name"] == "Анна Соколова" and len(document["checkins"]) == 4
    assert "Анна Соколова" in html
    summary = browser.new_page()
    summary.set_content(html)
    expect(summary.get_by_role("heading", name="Отметки (4)")).to_be_visible()
    summary.close()

    page.locator("#delete-password").fill("anna-secret")
    page.get_by_role("button", name="Удалить мою учётную запись").click()
    expect(page.get_by_text("Ваша учётная запись и персональные данные стёрты.")).to_be_visible()
    expect(page.get_by_role("link", name="Войти").first).to_be_visible()
    page.goto(base + "/login")
    page.get_by_label("Эл. почта").fill("anna.sokolova@example.org")
    page.get_by_label("Пароль", exact=True).fill("anna-secret")
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_text("Неверная почта или пароль.")).to_be_visible()

    after = committee_figures(committee, base)
    assert after == before
    committee.close()


def test_the_privacy_notice_and_the_access_log_fit_a_phone(page: Page, live_server):
    base = live_server.url
    with live_server.app.app_context():
        db.session.add(User(name="Админ Главный", email="admin@example.org", role="admin",
                            password_hash=hash_password("admin-secret"), card_code=new_card_code(),
                            feed_token=new_feed_token(), birth_date=date(1990, 1, 1),
                            created_at=datetime(2026, 1, 1).astimezone()))
        db.session.commit()
    page.goto(base + "/privacy")
    expect(page.get_by_role("heading", name="Как долго")).to_be_visible()
    check_page(page)
    log_in(page, base, "admin@example.org", "admin-secret")
    page.goto(base + "/admin/users?q=Админ")
    page.goto(base + "/admin/access-log")
    expect(page.locator("#access-log")).to_contain_text("искал людей")
    check_page(page)
