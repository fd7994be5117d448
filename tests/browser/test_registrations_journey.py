"""Browser journey: register → see the QR ticket → cancel; the visitor on the waitlist is promoted."""

import re
from datetime import date, timedelta

from browser_steps import log_in
from playwright.sync_api import Page, expect

from anticafe.db import utcnow
from anticafe.extensions import db


def make_people_and_event(app):
    """Create two visitors and a one-seat event in the live server's database."""
    from anticafe.accounts.models import User
    from anticafe.accounts.services import hash_password, new_card_code, new_feed_token
    from anticafe.events.models import Event

    with app.app_context():
        people = []
        for name, email in [("Алина Смирнова", "alina@example.org"), ("Егор Волков", "egor@example.org")]:
            people.append(User(name=name, email=email, password_hash=hash_password("secret-password"),
                               birth_date=date(2009, 5, 1), card_code=new_card_code(), feed_token=new_feed_token()))
        starts = utcnow().replace(second=0, microsecond=0) + timedelta(days=5)
        event = Event(title="Турнир по мафии", category="tournament", starts_at=starts,
                      ends_at=starts + timedelta(hours=3), capacity=1, published=True, status="scheduled",
                      entry="free")
        db.session.add_all([*people, event])
        db.session.commit()
        return event.id




def test_register_ticket_cancel_and_promotion(page: Page, browser, browser_context_args, live_server):
    base = live_server.url
    event_id = make_people_and_event(live_server.app)

    # Алина takes the only seat and gets her ticket with a QR code.
    log_in(page, base, "alina@example.org", "secret-password")
    page.goto(f"{base}/events/{event_id}/register")
    expect(page.get_by_text("Осталось 1 место из 1")).to_be_visible()
    page.get_by_role("button", name="Записаться").click()
    expect(page).to_have_url(re.compile(r"/t/[2-9A-Z]{26}$"))
    expect(page.get_by_text("Действующий билет")).to_be_visible()
    expect(page.locator(".ticket-name")).to_have_text("Алина Смирнова")
    qr = page.get_by_role("img", name="QR-код билета")
    expect(qr).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=qr.element_handle())
    assert qr.bounding_box()["width"] >= 250  # big enough to scan on a phone
    ticket_url = page.url

    # Егор finds the event full and joins the waitlist.
    other = browser.new_context(**browser_context_args)
    egor = other.new_page()
    log_in(egor, base, "egor@example.org", "secret-password")
    egor.goto(f"{base}/events/{event_id}/register")
    expect(egor.get_by_text("Мест нет")).to_be_visible()
    egor.get_by_role("button", name="Встать в лист ожидания").click()
    expect(egor.get_by_text("Все места заняты, поэтому вы в листе ожидания под номером 1.")).to_be_visible()
    egor.get_by_role("navigation").get_by_role("link", name="Мои мероприятия").click()
    expect(egor.get_by_text("Лист ожидания: номер 1")).to_be_visible()

    # Алина cancels from "My events" (after confirming); her ticket stops being valid.
    page.get_by_role("navigation").get_by_role("link", name="Мои мероприятия").click()
    expect(page.get_by_text("Турнир по мафии")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Отменить запись").click()
    expect(page.get_by_text("Ваша запись на «Турнир по мафии» отменена.")).to_be_visible()
    page.goto(ticket_url)
    expect(page.get_by_text("Отменён: билет больше не действует")).to_be_visible()
    expect(page.get_by_role("img", name="QR-код билета")).to_have_count(0)

    # Егор has been promoted: "My events" shows him registered with a ticket, and the bell says why.
    egor.reload()
    card = egor.locator("article.registration-card", has_text="Турнир по мафии")
    expect(card.get_by_text("Есть запись")).to_be_visible()
    expect(egor.locator(".bell-count")).to_have_text("1")
    egor.get_by_role("link", name="Уведомления").click()
    expect(egor.get_by_text("Место ваше: Турнир по мафии")).to_be_visible()
    egor.get_by_role("link", name="Открыть").click()
    expect(egor.get_by_text("Действующий билет")).to_be_visible()
    expect(egor.locator(".ticket-name")).to_have_text("Егор Волков")
    other.close()
