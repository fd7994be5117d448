"""Browser journey: sign up → log out → log in → edit the profile → switch the language."""

import re

from browser_steps import log_out
from playwright.sync_api import Page, expect


def test_signup_login_profile_language(page: Page, live_server):
    base = live_server.url
    page.goto(base + "/")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    page.get_by_role("link", name="Регистрация").first.click()
    page.get_by_label("Имя", exact=True).fill("Тимур Волков")
    page.get_by_label("Эл. почта").fill("timur@example.org")
    page.get_by_label("Дата рождения").fill("2014-04-01")
    page.get_by_label("Пароль", exact=True).fill("timur-secret")
    page.get_by_label("Пароль ещё раз").fill("timur-secret")
    page.get_by_label("Даю согласие на обработку моих персональных данных").check()
    page.get_by_role("button", name="Создать аккаунт").click()
    # Under 14 without a guardian: the form explains and keeps what was typed.
    guardian_error = "Гостям младше 14 лет нужно указать имя и телефон родителя или опекуна."
    expect(page.get_by_text(guardian_error).first).to_be_visible()
    expect(page.get_by_label("Имя", exact=True)).to_have_value("Тимур Волков")
    page.get_by_label("Имя родителя или опекуна").fill("Гульнара Волкова")
    page.get_by_label("Телефон родителя или опекуна").fill("+7 912 111-22-33")
    page.get_by_label("Почта родителя или опекуна").fill("gulnara@example.org")
    page.get_by_label("Пароль", exact=True).fill("timur-secret")
    page.get_by_label("Пароль ещё раз").fill("timur-secret")
    page.get_by_role("button", name="Создать аккаунт").click()
    expect(page.get_by_text("Добро пожаловать, Тимур Волков!")).to_be_visible()

    log_out(page)
    page.get_by_role("link", name="Войти").first.click()
    page.get_by_label("Эл. почта").fill("TIMUR@example.org")
    page.get_by_label("Пароль", exact=True).fill("timur-secret")
    page.get_by_role("button", name="Войти").click()
    page.get_by_role("link", name="Тимур Волков").click()
    expect(page).to_have_url(re.compile(r"/profile$"))
    page.get_by_label("Телефон (необязательно)").fill("8 912 000 11 22")
    page.get_by_role("button", name="Сохранить").click()
    expect(page.get_by_text("Данные сохранены.")).to_be_visible()
    expect(page.get_by_label("Телефон (необязательно)")).to_have_value("+79120001122")

    page.get_by_role("button", name="EN").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="My profile")).to_be_visible()
    page.goto(base + "/")
    expect(page.get_by_role("heading", name="Hi, Тимур!")).to_be_visible()
