"""Browser journey of youth voice (on a 360 px phone, axe on every new page): a visitor proposes an idea,
others support it, staff plan it and the supporters are told; an attendee rates the event and the
committee's numbers change."""

from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from browser_steps import check_page, go_to, log_in, log_out
from playwright.sync_api import Page, expect

from anticafe.extensions import db

PASSWORD = "secret-password"
PERIOD = "?from=2027-03-01&to=2027-03-31"
PEOPLE = [("Лиза Идеева", "liza@example.org", "visitor"), ("Макс Зритель", "max@example.org", "visitor"),
          ("Соня Голосова", "sonya@example.org", "visitor"), ("Денис Бариста", "denis@example.org", "staff"),
          ("Ирина Комитетова", "irina@example.org", "committee")]


@pytest.fixture
def app_config():
    """The live server's clock the morning after the stand-up evening."""
    return {"CLOCK_NOW": "2027-03-10T12:00"}


@pytest.fixture
def browser_context_args(browser_context_args):
    """A phone, and axe may be injected into the page (the app's CSP allows only its own scripts)."""
    return {**browser_context_args, "viewport": {"width": 360, "height": 740}, "bypass_csp": True}


def make_world(app) -> int:
    """People, last night's stand-up evening (Макс was checked in) and the event an idea will become."""
    from anticafe.accounts.models import User
    from anticafe.accounts.services import hash_password, new_card_code, new_feed_token
    from anticafe.codes import random_code
    from anticafe.door.models import CheckIn
    from anticafe.events.models import Event
    from anticafe.registrations.models import Registration
    from tests.conftest import venue_dt

    with app.app_context():
        people = {}
        for name, email, role in PEOPLE:
            people[email] = User(name=name, email=email, role=role, password_hash=hash_password(PASSWORD),
                                 birth_date=date(2010, 4, 1), card_code=new_card_code(), feed_token=new_feed_token())
            db.session.add(people[email])
        starts = venue_dt(date(2027, 3, 9), 19)
        standup = Event(title="Стендап-вечер", category="talk_show", starts_at=starts,
                        ends_at=starts + timedelta(hours=2), published=True, status="scheduled", entry="free")
        later = venue_dt(date(2027, 3, 20), 18)
        dance = Event(title="Турнир по Just Dance", category="party", starts_at=later,
                      ends_at=later + timedelta(hours=3), published=True, status="scheduled", entry="free")
        db.session.add_all([standup, dance])
        db.session.flush()
        max_ = people["max@example.org"]
        registration = Registration(event_id=standup.id, user_id=max_.id, status="confirmed", source="self",
                                    ticket_code=random_code(128), confirmed_at=starts - timedelta(days=1))
        db.session.add(registration)
        db.session.flush()
        db.session.add(CheckIn(registration_id=registration.id, event_id=standup.id, user_id=max_.id,
                               checked_in_at=starts))
        db.session.commit()
        return standup.id


def send_prompts(app) -> None:
    """The hourly `prompt-feedback` command."""
    from anticafe.voice.services import send_prompts as send

    with app.app_context():
        send()
        db.session.commit()


def test_idea_to_event_and_rating_to_the_committee(page: Page, live_server):
    base, app = live_server.url, live_server.app
    make_world(app)

    # Лиза proposes an idea.
    log_in(page, base, "liza@example.org", PASSWORD)
    go_to(page, "Идеи")
    check_page(page, "voice-ideas")
    page.get_by_role("button", name="Предложить идею").click()
    page.get_by_label("Что провести?").fill("Турнир по Just Dance")
    page.get_by_label("Что там происходит").fill("Танцуем под проектор, судьи — зрители.")
    page.get_by_label("Категория").select_option(label="Вечеринки")
    page.get_by_label("Для какого возраста").select_option(label="14–17")
    check_page(page, "voice-idea-form")
    page.get_by_role("button", name="Опубликовать идею").click()
    expect(page.get_by_text("Идея опубликована.")).to_be_visible()
    idea_url = page.url
    log_out(page)

    # Макс and Соня support it.
    for email, votes in (("max@example.org", "1"), ("sonya@example.org", "2")):
        log_in(page, base, email, PASSWORD)
        go_to(page, "Идеи")
        page.get_by_role("link", name="Турнир по Just Dance").click()
        page.get_by_role("button", name="Поддержать идею").click()
        expect(page.get_by_test_id("idea-votes")).to_have_text(votes)
        expect(page.get_by_text("Вы поддерживаете эту идею.")).to_be_visible()
        check_page(page, f"voice-idea-voted-{votes}")
        log_out(page)

    # Staff plan it as the Just Dance tournament.
    log_in(page, base, "denis@example.org", PASSWORD)
    page.goto(idea_url)
    page.get_by_label("Новый статус").select_option(label="Запланирована")
    page.get_by_label("Мероприятие, которым она стала").select_option(label="20.03.2027 · Турнир по Just Dance")
    check_page(page, "voice-idea-decide")
    page.get_by_role("button", name="Сохранить").click()
    expect(page.get_by_test_id("idea-status")).to_have_text("Запланирована")
    expect(page.get_by_text("Эта идея стала мероприятием:")).to_be_visible()
    log_out(page)

    # The committee's numbers before anybody rated.
    log_in(page, base, "irina@example.org", PASSWORD)
    page.goto(base + "/stats/" + PERIOD)
    expect(page.locator("#voice-feedback")).to_contain_text("оценок пока нет")
    expect(page.locator("#voice-ideas")).to_contain_text("Турнир по Just Dance")
    log_out(page)

    # Макс is told about the idea and asked about last night; he rates it.
    send_prompts(app)
    log_in(page, base, "max@example.org", PASSWORD)
    page.goto(base + "/notifications/")
    expect(page.get_by_text("Идея воплощается: «Турнир по Just Dance»")).to_be_visible()
    prompt = page.locator("article.notification", has_text="Как вам «Стендап-вечер»?")
    expect(prompt).to_be_visible()
    link = urlsplit(prompt.get_by_role("link", name="Открыть").get_attribute("href")).path
    page.goto(base + link)
    expect(page.get_by_role("heading", name="Как прошло?")).to_be_visible()
    check_page(page, "voice-rate")
    page.get_by_label("5").check()
    page.get_by_label("Короткий комментарий (по желанию)").fill("Хочу ещё такой вечер!")
    page.get_by_role("button", name="Отправить оценку").click()
    expect(page.get_by_test_id("my-rating")).to_contain_text("Ваша оценка: 5 из 5.")
    log_out(page)

    # The committee's numbers changed; no name anywhere.
    log_in(page, base, "irina@example.org", PASSWORD)
    page.goto(base + "/stats/" + PERIOD)
    section = page.locator("#voice-feedback")
    expect(section.get_by_test_id("feedback-average")).to_have_text("5.00")
    expect(section.get_by_test_id("feedback-count")).to_have_text("1 оценка")
    page.get_by_role("link", name="Оценки каждого мероприятия и комментарии").click()
    expect(page.get_by_text("Хочу ещё такой вечер!")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Макс")
    check_page(page, "voice-committee")
