"""The door's pure rules: reading scanned text, the check-in window, refusals, capacity, no-shows."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anticafe import codes
from anticafe.door import rules
from anticafe.door.rules import CodeKind, Refusal, ScannedCode, Window

VENUE = ZoneInfo("Asia/Yekaterinburg")
CODE = "ABCDEFGHJKMNPQRSTUVWXYZ234"


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=VENUE)


@pytest.mark.parametrize("raw, expected", [
    (f"https://cafe.example/t/{CODE}", ScannedCode(CodeKind.TICKET, CODE)),
    (f"http://192.168.0.10:5000/t/{CODE.lower()}/", ScannedCode(CodeKind.TICKET, CODE)),
    (f"HTTPS://CAFE.EXAMPLE/t/{codes.group(CODE)}?utm=1#x", ScannedCode(CodeKind.TICKET, CODE)),
    (f"https://cafe.example/t/{codes.group(CODE).replace('-', '%20')}", ScannedCode(CodeKind.TICKET, CODE)),
    (CODE, ScannedCode(CodeKind.CODE, CODE)),
    (f"  {codes.group(CODE).lower()}  ", ScannedCode(CodeKind.CODE, CODE)),
    ("card 2345 6789", ScannedCode(CodeKind.CODE, "CARD23456789")),
    ("https://cafe.example/card/CARD2345", ScannedCode(CodeKind.CODE, "CARD2345")),
    ("https://cafe.example/t/", None),
    ("https://cafe.example/t/O0O0", None),
    ("https://cafe.example/", None),
    ("ftp://cafe.example/t/ABCD", None),
    ("javascript:alert(1)", None),
    ("hello world", None),
    ("", None),
    (None, None),
    ("A" * 501, None),
])
def test_parse_code(raw, expected):
    assert rules.parse_code(raw) == expected


@given(code=st.text(alphabet=codes.ALPHABET, min_size=1, max_size=40),
       host=st.sampled_from(["cafe.example", "127.0.0.1:5000", "антикафе.рф", "x.y.z"]),
       scheme=st.sampled_from(["http", "https"]), lower=st.booleans(), grouped=st.booleans())
def test_any_ticket_url_gives_its_code(code, host, scheme, lower, grouped):
    shown = codes.group(code) if grouped else code
    shown = shown.lower() if lower else shown
    assert rules.parse_code(f"{scheme}://{host}/t/{shown}") == ScannedCode(CodeKind.TICKET, code)


@given(st.text(max_size=80))
def test_parse_code_never_fails_and_gives_only_typeable_codes(raw):
    scanned = rules.parse_code(raw)
    if scanned is not None:
        assert scanned.code and set(scanned.code) <= set(codes.ALPHABET)


def window(starts: datetime, ends: datetime, **offsets) -> rules.CheckInWindowTimes:
    return rules.window_times(starts.astimezone(UTC), ends.astimezone(UTC), **offsets)


@pytest.mark.parametrize("now, expected", [
    (local(12, 17, 59), Window.NOT_OPEN_YET),
    (local(12, 18, 0), Window.OPEN),
    (local(12, 19, 30), Window.OPEN),
    (local(12, 21, 0), Window.OPEN),
    (local(12, 21, 1), Window.OVER),
    (local(13, 10, 0), Window.OVER),
    (local(11, 23, 30), Window.WRONG_DAY),
    (local(12, 0, 5), Window.NOT_OPEN_YET),
    (local(5, 19, 0), Window.WRONG_DAY),
])
def test_window_state_with_the_default_window(now, expected):
    times = window(local(12, 19), local(12, 21))
    assert rules.window_state(now.astimezone(UTC), times, starts_at=local(12, 19), tz=VENUE) is expected


def test_window_uses_the_venue_day_not_the_utc_day():
    # 00:30 at the venue is 19:30 UTC the day before: still "the event's day" for an 08:00 start.
    times = window(local(12, 8), local(12, 10))
    assert rules.window_state(local(12, 0, 30).astimezone(UTC), times, starts_at=local(12, 8), tz=VENUE) \
        is Window.NOT_OPEN_YET


def test_event_window_offsets():
    times = window(local(12, 19), local(12, 21), opens_before=timedelta(hours=2), closes_after=timedelta(minutes=30))
    assert times.opens_at == local(12, 17).astimezone(UTC)
    assert times.closes_at == local(12, 21, 30).astimezone(UTC)
    assert window(local(12, 19), local(12, 21), opens_before=timedelta(0)).opens_at == local(12, 19)


@given(st.integers(min_value=-3 * 24 * 60, max_value=3 * 24 * 60))
def test_window_states_follow_each_other_in_order(minutes):
    """Before the window: wrong day or not yet; then open; then over — never back."""
    order = [Window.WRONG_DAY, Window.NOT_OPEN_YET, Window.OPEN, Window.OVER]
    times = window(local(12, 19), local(12, 21))
    now = local(12, 19).astimezone(UTC) + timedelta(minutes=minutes)
    earlier = rules.window_state(now, times, starts_at=local(12, 19), tz=VENUE)
    later = rules.window_state(now + timedelta(minutes=1), times, starts_at=local(12, 19), tz=VENUE)
    assert order.index(earlier) <= order.index(later)


@pytest.mark.parametrize("status, revoked, cancelled, state, expected", [
    ("confirmed", False, False, Window.OPEN, None),
    ("cancelled", True, True, Window.OVER, Refusal.REGISTRATION_CANCELLED),
    ("confirmed", True, True, Window.OVER, Refusal.TICKET_REVOKED),
    ("waitlisted", False, True, Window.OVER, Refusal.WAITLISTED),
    ("confirmed", False, True, Window.OPEN, Refusal.EVENT_CANCELLED),
    ("confirmed", False, False, Window.NOT_OPEN_YET, Refusal.OUTSIDE_CHECKIN_WINDOW),
    ("confirmed", False, False, Window.WRONG_DAY, Refusal.OUTSIDE_CHECKIN_WINDOW),
    ("confirmed", False, False, Window.OVER, Refusal.OUTSIDE_CHECKIN_WINDOW),
])
def test_refusal_order(status, revoked, cancelled, state, expected):
    assert rules.refusal(registration_status=status, ticket_revoked=revoked, event_cancelled=cancelled,
                         window=state) is expected


@pytest.mark.parametrize("age, low, high, outside", [
    (None, 14, 18, False), (13, 14, 18, True), (14, 14, 18, False), (18, 14, 18, False), (19, 14, 18, True),
    (40, None, None, False), (10, None, 12, False), (13, None, 12, True), (15, 16, None, True),
])
def test_age_limits(age, low, high, outside):
    assert rules.age_outside_limits(age, low, high) is outside
