"""The live board at a full café: search first, «Стоп» asks, and the group bill offers the company."""

from datetime import date, datetime, timedelta

import pytest
from conftest import venue_dt

from anticafe.bookings.models import Booking, PartyVisit
from anticafe.clock import set_clock
from anticafe.db import utcnow
from anticafe.extensions import db
from anticafe.visits import clock
from anticafe.visits.models import Visit

TUESDAY = date(2025, 3, 4)


@pytest.fixture
def staff(make_user):
    return make_user("staff", name="Денис Бариста")


@pytest.fixture
def as_staff(auth, staff):
    auth.login(staff)
    return staff


def visit_for(user, staff, start: datetime, *, end: datetime | None = None) -> Visit:
    """Start (and stop) a visit through the services at fixed times."""
    visit = clock.start_visit(user=user, staff=staff, at=start)
    if end is not None:
        visit = clock.stop_visit(visit, staff=staff, at=end)
    db.session.commit()
    return visit


def test_the_search_comes_before_the_cards_and_stop_asks_first(app, client, as_staff, staff, make_user):
    app.config["VENUE_CAPACITY"] = 80
    start = utcnow() - timedelta(hours=1)
    for n in range(12):
        clock.start_visit(user=make_user(name=f"Гость {n:02d}"), staff=staff, at=start + timedelta(minutes=n))
    db.session.commit()
    page = client.get("/visits/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert page.index('class="search-row board-search"') < page.index('id="board-rows"')
    assert page.index('id="start-visit"') < page.index('id="board-rows"')
    assert page.count('data-confirm="Stop the clock for {name}?"') == 13  # twelve rows and the row template
    ru = client.get("/visits/?q=Гость 03", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "Остановить время для {name}?" in ru and "Начать визит: имя, телефон или код карты" in ru
    assert ru.index("Гость 03") < ru.index('id="board-rows"')


def test_the_group_bill_offers_the_company_not_the_whole_cafe(app, client, as_staff, staff, make_user, make_zone):
    app.config["VENUE_CAPACITY"] = 80
    start = venue_dt(TUESDAY, 18)
    payer = visit_for(make_user(name="Егор Платит"), staff, start, end=start + timedelta(minutes=60))
    friend = visit_for(make_user(name="Полина Вместе"), staff, start + timedelta(minutes=4))
    booked = visit_for(make_user(name="Борис Из Брони"), staff, start + timedelta(minutes=40))
    stranger = visit_for(make_user(name="Чужой Далёкий"), staff, start + timedelta(minutes=30))
    for n in range(30):  # the rest of a full café came at other times
        visit_for(make_user(name=f"Гость {n:02d}"), staff, start - timedelta(minutes=20 + n))
    room = make_zone(name="Переговорная", capacity=8)
    booking = Booking(zone_id=room.id, user_id=payer.user_id, booker_name="Егор Платит", party_size=2,
                      starts_at=start, ends_at=start + timedelta(hours=2), status="checked_in")
    db.session.add(booking)
    db.session.flush()
    db.session.add_all([PartyVisit(booking_id=booking.id, visit_id=payer.id, position=1),
                        PartyVisit(booking_id=booking.id, visit_id=booked.id, position=2)])
    db.session.commit()

    company = client.get(f"/api/v1/visits/{payer.id}/company").json
    assert [v["name"] for v in company["together"]] == ["Полина Вместе", "Борис Из Брони"]
    assert company["found"] == [] and company["others"] == 31
    found = client.get(f"/api/v1/visits/{payer.id}/company", query_string={"q": "далёк"}).json
    assert [v["name"] for v in found["found"]] == ["Чужой Далёкий"] and found["others"] == 30
    assert client.get(f"/api/v1/visits/{payer.id}/company", query_string={"q": "x" * 101}).status_code == 422
    assert client.get("/api/v1/visits/999999/company").status_code == 404

    page = client.get(f"/visits/{payer.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    bill = page.split('id="group-bill"', 1)[1].split("</fieldset>", 1)[0]
    assert "Полина Вместе" in bill and "Борис Из Брони" in bill and "came together" in bill
    assert "Гость 0" not in bill and "Чужой Далёкий" not in bill
    assert "31 more guests are not listed: find them by name." in bill
    ru = client.get(f"/visits/{payer.id}?with=чужой&visit_ids={friend.id}", headers={"Accept-Language": "ru"})
    bill = ru.get_data(as_text=True).split('id="group-bill"', 1)[1].split("</fieldset>", 1)[0]
    assert "Чужой Далёкий" in bill and f'value="{friend.id}" data-amount' in bill
    assert bill.split(f'value="{friend.id}"', 1)[1].split(">", 1)[0].rstrip().endswith("checked")
    assert "Найти другого гостя для этого счёта" in bill

    response = client.post(f"/visits/{payer.id}/pay", data={"payment_method": "cash",
                                                            "visit_ids": [friend.id, stranger.id]})
    assert response.status_code == 302
    paid = {v.id for v in db.session.get(Visit, payer.id).bill.visits}
    assert paid == {payer.id, friend.id, stranger.id}


def test_starting_a_visit_after_closing_warns_and_asks_but_is_not_refused(app, client, as_staff, make_user):
    guest = make_user(name="Поздний Гость")
    set_clock(app, venue_dt(TUESDAY, 23, 54))  # the café closes at 23:00
    board = client.get("/api/v1/visits/board").json
    assert board["closed_now"] is True and board["hours_today"] == "10:00–23:00"
    page = client.get("/visits/?q=Поздний", headers={"Accept-Language": "en"}).get_data(as_text=True)
    warning = page.split('data-field="closed-warning"', 1)[0].rsplit("<p", 1)[1]
    assert "hidden" not in warning and "The café is closed now (today 10:00–23:00)" in page
    assert 'data-closed="1"' in page and page.count('data-confirm-closed="The café is closed now.') == 2
    ru = client.get("/visits/", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "Кафе сейчас закрыто (сегодня 10:00–23:00)" in ru and "Кафе закрыто. Всё равно начать платный визит?" in ru

    response = client.post("/visits/start", data={"user_id": guest.id, "guest_category": "standard"},
                           headers={"Accept-Language": "en"}, follow_redirects=True)
    assert "the visit started at 23:54" in response.get_data(as_text=True)
    assert "Started while the café is closed: check that this visit is meant." in response.get_data(as_text=True)

    set_clock(app, venue_dt(TUESDAY, 12))
    page = client.get("/visits/").get_data(as_text=True)
    assert 'data-closed="0"' in page and client.get("/api/v1/visits/board").json["closed_now"] is False
