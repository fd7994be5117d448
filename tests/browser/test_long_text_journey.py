"""Long text never breaks a layout: 120-character names without a space (people, staff, an event) on every
staff page at 390 px, with no sideways scroll. Screenshots are kept under $OUT or tests/artifacts/."""

import os
from datetime import date, timedelta
from pathlib import Path

from flask import url_for
from playwright.sync_api import Page

from anticafe.accounts.models import User
from anticafe.accounts.services import hash_password, new_card_code, new_feed_token
from anticafe.db import utcnow
from anticafe.door import services as door
from anticafe.events.models import Event
from anticafe.extensions import db
from anticafe.registrations import services as registrations
from anticafe.visits import checkout, clock

PASSWORD = "long-names-2026"
PHONE = {"width": 390, "height": 800}
ARTIFACTS = Path(os.environ.get("OUT") or Path(__file__).resolve().parent.parent / "artifacts") / "long-text"


def long_name(letter: str) -> str:
    return (letter * 10 + "Длинноеимябезпробелов") * 4 + letter * 4  # 120+ characters, no space to wrap at


def person(name: str, role: str = "visitor", email: str | None = None) -> User:
    user = User(name=name[:120], email=email, role=role, birth_date=date(2000, 1, 1), card_code=new_card_code(),
                feed_token=new_feed_token(), password_hash=hash_password(PASSWORD) if email else None)
    db.session.add(user)
    return user


def test_no_staff_page_scrolls_sideways_with_120_character_names(page: Page, live_server):
    app = live_server.app
    with app.app_context():
        admin = person(long_name("А"), role="admin", email="admin@example.org")
        start = utcnow() + timedelta(minutes=10)
        event = Event(title=long_name("М")[:120], category="tournament", starts_at=start,
                      ends_at=start + timedelta(hours=2), capacity=30, published=True, status="scheduled",
                      entry="free")
        db.session.add(event)
        db.session.flush()
        guests = [person(long_name(letter)) for letter in "БВГДЕЖ"]
        db.session.flush()
        for guest in guests[:3]:
            registration = registrations.register(event, guest)
            door.manual_check_in(registration.id, staff=admin, device=long_name("Т")[:60])
        door.walk_in(door.WalkIn(event_id=event.id, name=long_name("П")[:120]), staff=admin, device=None)
        visits = [clock.start_visit(user=guest, staff=admin) for guest in guests[3:]]
        paid = clock.stop_visit(visits[0], staff=admin, at=utcnow() + timedelta(minutes=50))
        checkout.pay_visit(paid, staff=admin, method="cash")
        db.session.commit()
        with app.test_request_context():
            paths = [url_for("door.scanner"), url_for("door.log"),
                     url_for("door.event_attendance", event_id=event.id),
                     url_for("registrations.event_registrations", event_id=event.id),
                     url_for("visits.board"), url_for("visits.shift"), url_for("events.manage"),
                     url_for("passes.index"), url_for("passes.person", user_id=guests[0].id),
                     url_for("accounts.admin_users"), url_for("accounts.profile"),
                     url_for("accounts.minor_details", user_id=guests[0].id)]

    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/login")
    page.get_by_label("Эл. почта").fill("admin@example.org")
    page.get_by_label("Пароль", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_load_state("networkidle")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    too_wide = {}
    for path in paths:
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        wide = page.evaluate("""() => ({sw: document.documentElement.scrollWidth,
            cw: document.documentElement.clientWidth,
            out: [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right >
                 document.documentElement.clientWidth + 2 && !e.closest('#site-nav'))
                 .slice(-4).map(e => e.tagName + '.' + e.className + ':' + (e.textContent || '').slice(0, 20))})""")
        page.screenshot(path=ARTIFACTS / f"{path.strip('/').replace('/', '_') or 'home'}.png", full_page=True)
        if wide["sw"] > wide["cw"]:
            too_wide[path] = wide
    assert not too_wide, too_wide
