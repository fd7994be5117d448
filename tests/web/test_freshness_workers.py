"""No answer older than the last commit: gunicorn with 3 workers, on both databases.

Every worker first answers (and caches) the feed, the month grid, the event page and the statistics;
then a change is committed — here by another process, as a second app server would — and every
request that follows, on whichever worker it lands, shows it. The caches are keyed by the data
versions of `anticafe.versions`, bumped in the change's own transaction; no timer is involved.
"""

import json
import urllib.request
from datetime import timedelta

import pytest
from conftest import venue_dt
from races import at_once, post_json, server_env
from sqlalchemy import select
from stats_data import JANUARY, build_world

from anticafe.db import utcnow
from anticafe.events import services as events
from anticafe.extensions import db
from anticafe.registrations import services as registrations
from anticafe.timeutil import to_venue
from anticafe.visits.checkout import correct_visit
from anticafe.visits.models import Visit
from bench.servers import Gunicorn

pytestmark = pytest.mark.concurrency

#: Requests fired together after each change: with 3 sync workers every worker answers some of them.
REQUESTS = 12


@pytest.fixture
def server(app, db_url, tmp_path):
    """Serve the test's database with gunicorn, 3 sync workers."""
    env = server_env(app, db_url, RATELIMIT_ENABLED="false")
    with Gunicorn("wsgi:app", env, tmp_path / "gunicorn.log", workers=3) as running:
        assert len(running.worker_pids()) == 3
        yield running


def get(url: str, headers: dict | None = None) -> str:
    request = urllib.request.Request(url, headers={"Accept-Language": "ru", **(headers or {})})
    with urllib.request.urlopen(request, timeout=60) as answer:
        assert answer.status == 200
        return answer.read().decode()


def everywhere(url: str, headers: dict | None = None) -> list[str]:
    """GET `url` REQUESTS times at once (spread over the workers); return the bodies."""
    return at_once([lambda: get(url, headers) for _ in range(REQUESTS)])


def test_a_cancelled_event_leaves_the_feed_at_once(server, make_event):
    event = make_event(title="Турнир по мафии", starts_at=utcnow() + timedelta(days=3))
    db.session.commit()
    assert all("STATUS:CONFIRMED" in body for body in everywhere(f"{server.url}/calendar.ics"))

    events.cancel_event(event, "Ведущий заболел")
    db.session.commit()
    feeds = everywhere(f"{server.url}/calendar.ics")
    assert all("STATUS:CANCELLED" in body and "STATUS:CONFIRMED" not in body for body in feeds)


def test_a_freed_seat_shows_on_the_grid_and_the_event_page_at_once(server, make_event, make_user):
    starts = utcnow() + timedelta(days=3)
    mafia = make_event(title="Мафия", starts_at=venue_dt(to_venue(starts).date(), 19), capacity=2)
    first, second = make_user(email="a@example.org"), make_user(email="b@example.org")
    registrations.register(mafia, first)
    held = registrations.register(mafia, second)
    db.session.commit()
    month = f"{server.url}/events/?month={to_venue(mafia.starts_at):%Y-%m}"
    page = f"{server.url}/events/{mafia.id}"
    assert all("Осталось 1 место" not in body for body in everywhere(month))
    assert all("Осталось 1 место" not in body for body in everywhere(page))

    registrations.cancel(held, by=second)
    db.session.commit()
    assert all("Осталось 1 место" in body for body in everywhere(month))
    assert all("Осталось 1 место" in body for body in everywhere(page))


def test_a_corrected_visit_shows_in_the_statistics_at_once(server, make_user):
    world = build_world(db.session)
    anna = world.people["anna"]
    make_user("committee", email="committee@example.org")
    staff = make_user("staff", email="staff@example.org")
    db.session.commit()
    status, answer = post_json(f"{server.url}/api/v1/auth/token", {},
                               {"email": "committee@example.org", "password": "password123"})
    assert status == 200
    bearer = {"Authorization": f"Bearer {answer['token']}"}
    summary = f"{server.url}/api/v1/stats/summary?from={JANUARY[0]}&to={JANUARY[1]}"
    assert {json.loads(body)["visit_hours"] for body in everywhere(summary, bearer)} == {6.25}

    visit = db.session.scalar(select(Visit).where(Visit.user_id == anna.id).order_by(Visit.started_at))
    assert to_venue(visit.started_at).day == 12
    correct_visit(visit, staff=staff, reason="Пришла на час позже", started_at=visit.started_at + timedelta(hours=1))
    db.session.commit()
    assert {json.loads(body)["visit_hours"] for body in everywhere(summary, bearer)} == {5.25}


def test_a_started_and_a_stopped_visit_show_on_the_board_at_once(server, make_user):
    """The live board keeps its data per data version on each worker: a visit started or stopped
    elsewhere shows on every worker's next answer."""
    from anticafe.visits import clock

    staff = make_user("staff", email="staff@example.org")
    guest = make_user(name="Анна Гостева")
    db.session.commit()
    status, answer = post_json(f"{server.url}/api/v1/auth/token", {},
                               {"email": "staff@example.org", "password": "password123"})
    assert status == 200
    bearer = {"Authorization": f"Bearer {answer['token']}"}
    board = f"{server.url}/api/v1/visits/board"

    def names(key: str) -> set[tuple[str, ...]]:
        return {tuple(row["name"] for row in json.loads(body)[key]) for body in everywhere(board, bearer)}

    assert names("items") == {()}
    visit = clock.start_visit(user=guest, staff=staff, at=utcnow() - timedelta(hours=2))  # not free: stays unpaid
    db.session.commit()
    assert names("items") == {("Анна Гостева",)}
    clock.stop_visit(visit, staff=staff)
    db.session.commit()
    assert names("items") == {()}
    assert names("unpaid") == {("Анна Гостева",)}


def test_two_servers_on_one_database_answer_alike(app, db_url, tmp_path, make_event, make_user):
    """Two gunicorn instances (as two machines behind one proxy would run): a token made on one works on
    the other, and a change committed through one shows on both at once, whatever each had kept."""
    env = server_env(app, db_url, RATELIMIT_ENABLED="false")
    event = make_event(title="Турнир по монополии", starts_at=utcnow() + timedelta(days=2))
    make_user("staff", email="staff@example.org")
    db.session.commit()
    with (Gunicorn("wsgi:app", env, tmp_path / "one.log", workers=2) as one,
          Gunicorn("wsgi:app", env, tmp_path / "two.log", workers=2) as two):
        status, answer = post_json(f"{one.url}/api/v1/auth/token", {},
                                   {"email": "staff@example.org", "password": "password123"})
        assert status == 200
        bearer = {"Authorization": f"Bearer {answer['token']}"}
        assert all("STATUS:CONFIRMED" in body for url in (one.url, two.url)
                   for body in everywhere(f"{url}/calendar.ics"))

        # The cancellation goes through the second server's API, with the token the first one gave.
        status, _ = post_json(f"{two.url}/api/v1/events/{event.id}/cancel", bearer, {"reason": "Нет зала"})
        assert status == 200
        for url in (one.url, two.url):
            feeds = everywhere(f"{url}/calendar.ics")
            assert all("STATUS:CANCELLED" in body and "STATUS:CONFIRMED" not in body for body in feeds)
