"""The live board with sixty guests on a phone: the search to start a visit stays at the top, the board
updates in place (no reload), and «Стоп» asks first. Screenshots under $OUT or tests/artifacts/."""

import os
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from browser_steps import app_today, assert_fits
from conftest import venue_dt
from playwright.sync_api import Page, expect

from anticafe.accounts.models import User
from anticafe.accounts.services import hash_password, new_card_code, new_feed_token
from anticafe.clock import set_clock
from anticafe.db import utcnow
from anticafe.extensions import db
from anticafe.visits import clock

PASSWORD = "board-secret-2026"
PHONE = {"width": 390, "height": 800}
ARTIFACTS = Path(os.environ.get("OUT") or Path(__file__).resolve().parent.parent / "artifacts") / "board"
WAIT = 30_000


@pytest.fixture
def browser_context_args(browser_context_args):
    """axe-core is added to the page as a script tag: let it past the app's CSP."""
    return {**browser_context_args, "bypass_csp": True}


def person(name: str, role: str = "visitor", email: str | None = None) -> User:
    user = User(name=name, email=email, role=role, birth_date=date(2000, 1, 1), card_code=new_card_code(),
                feed_token=new_feed_token(), password_hash=hash_password(PASSWORD) if email else None)
    db.session.add(user)
    return user


def test_board_with_sixty_guests(page: Page, live_server):
    app = live_server.app
    app.config["VENUE_CAPACITY"] = 80
    with app.app_context():
        staff = person("Денис Бариста", role="staff", email="denis@example.org")
        guests = [person(f"Гость Номер {n:02d}") for n in range(61)]
        person("Поздний Гость")
        db.session.flush()
        start = utcnow() - timedelta(hours=4)
        for n, guest in enumerate(guests[:60]):  # one every three minutes: a company is three either side
            clock.start_visit(user=guest, staff=staff, at=start + timedelta(minutes=3 * n), override_reason="тест")
        db.session.commit()
        staff_id, late_id = staff.id, guests[60].id

    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/login")
    page.get_by_label("Эл. почта").fill("denis@example.org")
    page.get_by_label("Пароль", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.goto(live_server.url + "/visits")
    rows = page.locator("#board-rows tr")
    expect(rows).to_have_count(60)
    page.evaluate("() => { window.notReloaded = true; }")

    # Scrolled to the very bottom of sixty cards, the search to start a visit is still at the top.
    page.mouse.wheel(0, 100_000)
    page.wait_for_timeout(300)
    search = page.get_by_role("search", name="Начать визит").get_by_role("searchbox")
    box = search.bounding_box()
    header = page.locator(".site-header").bounding_box()
    assert page.evaluate("scrollY") > 2000 and box and header, box
    assert header["height"] <= box["y"] < header["height"] + 80, (header, box)  # just below the sticky header
    page.screenshot(path=_shot("1-bottom-of-sixty"))

    fits_a_phone_and_passes_axe(page)

    # «Найти» from the bottom of the board: the results appear under the search, without a reload.
    search.fill("Номер 60")
    page.get_by_role("search", name="Начать визит").get_by_role("button", name="Найти").click()
    found = page.locator(".people-found li").filter(has_text="Гость Номер 60")
    expect(found).to_be_visible(timeout=WAIT)
    assert page.evaluate("() => window.notReloaded === true") and "q=" in page.url
    box = found.bounding_box()
    assert box and header["height"] + 50 <= box["y"] < PHONE["height"] - box["height"], box
    page.screenshot(path=_shot("1b-search-in-place"))
    fits_a_phone_and_passes_axe(page)

    # Another phone starts a visit: the board shows it in place, without a reload.
    with app.app_context():
        clock.start_visit(user=db.session.get(User, late_id), staff=db.session.get(User, staff_id),
                          override_reason="тест")
        db.session.commit()
    expect(rows).to_have_count(61, timeout=WAIT)
    assert page.evaluate("() => window.notReloaded === true")

    # «Стоп» asks first: dismissed, the guest stays; accepted, the checkout opens.
    row = rows.filter(has_text="Гость Номер 30")
    messages = []
    page.once("dialog", lambda dialog: (messages.append(dialog.message), dialog.dismiss()))
    row.get_by_role("button", name="Стоп").click()
    page.wait_for_timeout(500)
    assert messages and "Гость Номер 30" in messages[0]
    expect(rows).to_have_count(61)
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Стоп").click()
    page.wait_for_url(re.compile(r"/visits/\d+$"), timeout=WAIT)
    expect(page.get_by_role("heading", name=re.compile("Гость Номер 30"))).to_be_visible()
    page.screenshot(path=_shot("2-checkout-after-confirmed-stop"))

    # «Платит и за компанию» lists who came within minutes (27–33), not the sixty; a search finds the others.
    group = page.locator("#group-bill")
    names = group.locator("label").all_inner_texts()
    assert len(names) == 6 and all(re.search(r"Гость Номер (2[7-9]|3[1-3])", n) for n in names), names
    group.get_by_role("checkbox", name=re.compile("Гость Номер 31")).check()
    page.evaluate("() => { window.notReloaded = true; }")
    group.get_by_role("searchbox", name="Найти другого гостя для этого счёта").fill("номер 05")
    group.get_by_role("button", name="Найти").click()
    expect(group.get_by_role("checkbox", name=re.compile("Гость Номер 05"))).to_be_visible(timeout=WAIT)
    assert page.evaluate("() => window.notReloaded === true")
    expect(group.get_by_role("checkbox", name=re.compile("Гость Номер 31"))).to_be_checked()
    group.get_by_role("checkbox", name=re.compile("Гость Номер 05")).check()
    page.screenshot(path=_shot("3-group-bill-with-a-search"))
    fits_a_phone_and_passes_axe(page)
    page.get_by_role("button", name=re.compile("Принять оплату")).click()
    expect(page.get_by_text("Гость Номер 05")).to_be_visible(timeout=WAIT)
    assert "/visits/bills/" in page.url

    # After closing a visit still starts, but the board says so and «Начать» asks first.
    set_clock(app, venue_dt(app_today(app), 23, 54))
    page.goto(live_server.url + "/visits/?q=Поздний")
    expect(page.get_by_text("Кафе сейчас закрыто")).to_be_visible()
    start = page.locator(".people-found li").filter(has_text="Поздний Гость").get_by_role("button", name="Начать")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    start.click()
    page.wait_for_timeout(500)
    assert asked == ["Кафе закрыто. Всё равно начать платный визит?"]
    expect(rows.filter(has_text="Поздний Гость")).to_have_count(0)
    page.once("dialog", lambda dialog: dialog.accept())
    start.click()
    expect(page.get_by_text("Визит начат, когда кафе закрыто")).to_be_visible(timeout=WAIT)
    expect(rows.filter(has_text="Поздний Гость")).to_have_count(1)
    page.screenshot(path=_shot("4-started-after-closing"))
    fits_a_phone_and_passes_axe(page)


AXE = """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
  .filter(v => v.impact === 'serious' || v.impact === 'critical')
  .map(v => v.id + ': ' + v.nodes.map(n => n.target).join())"""


def fits_a_phone_and_passes_axe(page: Page) -> None:
    """No sideways scroll at 360 px, and no serious or critical axe-core finding."""
    width = page.viewport_size
    page.set_viewport_size({"width": 360, "height": PHONE["height"]})
    assert_fits(page)
    page.add_script_tag(path="node_modules/axe-core/axe.min.js")
    assert page.evaluate(AXE) == []
    page.set_viewport_size(width)


def _shot(name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / f"{name}.png"
