"""The door answers where the eyes are: camera, a typed short door code, the search and a walk-in each show
their answer in the one result panel, in view without scrolling (asserted by the panel's position in the
viewport on a 390 px phone, scrolled down to the lists). Screenshots are kept under $OUT or tests/artifacts/."""

import os
import re
from datetime import date, timedelta
from pathlib import Path

from browser_steps import assert_fits
from playwright.sync_api import Page, expect

from anticafe.accounts.models import User
from anticafe.accounts.services import hash_password, new_card_code, new_feed_token
from anticafe.codes import random_code
from anticafe.db import utcnow
from anticafe.events.models import Event
from anticafe.extensions import db
from anticafe.registrations.models import Registration

PASSWORD = "door-secret-2026"
WAIT = 30_000
PHONE = {"width": 390, "height": 740}
ARTIFACTS = Path(os.environ.get("OUT") or Path(__file__).resolve().parent.parent / "artifacts") / "door"


def person(name: str, role: str = "visitor", email: str | None = None, birth_date=date(2000, 4, 2)) -> User:
    user = User(name=name, email=email, role=role, birth_date=birth_date, card_code=new_card_code(),
                feed_token=new_feed_token(), password_hash=hash_password(PASSWORD) if email else None)
    db.session.add(user)
    return user


def register(event: Event, user: User, door_code: str) -> Registration:
    registration = Registration(event=event, user=user, status="confirmed", source="self",
                                ticket_code=random_code(128), door_code=door_code, confirmed_at=utcnow())
    db.session.add(registration)
    return registration


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png")


def result_in_view(page: Page) -> dict:
    """Return where the result panel is in the viewport (and how far the page is scrolled)."""
    return page.evaluate("""() => { const r = document.getElementById('door-result').getBoundingClientRect();
        return {top: r.top, bottom: r.bottom, height: innerHeight, scrolled: scrollY}; }""")


def assert_answer_in_view(page: Page, title: str, name: str, *, scrolled: bool = True) -> None:
    expect(page.locator("#door-result-title")).to_have_text(title, timeout=WAIT)
    expect(page.locator("#door-result-name")).to_contain_text(name, timeout=WAIT)
    page.wait_for_timeout(500)  # the flash animation settles
    box = result_in_view(page)
    assert 0 <= box["top"] and box["bottom"] <= box["height"], box
    if scrolled:
        assert box["scrolled"] > 100, box  # staff were down at the lists, and still see the answer


def unpin(page: Page) -> None:
    """Staff tap the answer away; the next answer pins itself again."""
    page.locator("#door-result").click()
    expect(page.locator("#door-result")).not_to_have_class(re.compile(r"\bpinned\b"))


def test_every_door_answer_is_in_view(page: Page, live_server, show_qr):
    with live_server.app.app_context():
        person("Денис Бариста", role="staff", email="denis@example.org", birth_date=date(2001, 9, 3))
        start = utcnow() + timedelta(minutes=10)
        event = Event(title="Турнир по мафии", category="tournament", starts_at=start,
                      ends_at=start + timedelta(hours=2), capacity=40, published=True, status="scheduled",
                      entry="free")
        db.session.add(event)
        by_camera = register(event, person("Алина Морозова"), "CAM234")
        register(event, person("Тимур Волков"), "K7M3PQ")
        register(event, person("Ксения Орлова"), "XR8W2N")
        for n in range(12):
            register(event, person(f"Гость Списка {n:02d}"), "GQ" + "23456789ABCD"[n] + "WXY")
        db.session.commit()
        code = by_camera.ticket_code
    show_qr(f"{live_server.url}/t/{code}")
    page.set_viewport_size(PHONE)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(live_server.url + "/door")
    page.get_by_label("Эл. почта").fill("denis@example.org")
    page.get_by_label("Пароль", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()

    # 1. The camera.
    assert_answer_in_view(page, "Вход отмечен", "Алина Морозова", scrolled=False)
    shot(page, "1-camera")
    unpin(page)

    # 2. The short door code typed with the event (scrolled down to the field, below the camera).
    page.locator("#door-camera-toggle").click()
    field = page.get_by_label("Код билета или карты")
    field.scroll_into_view_if_needed()
    page.mouse.wheel(0, 400)
    field.fill("k7m-3pq")
    field.press("Enter")
    assert_answer_in_view(page, "Вход отмечен", "Тимур Волков")
    shot(page, "2-typed-door-code")
    unpin(page)

    # 3. The search, scrolled down to the list.
    page.get_by_text("Найти запись").click()
    page.locator("#door-search").fill("орлов")
    results = page.locator("#door-search-results")
    expect(results).to_contain_text("Ксения Орлова", timeout=WAIT)
    button = results.get_by_role("button", name="Отметить")
    button.scroll_into_view_if_needed()
    page.mouse.wheel(0, 2000)
    button.click()
    assert_answer_in_view(page, "Вход отмечен", "Ксения Орлова")
    shot(page, "3-search")
    unpin(page)

    # 4. A walk-in, at the bottom of the form.
    page.get_by_text("Гость без записи: записать на месте").click()
    page.locator("#walkin-name").fill("Марат Гайнуллин")
    submit = page.get_by_role("button", name="Записать и отметить")
    submit.scroll_into_view_if_needed()
    page.mouse.wheel(0, 2000)
    submit.click()
    assert_answer_in_view(page, "Вход отмечен", "Марат Гайнуллин")
    shot(page, "4-walk-in")

    assert_fits(page)
