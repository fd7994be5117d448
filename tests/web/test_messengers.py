"""Telegram and VK: linking by deep link, the bot's answers, tickets with QR, reminders, promotions,
a blocked bot, webhooks, polling, announcements — against a local fake of both APIs."""

import io
import json
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import zxingcpp
from fakemessengers import BOT_USERNAME, VK_CONFIRMATION, VK_GROUP_ID, FakeMessengers
from PIL import Image
from sqlalchemy import select

from anticafe.extensions import db
from anticafe.notifications import rules
from anticafe.notifications.messengers import hook_secret
from anticafe.notifications.models import Delivery, MessengerLink, Notification
from anticafe.notifications.services import deliver_pending, link_by_token, new_link_token, notify
from anticafe.registrations import services as registrations
from anticafe.registrations.models import Registration

TG_CHAT = 555001
VK_PEER = 777001


@pytest.fixture
def fake():
    server = FakeMessengers().start()
    yield server
    server.stop()


@pytest.fixture
def app_config(fake):
    return fake.config


def decode_qr(png: bytes) -> str:
    [result] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    return result.text


def telegram_hook(client, update: dict, secret: str | None = None, header: str | None = None):
    secret = secret if secret is not None else hook_secret("telegram")
    return client.post(f"/hooks/telegram/{secret}", json=update,
                       headers={"X-Telegram-Bot-Api-Secret-Token": header if header is not None else secret})


def vk_hook(client, event: dict, secret: str | None = None):
    secret = secret if secret is not None else hook_secret("vk")
    return client.post(f"/hooks/vk/{secret}", json={**event, "secret": secret})


def link(user, channel: str, chat) -> None:
    assert link_by_token(channel, new_link_token(user, channel), str(chat)) is not None
    db.session.commit()


def buttons(call) -> list[str]:
    """The payloads of a sent message's inline buttons (Telegram callback data or VK payloads)."""
    markup = json.loads(call.params.get("reply_markup") or call.params.get("keyboard") or "{}")
    rows = markup.get("inline_keyboard") or markup.get("buttons") or []
    found = []
    for row in rows:
        for button in row:
            if "callback_data" in button:
                found.append(button["callback_data"])
            elif "action" in button:
                found.append(json.loads(button["action"]["payload"])["cmd"])
    return found


# ------------------------------------------------------------------------------------------------
# Telegram

def test_telegram_journey_link_register_ticket_cancel(app, client, auth, make_user, make_event, fake):
    event = make_event(title="Турнир по мафии", capacity=10)
    vika = auth.login(make_user(name="Вика"))
    response = client.post("/notifications/channels/telegram/link")
    assert response.status_code == 302
    url = urlsplit(response.headers["Location"])
    assert (url.netloc, url.path) == ("t.me", f"/{BOT_USERNAME}")
    token = parse_qs(url.query)["start"][0]

    assert telegram_hook(client, fake.telegram_message(TG_CHAT, f"/start {token}")).status_code == 200
    assert "Вика" in fake.last_to("telegram", TG_CHAT).params["text"]
    assert db.session.scalar(select(MessengerLink.chat_id).where(MessengerLink.user_id == vika.id)) == str(TG_CHAT)
    page = client.get("/profile").get_data(as_text=True)
    assert "Telegram привязан" in page and "Отвязать" in page

    # The token is one-time: a second chat cannot use it.
    telegram_hook(client, fake.telegram_message(TG_CHAT + 1, f"/start {token}"))
    assert "устарела" in fake.last_to("telegram", TG_CHAT + 1).params["text"]

    telegram_hook(client, fake.telegram_message(TG_CHAT, "Афиша"))
    listing = fake.last_to("telegram", TG_CHAT)
    assert "Турнир по мафии" in listing.params["text"] and f"reg:{event.id}" in buttons(listing)

    telegram_hook(client, fake.telegram_button(TG_CHAT, f"reg:{event.id}"))
    registration = db.session.scalar(select(Registration).where(Registration.user_id == vika.id))
    assert registration.is_confirmed
    ticket = fake.last_to("telegram", TG_CHAT)
    assert ticket.method == "sendPhoto"
    assert decode_qr(ticket.files["photo"]) == registrations.ticket_url(registration)
    assert registration.ticket_code[:4] in ticket.params["caption"].replace("-", "")
    assert f"cancel:{registration.id}" in buttons(ticket)

    # The same rules and errors as the site: registering twice is refused with the site's words.
    telegram_hook(client, fake.telegram_button(TG_CHAT, f"reg:{event.id}"))
    assert fake.last_to("telegram", TG_CHAT).method == "sendMessage"
    assert "уже" in fake.last_to("telegram", TG_CHAT).params["text"]

    telegram_hook(client, fake.telegram_message(TG_CHAT, "Мои билеты"))
    assert decode_qr(fake.last_to("telegram", TG_CHAT).files["photo"]) == registrations.ticket_url(registration)

    telegram_hook(client, fake.telegram_button(TG_CHAT, f"cancel:{registration.id}"))
    db.session.refresh(registration)
    assert registration.is_cancelled
    assert "Отменено" in fake.last_to("telegram", TG_CHAT).params["text"]

    client.post("/notifications/channels/telegram/unlink")
    assert db.session.scalar(select(MessengerLink).where(MessengerLink.user_id == vika.id)) is None


def test_bot_answers_prices_address_and_english(app, client, make_user, fake):
    telegram_hook(client, fake.telegram_message(TG_CHAT, "Сколько стоит"))
    assert "₽" in fake.last_to("telegram", TG_CHAT).params["text"]
    telegram_hook(client, fake.telegram_message(TG_CHAT, "Адрес и часы"))
    text = fake.last_to("telegram", TG_CHAT).params["text"]
    assert app.config["VENUE_ADDRESS"] in text and "понедельник" in text.lower()
    telegram_hook(client, fake.telegram_message(TG_CHAT, "/start", language="en"))
    greeting = fake.last_to("telegram", TG_CHAT)
    assert "Hello" in greeting.params["text"]
    menu = json.loads(greeting.params["reply_markup"])["keyboard"]
    assert [button["text"] if isinstance(button, dict) else button for button in menu[0]] == ["What's on", "My tickets"]
    telegram_hook(client, fake.telegram_message(TG_CHAT, "My tickets", language="en"))
    assert "link your account" in fake.last_to("telegram", TG_CHAT).params["text"]


def test_promotion_and_reminder_come_with_the_qr(app, make_user, make_event, fake):
    event = make_event(title="Квиз", capacity=1)
    anna, vika = make_user(), make_user(locale="ru")
    link(vika, "telegram", TG_CHAT)
    first = registrations.register(event, anna)
    waiting = registrations.register(event, vika)
    db.session.commit()
    registrations.cancel(first, by=anna)
    db.session.commit()
    assert deliver_pending() == (1, 0)
    promotion = fake.last_to("telegram", TG_CHAT)
    db.session.refresh(waiting)
    assert decode_qr(promotion.files["photo"]) == f"https://cafe.example/t/{waiting.ticket_code}"
    caption = promotion.params["caption"]
    assert "Место ваше: Квиз" in caption and "отмените запись до" in caption

    assert registrations.queue_reminders(now=event.starts_at - timedelta(hours=3)) == 1
    db.session.commit()
    assert deliver_pending(now=event.starts_at - timedelta(hours=3)) == (1, 0)
    reminder = fake.last_to("telegram", TG_CHAT)
    assert reminder.params["caption"].startswith("Напоминание: Квиз")
    assert decode_qr(reminder.files["photo"]) == f"https://cafe.example/t/{waiting.ticket_code}"
    [delivery] = db.session.scalars(select(Delivery).join(Notification)
                                    .where(Notification.kind == "event_reminder")).all()
    assert delivery.state == "sent" and delivery.channel == "telegram"


def test_blocked_bot_stops_unlinks_and_says_so_in_app(app, client, auth, make_user, fake):
    vika = make_user()
    link(vika, "telegram", TG_CHAT)
    first = notify(vika, "event_changed", "Перенос", "Турнир в 20:00")
    second = notify(vika, "event_changed", "Ещё перенос", "Турнир в 21:00")
    db.session.commit()
    fake.blocked.add(str(TG_CHAT))
    assert deliver_pending() == (0, 1)
    db.session.refresh(first)
    db.session.refresh(second)
    assert first.deliveries[0].state == "failed" and "blocked" in first.deliveries[0].error
    assert second.deliveries[0].state == "cancelled"
    assert db.session.scalar(select(MessengerLink).where(MessengerLink.user_id == vika.id)) is None
    notice = db.session.scalar(select(Notification).where(Notification.kind == "messenger_unlinked"))
    assert notice.user_id == vika.id and notice.deliveries == []
    auth.login(vika)
    assert "Telegram отвязан" in client.get("/notifications/").get_data(as_text=True)
    assert len(fake.sent("telegram", "sendMessage", "sendPhoto")) == 1  # the refused one; nothing after


def test_blocking_the_bot_in_telegram_unlinks_at_once(app, client, make_user, fake):
    vika = make_user()
    link(vika, "telegram", TG_CHAT)
    assert telegram_hook(client, fake.telegram_blocked(TG_CHAT)).status_code == 200
    assert db.session.scalar(select(MessengerLink).where(MessengerLink.user_id == vika.id)) is None


def test_failed_delivery_is_retried_with_back_off_then_given_up(app, make_user, fake):
    vika = make_user()
    link(vika, "telegram", TG_CHAT)
    note = notify(vika, "event_changed", "S", "B")
    db.session.commit()
    now = note.created_at
    app.config["TELEGRAM_API_URL"] = "http://127.0.0.1:9"  # nothing listens there
    assert deliver_pending(now=now) == (0, 1)
    delivery = db.session.get(Delivery, note.deliveries[0].id)
    assert delivery.state == "pending" and delivery.attempts == 1
    assert delivery.next_attempt_at == now + rules.backoff(1)
    assert deliver_pending(now=now + timedelta(seconds=30)) == (0, 0)  # not due yet
    for _attempt in range(2, rules.MAX_ATTEMPTS + 1):
        assert deliver_pending(now=delivery.next_attempt_at) == (0, 1)
        db.session.refresh(delivery)
    assert delivery.state == "failed" and delivery.attempts == rules.MAX_ATTEMPTS
    app.config["TELEGRAM_API_URL"] = fake.url + "/telegram"
    assert deliver_pending(now=now + timedelta(days=1)) == (0, 0)


def test_channel_preferences_per_kind(app, client, auth, make_user, fake):
    vika = auth.login(make_user())
    link(vika, "telegram", TG_CHAT)
    response = client.put("/api/v1/me/channels/preferences",
                          json={"items": [{"topic": "reminders", "channel": "telegram", "enabled": False}]})
    assert response.status_code == 200
    assert {"topic": "reminders", "channel": "telegram", "enabled": False} in response.json["preferences"]
    assert response.json["messengers"][0] == {"channel": "telegram", "linked": True, "display_name": None,
                                              "linked_at": response.json["messengers"][0]["linked_at"]}
    reminder = notify(vika, "event_reminder", "S", "B")
    change = notify(vika, "event_changed", "S", "B")
    db.session.commit()
    assert [d.channel for d in reminder.deliveries] == [] and [d.channel for d in change.deliveries] == ["telegram"]
    bad = client.put("/api/v1/me/channels/preferences", json={"items": [{"topic": "x", "channel": "telegram",
                                                                           "enabled": True}]})
    assert bad.status_code == 422 and bad.json["error"]["code"] == "validation_error"
    # The page saves the same choices.
    client.post("/notifications/channels", data={"reminders:telegram": "on", "changes:telegram": "on"})
    reminder = notify(vika, "event_reminder", "S", "B")
    promotion = notify(vika, "waitlist_promoted", "S", "B")
    db.session.commit()
    assert [d.channel for d in reminder.deliveries] == ["telegram"] and promotion.deliveries == []


def test_link_api_and_unlink(app, client, auth, make_user, fake):
    vika = auth.login(make_user())
    response = client.post("/api/v1/me/channels/vk/link")
    assert response.status_code == 201
    ref = parse_qs(urlsplit(response.json["url"]).query)["ref"][0]
    assert response.json["url"].startswith(f"https://vk.me/club{VK_GROUP_ID}?ref=")
    vk_hook(client, fake.vk_message(VK_PEER, "Начать", ref=ref))
    assert client.get("/api/v1/me/channels").json["messengers"][1]["linked"] is True
    assert client.delete("/api/v1/me/channels/vk").json == {"unlinked": True}
    assert client.delete("/api/v1/me/channels/fax").status_code == 404
    assert client.post("/api/v1/me/channels/fax/link").status_code == 404
    assert db.session.scalar(select(MessengerLink).where(MessengerLink.user_id == vika.id)) is None


# ------------------------------------------------------------------------------------------------
# VK

def test_vk_journey_link_register_ticket_reminder_block(app, client, auth, make_user, make_event, fake):
    event = make_event(title="Настолки", capacity=1)
    vika = auth.login(make_user(name="Вика"))
    url = urlsplit(client.post("/notifications/channels/vk/link").headers["Location"])
    assert (url.netloc, url.path) == ("vk.me", f"/club{VK_GROUP_ID}")
    ref = parse_qs(url.query)["ref"][0]
    assert vk_hook(client, fake.vk_message(VK_PEER, "Начать", ref=ref)).get_data(as_text=True) == "ok"
    assert "Вика" in fake.last_to("vk", VK_PEER).params["message"]

    vk_hook(client, fake.vk_message(VK_PEER, "Афиша", payload="events"))
    listing = fake.last_to("vk", VK_PEER)
    assert "Настолки" in listing.params["message"] and f"reg:{event.id}" in buttons(listing)

    vk_hook(client, fake.vk_message(VK_PEER, "Записаться", payload=f"reg:{event.id}"))
    registration = db.session.scalar(select(Registration).where(Registration.user_id == vika.id))
    assert registration.is_confirmed
    ticket = fake.last_to("vk", VK_PEER)
    assert decode_qr(fake.vk_photo(ticket)) == registrations.ticket_url(registration)

    # The waitlist: someone else takes no seat, is promoted when Вика cancels from VK, and gets the QR in VK.
    boris = make_user(name="Борис")
    link(boris, "vk", VK_PEER + 1)
    waiting = registrations.register(event, boris)
    db.session.commit()
    assert waiting.is_waitlisted
    vk_hook(client, fake.vk_message(VK_PEER, "Отменить", payload=f"cancel:{registration.id}"))
    db.session.refresh(waiting)
    assert waiting.is_confirmed
    assert deliver_pending() == (1, 0)
    promotion = fake.last_to("vk", VK_PEER + 1)
    assert "Место ваше" in promotion.params["message"]
    assert decode_qr(fake.vk_photo(promotion)) == f"https://cafe.example/t/{waiting.ticket_code}"

    assert registrations.queue_reminders(now=event.starts_at - timedelta(hours=2)) == 1
    db.session.commit()
    assert deliver_pending() == (1, 0)
    assert fake.last_to("vk", VK_PEER + 1).params["message"].startswith("Напоминание: Настолки")

    fake.blocked.add(str(VK_PEER + 1))
    notify(boris, "event_changed", "S", "B")
    db.session.commit()
    assert deliver_pending() == (0, 1)
    assert db.session.scalar(select(MessengerLink).where(MessengerLink.user_id == boris.id)) is None

    # VK tells us when a person forbids messages: unlinked at once.
    vk_hook(client, {"type": "message_deny", "group_id": VK_GROUP_ID, "object": {"user_id": VK_PEER}})
    assert db.session.scalar(select(MessengerLink).where(MessengerLink.user_id == vika.id)) is None


def test_vk_bot_in_english(app, client, make_user, fake):
    vk_hook(client, fake.vk_message(VK_PEER, "", payload="price", lang_id=3))
    assert "A stay today costs" in fake.last_to("vk", VK_PEER).params["message"]


# ------------------------------------------------------------------------------------------------
# Webhooks, polling, set-webhook

def test_webhooks_refuse_a_wrong_secret(app, client, fake):
    update = fake.telegram_message(TG_CHAT, "/start")
    assert telegram_hook(client, update, secret="wrong", header="wrong").status_code == 403
    assert telegram_hook(client, update, header="wrong").status_code == 403
    assert telegram_hook(client, update, header="").status_code == 403
    assert vk_hook(client, fake.vk_message(VK_PEER, "Афиша"), secret="wrong").status_code == 403
    wrong_body = client.post(f"/hooks/vk/{hook_secret('vk')}", json={**fake.vk_message(VK_PEER, "x"), "secret": "no"})
    assert wrong_body.status_code == 403
    other_group = client.post(f"/hooks/vk/{hook_secret('vk')}", json={"type": "confirmation", "group_id": 1})
    assert other_group.status_code == 403
    assert fake.sent("telegram", "sendMessage") == [] and fake.sent("vk", "messages.send") == []
    confirm = client.post(f"/hooks/vk/{hook_secret('vk')}", json={"type": "confirmation", "group_id": VK_GROUP_ID})
    assert confirm.get_data(as_text=True) == VK_CONFIRMATION
    assert telegram_hook(client, update).status_code == 200
    assert client.post(f"/hooks/telegram/{hook_secret('telegram')}", data="not json",
                       headers={"X-Telegram-Bot-Api-Secret-Token": hook_secret("telegram")}).status_code == 400


def test_poll_links_answers_and_delivers(app, runner, make_user, fake):
    vika, boris = make_user(), make_user()
    fake.telegram_updates.append(fake.telegram_message(TG_CHAT, f"/start {new_link_token(vika, 'telegram')}"))
    fake.vk_events.append(fake.vk_message(VK_PEER, "Начать", ref=new_link_token(boris, "vk")))
    db.session.commit()
    result = runner.invoke(args=["bot", "poll", "--once"])
    assert result.exit_code == 0, result.output
    assert {link.channel: link.user_id for link in db.session.scalars(select(MessengerLink))} == {
        "telegram": vika.id, "vk": boris.id}
    assert fake.sent("telegram", "deleteWebhook")
    notify(vika, "event_changed", "S", "B")
    db.session.commit()
    result = runner.invoke(args=["bot", "poll", "--once"])
    assert "sent 1" in result.output


def test_set_webhook_points_both_messengers_here(app, runner, fake):
    result = runner.invoke(args=["bot", "set-webhook"])
    assert result.exit_code == 0, result.output
    [call] = fake.sent("telegram", "setWebhook")
    assert call.params["url"] == f"https://cafe.example/hooks/telegram/{hook_secret('telegram')}"
    assert call.params["secret_token"] == hook_secret("telegram")
    [server] = fake.sent("vk", "groups.addCallbackServer")
    assert server.params["url"] == f"https://cafe.example/hooks/vk/{hook_secret('vk')}"
    assert fake.sent("vk", "groups.setCallbackSettings")[0].params["message_deny"] == "1"


# ------------------------------------------------------------------------------------------------
# Guests, announcements, a site without messengers

def test_guest_links_at_the_door_and_gets_the_reminder(app, client, auth, make_user, make_event, fake):
    from anticafe.accounts.services import create_guest_profile

    guest = create_guest_profile("Гость у двери", None, date(2009, 3, 1))
    event = make_event(title="Кино")
    registration = registrations.register(event, guest)
    db.session.commit()
    auth.login(make_user("staff"))
    page = client.post("/messengers/guest", data={"card": guest.card_code}).get_data(as_text=True)
    images = [part.split('"')[0] for part in page.split('src="data:image/png;base64,')[1:]]
    assert len(images) == 2
    import base64

    deep_link = decode_qr(base64.b64decode(images[0]))
    assert deep_link.startswith(f"https://t.me/{BOT_USERNAME}?start=")
    telegram_hook(client, fake.telegram_message(TG_CHAT, "/start " + deep_link.split("=", 1)[1]))
    assert db.session.scalar(select(MessengerLink.user_id).where(MessengerLink.chat_id == str(TG_CHAT))) == guest.id
    assert registrations.queue_reminders(now=event.starts_at - timedelta(hours=1)) == 1
    db.session.commit()
    assert deliver_pending() == (1, 0)
    assert decode_qr(fake.last_to("telegram", TG_CHAT).files["photo"]) == registrations.ticket_url(registration)
    assert "Карты гостя с таким кодом нет" in client.get("/messengers/guest?card=ZZZZ").get_data(as_text=True)


def test_staff_announce_an_event_and_see_it_went_out(app, client, auth, make_user, make_event, fake):
    event = make_event(title="Фестиваль настолок", description="Приходите всей компанией.")
    auth.login(make_user("staff"))
    assert "Анонсировать" in client.get(f"/events/{event.id}").get_data(as_text=True)
    response = client.post(f"/messengers/events/{event.id}/announce", data={"channel": ["telegram", "vk"]},
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert page.count("ушло") >= 2
    [post] = fake.sent("telegram", "sendMessage")
    assert post.params["chat_id"] == "@anticafe_news" and "Фестиваль настолок" in post.params["text"]
    assert f"https://cafe.example/events/{event.id}" in post.params["text"]
    [wall] = fake.sent("vk", "wall.post")
    assert wall.params["owner_id"] == str(-VK_GROUP_ID) and "Фестиваль настолок" in wall.params["message"]

    fake.blocked.add("@anticafe_news")
    api = client.post(f"/api/v1/events/{event.id}/announcements", json={"channels": ["telegram"]})
    assert api.status_code == 201
    assert api.json["items"][0]["channel"] == "telegram" and api.json["items"][0]["state"] == "failed"
    assert client.get(f"/api/v1/events/{event.id}/announcements").json["places"] == ["telegram", "vk"]
    draft = make_event(published=False)
    refused = client.post(f"/api/v1/events/{draft.id}/announcements", json={})
    assert refused.status_code == 409 and refused.json["error"]["code"] == "not_announceable"


@pytest.mark.parametrize("app_config", [{}], indirect=False)
def test_without_tokens_the_channels_are_absent(app, client, auth, make_user):
    auth.login(make_user())
    page = client.get("/profile").get_data(as_text=True)
    # (The footer still links the venue's own VK and Telegram pages: those are VENUE_LINKS.)
    assert "Получать в Telegram" not in page and "Получать во ВКонтакте" not in page
    assert "/notifications/channels/telegram/link" not in page
    assert client.post("/notifications/channels/telegram/link").status_code == 404
    assert client.post(f"/hooks/telegram/{hook_secret('telegram')}", json={}).status_code == 404
    assert client.get("/api/v1/me/channels").json["messengers"] == []


def test_ticket_page_offers_the_messengers_right_after_registering(app, client, auth, make_user, make_event, fake):
    vika = auth.login(make_user())
    registration = registrations.register(make_event(), vika)
    db.session.commit()
    page = client.get(f"/t/{registration.ticket_code}").get_data(as_text=True)
    assert "Получать в Telegram" in page and "Получать во ВКонтакте" in page
    link(vika, "telegram", TG_CHAT)
    page = client.get(f"/t/{registration.ticket_code}").get_data(as_text=True)
    assert "Получать в Telegram" not in page and "Получать во ВКонтакте" in page
    # The site's pages let those forms land on t.me and vk.me (CSP form-action), and only when set up.
    policy = client.get("/profile").headers["Content-Security-Policy"]
    assert "form-action 'self' https://t.me https://vk.me" in policy


def test_a_password_reset_link_never_goes_to_a_messenger(app, make_user, fake, smtp_server):
    app.config.update(smtp_server.config)
    vika = make_user(email_notifications=False)
    link(vika, "telegram", TG_CHAT)
    note = notify(vika, "password_reset", "Новый пароль", "Ссылка ниже.", link="/reset/secret")
    db.session.commit()
    assert [d.channel for d in note.deliveries] == ["email"]
    assert deliver_pending() == (1, 0)
    db.session.refresh(note)
    assert note.link is None and fake.sent("telegram", "sendMessage", "sendPhoto") == []
