"""Steps the browser journeys share (Playwright, the Russian interface)."""

import os
import re
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

#: axe-core from the npm registry (package.json devDependencies); injected into the page under test.
AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
#: Screenshots are kept here (git-ignored): $OUT if set, else tests/artifacts/.
ARTIFACTS = Path(os.environ.get("OUT") or Path(__file__).resolve().parent / "artifacts")


def log_in(page: Page, base: str, email: str, password: str) -> None:
    """Sign in on the login page and wait until the page shows the signed-in header."""
    page.goto(base + "/login")
    page.get_by_label("Эл. почта").fill(email)
    page.get_by_label("Пароль", exact=True).fill(password)
    page.get_by_role("button", name="Войти").click()
    expect(page.locator(".header-avatar")).to_be_visible()


def open_more(page: Page) -> None:
    """Open the menu's «Ещё» list (links and «Выйти» that do not fit the bar)."""
    more = page.locator("details.dropdown-more")
    if more.get_attribute("open") is None:
        more.locator("summary").click()


def log_out(page: Page) -> None:
    """Log out through the «Ещё» menu."""
    open_more(page)
    page.get_by_role("button", name="Выйти").click()
    expect(page.get_by_role("link", name="Войти").first).to_be_visible()


def go_to(page: Page, name: str) -> None:
    """Follow a section of the main menu, in the bar or under «Ещё»."""
    nav = page.get_by_role("navigation", name=re.compile("Главное меню|Main menu"))
    link = nav.get_by_role("link", name=name, exact=True)
    if not link.first.is_visible():
        open_more(page)
    path = urlsplit(link.first.get_attribute("href")).path
    link.first.click()
    # Arrive before the next step: a link of the same name on the page left behind (an event card named
    # like the contest) could take the next click while this navigation is still on its way.
    page.wait_for_url(lambda url: urlsplit(url).path == path)


def widths(page: Page) -> tuple[int, int]:
    """Return the page's (scrollWidth, clientWidth) once its stylesheets and web fonts are in.

    A heading can be visible before the stylesheets of a page reached by a click have loaded, and a
    layout measured then (unstyled, the menu in one long row) is far wider than the page ever shows.
    """
    page.wait_for_load_state("load")
    return tuple(page.evaluate("""async () => { await document.fonts.ready;
        return [document.documentElement.scrollWidth, document.documentElement.clientWidth]; }"""))


def assert_fits(page: Page) -> None:
    """No sideways scroll: the page is no wider than the screen."""
    scroll, client = widths(page)
    assert scroll <= client, f"{page.url} scrolls sideways: {scroll} px on a {client} px screen"


def check_page(page: Page, name: str) -> list[dict]:
    """Run axe on the page (0 serious or critical violations), assert no sideways scroll on a phone,
    and keep a full-page screenshot as an artefact. Returns the minor violations for a look."""
    page.wait_for_load_state("networkidle")
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']}))
        .violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                               nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}))""")
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    width = page.viewport_size["width"] if page.viewport_size else 1280
    wide = page.evaluate("""async () => { await document.fonts.ready;
        return {sw: document.documentElement.scrollWidth, cw: document.documentElement.clientWidth,
        out: [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right >
             document.documentElement.clientWidth + 2).slice(0, 8).map(e => e.tagName + '.' + e.className)}; }""")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    assert not serious, f"{name} ({page.url}): axe found {serious}"
    if width <= 400:
        assert wide["sw"] <= wide["cw"], f"{name} ({page.url}) scrolls sideways: {wide}"
    return [v for v in violations if v not in serious]


def app_today(app) -> date:
    """Today at the venue by the live server's clock (never the wall clock)."""
    from anticafe.timeutil import venue_today

    with app.app_context():
        return venue_today()
