"""Calendar pages, the event page, staff pages (forms, series, cancel, covers), home and navigation."""

import io
import secrets
from datetime import date, timedelta

import pytest
from conftest import venue_dt, years_before
from PIL import Image
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from anticafe.db import utcnow
from anticafe.events.models import Event
from anticafe.extensions import db
from anticafe.notifications.models import Notification
from anticafe.registrations.models import Registration
from anticafe.timeutil import venue_today
from anticafe.venue.models import Zone


@pytest.fixture
def app_config(tmp_path):
    return {"EVENT_UPLOADS_DIR": str(tmp_path / "covers")}


def day(n: int) -> date:
    return venue_today() + timedelta(days=n)


def month_of(d: date) -> str:
    return d.strftime("%Y-%m")


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def form(**overrides) -> dict:
    start = day(9)
    values = {"title": "Гитара и чай", "category": "other", "starts_at": f"{start}T19:00",
              "ends_at": f"{start}T21:30", "capacity": "30", "entry": "timed", "zone_id": "",
              "description": "Поём **любимое**", "published": "y"}
    values.update(overrides)
    return values


def png(size=(1600, 900)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, "PNG")
    return out.getvalue()


# ------------------------------------------------------------------------------------------------
# Visitors

def test_month_shows_published_events_in_russian(client, make_event):
    shown = make_event(title="Турнир по «Монополии»", starts_at=venue_dt(day(5), 15), capacity=16, min_age=12)
    make_event(title="Секретный черновик", starts_at=venue_dt(day(5), 18), published=False)
    html = page(client, f"/events/?month={month_of(day(5))}")
    assert "Турнир по «Монополии»" in html and "Секретный черновик" not in html
    assert f'href="/events/{shown.id}"' in html
    assert "Осталось 16 мест" in html and "12+" in html and "Турнир" in html
    assert 'class="month-grid"' in html and ">Афиша<" in html


def test_staff_see_drafts_and_cancelled_events(client, auth, make_user, make_event):
    make_event(title="Черновик квиза", starts_at=venue_dt(day(4), 19), published=False)
    make_event(title="Отменённое ток-шоу", starts_at=venue_dt(day(4), 12), status="cancelled")
    visitor_html = page(client, f"/events/?month={month_of(day(4))}")
    assert "Черновик квиза" not in visitor_html and "Отменённое ток-шоу" in visitor_html
    auth.login(make_user("staff"))
    html = page(client, f"/events/?month={month_of(day(4))}")
    assert "Черновик квиза" in html and "Черновик" in html and "Отменено" in html
    assert "Управление афишей" in html and "Новое мероприятие" in html


def test_category_filter_and_for_my_age(client, auth, make_user, make_event):
    make_event(title="Мафия", category="tournament", starts_at=venue_dt(day(3), 19), min_age=14)
    make_event(title="Детская суббота", category="kids", starts_at=venue_dt(day(3), 12), min_age=7, max_age=12)
    url = f"/events/?month={month_of(day(3))}"
    filtered = page(client, url + "&category=kids")
    assert "Детская суббота" in filtered and "Мафия" not in filtered
    assert 'value="kids" selected' in filtered
    assert "Для моего возраста" not in filtered  # anonymous people have no age
    teen = make_user(birth_date=years_before(venue_today(), 15) - timedelta(days=30))
    auth.login(teen)
    mine = page(client, url + "&for_me=1")
    assert "Мафия" in mine and "Детская суббота" not in mine and "Для моего возраста" in mine
    everything = page(client, url)
    assert "Не по возрасту" in everything


def test_week_and_upcoming_views(client, make_event):
    soon = make_event(title="Открытый микрофон", starts_at=venue_dt(day(1), 18), category="contest")
    week = page(client, f"/events/week?date={day(1)}")
    assert "Открытый микрофон" in week and "Неделя" in week
    upcoming = page(client, "/events/upcoming")
    assert "Открытый микрофон" in upcoming and f"/events/{soon.id}" in upcoming
    assert page(client, "/events/week?date=garbage")  # falls back to this week
    assert page(client, "/events/?month=2026-99")


def test_event_page_has_everything(client, make_event, make_user):
    starts = venue_dt(day(6), 21)
    event = make_event(title="Пижамная вечеринка", category="party", starts_at=starts,
                       ends_at=starts + timedelta(hours=6), capacity=2, min_age=16, max_age=25,
                       organiser="Молодёжный комитет", entry="timed",
                       description="## Программа\n\nКино **до утра**<script>alert(1)</script>",
                       published_at=utcnow() - timedelta(days=1))
    for _ in range(2):
        db.session.add(Registration(event_id=event.id, user_id=make_user().id, status="confirmed",
                                    ticket_code=secrets.token_hex(10)))
    db.session.add(Registration(event_id=event.id, user_id=make_user().id, status="waitlisted",
                                waitlist_position=1))
    db.session.commit()
    html = page(client, f"/events/{event.id}")
    assert "<h1>Пижамная вечеринка</h1>" in html
    assert "<h3>Программа</h3>" in html or "<h2>Программа</h2>" in html
    assert "<strong>до утра</strong>" in html and "<script>alert" not in html
    assert "от 16 до 25 лет" in html and "Молодёжный комитет" in html
    assert "Повременная оплата" in html and "все заняты, можно встать в лист ожидания" in html
    assert "1 в листе ожидания" in html
    assert "г. Новотроицк, ул. Советская, 1" in html and "yandex.ru/maps/?pt=" in html and "2gis.ru/geo/" in html
    assert f'href="/events/{event.id}.ics"' in html and "Добавить в календарь" in html
    assert "открыта до" in html
    assert 'id="register-box"' in html  # the registrations domain's box
    assert "Для сотрудников" not in html


def test_drafts_are_not_found_by_visitors(client, auth, make_user, make_event):
    draft = make_event(published=False)
    assert client.get(f"/events/{draft.id}").status_code == 404
    assert client.get("/events/999999").status_code == 404
    auth.login(make_user("staff"))
    html = page(client, f"/events/{draft.id}")
    assert "Черновик: гости пока не видят это мероприятие." in html and "Опубликовать" in html
    assert f'href="/events/{draft.id}/registrations"' in html


def test_home_shows_what_is_coming(client, make_event):
    make_event(title="Ток-шоу «Без галстука»", starts_at=venue_dt(day(2), 18), category="talk_show")
    html = page(client, "/")
    assert "Скоро в антикафе" in html and "Ток-шоу «Без галстука»" in html and "Вся афиша" in html


def test_english_interface(client, make_event):
    make_event(title="Mafia", starts_at=venue_dt(day(2), 19))
    html = client.get("/events/upcoming", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert ">Events<" in html and "Tournament" in html and "Upcoming" in html


@pytest.mark.parametrize("count", [2, 25])
def test_month_page_queries_do_not_grow_with_events(client, make_event, make_user, count):
    for n in range(count):
        event = make_event(starts_at=venue_dt(day(1) + timedelta(hours=n), 10))
        db.session.add(Registration(event_id=event.id, user_id=make_user().id, status="confirmed",
                                    ticket_code=secrets.token_hex(10)))
    db.session.commit()
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    sa_event.listen(db.engine, "before_cursor_execute", listener)
    try:
        page(client, f"/events/?month={month_of(day(1))}")
        page(client, "/events/upcoming")
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", listener)
    assert len(statements) <= 7  # the month grid first reads the data version (anticafe/versions.py)


# ------------------------------------------------------------------------------------------------
# Staff

def test_staff_create_an_event(client, auth, make_user):
    auth.login(make_user("staff"))
    assert "Новое мероприятие" in page(client, "/staff/events/new")
    response = client.post("/staff/events/new", data=form())
    assert response.status_code == 302
    event = db.session.scalar(select(Event))
    assert response.headers["Location"] == f"/events/{event.id}"
    assert event.title == "Гитара и чай" and event.entry == "timed" and event.capacity == 30 and event.published
    assert event.starts_at == venue_dt(day(9), 19)
    assert "Мероприятие создано." in page(client, f"/events/{event.id}")


def test_form_errors_are_shown_in_russian(client, auth, make_user):
    auth.login(make_user("staff"))
    response = client.post("/staff/events/new", data=form(ends_at=f"{day(9)}T18:00", min_age="18", max_age="12"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Мероприятие должно заканчиваться позже, чем начинается." in html
    assert "Верхняя граница возраста не может быть меньше нижней." in html
    assert 'value="Гитара и чай"' in html
    assert db.session.scalar(select(func.count(Event.id))) == 0


def test_staff_create_a_weekly_series(client, auth, make_user):
    auth.login(make_user("staff"))
    response = client.post("/staff/events/new", data=form(title="Мафия", category="tournament", repeat="weekly",
                                                          interval_weeks="1", repeat_end="count", count="6"))
    assert response.status_code == 302
    events = db.session.scalars(select(Event).order_by(Event.starts_at)).all()
    assert len(events) == 6 and len({e.series_id for e in events}) == 1
    assert "Серия создана: мероприятий — 6." in page(client, response.headers["Location"])
    bad = client.post("/staff/events/new", data=form(repeat="weekly", interval_weeks="1", repeat_end="until",
                                                     until=str(day(5))))
    assert bad.status_code == 422 and "Последняя дата должна быть позже первого мероприятия." in bad.get_data(True)


def test_edit_this_and_following(client, auth, make_user):
    auth.login(make_user("staff"))
    client.post("/staff/events/new", data=form(title="Мафия", repeat="weekly", interval_weeks="1",
                                               repeat_end="count", count="4"))
    events = db.session.scalars(select(Event).order_by(Event.starts_at)).all()
    edit_page = page(client, f"/staff/events/{events[1].id}/edit")
    assert "К этому и следующим мероприятиям" in edit_page
    assert f'value="{day(16)}T19:00"' in edit_page
    response = client.post(f"/staff/events/{events[1].id}/edit", data=form(
        title="Мафия", starts_at=f"{day(16)}T20:00", ends_at=f"{day(16)}T22:30", scope="following"))
    assert response.status_code == 302
    assert "Сохранено: изменено мероприятий — 3." in page(client, response.headers["Location"])
    for event in events:
        db.session.refresh(event)
    assert [e.starts_at.astimezone(venue_dt(day(0), 0).tzinfo).hour for e in events] == [19, 20, 20, 20]


def test_nothing_changed_is_said(client, auth, make_user):
    auth.login(make_user("staff"))
    client.post("/staff/events/new", data=form())
    event = db.session.scalar(select(Event))
    response = client.post(f"/staff/events/{event.id}/edit", data=form())
    assert "Ничего не изменилось." in page(client, response.headers["Location"])


def test_cancel_page_tells_registrants(client, auth, make_user, make_event):
    event = make_event(title="Ток-шоу")
    person = make_user()
    db.session.add(Registration(event_id=event.id, user_id=person.id, status="confirmed",
                                    ticket_code=secrets.token_hex(10)))
    db.session.commit()
    auth.login(make_user("staff"))
    assert "Записан или ждёт места 1 человек" in page(client, f"/staff/events/{event.id}/cancel")
    response = client.post(f"/staff/events/{event.id}/cancel", data={"reason": "Гость заболел", "scope": "this"})
    assert response.status_code == 302
    html = page(client, f"/events/{event.id}")
    assert "Мероприятие отменено. Все записавшиеся получили сообщение." in html and "Гость заболел" in html
    [note] = db.session.scalars(select(Notification)).all()
    assert note.user_id == person.id and note.kind == "event_cancelled"
    again = client.get(f"/staff/events/{event.id}/cancel")
    assert again.status_code == 302


def test_publish_unpublish_duplicate_delete(client, auth, make_user, make_event):
    draft = make_event(title="Новогодний квиз", published=False)
    auth.login(make_user("staff"))
    client.post(f"/staff/events/{draft.id}/publish")
    db.session.refresh(draft)
    assert draft.published and draft.published_at is not None
    client.post(f"/staff/events/{draft.id}/unpublish")
    db.session.refresh(draft)
    assert not draft.published
    copy_response = client.post(f"/staff/events/{draft.id}/duplicate")
    copy = db.session.scalars(select(Event).order_by(Event.id.desc())).first()
    assert copy_response.headers["Location"] == f"/staff/events/{copy.id}/edit"
    assert copy.title == "Новогодний квиз" and not copy.published
    assert client.post(f"/staff/events/{copy.id}/delete").headers["Location"] == "/staff/events/"
    assert db.session.get(Event, copy.id) is None
    published = make_event()
    client.post(f"/staff/events/{published.id}/delete")
    assert db.session.get(Event, published.id) is not None
    db.session.add(Registration(event_id=published.id, user_id=make_user().id, status="confirmed",
                                    ticket_code=secrets.token_hex(10)))
    db.session.commit()
    response = client.post(f"/staff/events/{published.id}/unpublish")
    assert "отмените его, а не скрывайте" in page(client, response.headers["Location"])


def test_manage_lists_upcoming_and_past(client, auth, make_user, make_event):
    make_event(title="Будущее", starts_at=venue_dt(day(3), 19), published=False)
    make_event(title="Прошлое", starts_at=venue_dt(day(-3), 19))
    auth.login(make_user("staff"))
    upcoming = page(client, "/staff/events/")
    assert "Будущее" in upcoming and "Прошлое" not in upcoming and "Черновик" in upcoming
    past = page(client, "/staff/events/?when=past")
    assert "Прошлое" in past and "Будущее" not in past


def test_zone_select_and_place(client, auth, make_user):
    zone = Zone(name="Игровая комната", capacity=12)
    db.session.add(zone)
    db.session.commit()
    auth.login(make_user("staff"))
    assert "Игровая комната" in page(client, "/staff/events/new")
    client.post("/staff/events/new", data=form(zone_id=str(zone.id)))
    event = db.session.scalar(select(Event))
    assert event.zone_id == zone.id
    assert "Игровая комната, Антикафе, г. Новотроицк, ул. Советская, 1" in page(client, f"/events/{event.id}")


def test_cover_upload_resize_serve_and_replace(app, client, auth, make_user, tmp_path):
    auth.login(make_user("staff"))
    response = client.post("/staff/events/new", data={**form(), "cover": (io.BytesIO(png()), "афиша.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    event = db.session.scalar(select(Event))
    first = event.cover_image
    assert first.endswith(".jpg") and "афиша" not in first
    stored = tmp_path / "covers" / first
    with Image.open(stored) as image:
        assert image.format == "JPEG" and image.size == (1200, 675)
    served = client.get(f"/events/covers/{first}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert f"/events/covers/{first}" in page(client, f"/events/{event.id}")
    client.post(f"/staff/events/{event.id}/edit", data={**form(), "cover": (io.BytesIO(png((800, 600))), "b.png")},
                content_type="multipart/form-data")
    db.session.refresh(event)
    assert event.cover_image != first and not stored.exists()
    assert (tmp_path / "covers" / event.cover_image).exists()
    client.post(f"/staff/events/{event.id}/edit", data={**form(), "remove_cover": "y"})
    db.session.refresh(event)
    assert event.cover_image is None and not list((tmp_path / "covers").iterdir())
    assert client.get("/events/covers/..%2Fsecret.jpg").status_code == 404


def test_a_fake_picture_is_refused(client, auth, make_user, tmp_path):
    auth.login(make_user("staff"))
    response = client.post("/staff/events/new", data={**form(), "cover": (io.BytesIO(b"<?php system($_GET[1]);"),
                                                                           "cover.jpg")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Это не картинка JPEG, PNG, WebP или GIF." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Event.id))) == 0
    assert not (tmp_path / "covers").exists() or not list((tmp_path / "covers").iterdir())


def test_a_failed_save_leaves_no_cover_file(client, auth, make_user, tmp_path):
    auth.login(make_user("staff"))
    response = client.post("/staff/events/new",
                           data={**form(ends_at=f"{day(9)}T10:00"), "cover": (io.BytesIO(png()), "a.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert not (tmp_path / "covers").exists() or not list((tmp_path / "covers").iterdir())


def test_a_refused_edit_leaves_no_new_cover_file(client, auth, make_user, tmp_path):
    auth.login(make_user("staff"))
    client.post("/staff/events/new", data=form())
    event = db.session.scalar(select(Event))
    response = client.post(f"/staff/events/{event.id}/edit",
                           data={**form(ends_at=f"{day(9)}T10:00"), "cover": (io.BytesIO(png()), "a.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    db.session.refresh(event)
    assert event.cover_image is None
    assert not list((tmp_path / "covers").iterdir())


@pytest.mark.parametrize("commit", [True, False])
def test_savepoints_inside_the_change_do_not_confuse_cover_cleanup(app, tmp_path, commit):
    """Another domain's savepoint (a deduplicated notification) neither deletes nor keeps covers early."""
    from anticafe.accounts.models import User
    from anticafe.events import services
    from anticafe.notifications.services import notify

    event = services.create_event({"title": "Квиз", "starts_at": venue_dt(day(5), 19),
                                   "ends_at": venue_dt(day(5), 21)}, cover=png())
    name = event.cover_image
    user = User(name="Гость", email="g@example.org", card_code="C1", feed_token="F1")
    db.session.add(user)
    db.session.flush()
    notify(user, "x", "S", "B", dedupe_key="same")  # a savepoint released
    notify(user, "x", "S", "B", dedupe_key="same")  # a savepoint rolled back
    if commit:
        db.session.commit()
    else:
        db.session.rollback()
    assert (tmp_path / "covers" / name).exists() is commit
