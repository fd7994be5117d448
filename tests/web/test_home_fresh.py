"""The home page for visitors not logged in is kept by language and data versions until the first moment
its content changes by the clock alone (anticafe/main/views.py `_public_home`): each test here asks it
twice, once to make the kept copy and once after the change, and the second answer must show the change."""

import secrets
from datetime import date, datetime, timedelta

import pytest
from conftest import venue_dt

from anticafe.clock import set_clock
from anticafe.events.views import HOME_DAYS
from anticafe.extensions import db
from anticafe.registrations.models import Registration

#: A Friday evening at the venue; every test runs on its own clock from here.
FRIDAY = date(2027, 3, 12)


@pytest.fixture(autouse=True)
def friday(app):
    set_clock(app, venue_dt(FRIDAY, 17))


def home(client, lang: str = "ru") -> str:
    answer = client.get("/", headers={"Accept-Language": lang})
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def at(app, moment: datetime) -> None:
    set_clock(app, moment)


def test_an_event_that_ends_leaves_the_list_and_the_next_moves_up(app, client, make_event):
    make_event(title="Мафия до семи", starts_at=venue_dt(FRIDAY, 16), ends_at=venue_dt(FRIDAY, 19))
    for n in range(4):
        make_event(title=f"Монополия {n}", starts_at=venue_dt(FRIDAY + timedelta(days=n + 1), 18))
    html = home(client)
    assert "Мафия до семи" in html and "Монополия 2" in html and "Монополия 3" not in html
    at(app, venue_dt(FRIDAY, 18, 59))
    assert "Мафия до семи" in home(client)
    at(app, venue_dt(FRIDAY, 19))
    html = home(client)
    assert "Мафия до семи" not in html and "Монополия 3" in html


def test_registration_that_opens_shows_the_seats(app, client, make_event):
    make_event(title="Пижамная вечеринка", starts_at=venue_dt(FRIDAY + timedelta(days=3), 20), capacity=30,
               registration_opens_at=venue_dt(FRIDAY, 18))
    assert "30 мест" not in home(client)
    at(app, venue_dt(FRIDAY, 18, 0))
    assert "30 мест" in home(client)


def test_an_event_comes_within_the_window_when_its_day_nears(app, client, make_event):
    far = FRIDAY + timedelta(days=HOME_DAYS + 1)
    make_event(title="Хэллоуин-дискотека", starts_at=venue_dt(far, 20))
    assert "Хэллоуин-дискотека" not in home(client)
    at(app, venue_dt(far, 20) - timedelta(days=HOME_DAYS))
    assert "Хэллоуин-дискотека" in home(client)


def test_tomorrow_the_calculator_prices_tomorrow(app, client):
    assert f'value="{FRIDAY.isoformat()}"' in home(client)
    at(app, venue_dt(FRIDAY + timedelta(days=1), 0))
    assert f'value="{(FRIDAY + timedelta(days=1)).isoformat()}"' in home(client)


def test_a_clock_set_back_does_not_see_a_later_copy(app, client, make_event):
    make_event(title="Стендап", starts_at=venue_dt(FRIDAY, 18), ends_at=venue_dt(FRIDAY, 20))
    at(app, venue_dt(FRIDAY, 21))
    assert "Стендап" not in home(client)
    at(app, venue_dt(FRIDAY, 19))
    assert "Стендап" in home(client)


def test_a_taken_seat_and_a_cancellation_show_on_the_next_request(app, client, make_event, make_user):
    event = make_event(title="Гитара и чай", starts_at=venue_dt(FRIDAY + timedelta(days=1), 19), capacity=5)
    assert "5 мест" in home(client)
    db.session.add(Registration(event_id=event.id, user_id=make_user().id, status="confirmed",
                                ticket_code=secrets.token_hex(10)))
    db.session.commit()
    assert "4 места" in home(client)
    event.status = "cancelled"
    db.session.commit()
    assert "Отменено" in home(client)


def test_each_language_has_its_own_copy_and_a_logged_in_visitor_gets_a_page_of_their_own(
        app, client, auth, make_user, make_event):
    make_event(title="Бизнес-тренинг", starts_at=venue_dt(FRIDAY + timedelta(days=2), 18))
    assert "Скоро в антикафе" in home(client)
    assert "Coming up" in home(client, "en")
    auth.login(make_user(name="Аня Петрова"))
    html = home(client)
    assert "Привет, Аня!" in html and "Бизнес-тренинг" in html
