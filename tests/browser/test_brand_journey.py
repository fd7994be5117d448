"""Browser journey: the café as a teenager and its staff see it, on a 360 px phone and a 1440 px desktop,
in the light and the dark theme. Every page visited passes axe (0 serious/critical), none scrolls
sideways on the phone, and each is kept as a screenshot (tests/artifacts/ or $OUT).

Also checked on the way: the venue's town, phone and links; Google and Yandex calendar links in the
venue's zone; the home page that knows a logged-in visitor; each role's landing page and menu; the
calculator's error; past events in the calendar; the ticket opening offline.
"""

import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from browser_steps import check_page, log_in, log_out, open_more
from playwright.sync_api import expect

from anticafe.extensions import db
from anticafe.timeutil import venue_today

PASSWORD = "secret-password"
VIEWPORTS = {"phone": dict(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True),
             "desktop": dict(viewport={"width": 1440, "height": 900})}


def local(day: date, hour: int) -> datetime:
    """Return a wall-clock time at the venue (Asia/Yekaterinburg, UTC+5)."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo("Asia/Yekaterinburg"))


def seed(app) -> dict:
    """People of every role, an upcoming event with a seat, a full one with a waitlist, a past one."""
    from anticafe.accounts.models import User
    from anticafe.accounts.services import hash_password, new_card_code, new_feed_token
    from anticafe.events.models import Event
    from anticafe.registrations.services import register

    with app.app_context():
        def person(name, email, role="visitor"):
            user = User(name=name, email=email, role=role, password_hash=hash_password(PASSWORD),
                        birth_date=date(2009, 5, 1), card_code=new_card_code(), feed_token=new_feed_token())
            db.session.add(user)
            return user

        teen = person("Алина Смирнова", "alina@example.org")
        other = person("Егор Волков", "egor@example.org")
        person("Денис Бариста", "denis@example.org", "staff")
        person("Ольга Комитет", "olga@example.org", "committee")
        person("Анна Админ", "anna@example.org", "admin")
        day = venue_today() + timedelta(days=6)
        opened = datetime(2000, 1, 1, tzinfo=UTC)
        common = dict(published=True, published_at=opened, status="scheduled", entry="free")
        quiz = Event(title="Квиз «Кино и сериалы»: большая игра с призами для всей компании", category="contest",
                     starts_at=local(day, 19), ends_at=local(day, 22), capacity=20, **common)
        full = Event(title="Мастер-класс по битбоксу", category="training", starts_at=local(day, 16),
                     ends_at=local(day, 18), capacity=1, min_age=12, **common)
        before = venue_today() - timedelta(days=2)
        past = Event(title="Турнир по мафии", category="tournament", starts_at=local(before, 18),
                     ends_at=local(before, 21), capacity=30, **common)
        db.session.add_all([quiz, full, past])
        db.session.flush()
        register(full, other)  # the only seat: Алина lands on the waitlist
        register(full, teen)
        db.session.commit()
        return {"quiz": quiz.id, "full": full.id, "past": past.id, "day": day}


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_brand_journey(browser, browser_context_args, live_server, screen, scheme):
    base = live_server.url
    ids = seed(live_server.app)
    context = browser.new_context(**{**browser_context_args, **VIEWPORTS[screen]}, color_scheme=scheme,
                                  reduced_motion="reduce",
                                  bypass_csp=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    shot = f"{screen}-{scheme}"

    # A stranger: what the place is, where it is, how to reach it, prices, what's on.
    page.goto(base + "/")
    footer = page.locator("footer")
    expect(footer).to_contain_text("г. Новотроицк")
    expect(footer).to_contain_text("+7 3537 67-01-01")
    expect(footer.get_by_role("link", name="VK")).to_have_attribute("href", re.compile(r"^https://vk\.com/"))
    expect(footer.get_by_role("link", name="Telegram")).to_have_attribute("href", re.compile(r"^https://t\.me/"))
    expect(footer.get_by_role("link", name="2GIS")).to_have_attribute("href", re.compile(r"2gis\.ru/geo/58\.3"))
    expect(footer.get_by_role("link", name="Яндекс Карты")).to_have_attribute("href", re.compile(r"pt=58\.3"))
    expect(page.locator(".hero-town")).to_contain_text("Новотроицк")
    expect(page.locator("link[rel=manifest]")).to_have_count(1)
    check_page(page, f"{shot}-01-home-stranger")
    # The calculator says what is wrong instead of keeping an old price.
    minutes = page.get_by_label("Минуты")
    minutes.fill("-5")
    expect(page.locator(".calc-error")).to_contain_text("от 0 до 1440")
    expect(page.locator(".calc-amount")).to_have_count(0)
    minutes.fill("120")
    expect(page.locator(".calc-amount")).to_be_visible()
    expect(page.locator(".calc-error")).to_have_text("")

    # The calendar: full titles, a past event says so, no seats count for it.
    page.goto(f"{base}/events/?month={ids['day']:%Y-%m}")
    expect(page.get_by_text("Квиз «Кино и сериалы»: большая игра с призами для всей компании").first).to_be_visible()
    check_page(page, f"{shot}-02-calendar")
    page.goto(f"{base}/events/upcoming")
    check_page(page, f"{shot}-03-upcoming")
    page.goto(f"{base}/events/{ids['past']}")
    expect(page.locator(".event-facts")).to_contain_text("мероприятие уже прошло")
    expect(page.locator(".seats-line")).to_have_count(0)

    # The event page: where, and "add to calendar" in the venue's zone.
    page.goto(f"{base}/events/{ids['quiz']}")
    expect(page.locator(".event-facts")).to_contain_text("г. Новотроицк")
    day = ids["day"]
    google = parse_qs(urlsplit(page.locator("[data-calendar=google]").get_attribute("href")).query)
    assert google["dates"] == [f"{day:%Y%m%d}T190000/{day:%Y%m%d}T220000"]
    assert google["ctz"] == ["Asia/Yekaterinburg"] and google["action"] == ["TEMPLATE"]
    assert "г. Новотроицк" in google["location"][0]
    yandex = parse_qs(urlsplit(page.locator("[data-calendar=yandex]").get_attribute("href")).query)
    assert yandex["start"] == [f"{day:%Y%m%d}T190000"] and yandex["end"] == [f"{day:%Y%m%d}T220000"]
    assert yandex["tz_id"] == ["Asia/Yekaterinburg"]
    expect(page.locator("[data-calendar=ics]")).to_have_attribute("href", f"/events/{ids['quiz']}.ics")
    check_page(page, f"{shot}-04-event")

    # A teenager logs in: the home page knows her waitlist place; she registers and gets the ticket.
    log_in(page, base, "alina@example.org", PASSWORD)
    expect(page).to_have_url(base + "/")
    expect(page.locator(".home-me")).to_contain_text("Мастер-класс по битбоксу")
    expect(page.locator(".home-me")).to_contain_text("№ 1 в очереди")
    page.goto(f"{base}/events/{ids['quiz']}")
    page.get_by_role("button", name="Записаться").click()
    expect(page).to_have_url(re.compile(r"/t/[2-9A-Z]{26}$"))
    ticket_url = page.url
    expect(page.locator(".ticket [data-calendar=google]")).to_be_visible()
    expect(page.locator(".ticket")).to_contain_text("+7 3537 67-01-01")
    check_page(page, f"{shot}-05-ticket")
    page.goto(base + "/")
    expect(page.locator(".next-ticket")).to_contain_text("Квиз «Кино и сериалы»")
    expect(page.get_by_role("img", name="QR-код билета")).to_be_visible()
    check_page(page, f"{shot}-06-home-visitor")
    nav = page.get_by_role("navigation", name="Главное меню")
    expect(nav.locator(".nav-pills > li > a")).to_have_count(6)
    page.goto(base + "/profile")
    expect(page.get_by_text("Для разработчиков")).to_be_visible()
    expect(page.get_by_role("heading", name="Токены API")).to_be_hidden()
    check_page(page, f"{shot}-07-profile")
    page.goto(base + "/me/events")
    expect(nav.get_by_role("link", name="Мои мероприятия")).to_have_attribute("aria-current", "page")
    check_page(page, f"{shot}-08-my-events")

    # The ticket opens offline once it has been opened (the ticket worker keeps it).
    page.goto(ticket_url)
    page.wait_for_selector("[data-offline-ready=true]", state="attached", timeout=10000)
    context.set_offline(True)
    page.reload()
    expect(page.get_by_role("img", name="QR-код билета")).to_be_visible()
    context.set_offline(False)
    log_out(page)

    # Each role lands where it works and sees at most six sections; the rest under «Ещё».
    for email, landing, title in [("denis@example.org", "/door", "Контроль входа"),
                                  ("olga@example.org", "/stats/", "Статистика"),
                                  ("anna@example.org", "/admin/", "Обзор")]:
        log_in(page, base, email, PASSWORD)
        expect(page).to_have_url(base + landing)
        assert page.locator("#site-nav .nav-pills > li > a").count() <= 6
        expect(nav.locator("[aria-current=page]").first).to_contain_text(title)
        check_page(page, f"{shot}-09-landing-{landing.strip('/').replace('/', '-') or 'home'}")
        open_more(page)
        check_page(page, f"{shot}-10-more-{landing.strip('/') or 'home'}")
        if landing == "/door":  # the event form: the cover upload has a label
            page.goto(base + "/staff/events/new")
            check_page(page, f"{shot}-11-event-form")
        log_out(page)
    assert not errors, errors
    context.close()
