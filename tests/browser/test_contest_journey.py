"""Browser journey of a contest (on a 360 px phone, axe on every new page): staff set up an open-mic contest
on an event, two comics send entries, staff approve them and set the running order and the jury's scores,
voting opens and the people checked in vote (a stranger may not), then the results show the places — and
the committee sees titles, never a name."""

import re
from datetime import date, timedelta

import pytest
from browser_steps import check_page, go_to, log_in, log_out
from playwright.sync_api import Page, expect

from anticafe.clock import set_clock
from anticafe.extensions import db

PASSWORD = "secret-password"
PEOPLE = [("Лиза Шуткина", "liza@example.org", "visitor"), ("Макс Остряков", "max@example.org", "visitor"),
          ("Соня Зрителева", "sonya@example.org", "visitor"), ("Гоша Прохожий", "gosha@example.org", "visitor"),
          ("Денис Бариста", "denis@example.org", "staff"), ("Ирина Комитетова", "irina@example.org", "committee")]
#: checked in to the open mic: they may vote
AUDIENCE = ("sonya@example.org", "max@example.org")


@pytest.fixture
def app_config():
    """The live server's clock four days before the open mic."""
    return {"CLOCK_NOW": "2027-03-05T12:00"}


@pytest.fixture
def browser_context_args(browser_context_args):
    """A phone, and axe may be injected into the page (the app's CSP allows only its own scripts)."""
    return {**browser_context_args, "viewport": {"width": 360, "height": 740}, "bypass_csp": True}


def make_world(app) -> int:
    """People and the open mic on 9 March at 19:00; Соня and Макс will be checked in."""
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
                                 birth_date=date(2009, 4, 1), card_code=new_card_code(), feed_token=new_feed_token())
            db.session.add(people[email])
        starts = venue_dt(date(2027, 3, 9), 19)
        mic = Event(title="Открытый микрофон", category="contest", starts_at=starts,
                    ends_at=starts + timedelta(hours=3), published=True, status="scheduled", entry="free")
        db.session.add(mic)
        db.session.flush()
        for email in AUDIENCE:
            registration = Registration(event_id=mic.id, user_id=people[email].id, status="confirmed", source="self",
                                        ticket_code=random_code(128), confirmed_at=starts - timedelta(days=1))
            db.session.add(registration)
            db.session.flush()
            db.session.add(CheckIn(registration_id=registration.id, event_id=mic.id, user_id=people[email].id,
                                   checked_in_at=starts))
        db.session.commit()
        return mic.id


def test_open_mic_from_set_up_to_places(page: Page, live_server):
    base, app = live_server.url, live_server.app
    mic_id = make_world(app)

    # Staff set the contest up on the open mic: live, voting 19:00–22:00, the jury weighs 40 %.
    log_in(page, base, "denis@example.org", PASSWORD)
    go_to(page, "Конкурсы")
    check_page(page, "contests-empty")
    page.get_by_role("button", name="Создать конкурс").click()
    page.get_by_label("Мероприятие, на котором он проходит").select_option(label="09.03.2027 · Открытый микрофон")
    page.get_by_label("Название конкурса").fill("Стендап-конкурс")
    page.get_by_label(re.compile("Конкурс на сцене")).check()
    page.get_by_label("Голосование открывается").fill("2027-03-09T19:00")
    page.get_by_label("Голосование закрывается").fill("2027-03-09T22:00")
    page.get_by_label("Вес жюри, %").fill("40")
    page.get_by_label("Правила (что прислать, как оценивают)").fill("Пять минут на номер, без мата.")
    check_page(page, "contest-form")
    page.get_by_role("button", name="Сохранить").click()
    expect(page.get_by_text("Конкурс создан.")).to_be_visible()
    manage_url = page.url
    log_out(page)

    # Two comics send their entries.
    for email, act in (("liza@example.org", "Про маршрутки"), ("max@example.org", "Про школу")):
        log_in(page, base, email, PASSWORD)
        if email.startswith("liza"):  # from the event's page
            page.goto(f"{base}/events/{mic_id}")
            expect(page.get_by_role("heading", name="Конкурс: Стендап-конкурс")).to_be_visible()
            check_page(page, "contest-on-event")
            page.get_by_role("link", name="Отправить заявку или прочитать правила").click()
        else:
            go_to(page, "Конкурсы")
            page.get_by_role("link", name="Стендап-конкурс").click()
        expect(page.get_by_test_id("contest-phase")).to_have_text("Приём заявок")
        page.get_by_role("button", name="Отправить заявку").click()
        page.get_by_label("Название работы").fill(act)
        check_page(page, f"contest-enter-{email[:4]}")
        page.get_by_role("button", name="Отправить заявку").click()
        expect(page.get_by_test_id("my-entry")).to_contain_text(f"Ваша заявка «{act}»: Ожидает одобрения.")
        check_page(page, f"contest-entered-{email[:4]}")
        log_out(page)

    # Staff approve both, put «Про школу» first and score them.
    log_in(page, base, "denis@example.org", PASSWORD)
    page.goto(manage_url)
    expect(page.locator("main")).to_contain_text("Лиза Шуткина")  # staff see who entered
    for act, slot, score in (("Про школу", "1", "9"), ("Про маршрутки", "2", "5")):
        card = page.locator("article.contest-decision", has_text=act)
        card.get_by_label("Статус").select_option(label="Одобрена")
        card.get_by_label("Место в порядке выступлений").fill(slot)
        card.get_by_label("Оценка жюри, 0–10").fill(score)
        if slot == "1":
            check_page(page, "contest-manage")
        card.get_by_role("button", name=re.compile("Сохранить заявку")).click()
        expect(page.get_by_text(f"«{act}»: Одобрена.")).to_be_visible()
    log_out(page)

    # Voting opens at the show: the audience votes, a stranger may not.
    set_clock(app, "2027-03-09T20:30")
    for email, act in (("sonya@example.org", "Про маршрутки"), ("max@example.org", "Про маршрутки")):
        log_in(page, base, email, PASSWORD)
        go_to(page, "Конкурсы")
        page.get_by_role("link", name="Стендап-конкурс").click()
        expect(page.get_by_test_id("contest-phase")).to_have_text("Идёт голосование")
        expect(page.locator(".contest-entries li").first).to_contain_text("1. Про школу")
        if email.startswith("sonya"):
            check_page(page, "contest-voting")
        page.get_by_role("button", name=f"Голосовать: {act}").click()
        expect(page.get_by_text("Ваш голос учтён. Спасибо!")).to_be_visible()
        expect(page.get_by_text("Вы проголосовали.")).to_be_visible()
        log_out(page)
    log_in(page, base, "gosha@example.org", PASSWORD)
    go_to(page, "Конкурсы")
    page.get_by_role("link", name="Стендап-конкурс").click()
    expect(page.get_by_text("В этом конкурсе голосуют только те, кого отметили на входе")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Голосовать"))).to_have_count(0)
    log_out(page)

    # After 22:00 the committee reads the places: titles, votes, jury, score — no name.
    set_clock(app, "2027-03-09T22:30")
    log_in(page, base, "irina@example.org", PASSWORD)
    go_to(page, "Конкурсы")
    page.get_by_role("link", name="Стендап-конкурс").click()
    page.get_by_role("button", name="Посмотреть итоги").click()
    table = page.locator("#contest-results")
    # 40 % jury: Про маршрутки = 0.6 × 2/2 + 0.4 × 5/10 = 80; Про школу = 0.6 × 0 + 0.4 × 9/10 = 36.
    expect(table.get_by_test_id("place-1")).to_contain_text("Про маршрутки")
    expect(table.get_by_test_id("place-1")).to_contain_text("80.0")
    expect(table.get_by_test_id("place-2")).to_contain_text("Про школу")
    expect(page.get_by_text("Всего 2 голоса.")).to_be_visible()
    for name, *_ in PEOPLE:
        expect(page.locator("main")).not_to_contain_text(name.split()[1])
    check_page(page, "contest-results")
