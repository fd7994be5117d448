"""The visit clock's rules: corrections reshaping segments, closing time, minors, double scans."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from anticafe.visits import rules

T = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T + timedelta(minutes=minutes)


@pytest.mark.parametrize(("spans", "old", "new", "expected"), [
    # a wrong start, later: the first segment is cut
    ([(0, 120)], (0, 120), (30, 120), [(30, 120)]),
    # a wrong start, earlier: the first segment is stretched back
    ([(0, 120)], (0, 120), (-20, 120), [(-20, 120)]),
    # a forgotten stop: the end comes earlier, the last segment is cut
    ([(0, 60), (70, 180)], (0, 180), (0, 100), [(0, 60), (70, 100)]),
    # the new end falls in a pause: the segment after it goes
    ([(0, 60), (70, 180)], (0, 180), (0, 65), [(0, 60)]),
    # a later end while the clock ran at the end: stretched forward
    ([(0, 60), (70, 180)], (0, 180), (0, 200), [(0, 60), (70, 200)]),
    # a later end after a pause at the end: only the pause grows
    ([(0, 60)], (0, 90), (0, 120), [(0, 60)]),
    # an open visit with a running segment stays open
    ([(0, 60), (70, None)], (0, None), (10, None), [(10, 60), (70, None)]),
    # an open visit stopped in the past: the running segment ends then
    ([(0, 60), (70, None)], (0, None), (0, 100), [(0, 60), (70, 100)]),
    # no segments at all: the visit's own span
    ([], (0, 60), (0, 60), [(0, 60)]),
])
def test_reshape(spans, old, new, expected):
    def conv(pair):
        return (at(pair[0]), None if pair[1] is None else at(pair[1]))

    assert rules.reshape([conv(s) for s in spans], conv(old), conv(new)) == [conv(e) for e in expected]


def test_double_scan_window():
    assert rules.is_double_scan(T, T + timedelta(seconds=5))
    assert not rules.is_double_scan(T, T + timedelta(minutes=2))


@pytest.mark.parametrize(("clock", "after"), [(time(21, 59), False), (time(22, 0), True), (time(23, 30), True),
                                              (time(1, 0), True), (time(10, 0), False)])
def test_after_curfew(clock, after):
    assert rules.after_curfew(datetime.combine(T.date(), clock), rules.parse_clock("22:00")) is after


def test_minors_and_clock_parsing():
    assert rules.is_minor(15) and not rules.is_minor(16) and not rules.is_minor(None)
    assert rules.parse_clock("21:30") == time(21, 30) and rules.parse_clock("22") == time(22)


def test_closing_moment_is_on_the_day_the_visit_started():
    tz = ZoneInfo("Asia/Yekaterinburg")
    start = datetime(2026, 11, 24, 20, 15, tzinfo=tz)
    assert rules.closing_moment(start, time(23)) == datetime(2026, 11, 24, 23, 0, tzinfo=tz)
    assert rules.closing_moment(start, None) is None


# ------------------------------------------------------------------------------------------------
# Corrections a cashier would not accept

def _t(hour: int, minute: int = 0):
    return datetime(2025, 3, 4, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(("new", "expected"), [
    ((_t(13), _t(16)), None),
    ((_t(14, 10), _t(14, 50)), None),
    ((_t(14), _t(14)), ("ended_at", "end_not_after_start")),
    ((_t(14), _t(13)), ("ended_at", "end_not_after_start")),
    ((_t(15, 30), _t(15)), ("started_at", "start_not_before_end")),
    ((_t(16), _t(17)), ("started_at", "no_billed_time")),
    ((_t(14), _t(14, 25)), None),
    ((_t(14, 21), _t(14, 29)), ("started_at", "no_billed_time")),
    ((_t(12), _t(13)), ("started_at", "no_billed_time")),
])
def test_correction_problem(new, expected):
    spans = [(_t(14), _t(14, 20)), (_t(14, 30), _t(15))]
    old = (_t(14), _t(15))
    assert rules.correction_problem(old, new, rules.reshape(spans, old, new)) == expected


def test_correction_problem_open_visit_keeps_running():
    spans = [(_t(14), None)]
    old, new = (_t(14), None), (_t(14, 30), None)
    assert rules.correction_problem(old, new, rules.reshape(spans, old, new)) is None
def test_close_day_ends_only_visits_started_within_their_days_hours():
    tz = ZoneInfo("Asia/Yekaterinburg")
    opens, closes = time(10), time(23)
    night = datetime(2026, 12, 31, 23, 30, tzinfo=tz)
    closing = datetime(2026, 12, 31, 23, 0, tzinfo=tz)
    assert rules.close_day_end(datetime(2026, 12, 31, 20, 0, tzinfo=tz), opens, closes, night) == closing
    assert rules.close_day_end(datetime(2026, 12, 31, 20, 0, tzinfo=tz), opens, closes,
                               datetime(2026, 12, 31, 22, 59, tzinfo=tz)) is None  # not closing time yet
    # after closing, before opening (00:30 on a leap day), on a closed day: never closed by the command
    assert rules.close_day_end(datetime(2026, 12, 31, 23, 10, tzinfo=tz), opens, closes, night) is None
    assert rules.close_day_end(datetime(2028, 2, 29, 0, 30, tzinfo=tz), opens, closes,
                               datetime(2028, 2, 29, 23, 5, tzinfo=tz)) is None
    assert rules.close_day_end(datetime(2026, 12, 30, 12, 0, tzinfo=tz), None, None, night) is None
