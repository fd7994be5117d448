"""Registrations through the pages and the services: seats, waitlist, checks, tickets, staff pages."""

import re
from datetime import date, timedelta

import pytest
from flask import render_template_string
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from anticafe.db import utcnow
from anticafe.errors import DomainError
from anticafe.extensions import db
from anticafe.notifications.models import Notification
from anticafe.registrations import services
from anticafe.registrations.models import Registration
from anticafe.timeutil import venue_today

RU = {"Accept-Language": "ru"}
EN = {"Accept-Language": "en"}


def waitlist(event_id):
    """Return [(user_id, position)] of an event's waitlist in order."""
    rows = db.session.scalars(select(Registration).where(Registration.event_id == event_id,
                                                         Registration.status == "waitlisted")
                              .order_by(Registration.waitlist_position)).all()
    return [(r.user_id, r.waitlist_position) for r in rows]


def statuses(event_id):
    db.session.expire_all()
    return {r.user_id: r.status for r in db.session.scalars(select(Registration).where(
        Registration.event_id == event_id))}


# ------------------------------------------------------------------------------------------------
# Services: seats and the waitlist

def test_seats_then_waitlist_then_promotion(app, make_user, make_event):
    event = make_event(capacity=2)
    people = [make_user() for _ in range(5)]
    made = [services.register(event, person) for person in people]
    db.session.commit()
    assert [r.status for r in made] == ["confirmed", "confirmed", "waitlisted", "waitlisted", "waitlisted"]
    assert [r.waitlist_position for r in made] == [None, None, 1, 2, 3]
    assert made[0].ticket_code and len(made[0].ticket_code) >= 26 and made[2].ticket_code is None

    services.cancel(made[0], by=people[0])
    db.session.commit()
    assert made[0].status == "cancelled" and made[0].ticket_revoked_at is not None
    assert made[2].status == "confirmed" and made[2].ticket_code
    assert waitlist(event.id) == [(people[3].id, 1), (people[4].id, 2)]
    [note] = db.session.scalars(select(Notification).where(Notification.kind == "waitlist_promoted")).all()
    assert note.user_id == people[2].id and note.link == f"/t/{made[2].ticket_code}"

    services.cancel(made[3], by=people[3])  # leaving the waitlist closes the gap
    db.session.commit()
    assert waitlist(event.id) == [(people[4].id, 1)]


def test_cancelling_twice_is_harmless_and_cancelled_people_can_come_back(app, make_user, make_event):
    event = make_event(capacity=1)
    anna, boris = make_user(), make_user()
    first = services.register(event, anna)
    services.register(event, boris)
    db.session.commit()
    services.cancel(first, by=anna)
    services.cancel(first, by=anna)
    db.session.commit()
    assert statuses(event.id) == {anna.id: "cancelled", boris.id: "confirmed"}
    again = services.register(event, anna)
    db.session.commit()
    assert again.status == "waitlisted" and again.waitlist_position == 1 and again.id != first.id


def test_raising_capacity_promotes_in_queue_order(app, make_user, make_event):
    event = make_event(capacity=1)
    people = [make_user() for _ in range(4)]
    for person in people:
        services.register(event, person)
    db.session.commit()
    event.capacity = 3
    promoted = services.promote_waitlist(event)
    db.session.commit()
    assert [r.user_id for r in promoted] == [people[1].id, people[2].id]
    assert waitlist(event.id) == [(people[3].id, 1)]
    event.capacity = None  # unlimited: everybody gets in
    assert [r.user_id for r in services.promote_waitlist(event)] == [people[3].id]
    db.session.commit()
    assert waitlist(event.id) == []


def test_no_promotion_for_cancelled_or_finished_events(app, make_user, make_event):
    event = make_event(capacity=1)
    anna, boris = make_user(), make_user()
    first = services.register(event, anna)
    services.register(event, boris)
    db.session.commit()
    event.status = "cancelled"
    db.session.commit()
    services.cancel(first, by=anna)
    db.session.commit()
    assert statuses(event.id)[boris.id] == "waitlisted"
    assert waitlist(event.id) == [(boris.id, 1)]


def test_unlimited_event_confirms_everybody(app, make_user, make_event):
    event = make_event(capacity=None)
    assert all(services.register(event, make_user()).status == "confirmed" for _ in range(12))


def test_one_active_registration_per_person_is_a_database_rule(app, make_user, make_event):
    event = make_event(capacity=5)
    anna = make_user()
    services.register(event, anna)
    db.session.commit()
    with pytest.raises(DomainError) as caught:
        services.register(event, anna)
    assert caught.value.code == "already_registered" and caught.value.status == 409
    db.session.rollback()
    db.session.add(Registration(event_id=event.id, user_id=anna.id, status="confirmed", ticket_code="X" * 26))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_rows_stay_consistent_by_check_constraints(app, make_user, make_event):
    event = make_event(capacity=5)
    anna = make_user()
    db.session.add(Registration(event_id=event.id, user_id=anna.id, status="waitlisted", waitlist_position=None))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    db.session.add(Registration(event_id=event.id, user_id=anna.id, status="confirmed", ticket_code=None))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_occurrences_of_a_series_are_separate_events(app, make_user, make_event):
    from anticafe.events.models import EventSeries

    series = EventSeries(title="Мафия по пятницам")
    db.session.add(series)
    db.session.commit()
    first = make_event(capacity=1, series_id=series.id)
    second = make_event(capacity=1, series_id=series.id, starts_at=first.starts_at + timedelta(days=7))
    anna = make_user()
    assert services.register(first, anna).status == "confirmed"
    assert services.register(second, anna).status == "confirmed"


# ------------------------------------------------------------------------------------------------
# Checks with clear messages

@pytest.mark.parametrize("fields, code, message", [
    ({"status": "cancelled"}, "event_cancelled", "The event is cancelled."),
    ({"registration_closes_at": -timedelta(hours=1)}, "registration_closed",
     "Registration for this event is closed."),
    ({"registration_opens_at": timedelta(days=2)}, "registration_closed", "Registration opens on"),
    ({"starts_at": -timedelta(minutes=10)}, "registration_closed", "Registration for this event is closed."),
    ({"starts_at": -timedelta(hours=3), "ends_at": -timedelta(hours=1)}, "registration_closed",
     "The event is over."),
])
def test_registration_window_and_status(client, auth, make_user, make_event, fields, code, message):
    """Moments are offsets from the app's clock, read when the test runs (never at import)."""
    now = utcnow()
    fields = {k: now + v if isinstance(v, timedelta) else v for k, v in fields.items()}
    event = make_event(capacity=10, **fields)
    user = make_user()
    auth.login(user)
    response = client.post(f"/api/v1/events/{event.id}/registrations", json={}, headers=EN)
    assert response.status_code == 422
    assert response.json["error"]["code"] == code
    assert message in response.json["error"]["message"]


def test_unpublished_events_are_invisible_to_visitors_and_closed_for_staff(client, auth, make_user, make_event):
    event = make_event(published=False)
    auth.login(make_user())
    assert client.post(f"/api/v1/events/{event.id}/registrations", json={}).status_code == 404
    assert client.get(f"/events/{event.id}/register").status_code == 404
    staff = make_user("staff")
    auth.login(staff)
    response = client.post(f"/api/v1/events/{event.id}/registrations", json={"user_id": make_user().id}, headers=EN)
    assert response.status_code == 422 and response.json["error"]["code"] == "registration_closed"
    assert "not published" in response.json["error"]["message"]


def test_ages_are_checked_on_the_event_day(client, auth, make_user, make_event):
    starts = utcnow().replace(microsecond=0) + timedelta(days=10)
    from anticafe.timeutil import to_venue

    day = to_venue(starts).date()
    event = make_event(starts_at=starts, min_age=14, max_age=17)
    turns_14_that_day = make_user(birth_date=date(day.year - 14, day.month, day.day))
    turns_14_next_day = make_user(birth_date=date(day.year - 14, day.month, day.day) + timedelta(days=1))
    turns_18_that_day = make_user(birth_date=date(day.year - 18, day.month, day.day))
    no_birth_date = make_user(birth_date=None)
    auth.login(turns_14_that_day)
    assert client.post(f"/api/v1/events/{event.id}/registrations", json={}).status_code == 201
    for person, text in [(turns_14_next_day, "you will be 13"), (turns_18_that_day, "you will be 18"),
                         (no_birth_date, "add your date of birth in your profile")]:
        auth.login(person)
        response = client.post(f"/api/v1/events/{event.id}/registrations", json={}, headers=EN)
        assert response.status_code == 422, person
        assert response.json["error"]["code"] == "age_restricted"
        assert text in response.json["error"]["message"]
    ru = client.post(f"/api/v1/events/{event.id}/registrations", json={}, headers=RU)
    assert "дату рождения" in ru.json["error"]["message"]


def test_visitor_cancels_until_the_start_staff_at_any_time(client, auth, make_user, make_event):
    event = make_event(capacity=3)
    anna, boris = make_user(), make_user()
    mine = services.register(event, anna)
    theirs = services.register(event, boris)
    db.session.commit()
    event.starts_at = utcnow() - timedelta(minutes=5)
    event.ends_at = utcnow() + timedelta(hours=2)
    db.session.commit()
    auth.login(anna)
    response = client.delete(f"/api/v1/registrations/{mine.id}", headers=EN)
    assert response.status_code == 422 and response.json["error"]["code"] == "cancellation_closed"
    assert client.delete(f"/api/v1/registrations/{theirs.id}").status_code == 404  # not hers
    auth.login(make_user("staff"))
    assert client.delete(f"/api/v1/registrations/{mine.id}").json["status"] == "cancelled"


def test_cancel_cutoff_setting(app, client, auth, make_user, make_event):
    app.config["REGISTRATION_CANCEL_CUTOFF_MINUTES"] = 180
    event = make_event(starts_at=utcnow() + timedelta(hours=2))
    anna = make_user()
    registration = services.register(event, anna)
    db.session.commit()
    auth.login(anna)
    assert client.delete(f"/api/v1/registrations/{registration.id}").status_code == 422
    page = client.get("/me/events", headers=EN).get_data(as_text=True)
    assert "too late to cancel online" in page


# ------------------------------------------------------------------------------------------------
# Pages: one tap, the box, tickets, My events

def test_one_tap_registration_leads_to_the_ticket(client, auth, make_user, make_event):
    event = make_event(capacity=1, title="Турнир по «Монополии»")
    anna = auth.login(make_user(name="Анна Петрова"))
    page = client.get(f"/events/{event.id}/register", headers=RU).get_data(as_text=True)
    assert "Осталось 1 место из 1" in page and ">Записаться<" in page
    response = client.post(f"/events/{event.id}/register", headers=RU)
    registration = db.session.scalar(select(Registration).where(Registration.user_id == anna.id))
    assert response.status_code == 302 and response.headers["Location"] == f"/t/{registration.ticket_code}"
    ticket = client.get(response.headers["Location"], headers=RU).get_data(as_text=True)
    assert "Турнир по «Монополии»" in ticket and "Анна Петрова" in ticket and "Действующий билет" in ticket
    from anticafe.codes import group

    parts = group(registration.ticket_code).split("-")
    assert all(f'<span class="code-group">{part}</span>' in ticket for part in parts)
    assert f"/registrations/{registration.id}/qr.svg" in ticket and f"/events/{event.id}.ics" in ticket
    again = client.post(f"/events/{event.id}/register", headers=RU, follow_redirects=True).get_data(as_text=True)
    assert "Вы уже записаны на это мероприятие." in again


def test_full_event_puts_the_visitor_on_the_waitlist(client, auth, make_user, make_event):
    event = make_event(capacity=1)
    services.register(event, make_user())
    db.session.commit()
    auth.login(make_user())
    page = client.get(f"/events/{event.id}/register", headers=EN).get_data(as_text=True)
    assert "Join the waitlist" in page and "No seats left" in page
    response = client.post(f"/events/{event.id}/register", data={"next": "/me/events"}, headers=EN)
    assert response.headers["Location"] == "/me/events"
    page = client.get("/me/events", headers=EN).get_data(as_text=True)
    assert "Waitlist: number 1" in page and "Leave the waitlist" in page


def test_register_box_states(app, client, auth, make_user, make_event):
    from flask_login import AnonymousUserMixin

    open_event = make_event(capacity=5, min_age=12)
    closed = make_event(registration_closes_at=utcnow() - timedelta(hours=1))
    template = '{% include "registrations/_register_box.html" %}'

    def box(event, user):
        with app.test_request_context("/", headers=EN):
            from flask_login import login_user

            if user is None:
                from flask import g
                g._login_user = AnonymousUserMixin()
            else:
                login_user(user)
            return render_template_string(template, event=event)

    assert "Log in to register" in box(open_event, None)
    assert "Registration for this event is closed." in box(closed, None)
    visitor = make_user()
    assert "Register" in box(open_event, visitor) and "5 seats left of 5" in box(open_event, visitor)
    child = make_user(birth_date=venue_today() - timedelta(days=365 * 9))
    assert "This event is for ages 12+" in box(open_event, child)
    services.register(open_event, visitor)
    db.session.commit()
    html = box(open_event, visitor)
    assert "You are registered" in html and "Open my ticket" in html and "Cancel registration" in html


def test_ticket_page_shows_personal_details_only_to_owner_and_staff(client, auth, make_user, make_event):
    event = make_event(title="Вечер гитары и чая")
    anna = make_user(name="Анна Секретная")
    registration = services.register(event, anna)
    db.session.commit()
    url = f"/t/{registration.ticket_code}"
    anonymous = client.get(url, headers=EN)
    assert anonymous.status_code == 200 and "no-store" in anonymous.headers["Cache-Control"]
    text = anonymous.get_data(as_text=True)
    assert "Вечер гитары и чая" in text and "Valid ticket" in text
    assert "Анна Секретная" not in text and "qr.svg" not in text
    auth.login(make_user())
    assert "Анна Секретная" not in client.get(url).get_data(as_text=True)
    auth.login(make_user("staff"))
    assert "Анна Секретная" in client.get(url).get_data(as_text=True)
    auth.login(anna)
    assert "Анна Секретная" in client.get(url).get_data(as_text=True)
    typed = client.get("/t/" + "-".join(re.findall(".{1,4}", registration.ticket_code.lower())))
    assert typed.status_code == 301 and typed.headers["Location"] == url
    assert client.get("/t/NOSUCHTICKET").status_code == 404


def test_cancelled_ticket_says_so_and_has_no_qr(client, auth, make_user, make_event):
    event = make_event()
    anna = auth.login(make_user())
    registration = services.register(event, anna)
    db.session.commit()
    code = registration.ticket_code
    response = client.post(f"/registrations/{registration.id}/cancel", headers=EN)
    assert response.headers["Location"] == "/me/events"
    page = client.get(f"/t/{code}", headers=EN).get_data(as_text=True)
    assert "Cancelled: this ticket is no longer valid" in page and "qr.svg" not in page
    assert client.get(f"/registrations/{registration.id}/qr.png").status_code == 404


def test_qr_images_for_owner_and_staff_with_session_or_token(app, client, auth, make_user, make_event, token_for):
    event = make_event()
    anna = make_user()
    registration = services.register(event, anna)
    db.session.commit()
    png, svg = f"/registrations/{registration.id}/qr.png", f"/registrations/{registration.id}/qr.svg"
    assert client.get(png).status_code == 302  # anonymous: to the login page
    image = client.get(png, headers=token_for(anna))
    assert image.status_code == 200 and image.mimetype == "image/png" and image.data[:4] == b"\x89PNG"
    assert "private" in image.headers["Cache-Control"]
    etag = image.headers["ETag"]
    assert client.get(png, headers={**token_for(anna), "If-None-Match": etag}).status_code == 304
    assert client.get(svg, headers=token_for(make_user("staff"))).mimetype == "image/svg+xml"
    assert client.get(png, headers=token_for(make_user())).status_code == 404
    auth.login(anna)
    assert client.get(svg).status_code == 200
    from anticafe.registrations.models import Registration as R

    waiting = services.register(make_event(capacity=0), anna)
    db.session.commit()
    assert isinstance(waiting, R) and client.get(f"/registrations/{waiting.id}/qr.png").status_code == 404


def test_qr_holds_the_absolute_ticket_url(app, client, auth, make_user, make_event):
    import hashlib

    from anticafe import qr

    app.config["PUBLIC_BASE_URL"] = "https://cafe.example"
    anna = auth.login(make_user())
    registration = services.register(make_event(), anna)
    db.session.commit()
    url = f"https://cafe.example/t/{registration.ticket_code}"
    image = client.get(f"/registrations/{registration.id}/qr.png")
    # The ETag is derived from the encoded text, and the bytes are the QR of exactly that text.
    assert image.headers["ETag"].strip('"') == hashlib.sha256(f"png:{url}".encode()).hexdigest()[:32]
    assert image.data == qr.png_bytes(url)
    with app.test_request_context("/"):
        assert services.ticket_url(registration) == f"https://cafe.example/t/{registration.ticket_code}"
    app.config["PUBLIC_BASE_URL"] = ""
    with app.test_request_context("/", base_url="http://anticafe.local:8000"):
        assert services.ticket_url(registration) == f"http://anticafe.local:8000/t/{registration.ticket_code}"


def test_reissued_ticket_invalidates_the_old_code(client, auth, make_user, make_event):
    anna = auth.login(make_user())
    registration = services.register(make_event(), anna)
    db.session.commit()
    old = registration.ticket_code
    response = client.post(f"/registrations/{registration.id}/reissue")
    db.session.refresh(registration)
    assert registration.ticket_code != old and response.headers["Location"] == f"/t/{registration.ticket_code}"
    assert client.get(f"/t/{old}").status_code == 404
    auth.login(make_user())
    assert client.post(f"/registrations/{registration.id}/reissue").status_code == 404


def test_my_events_lists_upcoming_and_past(client, auth, make_user, make_event):
    anna = auth.login(make_user())
    soon = make_event(title="Пижамная вечеринка", capacity=5)
    full = make_event(title="Ток-шоу с гостем", capacity=0)
    past = make_event(title="Хэллоуин-дискотека", starts_at=utcnow() - timedelta(days=3))
    confirmed = services.register(soon, anna)
    services.register(full, anna)
    db.session.add(Registration(event_id=past.id, user_id=anna.id, status="confirmed", ticket_code="P" * 26,
                                confirmed_at=past.starts_at - timedelta(days=1)))
    db.session.commit()
    page = client.get("/me/events", headers=RU).get_data(as_text=True)
    upcoming, _, rest = page.partition("Прошедшие")
    assert "Пижамная вечеринка" in upcoming and "Ток-шоу с гостем" in upcoming
    assert "Лист ожидания: номер 1" in upcoming and f"/t/{confirmed.ticket_code}" in upcoming
    assert "Хэллоуин-дискотека" in rest and "Хэллоуин-дискотека" not in upcoming
    assert 'class="feed-box-slot"' in page
    assert "Мои мероприятия" in page  # the navigation link


# ------------------------------------------------------------------------------------------------
# Staff

def test_staff_registers_a_found_person_and_a_walk_in_guest(client, auth, make_user, make_event):
    event = make_event(capacity=2, min_age=12)
    dima = make_user(name="Дмитрий Орлов", phone="+79123334455")
    auth.login(make_user("staff"))
    page = client.get(f"/events/{event.id}/registrations?q=орлов", headers=RU).get_data(as_text=True)
    assert "Дмитрий Орлов" in page and "Записать" in page
    response = client.post(f"/events/{event.id}/registrations", data={"user_id": dima.id}, headers=RU)
    assert response.status_code == 302
    no_birth = client.post(f"/events/{event.id}/registrations/walk-in",
                           data={"guest-name": "Гость без даты", "guest-phone": "89120001122"}, headers=EN)
    assert no_birth.status_code == 422
    assert "has no date of birth on record" in no_birth.get_data(as_text=True)
    ok = client.post(f"/events/{event.id}/registrations/walk-in",
                     data={"guest-name": "Лейла Гостья", "guest-phone": "89120001122",
                           "guest-birth_date": "2008-03-01"},
                     headers=EN, follow_redirects=True)
    assert "Лейла Гостья is registered." in ok.get_data(as_text=True)
    late = client.post(f"/events/{event.id}/registrations/walk-in",
                       data={"guest-name": "Третий", "guest-birth_date": "2008-03-01"}, headers=EN,
                       follow_redirects=True).get_data(as_text=True)
    assert "Третий is on the waitlist, number 1." in late
    rows = services.event_registrations(event.id)
    assert [(r.user.name, r.status, r.source) for r in rows] == [
        ("Дмитрий Орлов", "confirmed", "staff"), ("Лейла Гостья", "confirmed", "walk_in"),
        ("Третий", "waitlisted", "walk_in")]
    assert rows[1].user.email is None and rows[1].user.phone == "+79120001122"
    listing = client.get(f"/events/{event.id}/registrations", headers=RU).get_data(as_text=True)
    assert "Лейла Гостья" in listing and "Лист ожидания: номер 1" in listing


def test_staff_cancels_any_registration_and_the_waitlist_moves(client, auth, make_user, make_event):
    event = make_event(capacity=1, starts_at=utcnow() - timedelta(minutes=30), ends_at=utcnow() + timedelta(hours=1))
    anna, boris = make_user(), make_user()
    # Registered earlier, before the start.
    first = Registration(event_id=event.id, user_id=anna.id, status="confirmed", ticket_code="A" * 26,
                         confirmed_at=utcnow() - timedelta(days=1))
    db.session.add_all([first, Registration(event_id=event.id, user_id=boris.id, status="waitlisted",
                                            waitlist_position=1)])
    db.session.commit()
    auth.login(make_user("staff"))
    back = f"/events/{event.id}/registrations"
    response = client.post(f"/registrations/{first.id}/cancel", data={"next": back}, headers=EN)
    assert response.headers["Location"] == back
    assert statuses(event.id) == {anna.id: "cancelled", boris.id: "confirmed"}


def test_demo_step_registers_visitors_for_demo_events(app, make_user, make_event):
    from anticafe.accounts.demo import seed as seed_people
    from anticafe.demo import DemoContext
    from anticafe.registrations.demo import seed

    ctx = DemoContext()
    seed_people(ctx)
    db.session.flush()
    now = utcnow()
    ctx.data["events"] = [make_event(capacity=10, starts_at=now + timedelta(days=d)) for d in (2, 5, 9)] + [
        make_event(capacity=None, starts_at=now - timedelta(days=4)), make_event(capacity=8, min_age=14,
                                                                             starts_at=now - timedelta(days=2))]
    seed(ctx)
    db.session.commit()
    made = ctx.data["registrations"]
    assert len(made) > 30
    for event in ctx.data["events"]:
        confirmed = [r for r in made if r.event_id == event.id and r.status == "confirmed"]
        waiting = sorted(r.waitlist_position for r in made if r.event_id == event.id and r.status == "waitlisted")
        assert event.capacity is None or len(confirmed) <= event.capacity
        assert waiting == list(range(1, len(waiting) + 1))
        assert all(r.ticket_code for r in confirmed)
        if waiting:
            assert len(confirmed) == event.capacity
    assert any(r.status == "waitlisted" for r in made) and any(r.status == "cancelled" for r in made)
