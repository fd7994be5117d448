"""Bookings through the pages: request, confirm, decline, cancel, release, check-in and the bill,
direct and weekly bookings, closures, events in zones, reminders, the feed and the admin's zones."""

import itertools
import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from conftest import venue_dt
from PIL import Image
from sqlalchemy import select

from anticafe.bookings import availability, services
from anticafe.bookings import party as parties
from anticafe.bookings.models import Booking, BookingStatus
from anticafe.db import utcnow
from anticafe.extensions import db
from anticafe.notifications.models import Notification
from anticafe.timeutil import venue_today
from anticafe.venue.models import Closure, Zone

RU = {"Accept-Language": "ru"}


@pytest.fixture
def app_config(tmp_path):
    return {"ZONE_PHOTO_DIR": str(tmp_path / "zones")}


def next_weekday(weekday: int, at_least: int = 3) -> date:
    """A date with the given weekday (0 = Monday) at least `at_least` days from today."""
    day = venue_today() + timedelta(days=at_least)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return day


def add_booking(zone, user=None, *, starts_at, minutes=120, status="confirmed", party=4, **fields) -> Booking:
    """Put a booking straight into the database (for times a form would refuse, like the near past)."""
    booking = Booking(zone_id=zone.id, user_id=user.id if user else None, booker_name=user.name if user else "Гость",
                      party_size=party, starts_at=starts_at, ends_at=starts_at + timedelta(minutes=minutes),
                      status=status, price_per_hour=zone.price_per_hour, **fields)
    db.session.add(booking)
    db.session.commit()
    return booking


@pytest.fixture
def game_room(make_zone):
    return make_zone(name="Игровая комната", capacity=12)


def start_options(page: str) -> list[str]:
    """The start times the request form offers."""
    select_html = page.split('id="start"', 1)[1].split("</select>", 1)[0]
    return re.findall(r'<option value="(\d\d:\d\d)"', select_html)


def request_form(client, zone, day, start="15:00", end="17:00", party=8, **extra):
    data = {"start": start, "end": end, "party_size": str(party), "purpose": "День рождения", "contact": "+79120001122"}
    data.update(extra)
    return client.post(f"/bookings/zones/{zone.id}?date={day.isoformat()}", data=data, headers=RU)


def test_visitor_requests_staff_confirms_and_the_slot_is_gone(client, auth, make_user, game_room):
    saturday = next_weekday(5)
    alice = auth.login(make_user(name="Алиса Гостева"))
    page = client.get(f"/bookings/zones/{game_room.id}?date={saturday.isoformat()}", headers=RU).get_data(as_text=True)
    assert "15:00" in start_options(page)
    response = request_form(client, game_room, saturday)
    assert response.status_code == 302 and "/bookings/mine" in response.headers["Location"]
    booking = db.session.scalar(select(Booking))
    assert booking.status == BookingStatus.REQUESTED and booking.user_id == alice.id
    assert booking.starts_at == venue_dt(saturday, 15) and booking.ends_at == venue_dt(saturday, 17)
    mine = client.get("/bookings/mine", headers=RU).get_data(as_text=True)
    assert "ждёт подтверждения" in mine and "Игровая комната" in mine

    staff = auth.login(make_user("staff"))
    index = client.get("/staff/bookings/", headers=RU).get_data(as_text=True)
    assert "Алиса Гостева" in index and "День рождения" in index
    response = client.post(f"/staff/bookings/{booking.id}/confirm", data={"message": "Возьмите свечи для торта!"})
    assert response.status_code == 302
    db.session.refresh(booking)
    assert booking.status == BookingStatus.CONFIRMED and booking.decided_by_id == staff.id
    note = db.session.scalar(select(Notification).where(Notification.user_id == alice.id))
    assert note.kind == "booking_confirmed"
    assert "Бронь подтверждена" in note.subject and "Возьмите свечи для торта!" in note.body

    auth.login(make_user())
    page = client.get(f"/bookings/zones/{game_room.id}?date={saturday.isoformat()}", headers=RU).get_data(as_text=True)
    starts = start_options(page)
    assert "15:00" not in starts and "16:30" not in starts
    # The cleaning buffer (15 minutes) also takes the slot before and the one right after.
    assert "14:30" not in starts and "17:00" not in starts
    assert "14:00" in starts and "17:30" in starts
    assert request_form(client, game_room, saturday, start="16:00", end="18:00").status_code == 409


def test_decline_with_a_message(client, auth, make_user, game_room):
    visitor = make_user(locale="en")
    booking = add_booking(game_room, visitor, starts_at=venue_dt(next_weekday(5), 15), status="requested")
    auth.login(make_user("staff"))
    client.post(f"/staff/bookings/{booking.id}/decline", data={"message": "The room is taken for a tournament."})
    db.session.refresh(booking)
    assert booking.status == BookingStatus.DECLINED
    note = db.session.scalar(select(Notification).where(Notification.user_id == visitor.id))
    assert note.kind == "booking_declined" and note.subject == "Booking declined: Игровая комната"
    assert "The room is taken for a tournament." in note.body


def test_form_refuses_bad_requests(client, auth, make_user, game_room):
    saturday = next_weekday(5)
    auth.login(make_user())
    too_many = request_form(client, game_room, saturday, party=13)
    assert too_many.status_code == 422
    assert "В зоне помещается не больше 12 человек." in too_many.get_data(as_text=True)
    backwards = request_form(client, game_room, saturday, start="17:00", end="15:00")
    assert backwards.status_code == 422
    assert db.session.scalar(select(Booking)) is None


def test_visitor_cancels_before_the_cutoff_but_not_after(client, auth, make_user, game_room):
    visitor = auth.login(make_user())
    later = add_booking(game_room, visitor, starts_at=utcnow() + timedelta(days=2))
    soon = add_booking(game_room, visitor, starts_at=utcnow() + timedelta(hours=1), minutes=60)
    page = client.get("/bookings/mine", headers=RU).get_data(as_text=True)
    assert f'/bookings/{later.id}/cancel' in page and f'/bookings/{soon.id}/cancel' not in page
    client.post(f"/bookings/{later.id}/cancel")
    client.post(f"/bookings/{soon.id}/cancel")
    db.session.refresh(later)
    db.session.refresh(soon)
    assert later.status == BookingStatus.CANCELLED
    assert soon.status == BookingStatus.CONFIRMED
    other = auth.login(make_user())
    assert client.post(f"/bookings/{soon.id}/cancel").status_code == 404
    assert other.id != visitor.id


def test_no_show_is_released_at_the_next_page_load(client, auth, make_user, game_room):
    late = add_booking(game_room, make_user(), starts_at=utcnow() - timedelta(minutes=20))
    fresh = add_booking(game_room, make_user(), starts_at=utcnow() - timedelta(minutes=5), minutes=60,
                        status="confirmed")
    auth.login(make_user())
    client.get("/bookings/")
    db.session.refresh(late)
    db.session.refresh(fresh)
    assert late.status == BookingStatus.RELEASED and late.released_at is not None
    assert fresh.status == BookingStatus.CONFIRMED


def test_check_in_of_a_fixed_price_booking_makes_the_bill(client, auth, make_user, make_zone):
    meeting = make_zone(name="Переговорная", capacity=10, price_per_hour=Decimal("500"))
    booker = make_user(name="Клуб дебатов")
    booking = add_booking(meeting, booker, starts_at=utcnow() - timedelta(minutes=5), minutes=120)
    auth.login(make_user("staff"))
    assert client.post(f"/staff/bookings/{booking.id}/check-in").status_code == 302
    db.session.refresh(booking)
    assert booking.status == BookingStatus.CHECKED_IN and booking.amount == Decimal("1000.00")
    bill = client.get(f"/staff/bookings/{booking.id}/bill", headers=RU).get_data(as_text=True)
    assert "1\u00a0000\u00a0₽" in bill and "Клуб дебатов" in bill
    client.post(f"/staff/bookings/{booking.id}/pay", data={"method": "card"})
    db.session.refresh(booking)
    assert booking.payment_method == "card" and booking.paid_at is not None


def test_check_in_without_a_price_starts_the_party_visits_and_one_group_bill(client, auth, make_user, game_room):
    booker = make_user(name="Маша Орлова")
    booking = add_booking(game_room, booker, starts_at=utcnow() - timedelta(minutes=1), party=5)
    auth.login(make_user("staff"))
    response = client.post(f"/staff/bookings/{booking.id}/check-in", data={"guests": "3"}, headers=RU)
    assert response.status_code == 302
    db.session.refresh(booking)
    assert booking.status == BookingStatus.CHECKED_IN and booking.amount is None
    party = parties.party_visits(booking)
    assert [v.display_name for v in party] == ["Маша Орлова", "Маша Орлова +1", "Маша Орлова +2"]
    assert party[0].user_id == booker.id and {v.status for v in party} == {"active"}
    client.post(f"/staff/bookings/{booking.id}/guests")
    db.session.refresh(booking)
    assert len(booking.party) == 4 and parties.party_visits(booking)[-1].display_name == "Маша Орлова +3"
    page = client.get(f"/staff/bookings/{booking.id}", headers=RU).get_data(as_text=True)
    assert "Маша Орлова +3" in page and "Заказчик платит за всех" in page
    # About ninety minutes each at the default tariff: 60 × 3 ₽ + 30 × 2 ₽ = 240 ₽ (or a started minute more).
    for visit in parties.party_visits(booking):
        visit.started_at -= timedelta(minutes=90)
        visit.segments[0].started_at -= timedelta(minutes=90)
    db.session.commit()
    paid = client.post(f"/staff/bookings/{booking.id}/pay", data={"method": "card"})
    assert paid.status_code == 302 and "/visits/bills/" in paid.headers["Location"]
    bill = parties.party_bill(booking)
    assert bill.payer_id == booker.id and len(bill.visits) == 4
    assert bill.total == sum(v.amount for v in bill.visits) and all(v.amount >= 240 for v in bill.visits)
    assert {v.status for v in parties.party_visits(booking)} == {"paid"}
    receipt = client.get(paid.headers["Location"], headers=RU).get_data(as_text=True)
    assert "Маша Орлова +2" in receipt


def test_check_in_takes_the_booker_visit_already_running(app, make_user, game_room):
    from anticafe.visits import clock as visits_clock

    staff, booker = make_user("staff"), make_user()
    running = visits_clock.start_visit(user=booker, staff=staff)
    booking = add_booking(game_room, booker, starts_at=utcnow() - timedelta(minutes=1), party=2)
    parties.check_in(booking, staff)
    db.session.commit()
    assert parties.party_visits(booking)[0].id == running.id and len(booking.party) == 2


def test_check_in_is_not_too_early(client, auth, make_user, game_room):
    early = add_booking(game_room, make_user(), starts_at=utcnow() + timedelta(hours=5))
    auth.login(make_user("staff"))
    client.post(f"/staff/bookings/{early.id}/check-in")
    db.session.refresh(early)
    assert early.status == BookingStatus.CONFIRMED and early.party == []


def test_staff_book_weekly_and_taken_weeks_are_listed(client, auth, make_user, make_zone):
    meeting = make_zone(name="Переговорная", capacity=10, price_per_hour=Decimal("500"))
    tuesday = next_weekday(1)
    add_booking(meeting, make_user(), starts_at=venue_dt(tuesday + timedelta(weeks=2), 18, 30), minutes=60)
    leader = make_user(name="Лидер клуба", email="leader@example.org")
    auth.login(make_user("staff"))
    form = {"zone": str(meeting.id), "day": tuesday.isoformat(), "start": "18:00", "end": "20:00", "party_size": "9",
            "purpose": "Дебатный клуб", "account": "leader@example.org", "booker_name": "", "contact": "",
            "weeks": "4", "message": ""}
    refused = client.post("/staff/bookings/new", data=form, headers=RU)
    assert refused.status_code == 409
    assert "уже заняты или закрыты" in refused.get_data(as_text=True)
    assert db.session.scalar(select(Booking).where(Booking.user_id == leader.id)) is None
    response = client.post("/staff/bookings/new", data={**form, "skip_conflicts": "y"})
    assert response.status_code == 302
    created = db.session.scalars(select(Booking).where(Booking.user_id == leader.id).order_by(Booking.starts_at)).all()
    assert [b.starts_at.date() for b in created] == [
        venue_dt(tuesday + timedelta(weeks=n), 18).date() for n in (0, 1, 3)]
    assert {b.status for b in created} == {"confirmed"} and len({b.series_id for b in created}) == 1
    notes = db.session.scalars(select(Notification).where(Notification.user_id == leader.id)).all()
    assert len(notes) == 1 and "3" in notes[0].body
    series_id = created[0].series_id
    client.post(f"/staff/bookings/series/{series_id}/cancel")
    assert {b.status for b in db.session.scalars(select(Booking).where(Booking.series_id == series_id))} == {
        "cancelled"}


def test_staff_book_for_a_walk_in_name(client, auth, make_user, game_room):
    auth.login(make_user("staff"))
    day = next_weekday(2)
    response = client.post("/staff/bookings/new", data={
        "zone": str(game_room.id), "day": day.isoformat(), "start": "10:00", "end": "12:00", "party_size": "12",
        "purpose": "Классный час", "account": "", "booker_name": "Гимназия № 3", "contact": "+7 3532 00-00-00",
        "weeks": "1", "message": ""})
    assert response.status_code == 302
    booking = db.session.scalar(select(Booking))
    assert booking.booker_name == "Гимназия № 3" and booking.user_id is None and booking.status == "confirmed"
    grid = client.get(f"/staff/bookings/day?date={day.isoformat()}", headers=RU).get_data(as_text=True)
    assert "Гимназия № 3" in grid
    week = client.get(f"/staff/bookings/week?zone={game_room.id}&date={day.isoformat()}").get_data(as_text=True)
    assert "Гимназия № 3" in week


def test_closures_block_bookings_and_wait_for_confirmed_ones(client, auth, make_user, game_room):
    saturday = next_weekday(5)
    staff = auth.login(make_user("staff"))
    response = client.post("/staff/bookings/closures", data={
        "zone": str(game_room.id), "starts_at": f"{saturday.isoformat()}T10:00", "ends_at": f"{saturday}T14:00",
        "reason": "maintenance", "note": "Покраска стен"})
    assert response.status_code == 302
    slots = availability.availability(game_room, saturday)
    assert not any(s.free for s in slots if s.start.time() < time(14))
    assert any(s.free for s in slots if s.start.time() == time(14))
    with pytest.raises(services.DomainError) as refused:
        services.book_directly(staff, services.BookingData(
            zone_id=game_room.id, starts_at=venue_dt(saturday, 13), ends_at=venue_dt(saturday, 15), party_size=3,
            booker_name="Кто-то"))
    assert refused.value.code == "zone_closed"
    db.session.rollback()
    # A whole-café closure is refused while a confirmed booking stands in the way.
    add_booking(game_room, make_user(), starts_at=venue_dt(saturday, 18))
    response = client.post("/staff/bookings/closures", data={
        "zone": "", "starts_at": f"{saturday}T17:00", "ends_at": f"{saturday}T23:00", "reason": "holiday",
        "note": ""}, headers=RU)
    assert response.status_code == 409
    assert db.session.scalar(select(Closure).where(Closure.zone_id.is_(None))) is None


def test_an_event_in_a_zone_blocks_it(app, make_user, make_event, game_room):
    saturday = next_weekday(5)
    event = make_event(starts_at=venue_dt(saturday, 18), ends_at=venue_dt(saturday, 21), zone_id=game_room.id)
    free = {s.start.time(): s.free for s in availability.availability(game_room, saturday)}
    assert not free[time(18)] and not free[time(17, 30)] and free[time(17)] and free[time(21, 30)]
    assert availability.clash(game_room.id, venue_dt(saturday, 20), venue_dt(saturday, 22)) == "slot_taken"
    assert availability.clash(game_room.id, venue_dt(saturday, 20), venue_dt(saturday, 22),
                          exclude_event_id=event.id) is None
    event.status = "cancelled"
    db.session.commit()
    assert availability.clash(game_room.id, venue_dt(saturday, 20), venue_dt(saturday, 22)) is None


def test_reminders_are_queued_once(app, runner, make_user, game_room):
    visitor = make_user()
    soon = add_booking(game_room, visitor, starts_at=utcnow() + timedelta(hours=20))
    add_booking(game_room, visitor, starts_at=utcnow() + timedelta(days=3))
    add_booking(game_room, visitor, starts_at=utcnow() + timedelta(hours=10), status="requested")
    first = runner.invoke(args=["queue-booking-reminders"])
    assert "Queued 1" in first.output
    assert "Queued 0" in runner.invoke(args=["queue-booking-reminders"]).output
    note = db.session.scalar(select(Notification).where(Notification.kind == "booking_reminder"))
    assert note.user_id == visitor.id and note.dedupe_key == f"booking-reminder:{soon.id}"
    assert "Игровая комната" in note.subject


def test_zone_feed_at_a_secret_url(client, auth, make_user, game_room):
    booking = add_booking(game_room, make_user(name="Вика"), starts_at=venue_dt(next_weekday(5), 15),
                          purpose="День рождения")
    add_booking(game_room, make_user(), starts_at=venue_dt(next_weekday(5), 19), status="requested")
    url = f"/bookings/zones/{game_room.id}/feed/{game_room.feed_token}.ics"
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    body = response.get_data(as_text=True)
    assert f"booking-{booking.id}@anticafe" in body and "Вика (4): День рождения" in body
    assert body.count("BEGIN:VEVENT") == 1
    assert client.get(f"/bookings/zones/{game_room.id}/feed/wrong.ics").status_code == 404
    auth.login(make_user("admin"))
    client.post(f"/admin/zones/{game_room.id}/feed-token")
    assert client.get(url).status_code == 404


def png_bytes(size=(800, 600), fmt="PNG") -> bytes:
    out = BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, fmt)
    return out.getvalue()


def test_admin_creates_a_zone_with_a_photo(client, auth, make_user, app):
    auth.login(make_user("admin"))
    response = client.post("/admin/zones/new", data={
        "name": "Переговорная", "description": "Тихая комната", "capacity": "10", "bookable": "y",
        "price_per_hour": "500,50", "photo": (BytesIO(png_bytes((3000, 2000))), "room.png")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    zone = db.session.scalar(select(Zone))
    assert zone.price_per_hour == Decimal("500.50") and zone.photo and zone.feed_token
    photo = client.get(f"/bookings/zones/{zone.id}/photo")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    with Image.open(BytesIO(photo.data)) as stored:
        assert stored.format == "JPEG" and max(stored.size) == 1600
    listing = client.get("/admin/zones/", headers=RU).get_data(as_text=True)
    assert "Переговорная" in listing and "500,50" in listing


@pytest.mark.parametrize(("payload", "name"), [
    (b"<?php echo 'hi'; ?>", "room.jpg"),
    (png_bytes(fmt="GIF"), "room.gif"),
    (b"\xff\xd8\xff" + b"0" * (5 * 1024 * 1024), "huge.jpg"),
])
def test_admin_photo_checks(client, auth, make_user, game_room, payload, name):
    auth.login(make_user("admin"))
    response = client.post(f"/admin/zones/{game_room.id}", data={
        "name": game_room.name, "description": "", "capacity": "12", "bookable": "y", "price_per_hour": "",
        "photo": (BytesIO(payload), name)}, content_type="multipart/form-data", headers=RU)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "JPEG, PNG или WebP" in page or "не больше 5" in page
    db.session.refresh(game_room)
    assert game_room.photo is None


def test_zone_with_bookings_cannot_be_deleted(client, auth, make_user, make_zone, game_room):
    add_booking(game_room, make_user(), starts_at=venue_dt(next_weekday(5), 15))
    empty = make_zone(name="Пустая")
    auth.login(make_user("admin"))
    client.post(f"/admin/zones/{game_room.id}/delete")
    client.post(f"/admin/zones/{empty.id}/delete")
    assert [z.name for z in db.session.scalars(select(Zone))] == ["Игровая комната"]


def test_pages_render_for_each_role(client, auth, make_user, game_room, make_zone):
    hall = make_zone(name="Основной зал", capacity=40, bookable=False)
    add_booking(game_room, make_user(), starts_at=venue_dt(venue_today(), 12), minutes=60)
    assert "Игровая комната" in client.get("/bookings/", headers=RU).get_data(as_text=True)
    assert "Войдите, чтобы забронировать" in client.get(
        f"/bookings/zones/{game_room.id}?date={next_weekday(5)}", headers=RU).get_data(as_text=True)
    assert client.get(f"/bookings/zones/{hall.id}").status_code == 404
    auth.login(make_user("staff"))
    for url in ["/staff/bookings/", "/staff/bookings/day", "/staff/bookings/week", "/staff/bookings/new",
                "/staff/bookings/closures", f"/staff/bookings/week?zone={hall.id}"]:
        page = client.get(url, headers=RU)
        assert page.status_code == 200, url
        assert "Брони" in page.get_data(as_text=True)
    auth.login(make_user("admin"))
    assert "Зоны" in client.get("/admin/zones/", headers=RU).get_data(as_text=True)


def test_released_booking_frees_the_slot_for_others(app, make_user, game_room):
    # A no-show releases the zone: its time counts as free again for the rest of the day.
    start = utcnow() - timedelta(minutes=30)
    add_booking(game_room, make_user(), starts_at=start, minutes=180)
    assert services.release_no_shows() == 1
    db.session.commit()
    assert availability.holding_bookings(game_room.id, start, start + timedelta(hours=3)) == []


def test_english_and_russian_status_words(client, auth, make_user, game_room):
    visitor = auth.login(make_user(locale="en"))
    add_booking(game_room, visitor, starts_at=venue_dt(next_weekday(5), 15), status="requested")
    assert "waiting for confirmation" in client.get("/bookings/mine").get_data(as_text=True)


def test_booking_data_times_must_be_on_the_grid(app, make_user, game_room):
    visitor = make_user()
    saturday = next_weekday(5)
    with pytest.raises(services.ValidationFailed) as off_grid:
        services.request_booking(visitor, services.BookingData(
            zone_id=game_room.id, starts_at=venue_dt(saturday, 15, 10), ends_at=venue_dt(saturday, 17),
            party_size=2))
    assert "starts_at" in off_grid.value.fields
    db.session.rollback()
    with pytest.raises(services.DomainError) as closed:
        services.request_booking(visitor, services.BookingData(
            zone_id=game_room.id, starts_at=venue_dt(saturday, 22), ends_at=venue_dt(saturday, 23, 30),
            party_size=2))
    assert closed.value.code == "outside_opening_hours" and closed.value.status == 422
    db.session.rollback()
    with pytest.raises(services.DomainError) as far:
        far_day = venue_today() + timedelta(days=90)
        services.request_booking(visitor, services.BookingData(
            zone_id=game_room.id, starts_at=venue_dt(far_day, 15), ends_at=venue_dt(far_day, 16), party_size=2))
    assert far.value.code == "too_far_ahead"


def test_a_visitor_may_have_only_a_few_open_requests(app, make_user, game_room):
    visitor = make_user()
    saturday = next_weekday(5)
    for hour in (10, 12, 14):
        services.request_booking(visitor, services.BookingData(
            zone_id=game_room.id, starts_at=venue_dt(saturday, hour), ends_at=venue_dt(saturday, hour + 1),
            party_size=2))
    db.session.commit()
    with pytest.raises(services.DomainError) as refused:
        services.request_booking(visitor, services.BookingData(
            zone_id=game_room.id, starts_at=venue_dt(saturday, 18), ends_at=venue_dt(saturday, 19), party_size=2))
    assert refused.value.code == "too_many_open_requests"


def test_local_time_helpers_round_trip(app):
    moment = datetime(2026, 11, 28, 15, 0)
    assert availability.local(availability.aware(moment)) == moment


def test_days_beyond_the_booking_horizon_show_no_free_time(client, make_user, game_room):
    far = venue_today() + timedelta(days=70)
    slots = client.get(f"/api/v1/zones/{game_room.id}/availability?date={far.isoformat()}").json["slots"]
    assert slots and not any(s["free"] for s in slots)
    saturday = next_weekday(5)
    add_booking(game_room, make_user(), starts_at=venue_dt(saturday, 10), minutes=13 * 60)
    page = client.get(f"/bookings/zones/{game_room.id}", headers=RU).get_data(as_text=True)
    tomorrow = venue_today() + timedelta(days=1)
    chip = page.split(f'date={tomorrow.isoformat()}"', 1)[1].split("</a>", 1)[0]
    assert "26 свободных слотов" in chip
    full = page.split(f'date={saturday.isoformat()}"', 1)[1].split("</a>", 1)[0]
    assert full.startswith(' class="day-chip full"') and "всё занято" in full


def test_demo_bookings_never_overlap(app):
    """The demo's zones and bookings obey the same rule as real ones: no two holds (bookings, events placed
    in the zone) overlap with the buffer."""
    from anticafe.accounts import demo as people
    from anticafe.bookings import demo, rules
    from anticafe.demo import DemoContext
    from anticafe.events import demo as events_demo
    from anticafe.events.models import Event

    ctx = DemoContext()
    people.seed(ctx)
    db.session.flush()
    demo.seed_zones(ctx)
    events_demo.seed(ctx)
    db.session.flush()
    demo.seed(ctx)
    db.session.commit()
    assert {z.name for z in ctx.data["zones"].values()} == {"Большой зал", "Игровая комната", "Консольный уголок",
                                                            "Переговорная"}
    held = db.session.scalars(select(Booking).where(Booking.status.in_(("confirmed", "checked_in")))).all()
    assert len(held) > 20
    for zone in ctx.data["zones"].values():
        spans = sorted(rules.Interval(availability.local(b.starts_at), availability.local(b.ends_at))
                       for b in held if b.zone_id == zone.id)
        events = db.session.scalars(select(Event).where(Event.zone_id == zone.id, Event.status != "cancelled"))
        placed = [rules.Interval(availability.local(e.starts_at), availability.local(e.ends_at)) for e in events]
        assert not any(rules.overlaps(b, e, timedelta(minutes=15)) for b in spans for e in placed), zone.name
        for a, b in itertools.pairwise(spans):
            assert not rules.overlaps(a, b, timedelta(minutes=15)), (zone.name, a, b)
    series = [b for b in held if b.series_id is not None]
    assert {availability.local(b.starts_at).weekday() for b in series} == {1}
    assert all(b.amount == Decimal("1000.00") for b in series if b.status == "checked_in")


def test_event_zone_check_for_the_events_domain(app, make_user, game_room):
    saturday = next_weekday(5)
    add_booking(game_room, make_user(name="Вика"), starts_at=venue_dt(saturday, 15))
    with app.test_request_context(headers=RU):
        refusal = availability.event_zone_check(game_room.id, venue_dt(saturday, 17), venue_dt(saturday, 19))
        assert str(refusal).startswith("Зона занята бронью: Вика, сб")
        assert availability.event_zone_check(game_room.id, venue_dt(saturday, 17, 30), venue_dt(saturday, 19)) is None
    db.session.add(Closure(zone_id=None, starts_at=venue_dt(saturday, 20), ends_at=venue_dt(saturday, 23),
                           reason="holiday"))
    db.session.commit()
    with app.test_request_context(headers=RU):
        assert str(availability.event_zone_check(game_room.id, venue_dt(saturday, 21), venue_dt(saturday, 22))) == (
            "В это время зона закрыта: Праздник.")
