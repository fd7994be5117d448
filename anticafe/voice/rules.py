"""The rules of youth voice: who may rate and until when, what an idea needs, how its status moves,
and how ratings add up. Pure: no Flask, no database (tests/unit/test_voice_rules.py)."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction
from urllib.parse import urlsplit

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


# ------------------------------------------------------------------------------------------------
# Contests: entries, the voting window, the vote rule, results with places and a jury

#: A video contest takes a link and one vote per account; a live one (open mic, a Mafia tournament's best
#: player) takes a performer slot in a running order and one vote per person checked in to the event.
CONTEST_KINDS = ("video", "live")
ENTRY_STATUSES = ("submitted", "approved", "rejected")
ENTRY_TITLE_MIN, ENTRY_TITLE_MAX = 2, 120
RULES_MAX = 2000
URL_MAX = 300
ORDER_MAX = 999
JURY_MAX = 10
#: Where a video may be: VK Video, Rutube, YouTube. host -> the path prefixes of a video there (and
#: youtube.com/watch?v=…).
VIDEO_HOSTS = {
    "vkvideo.ru": ("/video", "/clip"), "www.vkvideo.ru": ("/video", "/clip"), "m.vkvideo.ru": ("/video", "/clip"),
    "vk.com": ("/video", "/clip"), "www.vk.com": ("/video", "/clip"), "m.vk.com": ("/video", "/clip"),
    "vk.ru": ("/video", "/clip"),
    "rutube.ru": ("/video/", "/shorts/", "/play/embed/"), "www.rutube.ru": ("/video/", "/shorts/", "/play/embed/"),
    "youtube.com": ("/shorts/", "/live/"), "www.youtube.com": ("/shorts/", "/live/"),
    "m.youtube.com": ("/shorts/", "/live/"), "youtu.be": ("/",),
}


def contest_phase(now: datetime, opens_at: datetime, closes_at: datetime) -> str:
    """Say where a contest is: "entries" before voting opens, "voting" until it closes, then "closed"."""
    if now < opens_at:
        return "entries"
    return "voting" if now < closes_at else "closed"


def contest_problems(*, title: str | None, kind: str | None, opens_at: datetime | None, closes_at: datetime | None,
                     jury_weight, rules_text: str | None) -> dict[str, list[str]]:
    """Check a contest's settings; return {field: [problem codes]} (empty when fine)."""
    problems: dict[str, list[str]] = {}
    title = (title or "").strip()
    if len(title) < TITLE_MIN:
        problems["title"] = ["too_short"]
    elif len(title) > TITLE_MAX:
        problems["title"] = ["too_long"]
    if kind not in CONTEST_KINDS:
        problems["kind"] = ["unknown"]
    if opens_at is None:
        problems["opens_at"] = ["required"]
    if closes_at is None:
        problems["closes_at"] = ["required"]
    elif opens_at is not None and closes_at <= opens_at:
        problems["closes_at"] = ["closes_before_opening"]
    if isinstance(jury_weight, bool) or not isinstance(jury_weight, int) or not 0 <= jury_weight <= 100:
        problems["jury_weight"] = ["weight_range"]
    if rules_text is not None and len(rules_text.strip()) > RULES_MAX:
        problems["rules"] = ["too_long"]
    return problems


def video_platform(url: str | None) -> str | None:
    """Return "vk", "rutube" or "youtube" for a link to a video there, or None for anything else.

    Only http(s), a known host on its default port, no user or password, a path that is a video's.
    """
    url = (url or "").strip()
    if not url or len(url) > URL_MAX or any(c.isspace() for c in url):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or parts.username or parts.password or port is not None:
        return None
    prefixes = VIDEO_HOSTS.get(host)
    if not prefixes:
        return None
    watch = "youtube.com" in host and parts.path == "/watch" and "v=" in parts.query
    if not watch and not any(parts.path.startswith(p) and len(parts.path) > len(p) for p in prefixes):
        return None
    if "rutube" in host:
        return "rutube"
    return "youtube" if "youtu" in host else "vk"


def entry_problems(*, kind: str, title: str | None, video_url: str | None) -> dict[str, list[str]]:
    """Check an entry: a title always, a VK Video / Rutube / YouTube link for a video contest."""
    problems: dict[str, list[str]] = {}
    title = (title or "").strip()
    if len(title) < ENTRY_TITLE_MIN:
        problems["title"] = ["too_short"]
    elif len(title) > ENTRY_TITLE_MAX:
        problems["title"] = ["too_long"]
    if kind == "video":
        if not (video_url or "").strip():
            problems["video_url"] = ["required"]
        elif len(video_url.strip()) > URL_MAX:
            problems["video_url"] = ["too_long"]
        elif video_platform(video_url) is None:
            problems["video_url"] = ["video_host"]
    return problems


def entry_decision_problems(*, status: str | None, running_order, jury_score) -> dict[str, list[str]]:
    """Check staff's decision on an entry: a known status, a slot 1–999 and a jury score 0–10 (both optional)."""
    problems: dict[str, list[str]] = {}
    if status not in ENTRY_STATUSES:
        problems["status"] = ["unknown"]
    for name, value, top, low in (("running_order", running_order, ORDER_MAX, 1),
                                  ("jury_score", jury_score, JURY_MAX, 0)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not low <= value <= top):
            problems[name] = ["out_of_range"]
    return problems


def entry_problem(phase: str) -> str | None:
    """Say why an entry may not be submitted now ("entries_closed" once voting opened), or None."""
    return None if phase == "entries" else "entries_closed"


def vote_problem(*, kind: str, phase: str, checked_in: bool, entry_approved: bool) -> str | None:
    """Say why a person may not vote now, or None.

    not_open: before the window; closed: after it; not_checked_in: a live contest counts only the people
    checked in to its event; not_approved: the entry is not in the running.
    """
    if phase == "entries":
        return "not_open"
    if phase == "closed":
        return "closed"
    if not entry_approved:
        return "not_approved"
    if kind == "live" and not checked_in:
        return "not_checked_in"
    return None


@dataclass
class Standing:
    """An entry's result: its votes, audience points (0–1, the favourite has 1), jury score, final score
    (0–100, a Fraction so that ties are exact) and place (tied entries share it)."""

    entry_id: int
    votes: int
    audience: Fraction
    jury: int | None
    score: Fraction
    place: int = 0

    @property
    def score_shown(self) -> float:
        return float(round(self.score * 10) / 10)


def standings(entries: Iterable[tuple[int, int, int | None]], jury_weight: int) -> list[Standing]:
    """Rank (entry id, votes, jury score 0–10 or None) rows: best first, ties share a place (1, 1, 3) and
    keep the order they were given in (the running order).

    audience = votes / the most votes any entry got (0 with no votes); jury = score / 10 (none counts 0);
    final = 100 × ((1 − w) × audience + w × jury), w = jury_weight / 100. With w = 0 only votes count.
    """
    rows = list(entries)
    most = max((votes for _, votes, _ in rows), default=0)
    weight = Fraction(jury_weight, 100)
    result = []
    for entry_id, votes, jury in rows:
        audience = Fraction(votes, most) if most else Fraction(0)
        judged = Fraction(jury or 0, JURY_MAX)
        score = 100 * ((1 - weight) * audience + weight * judged)
        result.append(Standing(entry_id, votes, audience, jury, score))
    result.sort(key=lambda s: (-s.score, -s.votes))  # stable: tied entries keep the given (running) order
    for index, standing in enumerate(result):
        if index and standing.score == result[index - 1].score:
            standing.place = result[index - 1].place
        else:
            standing.place = index + 1
    return result
