"""Visit corrections, one test per shape: what a cashier may correct and what is refused, and why.

A stopped visit 14:00–15:00 (with a pause 14:20–14:30 where noted) is corrected through the API.
"""

from datetime import date, timedelta

import pytest
from conftest import venue_dt
from test_visits import visit_for

from anticafe.extensions import db
from anticafe.visits.models import Visit

DAY = date(2025, 3, 4)  # a Tuesday


@pytest.fixture
def staff(make_user, auth):
    return auth.login(make_user("staff"))


def at(hour: int, minute: int = 0) -> str:
    return venue_dt(DAY, hour, minute).isoformat()


def correct(client, visit, **changes):
    return client.post(f"/api/v1/visits/{visit.id}/corrections", json={"reason": "Проверка", **changes},
                       headers={"Accept-Language": "en"})


@pytest.fixture
def hour_visit(make_user, staff):
    start = venue_dt(DAY, 14)
    return visit_for(make_user(), staff, start, end=start + timedelta(hours=1))


@pytest.fixture
def paused_visit(make_user, staff):
    start = venue_dt(DAY, 14)
    return visit_for(make_user(), staff, start, pauses=[(20, 10)], end=start + timedelta(hours=1))


@pytest.mark.parametrize(("changes", "minutes"), [
    ({"started_at": at(13, 30)}, 90),                          # came earlier: the first stretch grows
    ({"started_at": at(14, 15)}, 45),                          # came later
    ({"ended_at": at(14, 40)}, 40),                            # left earlier
    ({"ended_at": at(15, 30)}, 90),                            # left later (the clock ran at the end)
    ({"started_at": at(14, 10), "ended_at": at(14, 50)}, 40),  # both, inside the recorded time
    ({"started_at": at(13, 0), "ended_at": at(16, 0)}, 180),   # both, around it
])
def test_corrections_that_keep_billed_time_are_priced_again(client, hour_visit, changes, minutes):
    answer = correct(client, hour_visit, **changes)
    assert answer.status_code == 200, answer.json
    assert answer.json["billed_minutes"] == minutes and answer.json["status"] == "stopped"


@pytest.mark.parametrize("changes", [
    {"started_at": at(16, 0), "ended_at": at(16, 30)},   # a window after the visit
    {"started_at": at(12, 0), "ended_at": at(13, 0)},    # a window before the visit
    {"started_at": at(12, 0), "ended_at": at(14, 0)},    # ends exactly where the visit began
])
def test_a_correction_that_leaves_no_billed_time_is_refused(client, hour_visit, changes):
    before = (hour_visit.billed_minutes, hour_visit.amount)
    answer = correct(client, hour_visit, **changes)
    assert answer.status_code == 422
    error = answer.json["error"]
    assert error["code"] == "no_billed_time"
    assert "nothing of the visit is left to bill" in " ".join(m for ms in error["fields"].values() for m in ms)
    db.session.expire_all()
    visit = db.session.get(Visit, hour_visit.id)
    assert (visit.billed_minutes, visit.amount) == before and not visit.corrections


def test_a_window_inside_a_pause_is_refused(client, paused_visit):
    answer = correct(client, paused_visit, started_at=at(14, 21), ended_at=at(14, 29))
    assert answer.status_code == 422 and answer.json["error"]["code"] == "no_billed_time"


def test_a_window_across_a_pause_bills_only_the_running_time(client, paused_visit):
    answer = correct(client, paused_visit, started_at=at(14, 10), ended_at=at(14, 40))
    assert answer.status_code == 200 and answer.json["billed_minutes"] == 20


@pytest.mark.parametrize("end", [at(14, 0), at(13, 59)])
def test_an_end_at_or_before_the_start_is_refused(client, hour_visit, end):
    answer = correct(client, hour_visit, ended_at=end)
    assert answer.status_code == 422
    assert answer.json["error"]["fields"]["ended_at"] == ["The end must be after the start."]


def test_a_start_moved_past_the_end_is_refused_on_the_start(client, hour_visit):
    answer = correct(client, hour_visit, started_at=at(15, 30))
    assert answer.status_code == 422
    assert answer.json["error"]["fields"] == {"started_at": ["The start must be before the end of the visit."]}


def test_the_checkout_page_shows_the_refusal_on_the_form(client, hour_visit):
    answer = client.post(f"/visits/{hour_visit.id}/correct", headers={"Accept-Language": "en"},
                         data={"reason": "Проверка", "started_at": "2025-03-04T16:00",
                               "ended_at": "2025-03-04T16:30", "guest_category": hour_visit.guest_category})
    assert answer.status_code == 422
    assert "nothing of the visit is left to bill" in answer.get_data(as_text=True)
