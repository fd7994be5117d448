"""Contest rules: the voting window, what an entry and a contest need, which links are videos, who may
vote, and how votes and the jury add up to places (ties share one)."""

from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anticafe.voice import rules

OPENS = datetime(2027, 3, 1, 18, 0, tzinfo=UTC)
CLOSES = OPENS + timedelta(hours=3)


@pytest.mark.parametrize(("now", "expected"), [
    (OPENS - timedelta(seconds=1), "entries"),
    (OPENS, "voting"),
    (CLOSES - timedelta(seconds=1), "voting"),
    (CLOSES, "closed"),
    (CLOSES + timedelta(days=400), "closed"),
])
def test_the_window(now, expected):
    assert rules.contest_phase(now, OPENS, CLOSES) == expected


@pytest.mark.parametrize(("url", "platform"), [
    ("https://rutube.ru/video/4b6e2c1f0a9d/", "rutube"),
    ("https://rutube.ru/shorts/abc123/", "rutube"),
    ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "youtube"),
    ("https://youtu.be/dQw4w9WgXcQ", "youtube"),
    ("https://m.youtube.com/shorts/abc", "youtube"),
    ("https://vkvideo.ru/video-123456_456239017", "vk"),
    ("https://vk.com/video-123456_456239017", "vk"),
    ("http://vk.com/clip-1_2", "vk"),
    ("  https://rutube.ru/video/x/  ", "rutube"),
])
def test_video_links_on_the_three_platforms(url, platform):
    assert rules.video_platform(url) == platform


@pytest.mark.parametrize("url", [
    None, "", "rutube.ru/video/x", "ftp://rutube.ru/video/x", "javascript:alert(1)",
    "https://evil.example/video/x", "https://rutube.ru.evil.example/video/x", "https://notyoutube.com/watch?v=x",
    "https://vk.com/id12345", "https://vk.com/", "https://www.youtube.com/watch", "https://www.youtube.com/@channel",
    "https://youtu.be/", "https://rutube.ru/video/", "https://user:pw@rutube.ru/video/x",
    "https://rutube.ru:8443/video/x", "https://rutube.ru/video/a b", "https://rutube.ru/video/" + "x" * 300,
    "https://[::1/video/x",
])
def test_anything_else_is_not_a_video(url):
    assert rules.video_platform(url) is None


def test_an_entry_needs_a_title_and_for_a_video_contest_a_video_link():
    assert rules.entry_problems(kind="live", title="Стендап про маршрутки", video_url=None) == {}
    assert rules.entry_problems(kind="video", title="Мой город", video_url="https://youtu.be/abc") == {}
    assert rules.entry_problems(kind="video", title="x", video_url=None) == {"title": ["too_short"],
                                                                           "video_url": ["required"]}
    assert rules.entry_problems(kind="video", title="Ок", video_url="https://example.org/v/1") == {
        "video_url": ["video_host"]}
    assert rules.entry_problems(kind="video", title="Ок", video_url="https://youtu.be/" + "a" * 300) == {
        "video_url": ["too_long"]}
    assert rules.entry_problems(kind="live", title="x" * 121, video_url=None) == {"title": ["too_long"]}


def test_a_contest_needs_a_window_that_closes_after_it_opens_and_a_weight_in_percent():
    good = {"title": "Конкурс", "kind": "video", "opens_at": OPENS, "closes_at": CLOSES, "jury_weight": 40,
            "rules_text": None}
    assert rules.contest_problems(**good) == {}
    assert rules.contest_problems(**{**good, "closes_at": OPENS}) == {"closes_at": ["closes_before_opening"]}
    assert rules.contest_problems(**{**good, "kind": "mafia"}) == {"kind": ["unknown"]}
    assert rules.contest_problems(**{**good, "jury_weight": 101}) == {"jury_weight": ["weight_range"]}
    assert rules.contest_problems(**{**good, "jury_weight": True}) == {"jury_weight": ["weight_range"]}
    assert rules.contest_problems(**{**good, "opens_at": None})["opens_at"] == ["required"]
    assert rules.contest_problems(**{**good, "rules_text": "x" * 2001}) == {"rules": ["too_long"]}


def test_staff_decisions_are_bounded():
    assert rules.entry_decision_problems(status="approved", running_order=1, jury_score=10) == {}
    assert rules.entry_decision_problems(status="approved", running_order=None, jury_score=None) == {}
    assert rules.entry_decision_problems(status="won", running_order=0, jury_score=11) == {
        "status": ["unknown"], "running_order": ["out_of_range"], "jury_score": ["out_of_range"]}


@pytest.mark.parametrize(("kind", "phase", "checked_in", "approved", "expected"), [
    ("video", "entries", False, True, "not_open"),
    ("video", "closed", False, True, "closed"),
    ("video", "voting", False, True, None),
    ("video", "voting", False, False, "not_approved"),
    ("live", "voting", False, True, "not_checked_in"),
    ("live", "voting", True, True, None),
    ("live", "closed", True, True, "closed"),
])
def test_who_may_vote(kind, phase, checked_in, approved, expected):
    assert rules.vote_problem(kind=kind, phase=phase, checked_in=checked_in, entry_approved=approved) == expected


def test_entries_are_taken_only_before_voting():
    assert rules.entry_problem("entries") is None
    assert rules.entry_problem("voting") == rules.entry_problem("closed") == "entries_closed"


def test_votes_alone_rank_the_entries_and_ties_share_a_place():
    ranked = rules.standings([(1, 5, None), (2, 9, None), (3, 5, None), (4, 0, None)], jury_weight=0)
    assert [(s.entry_id, s.place) for s in ranked] == [(2, 1), (1, 2), (3, 2), (4, 4)]
    assert ranked[0].score == 100 and ranked[1].score == Fraction(500, 9)
    assert ranked[-1].score == 0 and ranked[0].score_shown == 100.0 and ranked[1].score_shown == 55.6


def test_the_jury_weight_mixes_normalised_votes_with_the_jury_score():
    # 40 % jury: A = 0.6 × 10/10 + 0.4 × 4/10 = 0.76; B = 0.6 × 5/10 + 0.4 × 10/10 = 0.70.
    ranked = rules.standings([(1, 10, 4), (2, 5, 10)], jury_weight=40)
    assert [(s.entry_id, s.score, s.place) for s in ranked] == [(1, 76, 1), (2, 70, 2)]
    # 60 %: A = 0.4 + 0.24 = 0.64; B = 0.2 + 0.6 = 0.80: the jury turns it round.
    ranked = rules.standings([(1, 10, 4), (2, 5, 10)], jury_weight=60)
    assert [(s.entry_id, s.score) for s in ranked] == [(2, 80), (1, 64)]
    # Only the jury; an entry it did not score gets 0 from it.
    ranked = rules.standings([(1, 3, None), (2, 0, 7)], jury_weight=100)
    assert [(s.entry_id, s.score) for s in ranked] == [(2, 70), (1, 0)]


def test_no_votes_and_no_entries():
    assert rules.standings([], jury_weight=50) == []
    ranked = rules.standings([(1, 0, None), (2, 0, None)], jury_weight=0)
    assert [s.place for s in ranked] == [1, 1] and all(s.score == 0 for s in ranked)


@given(st.lists(st.tuples(st.integers(0, 50), st.one_of(st.none(), st.integers(0, 10))), max_size=12),
       st.integers(0, 100))
def test_places_are_dense_from_one_and_follow_the_score(rows, weight):
    ranked = rules.standings([(i, votes, jury) for i, (votes, jury) in enumerate(rows)], weight)
    assert len(ranked) == len(rows)
    for index, standing in enumerate(ranked):
        assert 0 <= standing.score <= 100
        if index == 0:
            assert standing.place == 1
        elif standing.score == ranked[index - 1].score:
            assert standing.place == ranked[index - 1].place
        else:
            assert standing.score < ranked[index - 1].score and standing.place == index + 1
