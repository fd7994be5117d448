"""The outbox's pure rules: topics, which channels a message takes, back-off and giving up."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anticafe.notifications import rules

NOW = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)


@pytest.mark.parametrize(("kind", "topic"), [
    ("event_reminder", "reminders"), ("booking_reminder", "reminders"), ("waitlist_promoted", "promotions"),
    ("event_changed", "changes"), ("event_cancelled", "changes"), ("booking_declined", "changes"),
    ("something_new", "changes"),
])
def test_every_kind_has_a_topic(kind, topic):
    assert rules.topic_of(kind) == topic


def test_wanted_channels_are_the_reachable_ones_not_switched_off():
    reachable = {"email", "telegram"}
    assert rules.wanted_channels(topic="reminders", reachable=reachable, switched_off=set()) == ["email", "telegram"]
    off = {("reminders", "email"), ("changes", "telegram")}
    assert rules.wanted_channels(topic="reminders", reachable=reachable, switched_off=off) == ["telegram"]
    assert rules.wanted_channels(topic="changes", reachable=reachable, switched_off=off) == ["email"]
    assert rules.wanted_channels(topic="changes", reachable=set(), switched_off=set()) == []


def test_back_off_doubles_up_to_two_hours():
    assert [rules.backoff(n) for n in range(0, 5)] == [timedelta(0), timedelta(minutes=1), timedelta(minutes=2),
                                                      timedelta(minutes=4), timedelta(minutes=8)]
    assert rules.backoff(50) == timedelta(hours=2)


@given(st.integers(min_value=1, max_value=10_000))
def test_back_off_grows_and_stays_bounded(attempts):
    assert rules.backoff(attempts) <= rules.backoff(attempts + 1) <= rules.MAX_BACKOFF


def test_after_failure_retries_then_gives_up():
    assert rules.after_failure(1, NOW) == ("pending", NOW + timedelta(minutes=1))
    assert rules.after_failure(rules.MAX_ATTEMPTS - 1, NOW)[0] == "pending"
    assert rules.after_failure(rules.MAX_ATTEMPTS, NOW) == ("failed", None)
