"""Steps the browser journeys share (Playwright, the Russian interface)."""

from datetime import date

from playwright.sync_api import Page, expect


def log_in(page: Page, base: str, email: str, password: str) -> None:
    """Sign in on the login page and wait until the page shows the signed-in header."""
    page.goto(base + "/login")
    page.get_by_label("Эл. почта").fill(email)
    page.get_by_label("Пароль", exact=True).fill(password)
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("button", name="Выйти")).to_be_visible()


def app_today(app) -> date:
    """Today at the venue by the live server's clock (never the wall clock)."""
    from anticafe.timeutil import venue_today

    with app.app_context():
        return venue_today()
