"""The shift report on a phone with every payment kind: cash, card, transfer, subsidised, pass and free each
on its own row, and the revenue is only the money taken. Screenshots under $OUT or tests/artifacts/."""

import os
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from browser_steps import log_in
from conftest import venue_dt
from playwright.sync_api import Page, expect

from anticafe.accounts.models import User
from anticafe.accounts.services import hash_password, new_card_code, new_feed_token
from anticafe.extensions import db
from anticafe.passes import services as passes
from anticafe.visits import checkout, clock

TUESDAY = date(2025, 3, 4)
ARTIFACTS = Path(os.environ.get("OUT") or Path(__file__).resolve().parent.parent / "artifacts") / "shift"
AXE = """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
  .filter(v => v.impact === 'serious' || v.impact === 'critical')
  .map(v => v.id + ': ' + v.nodes.map(n => n.target).join())"""


@pytest.fixture
def browser_context_args(browser_context_args):
    """axe-core is added to the page as a script tag: let it past the app's CSP."""
    return {**browser_context_args, "bypass_csp": True}


def person(name: str, role: str = "visitor", email: str | None = None) -> User:
    user = User(name=name, email=email, role=role, birth_date=date(2000, 1, 1), card_code=new_card_code(),
                feed_token=new_feed_token(), password_hash=hash_password("shift-secret-2026") if email else None)
    db.session.add(user)
    db.session.flush()
    return user


def test_the_shift_report_shows_every_payment_kind(page: Page, live_server):
    with live_server.app.app_context():
        staff = person("Денис Бариста", role="staff", email="denis@example.org")
        start = venue_dt(TUESDAY, 12)
        for method, minutes in (("cash", 60), ("card", 90), ("transfer", 30), ("subsidised", 45)):
            visit = clock.start_visit(user=person(f"Гость {method}"), staff=staff, at=start)
            visit = clock.stop_visit(visit, staff=staff, at=start + timedelta(minutes=minutes))
            checkout.pay_visit(visit, staff=staff, method=method, note="совет" if method == "subsidised" else None)
        holder = person("Гость с абонементом")
        pass_type = passes.save_pass_type(passes.PassTypeData(
            name="10 часов", kind="package", minutes=600, validity_days=60, price=Decimal(1500),
            weekdays_only=False, committee_may_issue=False))
        [held] = passes.issue_pass(holder=holder, pass_type=pass_type, by=staff, payment_method="cash", reason=None,
                                   social_category=None)
        held.starts_on, held.ends_on = date(2025, 1, 1), date(2030, 12, 31)
        visit = clock.start_visit(user=holder, staff=staff, at=start)
        clock.stop_visit(visit, staff=staff, at=start + timedelta(minutes=90))
        visit = clock.start_visit(user=person("Гость на минутку"), staff=staff, at=start + timedelta(hours=1))
        clock.stop_visit(visit, staff=staff, at=start + timedelta(hours=1, minutes=1))
        db.session.commit()

    page.set_viewport_size({"width": 390, "height": 800})
    log_in(page, live_server.url, "denis@example.org", "shift-secret-2026")
    page.goto(f"{live_server.url}/visits/shift?day={TUESDAY.isoformat()}")
    table = page.get_by_role("heading", name="Выручка по способам оплаты").locator("xpath=following-sibling::table[1]")
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(6)
    kinds = [re.sub(r"\s+", " ", text) for text in rows.all_inner_texts()]
    for row, label in zip(kinds, ("Наличные", "Банковская карта", "Перевод", "Бесплатно / льгота",
                                  "Абонемент", "Бесплатно (ничего не должен)"), strict=True):
        assert label in row and re.search(r"\b1\b", row), (label, row)
    assert "не выручка" in kinds[4] and "не выручка" in kinds[5]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "shift-every-kind.png", full_page=True)
    page.set_viewport_size({"width": 360, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    page.add_script_tag(path="node_modules/axe-core/axe.min.js")
    assert page.evaluate(AXE) == []
