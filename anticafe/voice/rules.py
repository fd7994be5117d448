"""The rules of youth voice: who may rate and until when, what an idea needs, how its status moves,
and how ratings add up. Pure: no Flask, no database (tests/unit/test_voice_rules.py)."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction

RATINGS = (1, 2, 3, 4, 5)
#: A rating may be given this long after the event ends (the prompt says so).
RATE_WITHIN = timedelta(days=30)
#: A rating may be changed this long after it was first given.
CHANGE_WITHIN = timedelta(days=7)
COMMENT_MAX = 500
TITLE_MIN, TITLE_MAX = 3, 120
DESCRIPTION_MAX = 2000
REASON_MAX = 500

IDEA_STATUSES = ("proposed", "considered", "planned", "declined")
#: Where staff may move an idea from each status; planned and declined are final.
TRANSITIONS = {
    "proposed": ("considered", "planned", "declined"),
    "considered": ("planned", "declined"),
    "planned": (),
    "declined": (),
}
#: For whom an idea is: a stats age group (stats.rules.AGE_GROUPS) or everybody.
IDEA_AGES = ("all", "under_14", "14_17", "18_24", "25_35", "over_35")


def feedback_problem(*, now: datetime, event_ends: datetime, attended: bool,
                     first_rated: datetime | None) -> str | None:
    """Say why this person may not rate (or re-rate) the event now, or None when they may.

    not_attended: no standing check-in; not_ended: the event is still on; closed: too long after the
    event (RATE_WITHIN) or after the first rating (CHANGE_WITHIN).
    """
    if not attended:
        return "not_attended"
    if now < event_ends:
        return "not_ended"
    if first_rated is not None:
        return "closed" if now > first_rated + CHANGE_WITHIN else None
    return "closed" if now > event_ends + RATE_WITHIN else None


def feedback_input_problems(rating, comment: str | None) -> dict[str, list[str]]:
    """Check a rating and comment; return {field: [problem codes]} (empty when fine)."""
    problems: dict[str, list[str]] = {}
    if isinstance(rating, bool) or not isinstance(rating, int) or rating not in RATINGS:
        problems["rating"] = ["rating_range"]
    if comment is not None and len(comment.strip()) > COMMENT_MAX:
        problems["comment"] = ["too_long"]
    return problems


def clean_text(text: str | None) -> str | None:
    """Strip a free text; None for an empty one."""
    text = (text or "").strip()
    return text or None


def idea_problems(*, title: str | None, description: str | None, category: str | None, categories: Iterable[str],
                  ages: str | None) -> dict[str, list[str]]:
    """Check a proposed idea; return {field: [problem codes]} (empty when fine)."""
    problems: dict[str, list[str]] = {}
    title = (title or "").strip()
    if len(title) < TITLE_MIN:
        problems["title"] = ["too_short"]
    elif len(title) > TITLE_MAX:
        problems["title"] = ["too_long"]
    description = (description or "").strip()
    if not description:
        problems["description"] = ["required"]
    elif len(description) > DESCRIPTION_MAX:
        problems["description"] = ["too_long"]
    if category not in set(categories):
        problems["category"] = ["unknown"]
    if ages not in IDEA_AGES:
        problems["ages"] = ["unknown"]
    return problems


def move_problem(current: str, target: str, *, event_given: bool, reason: str | None) -> str | None:
    """Say why an idea may not move from `current` to `target`, or None."""
    if target not in IDEA_STATUSES:
        return "unknown_status"
    if target not in TRANSITIONS.get(current, ()):
        return "not_allowed"
    if target == "planned" and not event_given:
        return "event_required"
    if target == "declined" and not clean_text(reason):
        return "reason_required"
    if reason is not None and len(reason.strip()) > REASON_MAX:
        return "reason_too_long"
    return None


def voting_open(status: str) -> bool:
    """Tell whether an idea still takes (and gives back) votes: until it is planned or declined."""
    return status in ("proposed", "considered")


@dataclass
class Ratings:
    """How a set of ratings adds up: count, average (two decimals) and how many of each 1–5."""

    count: int = 0
    total: int = 0
    distribution: dict[int, int] = field(default_factory=lambda: dict.fromkeys(RATINGS, 0))

    def add(self, rating: int, times: int = 1) -> None:
        self.count += times
        self.total += rating * times
        self.distribution[rating] = self.distribution.get(rating, 0) + times

    @property
    def average(self) -> float | None:
        if not self.count:
            return None
        value = Fraction(self.total, self.count)
        return float(round(value * 100) / 100)

    def share(self, rating: int) -> int:
        """Return the percentage of ratings equal to `rating`, rounded (0 with none)."""
        return round(100 * self.distribution.get(rating, 0) / self.count) if self.count else 0


def add_up(rows: Iterable[tuple[object, int, int]]) -> dict[object, Ratings]:
    """Fold (key, rating, how many) rows into {key: Ratings}, keys in first-seen order."""
    result: dict[object, Ratings] = {}
    for key, rating, times in rows:
        result.setdefault(key, Ratings()).add(rating, times)
    return result
