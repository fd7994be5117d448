"""Passes at the visits checkout: the bill uses them, corrections give minutes back, reports split minutes."""

import time as clock
from datetime import date, timedelta
from decimal import Decimal

import pytest
from conftest import venue_dt
from races import at_once, post_json
from sqlalchemy import select

from anticafe.db import utcnow
from anticafe.extensions import db
from anticafe.passes import rules
from anticafe.passes import services as passes
from anticafe.passes.models import Pass, PassUse
from anticafe.timeutil import to_venue
from anticafe.visits import checkout as visits_checkout
from anticafe.visits import clock as visits_clock
from anticafe.visits import tariffs as visits_tariffs

TUESDAY = date(2025, 3, 4)
SATURDAY = date(2025, 3, 8)
RU = {"Accept-Language": "ru"}


@pytest.fixture
def staff(make_user):
    return make_user("staff", name="Денис Бариста")


@pytest.fixture
def give(app, staff):
    """give(person, name, kind, minutes, days, price, weekdays_only=False): a pass valid from 1 Jan 2025."""

    def make(person, name="10 часов", kind="package", minutes=600, days=60, price=Decimal(1500), *,
             weekdays_only=False, starts_on=date(2025, 1, 1), ends_on=None) -> Pass:
        pass_type = next((t for t in passes.pass_types() if t.name == name), None)
        if pass_type is None:
            pass_type = passes.save_pass_type(passes.PassTypeData(
                name=name, kind=kind, minutes=minutes, validity_days=days if kind != "allowance" else None,
                price=price, weekdays_only=weekdays_only, committee_may_issue=kind == "allowance"))
        [held] = passes.issue_pass(holder=person, pass_type=pass_type, by=staff,
                                   payment_method="cash" if price else None, reason=None if price else "совет",
                                   social_category="low_income" if kind == "allowance" else None)
        held.starts_on = starts_on
        held.ends_on = ends_on or date(2030, 12, 31)
        db.session.commit()
        return held

    return make


def visit_for(user, staff, start, minutes: int):
    visit = visits_clock.start_visit(user=user, staff=staff, at=start)
    visit = visits_clock.stop_visit(visit, staff=staff, at=start + timedelta(minutes=minutes))
    db.session.commit()
    return visit


def prepaid_lines(body: dict) -> list[tuple[str, int]]:
    return [(line["label"], line["minutes"]) for line in body["breakdown"] if line["kind"] == "prepaid"]


def test_checkout_spends_a_package_and_the_breakdown_names_it(client, auth, staff, make_user, give):
    guest = make_user(name="Алина")
    held = give(guest)
    auth.login(staff)
    visit = visits_clock.start_visit(user=guest, staff=staff, at=venue_dt(TUESDAY, 14))
    db.session.commit()
    stopped = client.post(f"/api/v1/visits/{visit.id}/corrections", json={
        "reason": "Ушла в 15:30", "ended_at": "2025-03-04T15:30"})
    assert stopped.status_code == 200
    body = stopped.json
    assert body["amount"] == "0.00" and body["billed_minutes"] == 90
    assert prepaid_lines(body) == [("10 часов", 90)]
    assert body["status"] == "paid"  # nothing is left to collect
    db.session.refresh(held)
    assert held.minutes_remaining == 510
    checkout = client.get(f"/visits/{visit.id}", headers=RU).get_data(as_text=True)
    assert "10 часов" in checkout


def test_a_package_partly_covers_a_visit_and_the_tariff_prices_the_rest(client, auth, staff, make_user, give):
    guest = make_user()
    held = give(guest)
    held.minutes_remaining = 60
    db.session.commit()
    auth.login(staff)
    visit = visits_clock.start_visit(user=guest, staff=staff, at=venue_dt(TUESDAY, 14))
    db.session.commit()
    body = client.post(f"/api/v1/visits/{visit.id}/corrections", json={
        "reason": "Ушёл в 15:30", "ended_at": "2025-03-04T15:30"}).json
    # The pass pays minutes 1–60 (the dearer ones); minutes 61–90 cost 2 ₽ each.
    assert body["amount"] == "60.00" and body["status"] == "stopped"
    assert prepaid_lines(body) == [("10 часов", 60)]
    assert [(line["kind"], line["minutes"]) for line in body["breakdown"]] == [("prepaid", 60), ("tier", 30)]
    paid = client.post(f"/api/v1/visits/{visit.id}/pay", json={"payment_method": "card"})
    assert paid.status_code == 200 and prepaid_lines(paid.json) == [("10 часов", 60)]
    db.session.refresh(held)
    assert held.minutes_remaining == 0


def test_memberships_allowances_and_weekdays(app, staff, make_user, give):
    guest = make_user()
    weekdays = give(guest, "Будни безлимит", "membership", None, 30, Decimal(2500), weekdays_only=True)
    allowance = give(guest, "Соцпрограмма", "allowance", 480, None, Decimal(0),
                     starts_on=date(2025, 3, 1), ends_on=date(2025, 3, 31))
    package = give(guest)
    tuesday = visit_for(guest, staff, venue_dt(TUESDAY, 14), 300)
    assert tuesday.amount == 0 and [u.pass_id for u in passes.active_uses(tuesday.id)] == [weekdays.id]
    saturday = visit_for(guest, staff, venue_dt(SATURDAY, 14), 90)
    assert [(u.pass_id, u.minutes) for u in passes.active_uses(saturday.id)] == [(allowance.id, 90)]
    visits_tariffs.add_holiday(date(2025, 3, 10), "Перенос выходного")
    holiday = visit_for(guest, staff, venue_dt(date(2025, 3, 10), 14), 60)
    assert [(u.pass_id, u.minutes) for u in passes.active_uses(holiday.id)] == [(allowance.id, 60)]
    april = visit_for(guest, staff, venue_dt(date(2025, 4, 5), 14), 60)  # a Saturday; March's allowance is over
    assert [(u.pass_id, u.minutes) for u in passes.active_uses(april.id)] == [(package.id, 60)]
    for held in (weekdays, allowance, package):
        db.session.refresh(held)
    assert (allowance.minutes_remaining, package.minutes_remaining) == (330, 540)


def test_the_cap_keeps_minutes_that_would_not_lower_the_bill(app, staff, make_user, give):
    guest = make_user()
    held = give(guest)
    held.minutes_remaining = 200
    db.session.commit()
    long_stay = visit_for(guest, staff, venue_dt(TUESDAY, 11), 600)
    assert long_stay.amount == Decimal(600) and passes.active_uses(long_stay.id) == []
    db.session.refresh(held)
    assert held.minutes_remaining == 200


def test_corrections_give_minutes_back_exactly(client, auth, staff, make_user, give):
    guest = make_user()
    held = give(guest)
    visit = visit_for(guest, staff, venue_dt(TUESDAY, 14), 90)
    db.session.refresh(held)
    assert held.minutes_remaining == 510
    auth.login(staff)
    shorter = client.post(f"/api/v1/visits/{visit.id}/corrections", json={
        "reason": "Ушла раньше", "ended_at": "2025-03-04T15:00"})
    assert shorter.status_code == 200 and prepaid_lines(shorter.json) == [("10 часов", 60)]
    db.session.refresh(held)
    assert held.minutes_remaining == 540
    ledger = db.session.scalars(select(PassUse).where(PassUse.visit_id == visit.id).order_by(PassUse.id)).all()
    assert [(u.minutes, u.reversed_at is not None) for u in ledger] == [(90, True), (60, False)]


def test_reopening_a_stop_gives_the_minutes_back(client, auth, staff, make_user, give):
    guest = make_user()
    held = give(guest)
    held.minutes_remaining = 60
    db.session.commit()
    visit = visit_for(guest, staff, utcnow() - timedelta(minutes=90), 90)
    assert visit.status == "stopped" and visit.amount == Decimal(60)
    db.session.refresh(held)
    assert held.minutes_remaining == 0
    auth.login(staff)
    # The guest never left: the stop is undone, and every minute goes back until the next stop.
    reopened = client.post(f"/api/v1/visits/{visit.id}/corrections", json={"reason": "Не уходила", "reopen": True})
    assert reopened.status_code == 200 and reopened.json["status"] == "active"
    db.session.refresh(held)
    assert held.minutes_remaining == 60 and passes.active_uses(visit.id) == []
    stopped = client.post(f"/api/v1/visits/{visit.id}/stop")
    assert prepaid_lines(stopped.json) == [("10 часов", 60)]
    db.session.refresh(held)
    assert held.minutes_remaining == 0


def test_walk_ins_and_visits_without_passes_pay_the_tariff(client, auth, staff, make_user):
    auth.login(staff)
    walk_in = client.post("/api/v1/visits", json={"guest_name": "Пётр"}).json
    stopped = client.post(f"/api/v1/visits/{walk_in['id']}/stop").json
    assert stopped["breakdown"] == [] or all(line["kind"] != "prepaid" for line in stopped["breakdown"])


def test_shift_report_and_my_card_show_passes(client, auth, staff, make_user, give):
    by_package = make_user(name="Платит Пакетом")
    subsidised = make_user(name="Соцпрограмма Гость")
    cash = make_user(name="Платит Наличными")
    give(by_package)
    give(subsidised, "Соцпрограмма", "allowance", 480, None, Decimal(0))
    visit_for(by_package, staff, venue_dt(TUESDAY, 14), 90)
    visit_for(subsidised, staff, venue_dt(TUESDAY, 15), 60)
    paid = visit_for(cash, staff, venue_dt(TUESDAY, 16), 45)
    visits_checkout.pay_visit(paid, staff=staff, method="cash")
    db.session.commit()
    auth.login(staff)
    page = client.get("/visits/shift?day=2025-03-04", headers=RU).get_data(as_text=True)
    assert 'data-field="prepaid-minutes">90<' in page
    assert 'data-field="subsidised-minutes">60<' in page
    assert 'data-field="tariff-minutes">45<' in page
    assert "Оплачено абонементами" in page
    english = client.get("/visits/shift?day=2025-03-04", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "short visit" not in english  # a visit paid by a pass is not a free short visit

    auth.login(by_package)
    card = client.get("/my/card", headers=RU).get_data(as_text=True)
    assert "Мои абонементы" in card and "8 ч 30 мин" in card and "Действует до 31 декабря 2030" in card
    mine = client.get("/me/passes", headers=RU).get_data(as_text=True)
    assert "Оплатил 1 посещение" in mine


# ------------------------------------------------------------------------------------------------
# Races through a real server


def test_two_checkouts_racing_for_one_package_never_overspend(app, serve, staff, make_user, give, token_for,
                                                             monkeypatch):
    """Each guest's 100-minute package is wanted by two 90-minute checkouts at once: the stop of today's
    visit and the correction of an earlier one. One gets its 90 minutes, the other what is left."""
    headers = token_for(staff)
    allocate = rules.allocate

    def slow_allocate(*args, **kwargs):
        clock.sleep(0.2)  # between reading the balances and spending them: let the other checkout arrive
        return allocate(*args, **kwargs)

    monkeypatch.setattr(rules, "allocate", slow_allocate)
    calls, packages = [], []
    earlier_start = utcnow() - timedelta(days=1, hours=3)
    for number in range(4):
        guest = make_user(name=f"Гость {number}")
        earlier = visit_for(guest, staff, earlier_start, 90)  # before the pass was bought: the tariff paid
        held = give(guest, minutes=100, starts_on=to_venue(earlier_start).date() - timedelta(days=1))
        held.minutes_remaining = held.minutes_total = 100
        today = visits_clock.start_visit(user=guest, staff=staff, at=utcnow() - timedelta(minutes=90))
        db.session.commit()
        packages.append(held.id)
        end = to_venue(earlier.ended_at).isoformat()
        calls.append((f"/api/v1/visits/{today.id}/stop", None))
        calls.append((f"/api/v1/visits/{earlier.id}/corrections", {"reason": "Пересчитать с абонементом",
                                                                    "ended_at": end}))
    with serve(app) as server:
        results = at_once([lambda url=url, body=body: post_json(server.url + url, headers, body)
                           for url, body in calls])
    assert [status for status, _ in results] == [200] * len(calls)
    db.session.expire_all()
    for pass_id in packages:
        held = db.session.get(Pass, pass_id)
        spent = sorted(u.minutes for u in db.session.scalars(
            select(PassUse).where(PassUse.pass_id == pass_id, PassUse.reversed_at.is_(None))))
        # Today's stop bills 90 or 91 started minutes, depending on when the request runs.
        assert held.minutes_remaining == 0 and sum(spent) == 100 and len(spent) == 2 and spent[0] >= 9


def test_scanning_the_card_at_the_door_pays_with_the_pass(client, auth, staff, make_user, give):
    guest = make_user(name="Алина Орлова")
    held = give(guest)
    auth.login(staff)
    start = utcnow() - timedelta(minutes=89, seconds=30)  # billed by started minute: 90
    visits_clock.start_visit(user=guest, staff=staff, at=start)
    db.session.commit()
    answer = client.post("/api/v1/checkin", json={"code": guest.card_code}, headers=RU)
    assert answer.status_code == 200 and answer.json["result"] == "visit_stopped"
    db.session.refresh(held)
    assert held.minutes_remaining == 510
