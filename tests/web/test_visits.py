"""Timed visits through the API and the pages: start, pause, stop, pay, correct, close the day, report."""

import dataclasses
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from conftest import venue_dt
from sqlalchemy import event as sa_event

from anticafe import codes
from anticafe.clock import set_clock
from anticafe.db import utcnow
from anticafe.extensions import db
from anticafe.timeutil import to_venue, venue_now, venue_today
from anticafe.visits import board, checkout, clock, door, tariffs
from anticafe.visits.models import Bill, Tariff, Visit, VisitCorrection
from anticafe.visits.schemas import BoardRowOut, BoardUnpaidOut

TUESDAY = date(2025, 3, 4)
SATURDAY = date(2025, 3, 8)


@pytest.fixture
def staff(make_user):
    return make_user("staff", name="Денис Бариста")


@pytest.fixture
def as_staff(auth, staff):
    auth.login(staff)
    return staff


def visit_for(user, staff, start: datetime, *, pauses=(), end: datetime | None = None) -> Visit:
    """Make a visit through the services at fixed times: pauses are (offset, length) in minutes."""
    visit = clock.start_visit(user=user, staff=staff, at=start)
    for offset, length in pauses:
        clock.pause_visit(visit, staff=staff, at=start + timedelta(minutes=offset))
        clock.resume_visit(visit, staff=staff, at=start + timedelta(minutes=offset + length))
    if end is not None:
        visit = clock.stop_visit(visit, staff=staff, at=end)
    db.session.commit()
    return visit


def test_start_by_person_card_or_walk_in(client, as_staff, make_user):
    alisa = make_user(name="Алиса", guest_category="student")
    response = client.post("/api/v1/visits", json={"user_id": alisa.id})
    assert response.status_code == 201
    body = response.json
    assert body["status"] == "active" and body["user_id"] == alisa.id and body["guest_name"] is None
    assert body["guest_category"] == "student" and body["started_at"].endswith("+05:00")
    assert body["amount_so_far"] == "0.00" and body["tariff_version"] == 1

    timur = make_user(name="Тимур")
    card = f"{timur.card_code[:4].lower()}-{timur.card_code[4:]}"
    assert client.post("/api/v1/visits", json={"card_code": card}).json["user_id"] == timur.id

    walk_in = client.post("/api/v1/visits", json={"guest_name": "Пётр", "guest_phone": "8 912 000-11-22"})
    assert walk_in.status_code == 201
    profile_id = walk_in.json["user_id"]
    assert profile_id is not None and walk_in.json["guest_name"] == "Пётр" and walk_in.json["name"] == "Пётр"
    from anticafe.accounts.models import User

    profile = db.session.get(User, profile_id)
    assert profile.email is None and profile.phone == "+79120001122"

    assert client.post("/api/v1/visits", json={"card_code": "NOPE-NOPE"}).json["error"]["code"] == "unknown_card"
    bad = client.post("/api/v1/visits", json={"user_id": alisa.id, "guest_name": "Двое"})
    assert bad.status_code == 422


def test_a_second_open_visit_is_refused(client, as_staff, make_user):
    guest = make_user()
    assert client.post("/api/v1/visits", json={"user_id": guest.id}).status_code == 201
    again = client.post("/api/v1/visits", json={"user_id": guest.id})
    assert again.status_code == 409 and again.json["error"]["code"] == "visit_already_active"


def test_the_default_tariff_is_stored_with_the_first_visit(client, as_staff, make_user):
    assert client.get("/api/v1/tariff").json["version"] is None
    client.post("/api/v1/visits", json={"user_id": make_user().id})
    assert db.session.query(Tariff).count() == 1
    assert client.get("/api/v1/tariff").json["version"] == 1


def test_capacity_counts_visits_and_free_event_guests(app, client, as_staff, make_user, make_event):
    from anticafe.door.models import CheckIn
    from anticafe.registrations.models import Registration

    app.config["VENUE_CAPACITY"] = 3
    now = utcnow()
    free = make_event(starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1), entry="free")
    timed = make_event(starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1), entry="timed")
    over = make_event(starts_at=now - timedelta(hours=4), ends_at=now - timedelta(hours=2), entry="free")
    at_event, also_visiting, at_timed, left_earlier = (make_user() for _ in range(4))
    for event, person in ((free, at_event), (free, also_visiting), (timed, at_timed), (over, left_earlier)):
        registration = Registration(event_id=event.id, user_id=person.id, status="confirmed",
                                    ticket_code=codes.random_code(128))
        db.session.add(registration)
        db.session.flush()
        db.session.add(CheckIn(registration_id=registration.id, event_id=event.id, user_id=person.id))
    db.session.commit()
    client.post("/api/v1/visits", json={"user_id": also_visiting.id})
    occupancy = client.get("/api/v1/visits/board").json["occupancy"]
    assert occupancy == {"people": 2, "visits": 1, "event_guests": 1, "capacity": 3, "full": False}

    assert client.post("/api/v1/visits", json={"user_id": make_user().id}).status_code == 201
    full = client.post("/api/v1/visits", json={"user_id": make_user().id})
    assert full.status_code == 409 and full.json["error"]["code"] == "venue_full"
    # Someone already counted at the free event may still start a visit.
    assert client.post("/api/v1/visits", json={"user_id": at_event.id}).status_code == 201
    allowed = client.post("/api/v1/visits", json={"guest_name": "Гость с друзьями", "override_reason": "Именинник"})
    assert allowed.status_code == 201 and allowed.json["override_reason"] == "Именинник"
    assert client.get("/api/v1/visits/board").json["occupancy"]["full"] is True


def test_pauses_are_not_billed(client, as_staff, staff, make_user):
    guest = make_user()
    start = venue_dt(TUESDAY, 15)
    visit = visit_for(guest, staff, start, pauses=[(30, 20)], end=start + timedelta(minutes=110))
    assert visit.billed_minutes == 90 and visit.amount == Decimal(240)
    data = client.get(f"/api/v1/visits/{visit.id}").json
    assert data["status"] == "stopped" and data["amount"] == "240.00" and data["billed_minutes"] == 90
    assert [s["started_at"][11:16] for s in data["segments"]] == ["15:00", "15:50"]
    assert [line["kind"] for line in data["breakdown"]] == ["tier", "tier"]
    assert data["breakdown"][0]["text"]


def test_pause_resume_stop_through_the_api(client, as_staff, make_user):
    guest = make_user()
    visit_id = client.post("/api/v1/visits", json={"user_id": guest.id}).json["id"]
    paused = client.post(f"/api/v1/visits/{visit_id}/pause")
    assert paused.status_code == 200 and paused.json["status"] == "paused" and paused.json["paused"]
    assert client.post(f"/api/v1/visits/{visit_id}/pause").json["error"]["code"] == "visit_not_active"
    assert client.post(f"/api/v1/visits/{visit_id}/resume").json["status"] == "active"
    assert client.post(f"/api/v1/visits/{visit_id}/resume").json["error"]["code"] == "visit_not_paused"
    stopped = client.post(f"/api/v1/visits/{visit_id}/stop")
    # A visit of seconds is free and closed at once: nothing to collect.
    assert stopped.json["status"] == "paid" and stopped.json["amount"] == "0.00" and stopped.json["ended_at"]
    assert stopped.json["breakdown"][0]["kind"] == "grace"
    assert client.post(f"/api/v1/visits/{visit_id}/stop").json["error"]["code"] == "visit_not_open"
    assert client.post("/api/v1/visits/999999/stop").status_code == 404


def test_active_visits_carry_time_and_amount_so_far(client, as_staff, staff, make_user):
    early = make_user(name="Ранний гость", guest_category="student")
    visit_for(early, staff, utcnow() - timedelta(minutes=90, seconds=1))
    paused = make_user(name="На паузе")
    visit = visit_for(paused, staff, utcnow() - timedelta(minutes=30))
    clock.pause_visit(visit, staff=staff)
    db.session.commit()
    items = client.get("/api/v1/visits?status=active").json["items"]
    assert [item["name"] for item in items] == ["Ранний гость"]
    item = items[0]
    assert item["minutes_so_far"] == 90
    assert item["amount_so_far"] == "194.00"  # 91 started minutes: (180 + 62) × 0.8 = 193.6
    assert item["cap"] in ("600.00", "700.00") and item["capped"] is False
    open_items = client.get("/api/v1/visits?status=open").json["items"]
    assert {i["name"] for i in open_items} == {"Ранний гость", "На паузе"}


def test_payment_methods_and_the_subsidy_reason(client, as_staff, staff, make_user):
    start = venue_dt(TUESDAY, 16)
    first = visit_for(make_user(), staff, start, end=start + timedelta(minutes=45))
    second = visit_for(make_user(), staff, start, end=start + timedelta(minutes=60))
    refused = client.post(f"/api/v1/visits/{first.id}/pay", json={"payment_method": "subsidised"})
    assert refused.status_code == 422 and "note" in refused.json["error"]["fields"]
    paid = client.post(f"/api/v1/visits/{first.id}/pay",
                       json={"payment_method": "subsidised", "note": "Социальная программа комитета"})
    assert paid.json["status"] == "paid" and paid.json["payment_method"] == "subsidised"
    assert client.post(f"/api/v1/visits/{first.id}/pay", json={"payment_method": "cash"}).status_code == 409
    assert client.post(f"/api/v1/visits/{second.id}/pay", json={"payment_method": "bitcoin"}).status_code == 422
    card = client.post(f"/api/v1/visits/{second.id}/pay", json={"payment_method": "card"}).json
    assert card["amount"] == "180.00" and card["bill_id"]
    active = client.post("/api/v1/visits", json={"user_id": make_user().id}).json
    assert client.post(f"/api/v1/visits/{active['id']}/pay", json={"payment_method": "cash"}).status_code == 409


def test_a_group_bill_lists_each_visit(client, as_staff, staff, make_user):
    start = venue_dt(TUESDAY, 17)
    payer = visit_for(make_user(name="Кирилл"), staff, start, end=start + timedelta(minutes=45))
    friend = visit_for(make_user(name="Дарья", guest_category="student"), staff, start,
                       end=start + timedelta(minutes=90))
    still_inside = visit_for(make_user(name="Матвей"), staff, utcnow() - timedelta(minutes=20))
    response = client.post("/api/v1/bills", json={"visit_ids": [payer.id, friend.id, still_inside.id],
                                                  "payment_method": "cash"})
    assert response.status_code == 201
    bill = response.json
    assert bill["payer_name"] == "Кирилл" and len(bill["visits"]) == 3
    assert {v["status"] for v in bill["visits"]} == {"paid"}
    amounts = {v["name"]: Decimal(v["amount"]) for v in bill["visits"]}
    assert amounts["Кирилл"] == 135 and amounts["Дарья"] == 192 and amounts["Матвей"] >= 60
    assert Decimal(bill["total"]) == sum(amounts.values())
    page = client.get(f"/visits/bills/{bill['id']}").get_data(as_text=True)
    assert "Кирилл" in page and "Дарья" in page and "Матвей" in page
    again = client.post("/api/v1/bills", json={"visit_ids": [friend.id], "payment_method": "cash"})
    assert again.status_code == 409 and again.json["error"]["code"] == "visit_already_paid"


def test_group_payment_from_the_checkout_page(client, as_staff, staff, make_user):
    start = venue_dt(TUESDAY, 18)
    payer = visit_for(make_user(name="Егор"), staff, start, end=start + timedelta(minutes=60))
    friend = visit_for(make_user(name="Полина"), staff, start, end=start + timedelta(minutes=30))
    page = client.get(f"/visits/{payer.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Полина" in page and "Pays for the company too" in page
    response = client.post(f"/visits/{payer.id}/pay", data={"payment_method": "transfer", "visit_ids": [friend.id]})
    assert response.status_code == 302 and "/visits/bills/" in response.headers["Location"]
    bill = db.session.query(Bill).one()
    assert bill.total == Decimal(270) and {v.id for v in bill.visits} == {payer.id, friend.id}
    assert db.session.get(Visit, friend.id).payment_method == "transfer"


def test_corrections_reprice_and_keep_a_history(client, as_staff, staff, make_user):
    start = venue_dt(TUESDAY, 14)
    visit = visit_for(make_user(), staff, start, end=start + timedelta(hours=5))
    assert visit.amount == Decimal(600)
    refused = client.post(f"/api/v1/visits/{visit.id}/corrections", json={"reason": " ",
                                                                          "ended_at": "2025-03-04T15:30"})
    assert refused.status_code == 422
    corrected = client.post(f"/api/v1/visits/{visit.id}/corrections",
                            json={"reason": "Забыли остановить", "ended_at": "2025-03-04T15:30"})
    assert corrected.status_code == 200
    body = corrected.json
    assert body["amount"] == "240.00" and body["ended_at"].startswith("2025-03-04T15:30")
    history = body["corrections"]
    assert len(history) == 1 and history[0]["reason"] == "Забыли остановить"
    assert history[0]["amount_before"] == "600.00" and history[0]["amount_after"] == "240.00"
    assert "ended_at" in history[0]["changes"]

    client.post(f"/api/v1/visits/{visit.id}/pay", json={"payment_method": "card"})
    later = client.post(f"/api/v1/visits/{visit.id}/corrections",
                        json={"reason": "Пришла раньше", "started_at": "2025-03-04T13:30", "guest_category": "student"})
    assert later.json["amount"] == "240.00"  # 120 minutes = 300 ₽, a student pays 240
    assert later.json["status"] == "paid" and later.json["guest_category"] == "student"
    bill = db.session.get(Bill, later.json["bill_id"])
    db.session.refresh(bill)
    assert bill.total == Decimal(240)
    future = client.post(f"/api/v1/visits/{visit.id}/corrections",
                         json={"reason": "x", "ended_at": (utcnow() + timedelta(hours=1)).isoformat()})
    assert future.status_code == 422


def test_reopen_a_visit_stopped_by_mistake(client, as_staff, staff, make_user):
    guest = make_user()
    visit = visit_for(guest, staff, utcnow() - timedelta(minutes=40), end=utcnow() - timedelta(minutes=1))
    assert visit.status == "stopped"
    response = client.post(f"/api/v1/visits/{visit.id}/corrections", json={"reason": "Остановили по ошибке",
                                                                            "reopen": True})
    assert response.status_code == 200
    assert response.json["status"] == "active" and response.json["ended_at"] is None
    assert response.json["minutes_so_far"] >= 40
    assert clock.open_visit_for(guest).id == visit.id


def test_an_open_visit_can_be_stopped_in_the_past_by_a_correction(app, client, auth, staff, make_user):
    auth.login(staff)
    now = utcnow()
    visit = visit_for(make_user(), staff, now - timedelta(hours=3))
    ended = (now - timedelta(hours=2)).astimezone(UTC).isoformat()
    body = client.post(f"/api/v1/visits/{visit.id}/corrections", json={"reason": "Ушёл час назад",
                                                                        "ended_at": ended}).json
    assert body["status"] == "stopped" and body["billed_minutes"] == 60


def test_close_day_ends_open_visits_at_closing_time(app, runner, staff, make_user):
    yesterday = venue_today() - timedelta(days=1)
    late = visit_for(make_user(), staff, venue_dt(yesterday, 20))
    paused = visit_for(make_user(), staff, venue_dt(yesterday, 21))
    clock.pause_visit(paused, staff=staff, at=venue_dt(yesterday, 22))
    now_guest = visit_for(make_user(), staff, utcnow())
    db.session.commit()
    closed, waiting = clock.close_day(now=venue_dt(yesterday, 23, 30))
    assert {v.id for v in closed} == {late.id, paused.id} and waiting == 1
    db.session.rollback()
    statements = []

    def note(conn, cursor, statement, *args):
        statements.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", note)
    result = runner.invoke(args=["close-day"])
    sa_event.remove(db.engine, "before_cursor_execute", note)
    assert result.exit_code == 0 and "Closed 2" in result.output
    assert ("PRAGMA optimize" in statements) == (db.engine.dialect.name == "sqlite")
    late, paused = db.session.get(Visit, late.id), db.session.get(Visit, paused.id)
    assert late.status == "stopped" and late.needs_review and late.ended_at == venue_dt(yesterday, 23)
    assert late.billed_minutes == 180
    assert paused.billed_minutes == 60 and paused.ended_at == venue_dt(yesterday, 23)
    assert db.session.get(Visit, now_guest.id).is_open  # before closing, or started after it: still running


@pytest.mark.parametrize("tonight", ["2026-12-31T23:30", "2028-02-29T00:30"])
def test_close_day_leaves_visits_started_outside_opening_hours_running(app, runner, staff, make_user, tonight):
    """At 23:30 on New Year's Eve and at 00:30 on a leap day: what a 23:05 cron run closes, and what it leaves."""
    set_clock(app, tonight)
    night = venue_now()
    day = (night - timedelta(hours=1)).date()  # the day whose closing has just passed
    evening = visit_for(make_user(), staff, venue_dt(day, 20))
    late = visit_for(make_user(), staff, venue_dt(day, 23, 10))  # let in after closing
    result = runner.invoke(args=["close-day"])
    assert result.exit_code == 0 and "Closed 1 " in result.output and "1 left open" in result.output
    evening, late = db.session.get(Visit, evening.id), db.session.get(Visit, late.id)
    assert evening.ended_at == venue_dt(day, 23) and evening.billed_minutes == 180 and evening.needs_review
    assert late.is_open and late.ended_at is None  # never closed at zero minutes
    # The next night's run still leaves it to staff; they stop it when the guest leaves.
    set_clock(app, venue_dt(day + timedelta(days=1), 23, 5))
    assert "Closed 0 " in runner.invoke(args=["close-day"]).output
    stopped = clock.stop_visit(db.session.get(Visit, late.id), staff=staff, at=venue_dt(day, 23, 50))
    db.session.commit()
    assert stopped.billed_minutes == 40 and to_venue(stopped.started_at).date() == day


def test_scan_card_starts_and_stops(app, staff, make_user):
    guest = make_user()
    result, visit = clock.scan_card(guest.card_code.lower(), staff=staff)
    db.session.commit()
    assert result == "visit_started" and visit.is_open
    # A double scan right after the start answers the running visit.
    again, same = clock.scan_card(guest.card_code, staff=staff)
    assert again == "visit_started" and same.id == visit.id and same.is_open
    segment = visit.segments[0]
    visit.started_at = segment.started_at = utcnow() - timedelta(minutes=30)
    db.session.commit()
    stopped, done = clock.scan_card(guest.card_code, staff=staff)
    db.session.commit()
    assert stopped == "visit_stopped" and done.status == "stopped"
    assert done.billed_minutes == 31 and done.amount == Decimal(93)  # 30 minutes and a moment: 31 started
    from anticafe.errors import DomainError

    with pytest.raises(DomainError):
        clock.scan_card("ZZZZ-ZZZZ", staff=staff)


def test_a_timed_event_check_in_links_its_registration(app, staff, make_user, make_event):
    from anticafe.registrations.models import Registration

    event = make_event(entry="timed")
    guest = make_user()
    registration = Registration(event_id=event.id, user_id=guest.id, status="confirmed",
                                ticket_code=codes.random_code(128))
    db.session.add(registration)
    db.session.commit()
    visit = clock.start_visit(user=guest, staff=staff, registration=registration)
    db.session.commit()
    assert visit.registration_id == registration.id


def test_the_board_page_and_the_minors_flag(app, client, as_staff, staff, make_user):
    app.config["MINORS_CURFEW"] = "00:00"  # every moment is after this curfew
    teen = make_user(name="Маша Юная", birth_date=venue_today() - timedelta(days=14 * 365))
    adult = make_user(name="Олег Взрослый", birth_date=date(1999, 1, 1))
    visit_for(teen, staff, utcnow() - timedelta(minutes=50))
    visit_for(adult, staff, utcnow() - timedelta(minutes=10))
    board = client.get("/api/v1/visits/board").json
    flags = {item["name"]: item["minor_after_curfew"] for item in board["items"]}
    assert flags == {"Маша Юная": True, "Олег Взрослый": False}
    page = client.get("/visits/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Маша Юная" in page and "guests under 16 should go home" in page


def test_staff_run_a_walk_in_visit_through_the_pages(client, as_staff, staff):
    response = client.post("/visits/walk-in", data={"name": "Гость Без Аккаунта", "phone": "",
                                                    "guest_category": "standard"})
    assert response.status_code == 302
    visit = db.session.query(Visit).one()
    assert visit.guest_name == "Гость Без Аккаунта" and visit.user_id is not None
    assert "Гость Без Аккаунта" in client.get("/visits/").get_data(as_text=True)
    assert client.post(f"/visits/{visit.id}/pause").status_code == 302
    assert client.post(f"/visits/{visit.id}/resume").status_code == 302
    visit = db.session.get(Visit, visit.id)
    visit.started_at = visit.segments[0].started_at = utcnow() - timedelta(minutes=60)
    visit.segments[0].ended_at = utcnow() - timedelta(minutes=50)
    db.session.commit()
    stop = client.post(f"/visits/{visit.id}/stop")
    assert stop.headers["Location"].endswith(f"/visits/{visit.id}")
    checkout = client.get(f"/visits/{visit.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Mark paid" in checkout and "Minutes 1–11: 11 × 3" in checkout
    refused = client.post(f"/visits/{visit.id}/pay", data={"payment_method": "subsidised", "note": ""},
                          headers={"Accept-Language": "en"})
    assert refused.status_code == 422 and "Say why the time is free or subsidised." in refused.get_data(as_text=True)
    paid = client.post(f"/visits/{visit.id}/pay", data={"payment_method": "cash"})
    assert paid.status_code == 302
    assert db.session.get(Visit, visit.id).status == "paid"
    empty = client.post("/visits/walk-in", data={"name": ""})
    assert empty.status_code == 422


def test_the_shift_report(client, as_staff, staff, make_user):
    start = venue_dt(TUESDAY, 15)
    cash = visit_for(make_user(name="Платит Наличными"), staff, start, end=start + timedelta(minutes=90))
    checkout.pay_visit(cash, staff=staff, method="cash")
    social = visit_for(make_user(name="Соцпрограмма"), staff, start, end=start + timedelta(minutes=60))
    checkout.pay_visit(social, staff=staff, method="subsidised", note="Молодёжный комитет")
    unpaid = visit_for(make_user(name="Ещё не заплатил"), staff, start, end=start + timedelta(minutes=45))
    checkout.correct_visit(unpaid, staff=staff, reason="Начали позже", started_at=start + timedelta(minutes=15))
    db.session.commit()
    report = board.shift_report(TUESDAY)
    assert len(report.visits) == 3 and report.revenue == Decimal(240)
    assert {t.method: t.amount for t in report.by_method}["subsidised"] == Decimal(180)
    assert [v.id for v in report.unpaid] == [unpaid.id] and len(report.corrections) == 0  # corrected today
    page = client.get("/visits/shift?day=2025-03-04", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "Платит Наличными" in page and "Молодёжный комитет" in page and "Наличные" in page
    today = client.get("/visits/shift", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "Начали позже" in today


def test_tariff_editor_makes_versions_and_old_visits_keep_theirs(client, auth, make_user, staff):
    admin = make_user("admin")
    auth.login(admin)
    start = venue_dt(TUESDAY, 12)
    old = visit_for(make_user(), staff, start)
    assert client.get("/admin/tariff").status_code == 200
    data = {"unit_minutes": "1", "grace_minutes": "0", "minimum_charge": "0", "weekday_cap": "500",
            "weekend_cap": "", "weekend_same": "y", "note": "Новый год",
            "weekday_tiers-0-first_minute": "1", "weekday_tiers-0-rate": "2,5",
            "discounts-0-code": "standard", "discounts-0-percent": "0",
            "discounts-1-code": "student", "discounts-1-percent": "10",
            "discounts-2-code": "schoolchild", "discounts-2-percent": "30"}
    response = client.post("/admin/tariff", data=data)
    assert response.status_code == 302
    assert db.session.query(Tariff).count() == 2
    tariff = client.get("/api/v1/tariff").json
    assert tariff["version"] == 2 and tariff["weekday"]["tiers"] == [{"first_minute": 1, "rate": "2.5"}]
    assert tariff["weekend"]["cap"] is None and tariff["weekday"]["cap"] == "500.00"
    clock.stop_visit(old, staff=staff, at=start + timedelta(minutes=90))
    db.session.commit()
    assert old.amount == Decimal(240)  # still version 1
    new = visit_for(make_user(), staff, start, end=start + timedelta(minutes=90))
    assert new.amount == Decimal(225) and new.tariff.version == 2
    bad = client.post("/admin/tariff", data={**data, "weekday_tiers-0-first_minute": "5"},
                      headers={"Accept-Language": "en"})
    assert bad.status_code == 422 and "The first rate must start at minute 1." in bad.get_data(as_text=True)
    assert db.session.query(Tariff).count() == 2


def test_categories_and_holidays(client, auth, make_user):
    auth.login(make_user("admin"))
    response = client.post("/admin/tariff/categories", data={"code": "volunteer", "name": "Волонтёр",
                                                             "discount": "50"})
    assert response.status_code == 302
    quote = client.get("/api/v1/tariff/quote?minutes=90&category=volunteer&date=2025-03-04").json
    assert quote["amount"] == "120.00"
    assert client.post("/admin/tariff/categories", data={"code": "volunteer", "name": "x",
                                                         "discount": "5"}).status_code == 422
    assert client.post("/admin/tariff/holidays", data={"day": "2025-03-04", "name": "Праздник"}).status_code == 302
    assert client.get("/api/v1/tariff/quote?minutes=300&date=2025-03-04").json["amount"] == "660.00"
    assert client.post("/admin/tariff/holidays/2025-03-04/delete").status_code == 302
    assert client.get("/api/v1/tariff/quote?minutes=300&date=2025-03-04").json["amount"] == "600.00"
    assert client.post("/admin/tariff/holidays/2025-03-05/delete").status_code == 404


@pytest.mark.parametrize(("query", "amount"), [
    ("minutes=45", "135.00"), ("minutes=61", "182.00"), ("minutes=4", "0.00"),
    ("minutes=300&date=2025-03-04", "600.00"), ("minutes=300&date=2025-03-08", "660.00"),
    ("minutes=90&category=student", "192.00"), ("minutes=300&category=student&date=2025-03-04", "480.00"),
])
def test_quote(client, query, amount):
    response = client.get(f"/api/v1/tariff/quote?{query}")
    assert response.status_code == 200 and response.json["amount"] == amount


def test_quote_and_tariff_are_public_and_translated(client):
    assert client.get("/api/v1/tariff/quote?minutes=-1").status_code == 422
    body = client.get("/api/v1/tariff/quote?minutes=300&date=2025-03-04", headers={"Accept-Language": "en"}).json
    assert body["capped"] and body["day_kind"] == "weekday"
    assert [line["kind"] for line in body["breakdown"]] == ["tier", "tier", "cap"]
    tariff = client.get("/api/v1/tariff", headers={"Accept-Language": "ru"}).json
    assert tariff["grace_minutes"] == 5 and tariff["weekend"]["cap"] == "700.00"
    assert {c["code"]: c["discount_percent"] for c in tariff["categories"]} == {
        "standard": "0", "schoolchild": "20", "student": "20"}
    assert any("600" in sentence and "700" in sentence for sentence in tariff["words"])


def test_home_shows_the_tariff_and_a_working_calculator(client):
    page = client.get("/?minutes=90&category=student&date=2025-03-04#prices",
                      headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "Цены" in page and "600" in page and "700" in page
    assert "192" in page and 'data-quote-url="/api/v1/tariff/quote"' in page


def test_home_prices_follow_a_new_tariff_at_once(client, staff):
    # The home page keeps its prices by the data version: a saved tariff shows on the next page.
    def page():
        return client.get("/?minutes=600&category=standard&date=2025-03-04",
                          headers={"Accept-Language": "en"}).get_data(as_text=True)

    assert "555" not in page() and "600" in page()
    rules = tariffs.current_rules()
    tariffs.save_tariff(dataclasses.replace(rules, weekday=dataclasses.replace(rules.weekday, cap=Decimal(555))),
                        staff=staff)
    db.session.commit()
    assert "555" in page()


def test_me_has_the_card_and_its_qr_is_private(client, auth, make_user, token_for, staff):
    owner, other = make_user(), make_user()
    me = client.get("/api/v1/me", headers=token_for(owner)).json
    assert me["card_code"] == owner.card_code and me["card_qr_url"].endswith(f"/api/v1/users/{owner.id}/card.png")
    image = client.get(f"/api/v1/users/{owner.id}/card.png", headers=token_for(owner))
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert client.get(f"/api/v1/users/{owner.id}/card.png?format=svg",
                      headers=token_for(owner)).mimetype == "image/svg+xml"
    assert client.get(f"/api/v1/users/{owner.id}/card.png", headers=token_for(other)).status_code == 404
    assert client.get(f"/api/v1/users/{owner.id}/card.png", headers=token_for(staff)).status_code == 200
    assert client.get(f"/api/v1/users/{owner.id}/card.png").status_code == 401
    auth.login(owner)
    assert client.get(f"/api/v1/users/{owner.id}/card.png").status_code == 200


def test_my_card_and_my_visits(client, auth, make_user, staff):
    guest = make_user(name="Алиса Гостева")
    start = venue_dt(TUESDAY, 16)
    visit = visit_for(guest, staff, start, end=start + timedelta(minutes=90))
    checkout.pay_visit(visit, staff=staff, method="card")
    db.session.commit()
    auth.login(guest)
    card = client.get("/my/card", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    grouped = f"{guest.card_code[:4]}-{guest.card_code[4:8]}-{guest.card_code[8:]}"
    assert grouped in card and f"/api/v1/users/{guest.id}/card.png" in card
    visits = client.get("/my/visits", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "04.03.2025" in visits and "1 ч 30 мин" in visits and "240" in visits
    assert client.get("/api/v1/me/visits").json["items"][0]["amount"] == "240.00"


def test_visits_keep_the_tariff_version_and_the_check_constraints_hold(app, staff, make_user):
    from sqlalchemy.exc import IntegrityError

    start = venue_dt(TUESDAY, 10)
    visit = visit_for(make_user(), staff, start, end=start + timedelta(minutes=30))
    visit.status = "paid"
    with pytest.raises(IntegrityError):
        db.session.commit()  # paid without a payment method
    db.session.rollback()
    visit = db.session.get(Visit, visit.id)
    visit.payment_method, visit.status = "subsidised", "paid"
    with pytest.raises(IntegrityError):
        db.session.commit()  # subsidised without a reason
    db.session.rollback()
    assert db.session.query(VisitCorrection).count() == 0


def test_the_door_entry_points(app, staff, make_user, make_event):
    from anticafe.registrations.models import Registration

    guest = make_user(name="Сканер Картов")
    assert door.card_scan_answer("UNKNOWN-CODE", staff=staff) is None
    started = door.card_scan_answer(guest.card_code.lower(), staff=staff)
    db.session.commit()
    assert started["result"] == "visit_started" and started["visit"]["user_id"] == guest.id
    assert "Сканер Картов" in started["message"]
    visit = db.session.get(Visit, started["visit"]["id"])
    visit.started_at = visit.segments[0].started_at = utcnow() - timedelta(minutes=20)
    db.session.commit()
    stopped = door.card_scan_answer(guest.card_code, staff=staff)
    assert stopped["result"] == "visit_stopped" and stopped["visit"]["amount"] == "63.00"

    now = utcnow()
    timed = make_event(entry="timed", starts_at=now - timedelta(minutes=30), ends_at=now + timedelta(hours=2))
    free = make_event(entry="free", starts_at=now - timedelta(minutes=30), ends_at=now + timedelta(hours=2))
    player = make_user()
    at_timed = Registration(event_id=timed.id, user_id=player.id, status="confirmed",
                            ticket_code=codes.random_code(128))
    at_free = Registration(event_id=free.id, user_id=player.id, status="confirmed", ticket_code=codes.random_code(128))
    db.session.add_all([at_timed, at_free])
    db.session.commit()
    assert door.timed_check_in(at_free, staff=staff) is None
    answer = door.timed_check_in(at_timed, staff=staff)
    db.session.commit()
    assert answer["visit"]["registration_id"] == at_timed.id and answer["visit"]["status"] == "active"
    assert door.timed_check_in(at_timed, staff=staff)["visit"]["id"] == answer["visit"]["id"]
    cancelled = door.timed_check_in_undone(at_timed.id, staff=staff)
    db.session.commit()
    assert cancelled.status == "paid" and cancelled.amount == 0 and cancelled.corrections
    assert clock.open_visit_for(player) is None
    assert door.timed_check_in_undone(at_timed.id, staff=staff) is None


def test_the_board_page_rows_carry_each_visits_links_and_figures(app, client, as_staff, staff, make_user):
    # The page says the row's labels and links once and puts each row's id in them: every row must
    # still point at its own visit, and show its own time and amount, as the API gives them.
    first = visit_for(make_user(name="Анна Первая"), staff, utcnow() - timedelta(minutes=65, seconds=20))
    second = visit_for(make_user(name="Борис Второй"), staff, utcnow() - timedelta(minutes=20, seconds=20))
    page = client.get("/visits/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    rows = {int(chunk.split('"', 1)[0]): chunk for chunk in page.split('<tr data-visit-id="')[1:]}
    assert set(rows) == {first.id, second.id, 999999999}  # the two guests and visits.js's row template
    api = {item["id"]: item for item in client.get("/api/v1/visits/board").json["items"]}
    for visit, name, minutes in ((first, "Анна Первая", r"1 h 0[56] min"), (second, "Борис Второй", r"2[01] min")):
        row = rows[visit.id].split("</tr>", 1)[0]
        assert name in row and re.search(rf'data-field="time">{minutes}<', row)
        for link in (f"/visits/{visit.id}", f"/visits/{visit.id}/pause", f"/visits/{visit.id}/stop",
                     f"/api/v1/visits/{visit.id}/pause", f"/api/v1/visits/{visit.id}/resume"):
            assert f'"{link}"' in row
        assert "999999999" not in row and 'name="csrf_token"' in row and ">Stop<" in row
        assert api[visit.id]["amount_so_far"].split(".")[0] in row.replace("\u00a0", "").replace(",", "")


def test_the_lean_board_rows_are_priced_as_the_visits_own_answer_says(app, client, as_staff, staff, make_user):
    # The board answers rows of what it shows, priced from plain tuples (`pricing.live_amount`); a
    # visit's own endpoint prices it through the whole quote. At the test clock they must agree, for a
    # visit with a pause, a student's discount, one past the cap and a walk-in.
    now = utcnow()
    paused = visit_for(make_user(name="Пауза Павлова"), staff, now - timedelta(minutes=95), pauses=[(20, 15)])
    student = make_user(name="Сева Студент", guest_category="student")
    discounted = visit_for(student, staff, now - timedelta(minutes=70, seconds=30))
    long_stay = visit_for(make_user(name="Долго Сидящий"), staff, now - timedelta(hours=7))
    stopped = visit_for(make_user(name="Ушедший Уже"), staff, now - timedelta(minutes=40),
                        end=now - timedelta(minutes=5))
    client.post("/visits/walk-in", data={"name": "Гость Без Аккаунта", "phone": "", "guest_category": "standard"})
    board = client.get("/api/v1/visits/board").json
    rows = {row["id"]: row for row in board["items"]}
    assert set(rows) >= {paused.id, discounted.id, long_stay.id} and len(rows) == 4
    for visit_id, row in rows.items():
        full = client.get(f"/api/v1/visits/{visit_id}").json
        for key in ("name", "guest_name", "guest_category", "category_label", "status", "paused", "started_at",
                    "minutes_so_far", "amount_so_far", "cap", "capped", "age", "minor", "minor_after_curfew",
                    "user_id"):
            assert row[key] == full[key], (key, row, full)
        assert set(row) == set(BoardRowOut.model_fields)  # lean: no bill lines, no segments
    assert rows[long_stay.id]["capped"] is True and rows[discounted.id]["category_label"]
    assert rows[paused.id]["minutes_so_far"] == 80
    [unpaid] = board["unpaid"]
    full = client.get(f"/api/v1/visits/{stopped.id}").json
    assert unpaid["id"] == stopped.id and set(unpaid) == set(BoardUnpaidOut.model_fields)
    for key in ("name", "ended_at", "amount", "billed_minutes", "needs_review", "status"):
        assert unpaid[key] == full[key]
    assert board["occupancy"]["visits"] == 4


def test_the_empty_board(client, as_staff):
    board = client.get("/api/v1/visits/board").json
    assert board["items"] == [] and board["unpaid"] == [] and board["occupancy"]["people"] == 0
    page = client.get("/visits/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert page.count('<tr data-visit-id="') == 1  # only visits.js's row template
    assert "Nobody is inside right now." in page and "Everyone has paid." in page
