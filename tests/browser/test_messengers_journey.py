"""Browser journey: link Telegram from the profile through the deep link, see it linked, unlink it."""

from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from browser_steps import assert_fits, log_in
from fakemessengers import BOT_USERNAME, FakeMessengers
from playwright.sync_api import Page, expect

from anticafe.extensions import db

CHAT = 424242


@pytest.fixture
def fake():
    server = FakeMessengers().start()
    yield server
    server.stop()


@pytest.fixture
def app_config(fake):
    return fake.config


def make_person(app, role: str = "visitor", email: str = "alina@example.org") -> None:
    from anticafe.accounts.models import User
    from anticafe.accounts.services import hash_password, new_card_code, new_feed_token

    with app.app_context():
        db.session.add(User(name="Алина Смирнова", email=email, birth_date=date(2009, 5, 1), role=role,
                            password_hash=hash_password("secret-password"), card_code=new_card_code(),
                            feed_token=new_feed_token()))
        db.session.commit()


def test_link_telegram_from_the_profile(page: Page, live_server, fake):
    base = live_server.url
    make_person(live_server.app)
    log_in(page, base, "alina@example.org", "secret-password")
    page.goto(base + "/profile")
    messengers = page.get_by_role("region", name="Мессенджеры")
    expect(messengers).to_be_visible()
    # The button sends the phone to Telegram. t.me is not reachable here: it answers with a stand-in page,
    # and the test waits until the phone is there, so that the failed navigation of an unreachable t.me
    # cannot land later and cut short the next visit to the profile.
    page.route("https://t.me/**", lambda route: route.fulfill(status=200, content_type="text/html",
                                                             body="<title>Telegram</title>"))
    with page.expect_request(lambda request: request.url.startswith("https://t.me/")) as opened:
        messengers.get_by_role("button", name="Получать в Telegram").click()
    page.wait_for_url(lambda url: url.startswith("https://t.me/"))
    url = urlsplit(opened.value.url)
    assert url.path == f"/{BOT_USERNAME}"
    token = parse_qs(url.query)["start"][0]

    # The person taps «Start» in Telegram: Telegram posts /start <token> to the site's webhook.
    with live_server.app.app_context():
        from anticafe.notifications.messengers import hook_secret

        secret = hook_secret("telegram")
    response = requests.post(f"{base}/hooks/telegram/{secret}", json=fake.telegram_message(CHAT, f"/start {token}"),
                             headers={"X-Telegram-Bot-Api-Secret-Token": secret}, timeout=10)
    assert response.status_code == 200
    assert "Алина Смирнова" in fake.last_to("telegram", CHAT).params["text"]

    page.goto(base + "/profile")
    expect(messengers.get_by_text("Telegram привязан")).to_be_visible()
    assert_fits(page)
    messengers.get_by_role("button", name="Отвязать").click()
    expect(page.get_by_text("Отвязано: больше туда писать не будем.")).to_be_visible()
    expect(page.get_by_role("region", name="Мессенджеры").get_by_role("button", name="Получать в Telegram")) \
        .to_be_visible()

    # The channels page (on a 360 px phone): choose where reminders go.
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(base + "/notifications/channels")
    assert_fits(page)
    expect(page.get_by_role("heading", name="Каналы", exact=True)).to_be_visible()
    reminders = page.get_by_role("group", name="Напоминания перед мероприятиями и бронями")
    reminders.get_by_label("Telegram").uncheck()
    page.get_by_role("button", name="Сохранить").click()
    expect(page.get_by_text("Настройки сохранены.")).to_be_visible()
    expect(page.get_by_role("group", name="Напоминания перед мероприятиями и бронями").get_by_label("Telegram")) \
        .not_to_be_checked()


def test_staff_announce_and_link_a_guest_on_a_phone(page: Page, live_server, fake):
    from anticafe.accounts.services import create_guest_profile
    from anticafe.db import utcnow
    from anticafe.events.models import Event

    base = live_server.url
    make_person(live_server.app, role="staff", email="staff@example.org")
    with live_server.app.app_context():
        starts = utcnow().replace(second=0, microsecond=0) + timedelta(days=3)
        event = Event(title="Вечер настолок", category="tournament", starts_at=starts,
                      ends_at=starts + timedelta(hours=2), published=True, status="scheduled", entry="free")
        guest = create_guest_profile("Гость Петров", None, date(2010, 1, 1))
        db.session.add(event)
        db.session.commit()
        event_id, card = event.id, guest.card_code
    page.set_viewport_size({"width": 360, "height": 740})
    log_in(page, base, "staff@example.org", "secret-password")
    page.goto(f"{base}/events/{event_id}")
    page.get_by_role("button", name="Анонсировать").click()
    page.get_by_role("button", name="Опубликовать анонс").click()
    expect(page.get_by_text("Опубликовано: Telegram-канал.")).to_be_visible()
    expect(page.locator("tr[data-announcement=vk]").get_by_text("ушло")).to_be_visible()
    assert_fits(page)
    assert fake.sent("vk", "wall.post") and fake.sent("telegram", "sendMessage")

    page.goto(base + "/door")
    page.get_by_role("link", name="Привязать мессенджер гостя").click()
    page.get_by_label("Код гостевой карты").fill(card)
    page.get_by_role("button", name="Найти").click()
    page.get_by_role("button", name="Показать QR-коды для привязки").click()
    expect(page.get_by_role("img", name="QR-код: Telegram")).to_be_visible()
    expect(page.get_by_role("img", name="QR-код: ВКонтакте")).to_be_visible()
    assert_fits(page)
