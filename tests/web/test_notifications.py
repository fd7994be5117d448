"""The outbox: in-app messages, email delivery over SMTP, and the API."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from anticafe.extensions import db
from anticafe.notifications.models import Notification
from anticafe.notifications.services import deliver_pending, notify


def test_message_is_written_in_the_recipients_language(app, make_user):
    ru = make_user(locale=None)
    en = make_user(locale="en")
    notify(ru, "test", _l("Not found"), _l("Page not found"), link="/")
    notify(en, "test", _l("Not found"), _l("Page not found"), link="/")
    db.session.commit()
    texts = {n.user_id: n.body for n in db.session.scalars(select(Notification))}
    assert texts == {ru.id: "Страница не найдена", en.id: "Page not found"}


def test_without_smtp_messages_stay_in_the_app(app, make_user, runner):
    user = make_user()
    note = notify(user, "test", "Subject", "Body")
    db.session.commit()
    assert note.deliveries == []
    result = runner.invoke(args=["send-notifications"])
    assert "Sent 0, failed 0." in result.output


def test_dedupe_key_sends_a_reminder_once(app, make_user):
    user = make_user()
    assert notify(user, "reminder", "S", "B", dedupe_key="reminder:1:1") is not None
    assert notify(user, "reminder", "S", "B", dedupe_key="reminder:1:1") is None
    db.session.commit()
    assert len(db.session.scalars(select(Notification)).all()) == 1


def test_emails_reach_the_smtp_server(app, make_user, smtp_server):
    app.config.update(smtp_server.config, PUBLIC_BASE_URL="https://cafe.example")
    user = make_user(email="vika@example.org")
    quiet = make_user(email="quiet@example.org", email_notifications=False)
    notify(user, "event_changed", "Мафия переносится", "Турнир начнётся в 20:00.", link="/events/5")
    notify(quiet, "event_changed", "S", "B")
    db.session.commit()
    assert deliver_pending() == (1, 0)
    [message] = smtp_server.messages
    assert message["To"] == "vika@example.org"
    assert message["Subject"] == "Мафия переносится"
    assert "https://cafe.example/events/5" in message.get_content()
    # The venue signs every mail: name, address with the town, phone, VK/Telegram.
    signature = message.get_content().split("\n-- \n", 1)[1]
    assert "Антикафе" in signature and "г. Новотроицк" in signature and "+7 3537 67-01-01" in signature
    assert "VK: https://vk.com/" in signature and "Telegram: https://t.me/" in signature
    assert deliver_pending() == (0, 0)


def test_a_dead_smtp_server_does_not_break_anything(app, make_user):
    from conftest import free_port

    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
    user = make_user()
    note = notify(user, "x", "S", "B")
    db.session.commit()
    assert deliver_pending() == (0, 1)
    db.session.refresh(note)
    [delivery] = note.deliveries
    assert delivery.channel == "email" and delivery.state == "pending" and delivery.attempts == 1 and delivery.error
    assert delivery.next_attempt_at > note.created_at  # tried again later, with back-off


def test_notifications_page_and_api(client, auth, make_user):
    user = auth.login(make_user())
    notify(user, "x", "Место освободилось", "Вы в списке участников.", link="/")
    db.session.commit()
    page = client.get("/notifications/").get_data(as_text=True)
    assert "Место освободилось" in page and 'class="bell-count">1<' in page
    listing = client.get("/api/v1/me/notifications").json
    assert listing["unread"] == 1 and listing["items"][0]["subject"] == "Место освободилось"
    assert client.post("/api/v1/me/notifications/read").json == {"marked": 1}
    assert client.get("/api/v1/me/notifications").json["unread"] == 0
