"""Registration messages through the outbox: waitlist promotion and the reminder the day before."""

from datetime import timedelta

from sqlalchemy import select

from anticafe.db import utcnow
from anticafe.extensions import db
from anticafe.notifications.models import Notification
from anticafe.notifications.services import deliver_pending
from anticafe.registrations import services


def test_promotion_email_reaches_the_promoted_person(app, make_user, make_event, smtp_server):
    app.config.update(smtp_server.config, PUBLIC_BASE_URL="https://cafe.example")
    event = make_event(capacity=1, title="Турнир по мафии")
    anna = make_user(email="anna@example.org")
    boris = make_user(email="boris@example.org", locale="en")
    first = services.register(event, anna)
    second = services.register(event, boris)
    db.session.commit()
    services.cancel(first, by=anna)
    db.session.commit()
    assert deliver_pending() == (1, 0)
    [message] = smtp_server.messages
    assert message["To"] == "boris@example.org"
    assert message["Subject"] == "A seat is yours: Турнир по мафии"
    body = message.get_content()
    assert "you have moved from the waitlist" in body
    assert f"https://cafe.example/t/{second.ticket_code}" in body


def test_promotion_in_russian_and_in_app_when_email_is_off(app, client, auth, make_user, make_event, smtp_server):
    app.config.update(smtp_server.config)
    event = make_event(capacity=1, title="Пижамная вечеринка")
    anna = make_user()
    quiet = make_user(email_notifications=False)
    first = services.register(event, anna)
    services.register(event, quiet)
    db.session.commit()
    services.cancel(first, by=anna)
    db.session.commit()
    assert deliver_pending() == (0, 0) and smtp_server.messages == []
    auth.login(quiet)
    page = client.get("/notifications/").get_data(as_text=True)
    assert "Место ваше: Пижамная вечеринка" in page and "освободилось место" in page


def test_reminders_are_queued_once_per_person_and_event(app, runner, make_user, make_event, smtp_server):
    app.config.update(smtp_server.config)
    tomorrow = make_event(title="Ток-шоу с гостем", starts_at=utcnow() + timedelta(hours=20))
    next_week = make_event(title="Стендап", starts_at=utcnow() + timedelta(days=6))
    cancelled = make_event(title="Отменённое", starts_at=utcnow() + timedelta(hours=5), capacity=5)
    anna, boris, guest = make_user(email="anna@example.org"), make_user(email="boris@example.org"), make_user()
    services.register(tomorrow, anna)
    services.register(next_week, anna)
    services.register(cancelled, boris)
    leaving = services.register(tomorrow, boris)
    services.register(tomorrow, guest)
    db.session.commit()
    services.cancel(leaving, by=boris)
    cancelled.status = "cancelled"
    db.session.commit()

    result = runner.invoke(args=["queue-reminders"])
    assert result.exit_code == 0 and "Queued 2 reminder(s)." in result.output
    assert "Queued 0 reminder(s)." in runner.invoke(args=["queue-reminders"]).output
    notes = db.session.scalars(select(Notification).where(Notification.kind == "event_reminder")).all()
    assert sorted(n.user_id for n in notes) == sorted([anna.id, guest.id])
    # Cancel and register again: still one reminder for the event.
    again = services.user_registrations(guest)[0]
    services.cancel(again, by=guest)
    services.register(tomorrow, guest)
    db.session.commit()
    assert services.queue_reminders() == 0
    assert deliver_pending() == (2, 0)
    subjects = sorted(m["Subject"] for m in smtp_server.messages)
    assert all(s.startswith("Напоминание: Ток-шоу с гостем") for s in subjects)
    assert "Покажите QR-код" in smtp_server.messages[0].get_content()


def test_a_broken_mail_server_does_not_break_a_cancellation(app, client, auth, make_user, make_event):
    from conftest import free_port

    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
    event = make_event(capacity=1)
    anna, boris = make_user(), make_user()
    first = services.register(event, anna)
    services.register(event, boris)
    db.session.commit()
    auth.login(anna)
    assert client.post(f"/registrations/{first.id}/cancel").status_code == 302
    note = db.session.scalar(select(Notification).where(Notification.user_id == boris.id))
    assert note.kind == "waitlist_promoted" and [d.state for d in note.deliveries] == ["pending"]
