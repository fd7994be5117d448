"""Youth voice rules: who may rate and until when, what an idea needs, how it moves, how ratings add up."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anticafe.voice import rules

END = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)


@pytest.mark.parametrize(("now", "attended", "first", "expected"), [
    (END + timedelta(hours=1), False, None, "not_attended"),
    (END - timedelta(minutes=1), True, None, "not_ended"),
    (END, True, None, None),
    (END + rules.RATE_WITHIN, True, None, None),
    (END + rules.RATE_WITHIN + timedelta(seconds=1), True, None, "closed"),
    (END + timedelta(days=7), True, END + timedelta(hours=1), None),
    (END + timedelta(days=7, hours=1, seconds=1), True, END + timedelta(hours=1), "closed"),
    (END + timedelta(days=40), True, END + timedelta(days=35), None),  # a late first rating may still change
])
def test_feedback_problem(now, attended, first, expected):
    assert rules.feedback_problem(now=now, event_ends=END, attended=attended, first_rated=first) == expected


@pytest.mark.parametrize(("rating", "comment", "fields"), [
    (1, None, set()), (5, "  отлично  ", set()), (3, "x" * 500, set()),
    (0, None, {"rating"}), (6, None, {"rating"}), (True, None, {"rating"}), ("5", None, {"rating"}),
    (4.0, None, {"rating"}), (4, "x" * 501, {"comment"}), (None, "x" * 600, {"rating", "comment"}),
])
def test_feedback_input(rating, comment, fields):
    assert set(rules.feedback_input_problems(rating, comment)) == fields


def test_idea_problems():
    good = dict(title="Турнир по Just Dance", description="Танцы под экран", category="party",
                categories=["party", "other"], ages="14_17")
    assert rules.idea_problems(**good) == {}
    assert rules.idea_problems(**{**good, "title": " ab "}) == {"title": ["too_short"]}
    assert rules.idea_problems(**{**good, "title": "x" * 121}) == {"title": ["too_long"]}
    assert rules.idea_problems(**{**good, "description": "  "}) == {"description": ["required"]}
    assert rules.idea_problems(**{**good, "category": "war"}) == {"category": ["unknown"]}
    assert rules.idea_problems(**{**good, "ages": "7_9"}) == {"ages": ["unknown"]}


@pytest.mark.parametrize(("current", "target", "event", "reason", "expected"), [
    ("proposed", "considered", False, None, None),
    ("proposed", "planned", True, None, None),
    ("considered", "planned", False, None, "event_required"),
    ("considered", "declined", False, "  ", "reason_required"),
    ("considered", "declined", False, "Нет зала", None),
    ("considered", "declined", False, "x" * 501, "reason_too_long"),
    ("planned", "declined", False, "поздно", "not_allowed"),
    ("declined", "considered", False, None, "not_allowed"),
    ("considered", "considered", False, None, "not_allowed"),
    ("proposed", "lost", False, None, "unknown_status"),
])
def test_move_problem(current, target, event, reason, expected):
    assert rules.move_problem(current, target, event_given=event, reason=reason) == expected


def test_voting_open_only_until_decided():
    assert [s for s in rules.IDEA_STATUSES if rules.voting_open(s)] == ["proposed", "considered"]


def test_ratings_add_up():
    added = rules.add_up([("party", 5, 3), ("party", 4, 1), ("talk_show", 1, 2)])
    party = added["party"]
    assert (party.count, party.average, party.distribution) == (4, 4.75, {1: 0, 2: 0, 3: 0, 4: 1, 5: 3})
    assert party.share(5) == 75
    assert added["talk_show"].average == 1.0
    assert rules.Ratings().average is None and rules.Ratings().share(3) == 0
    assert list(added) == ["party", "talk_show"]


@given(st.lists(st.integers(min_value=1, max_value=5), min_size=1, max_size=200))
def test_average_is_the_mean_rounded_to_two_places(ratings):
    total = rules.Ratings()
    for rating in ratings:
        total.add(rating)
    assert total.count == len(ratings) == sum(total.distribution.values())
    assert abs(total.average - sum(ratings) / len(ratings)) <= 0.005 + 1e-9
    assert 1 <= total.average <= 5
