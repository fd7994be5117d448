"""Venue time in other zones: a zone west of UTC (the 31st at 23:30 is the 1st in UTC) and one with DST."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from anticafe.extensions import db
from anticafe.stats import queries, rules


@pytest.fixture
def app_config(request):
    return {"VENUE_TIMEZONE": request.param}


def _event(make_event, zone, day, hour, minute=0, **fields):
    start = datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(zone))
    return make_event(starts_at=start, ends_at=start + timedelta(hours=1), **fields)


@pytest.mark.parametrize("app_config", ["America/Sao_Paulo"], indirect=True)
def test_late_evening_on_the_31st_belongs_to_that_month_west_of_utc(app, make_event):
    # UTC-3: 23:30 on 31 January is 02:30 UTC on 1 February.
    late = _event(make_event, "America/Sao_Paulo", date(2025, 1, 31), 23, 30)
    early = _event(make_event, "America/Sao_Paulo", date(2025, 2, 1), 0, 30)
    january = queries.event_figures(queries.scope_for(rules.Period(date(2025, 1, 1), date(2025, 1, 31))),
                                    ["month", "event", "weekday_hour"])
    assert list(january.by["event"]) == [late.id]
    assert list(january.by["month"]) == ["2025-01"]
    assert list(january.by["weekday_hour"]) == [523]  # Friday 23:00
    both = queries.event_figures(queries.scope_for(rules.Period(date(2025, 1, 1), date(2025, 2, 28))), ["month"])
    assert {k: v.events for k, v in both.by["month"].items()} == {"2025-01": 1, "2025-02": 1}
    assert early.id not in january.by["event"]
    db.session.rollback()


@pytest.mark.parametrize("app_config", ["Europe/Berlin"], indirect=True)
def test_daylight_saving_change_inside_the_period(app, make_event):
    # Summer time starts on 30 March 2025: local hours stay right on both sides of the change.
    _event(make_event, "Europe/Berlin", date(2025, 3, 29), 23, 30)  # UTC+1
    _event(make_event, "Europe/Berlin", date(2025, 3, 30), 23, 30)  # UTC+2
    _event(make_event, "Europe/Berlin", date(2025, 3, 31), 23, 30)
    _event(make_event, "Europe/Berlin", date(2025, 4, 1), 0, 30)
    scope = queries.scope_for(rules.Period(date(2025, 3, 29), date(2025, 4, 1)))
    figures = queries.event_figures(scope, ["weekday_hour", "month", "week"]).by
    assert {k: v.events for k, v in figures["weekday_hour"].items()} == {623: 1, 723: 1, 123: 1, 200: 1}
    assert {k: v.events for k, v in figures["month"].items()} == {"2025-03": 3, "2025-04": 1}
    assert {k: v.events for k, v in figures["week"].items()} == {"2025-03-24": 2, "2025-03-31": 2}
    db.session.rollback()
