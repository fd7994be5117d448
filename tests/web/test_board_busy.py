"""The live board at a full café: search first, «Стоп» asks, and the group bill offers the company."""

from datetime import timedelta

import pytest

from anticafe.db import utcnow
from anticafe.extensions import db
from anticafe.visits import clock


@pytest.fixture
def staff(make_user):
    return make_user("staff", name="Денис Бариста")


@pytest.fixture
def as_staff(auth, staff):
    auth.login(staff)
    return staff


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
