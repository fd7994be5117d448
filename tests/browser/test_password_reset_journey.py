"""Browser journey: forgot the password → the mail (a real SMTP server) → a new password → the old
browser, remembered for a year, is logged out."""

import re
from datetime import date

from browser_steps import assert_fits, log_in
from playwright.sync_api import Browser, Page, expect

from anticafe.accounts import services
from anticafe.extensions import db
from anticafe.notifications.services import deliver_pending


def fits_a_phone_and_passes_axe(page: Page) -> None:
    """No sideways scroll at 360 px, and no serious or critical axe-core finding."""
    assert_fits(page)
    page.add_script_tag(path="node_modules/axe-core/axe.min.js")
    found = page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']})).violations
        .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))""")
    assert not [v for v in found if v["impact"] in ("serious", "critical")], found


def test_forgot_mail_new_password_old_browser_logged_out(browser: Browser, live_server, smtp_server):
    base, app = live_server.url, live_server.app
    app.config.update(smtp_server.config, PUBLIC_BASE_URL=base)
    with app.app_context():
        services.register_user(services.Signup(name="Алина Смирнова", email="alina@example.org",
                                               password="podsolnuh-na-okne", birth_date=date(2005, 3, 4),
                                               consent=True))
        db.session.commit()

    # The door phone where Alina stayed logged in ("remember me") a week ago.
    old = browser.new_context(locale="ru-RU", viewport={"width": 412, "height": 915})
    old_page = old.new_page()
    old_page.goto(base + "/login")
    old_page.get_by_label("Эл. почта").fill("alina@example.org")
    old_page.get_by_label("Пароль", exact=True).fill("podsolnuh-na-okne")
    old_page.get_by_label("Запомнить меня").check()
    old_page.get_by_role("button", name="Войти").click()
    expect(old_page.locator(".header-avatar")).to_be_visible()  # logged in

    # Her own phone: she has forgotten the password.
    phone = browser.new_context(locale="ru-RU", viewport={"width": 360, "height": 740}, is_mobile=True,
                                has_touch=True, bypass_csp=True)
    page = phone.new_page()
    page.goto(base + "/login")
    page.get_by_role("link", name="Забыли пароль?").click()
    expect(page.get_by_role("heading", name="Забыли пароль?")).to_be_visible()
    fits_a_phone_and_passes_axe(page)
    page.get_by_label("Эл. почта").fill("Alina@Example.org")
    page.get_by_role("button", name="Отправить ссылку").click()
    expect(page.get_by_role("heading", name="Проверьте почту")).to_be_visible()
    fits_a_phone_and_passes_axe(page)

    with app.app_context():
        assert deliver_pending() == (1, 0)
    [mail] = smtp_server.messages
    assert mail["To"] == "alina@example.org" and mail["Subject"] == "Новый пароль для вашей учётной записи"
    link = re.search(re.escape(base) + r"/password/reset/[\w-]+", mail.get_content()).group(0)

    page.goto(link)
    expect(page.get_by_role("heading", name="Новый пароль")).to_be_visible()
    fits_a_phone_and_passes_axe(page)
    page.get_by_label("Новый пароль", exact=True).fill("12345678")
    page.get_by_label("Новый пароль ещё раз").fill("12345678")
    page.get_by_role("button", name="Сохранить новый пароль").click()
    expect(page.get_by_text("Этот пароль — один из самых распространённых")).to_be_visible()
    page.get_by_label("Новый пароль", exact=True).fill("romashka-v-pole-9")
    page.get_by_label("Новый пароль ещё раз").fill("romashka-v-pole-9")
    page.get_by_role("button", name="Сохранить новый пароль").click()
    expect(page.get_by_text("Новый пароль сохранён. Войдите с ним.")).to_be_visible()
    log_in(page, base, "alina@example.org", "romashka-v-pole-9")
    page.goto(base + "/profile")
    expect(page.get_by_text("Вход выполнен на 1 устройстве.")).to_be_visible()
    fits_a_phone_and_passes_axe(page)

    # The link worked once.
    page.goto(link)
    expect(page.get_by_role("heading", name="Ссылка недействительна")).to_be_visible()
    fits_a_phone_and_passes_axe(page)

    # The old browser, session and remember-me cookie included, is logged out.
    old_page.goto(base + "/profile")
    expect(old_page).to_have_url(re.compile(r"/login"))
    expect(old_page.locator(".header-avatar")).to_have_count(0)  # logged out
    old.close()
    phone.close()
