"""The month grid is kept per worker under the calendar's data version (events.views._month_grid): what
it shows must be right for every viewer, and edits, registrations and cancellations show at once."""

from datetime import date, timedelta

import pytest
from conftest import venue_dt

from anticafe.events import views
from anticafe.extensions import db
from anticafe.registrations import services as registrations
from anticafe.timeutil import venue_today


@pytest.fixture
def day(app):
    """Three days ahead by the app's clock."""
    return venue_today() + timedelta(days=3)


@pytest.fixture
def month(day):
    return {"month": f"{day:%Y-%m}"}


@pytest.fixture
def cached(app):
    views._grids.clear()
    yield app
    views._grids.clear()


def _events_loaded(statements: list[str]) -> int:
    return sum(1 for s in statements if s.lstrip().upper().startswith("SELECT EVENTS.ID"))


def test_a_repeat_visit_reuses_the_grid(cached, client, make_event, statements, day, month):
    make_event(title="Мафия", starts_at=venue_dt(day, 19), capacity=10)
    first = client.get("/events/", query_string=month, headers={"Accept-Language": "ru"})
    loaded = _events_loaded(statements)
    second = client.get("/events/", query_string=month, headers={"Accept-Language": "ru"})
    assert first.status_code == second.status_code == 200
    assert "Мафия" in second.text and "Осталось 10 мест" in second.text
    assert loaded == 1 and _events_loaded(statements) == 1  # the second page did not load the events


def test_edits_and_registrations_show_at_once(cached, client, make_event, make_user, day, month):
    mafia = make_event(title="Мафия", starts_at=venue_dt(day, 19), capacity=10)
    assert "Осталось 10 мест" in client.get("/events/", query_string=month).text
    registrations.register(mafia, make_user(birth_date=date(2005, 1, 1)))
    db.session.commit()
    assert "Осталось 9 мест" in client.get("/events/", query_string=month).text
    mafia.title = "Мафия: финал"
    db.session.commit()
    assert "Мафия: финал" in client.get("/events/", query_string=month).text


def test_each_viewer_gets_their_own_grid(cached, client, make_event, make_user, auth, day, month):
    make_event(title="Для малышей", starts_at=venue_dt(day, 12), max_age=10, category="kids")
    make_event(title="Черновик", starts_at=venue_dt(day, 18), published=False)
    anonymous = client.get("/events/", query_string=month).text
    assert "Для малышей" in anonymous and "Черновик" not in anonymous and "Не по возрасту" not in anonymous
    assert "For kids" in client.get("/events/", query_string=month, headers={"Accept-Language": "en"}).text

    auth.login(make_user(birth_date=date(2000, 1, 1)))
    assert "Не по возрасту" in client.get("/events/", query_string=month).text
    auth.logout()
    auth.login(make_user("staff"))
    assert "Черновик" in client.get("/events/", query_string=month).text
    auth.logout()
    assert "Черновик" not in client.get("/events/", query_string=month).text


def test_a_cancelled_registration_frees_its_seat_at_once(cached, client, make_event, make_user, day, month):
    mafia = make_event(title="Мафия", starts_at=venue_dt(day, 19), capacity=10)
    person = make_user(birth_date=date(2005, 1, 1))
    registration = registrations.register(mafia, person)
    db.session.commit()
    assert "Осталось 9 мест" in client.get("/events/", query_string=month).text
    registrations.cancel(registration, by=person)
    db.session.commit()
    assert "Осталось 10 мест" in client.get("/events/", query_string=month).text
