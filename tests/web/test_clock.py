"""The app's clock (anticafe/clock.py): one place that says "now", set by tests and by CI's second run;
and the rules for visits around midnight, at the hard moments (New Year's Eve, a leap day)."""

import importlib
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from conftest import venue_dt

from anticafe import clock
from anticafe.clock import set_clock
from anticafe.db import utcnow
from anticafe.extensions import db
from anticafe.timeutil import venue_now, venue_today
from anticafe.visits import board
from anticafe.visits import clock as visit_clock
from anticafe.visits.models import Holiday


def test_a_naive_moment_is_venue_time_and_the_clock_runs_on_from_it(app):
    set_clock(app, "2028-02-29T00:30")
    first = utcnow()
    assert first.tzinfo is not None
    assert datetime(2028, 2, 28, 19, 30, tzinfo=UTC) <= first < datetime(2028, 2, 28, 19, 31, tzinfo=UTC)
    assert venue_today() == date(2028, 2, 29) and venue_now().strftime("%H:%M") == "00:30"
    assert utcnow() >= first  # it runs on, never back
    set_clock(app, "2026-12-31T18:30:00+00:00")  # with an offset: taken as given
    assert venue_now().strftime("%Y-%m-%d %H:%M") == "2026-12-31 23:30"


def test_anticafe_now_in_the_environment_sets_the_clock(monkeypatch):
    import config

    monkeypatch.setenv("ANTICAFE_NOW", "2026-12-31T23:30")
    try:
        assert importlib.reload(config).Config.CLOCK_NOW == "2026-12-31T23:30"
    finally:
        # The environment as it was before this test (under `make test-clock` it holds the suite's own
        # ANTICAFE_NOW), then the settings read from it again: every later test's app runs on that clock.
        monkeypatch.undo()
        importlib.reload(config)
    assert clock.parse_moment("2026-12-31T23:30", "Asia/Yekaterinburg") == datetime(2026, 12, 31, 18, 30, tzinfo=UTC)


@pytest.fixture
def staff(make_user):
    return make_user("staff", name="Денис Бариста")


def test_a_visit_across_midnight_is_priced_and_reported_on_the_day_it_started(app, staff, make_user):
    """In at 23:35 on Thursday 31 December, out at 00:20 on a New Year holiday: one stay, Thursday's."""
    set_clock(app, "2027-01-01T00:25")
    db.session.add(Holiday(day=date(2027, 1, 1), name="Новый год"))
    db.session.commit()
    visit = visit_clock.start_visit(user=make_user(), staff=staff, at=venue_dt(date(2026, 12, 31), 23, 35))
    visit = visit_clock.stop_visit(visit, staff=staff, at=venue_dt(date(2027, 1, 1), 0, 20))
    db.session.commit()
    assert visit.billed_minutes == 45 and visit.day_kind == "weekday"
    assert visit.amount == Decimal(135)  # 45 minutes at 3 ₽, the weekday variant and cap
    assert [v.id for v in board.shift_report(date(2026, 12, 31)).visits] == [visit.id]
    assert board.shift_report(date(2027, 1, 1)).visits == []


def test_close_day_on_a_leap_night_ends_only_the_evening_visits(app, runner, staff, make_user):
    set_clock(app, "2028-02-29T00:30")
    evening = visit_clock.start_visit(user=make_user(), staff=staff, at=venue_dt(date(2028, 2, 28), 21))
    after_midnight = visit_clock.start_visit(user=make_user(), staff=staff, at=venue_now() - timedelta(minutes=5))
    db.session.commit()
    result = runner.invoke(args=["close-day"])
    assert result.exit_code == 0 and "Closed 1 " in result.output
    assert db.session.get(type(evening), evening.id).ended_at == venue_dt(date(2028, 2, 28), 23)
    assert db.session.get(type(after_midnight), after_midnight.id).is_open  # started before opening
