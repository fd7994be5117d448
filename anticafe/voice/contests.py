"""Writes and reads of contests: staff set one up on an event, participants submit entries, staff approve,
order and judge them, people vote inside the window, and the results add up with places.

Services flush; the caller commits. Races are settled by the database: one entry and one vote per
person and contest (unique constraints), and a vote or a decision first locks the contest's row.
Nothing here shows who entered or voted outside staff's own entry list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from ..accounts.models import User
from ..db import lock_row, utcnow
from ..errors import DomainError, ValidationFailed, in_words
from ..events.models import Event
from ..extensions import db
from ..timeutil import from_venue
from . import rules
from .models import Contest, ContestEntry, ContestVote
from .services import PROBLEM_WORDS, attended, rows

CONTEST_WORDS = {
    **PROBLEM_WORDS,
    "closes_before_opening": _l("Voting must close after it opens."),
    "weight_range": _l("The jury's weight is a percentage from 0 to 100."),
    "video_host": _l("Give a link to the video on VK Video, Rutube or YouTube."),
    "out_of_range": _l("This number is out of range."),
}
KIND_LABELS = {
    "video": _l("Video contest: a link to the video, one vote per account"),
    "live": _l("Live contest (open mic, a tournament): a running order, one vote per person checked in"),
}
PHASE_LABELS = {
    "entries": _l("Taking entries"),
    "voting": _l("Voting is open"),
    "closed": _l("Voting is closed"),
}
ENTRY_STATUS_LABELS = {
    "submitted": _l("Waiting for approval"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
}
REFUSALS = {
    "entries_closed": (409, _l("Entries are closed: voting has opened.")),
    "already_entered": (409, _l("You have already entered this contest.")),
    "not_open": (409, _l("Voting has not opened yet.")),
    "closed": (409, _l("Voting is closed.")),
    "not_approved": (409, _l("This entry is not in the running.")),
    "not_checked_in": (403, _l("Only people checked in to the event can vote in this contest.")),
    "already_voted": (409, _l("You have already voted in this contest.")),
    "not_closed": (409, _l("The results are shown once voting closes.")),
    "order_taken": (409, _l("This slot in the running order is taken.")),
}


def refuse(code: str):
    status, message = REFUSALS[code]
    raise DomainError(code, message, status=status)


def aware(moment: datetime | None) -> datetime | None:
    """Read a naive time as venue time; return any time in UTC."""
    if moment is None:
        return None
    return from_venue(moment) if moment.tzinfo is None else moment.astimezone(UTC)


def phase(contest: Contest, now: datetime | None = None) -> str:
    return rules.contest_phase(now or utcnow(), contest.opens_at, contest.closes_at)


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def phase_label(key: str) -> str:
    return str(PHASE_LABELS.get(key, key))


def entry_status_label(status: str) -> str:
    return str(ENTRY_STATUS_LABELS.get(status, status))


# ------------------------------------------------------------------------------------------------
# Staff set up a contest


def get_contest(contest_id: int) -> Contest:
    found = db.session.get(Contest, contest_id)
    if found is None:
        raise DomainError("not_found", _l("No such contest."), status=404)
    return found


def contest_of(event: Event) -> Contest | None:
    return db.session.scalar(select(Contest).where(Contest.event_id == event.id))


def save_contest(event: Event, *, title: str | None, kind: str | None, opens_at: datetime | None,
                 closes_at: datetime | None, jury_weight=0, rules_text: str | None = None) -> tuple[Contest, bool]:
    """Set up the event's contest or change it; return (the contest, whether it is new).

    The kind is fixed once an entry came in (the entries were made for it).
    """
    opens_at, closes_at = aware(opens_at), aware(closes_at)
    problems = rules.contest_problems(title=title, kind=kind, opens_at=opens_at, closes_at=closes_at,
                                      jury_weight=jury_weight, rules_text=rules_text)
    if problems:
        raise ValidationFailed(in_words(problems, CONTEST_WORDS))
    lock_row(Event, event.id)  # two staff setting one up at once: the second one edits it
    contest = contest_of(event)
    created = contest is None
    if created:
        contest = Contest(event_id=event.id, created_at=utcnow())
        db.session.add(contest)
    elif kind != contest.kind and entry_count(contest.id):
        raise ValidationFailed({"kind": [_l("The kind cannot change once entries came in.")]})
    contest.title, contest.kind, contest.opens_at, contest.closes_at = title.strip(), kind, opens_at, closes_at
    contest.jury_weight, contest.rules = jury_weight, rules.clean_text(rules_text)
    db.session.flush()
    return contest, created


def contests(limit: int = 100) -> list[Contest]:
    """Return the contests, the latest voting window first."""
    return list(db.session.scalars(select(Contest).order_by(Contest.closes_at.desc(), Contest.id.desc())
                                   .limit(limit)))


# ------------------------------------------------------------------------------------------------
# Entries


def entry_count(contest_id: int) -> int:
    return db.session.scalar(select(func.count(ContestEntry.id)).where(ContestEntry.contest_id == contest_id)) or 0


def submit(contest: Contest, user: User, *, title: str | None, video_url: str | None = None) -> ContestEntry:
    """Enter a person in the contest (one entry each), while it still takes entries."""
    problems = rules.entry_problems(kind=contest.kind, title=title, video_url=video_url)
    if problems:
        raise ValidationFailed(in_words(problems, CONTEST_WORDS))
    if rules.entry_problem(phase(contest)):
        refuse("entries_closed")
    entry = ContestEntry(contest_id=contest.id, user_id=user.id, title=title.strip(), status="submitted",
                         video_url=video_url.strip() if contest.kind == "video" else None, created_at=utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(entry)
    except IntegrityError:
        refuse("already_entered")
    return entry


def entry_of(contest: Contest, user: User | None) -> ContestEntry | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(ContestEntry).where(ContestEntry.contest_id == contest.id,
                                                        ContestEntry.user_id == user.id))


def get_entry(contest: Contest, entry_id: int) -> ContestEntry:
    entry = db.session.get(ContestEntry, entry_id)
    if entry is None or entry.contest_id != contest.id:
        raise DomainError("not_found", _l("No such entry."), status=404)
    return entry


def entries(contest: Contest, *, approved_only: bool = True) -> list[ContestEntry]:
    """Return the entries: in the running order (unordered ones last, by arrival); all of them for staff."""
    stmt = select(ContestEntry).where(ContestEntry.contest_id == contest.id)
    if approved_only:
        stmt = stmt.where(ContestEntry.status == "approved")
    return list(db.session.scalars(stmt.order_by(ContestEntry.running_order.is_(None), ContestEntry.running_order,
                                                 ContestEntry.created_at, ContestEntry.id)))


def decide(contest: Contest, entry: ContestEntry, *, status: str | None, running_order=None,
           jury_score=None) -> ContestEntry:
    """Approve or reject an entry, give it its slot in the running order and its jury score (0–10)."""
    problems = rules.entry_decision_problems(status=status, running_order=running_order, jury_score=jury_score)
    if problems:
        raise ValidationFailed(in_words(problems, CONTEST_WORDS))
    lock_row(Contest, contest.id)
    if running_order is not None and db.session.scalar(select(func.count(ContestEntry.id)).where(
            ContestEntry.contest_id == contest.id, ContestEntry.id != entry.id, ContestEntry.status == "approved",
            ContestEntry.running_order == running_order)):
        refuse("order_taken")
    if entry.status == "approved" and status != "approved" and phase(contest) != "entries":
        # Taking an entry out of the running after votes were cast would drop them: voting is under way.
        db.session.execute(delete(ContestVote).where(ContestVote.entry_id == entry.id))
    entry.status, entry.running_order, entry.jury_score = status, running_order, jury_score
    entry.decided_at = utcnow()
    db.session.flush()
    return entry


# ------------------------------------------------------------------------------------------------
# Votes


def may_vote(contest: Contest, user: User, entry: ContestEntry | None = None) -> str | None:
    """Say why `user` may not vote for `entry` now (rules.vote_problem), or None."""
    checked_in = contest.kind != "live" or attended(contest.event, user)
    return rules.vote_problem(kind=contest.kind, phase=phase(contest), checked_in=checked_in,
                              entry_approved=entry is None or entry.status == "approved")


def vote(contest: Contest, entry: ContestEntry, user: User) -> ContestVote:
    """Cast a person's one vote in the contest (the constraint has the last word)."""
    lock_row(Contest, contest.id)  # a vote never slips past a decision on the entry
    db.session.refresh(entry)
    problem = may_vote(contest, user, entry)
    if problem:
        refuse(problem)
    cast = ContestVote(contest_id=contest.id, entry_id=entry.id, user_id=user.id, created_at=utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(cast)
    except IntegrityError:
        refuse("already_voted")
    return cast


def vote_of(contest: Contest, user: User | None) -> int | None:
    """Return the id of the entry `user` voted for in the contest, if any."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(ContestVote.entry_id).where(ContestVote.contest_id == contest.id,
                                                                 ContestVote.user_id == user.id))


def votes_total(contest_id: int) -> int:
    return db.session.scalar(select(func.count(ContestVote.id)).where(ContestVote.contest_id == contest_id)) or 0


def vote_counts(contest_id: int) -> dict[int, int]:
    return dict(db.session.execute(select(ContestVote.entry_id, func.count()).where(
        ContestVote.contest_id == contest_id).group_by(ContestVote.entry_id)).all())


# ------------------------------------------------------------------------------------------------
# Results


@dataclass
class Result:
    """An approved entry's place: its title and link, never who entered."""

    place: int
    entry: ContestEntry
    standing: rules.Standing


def results(contest: Contest) -> list[Result]:
    """Rank the approved entries by the mix of votes and the jury (rules.standings); refused before the close."""
    if phase(contest) != "closed":
        refuse("not_closed")
    shown = entries(contest)
    counts = vote_counts(contest.id)
    by_id = {entry.id: entry for entry in shown}
    ranked = rules.standings(((e.id, counts.get(e.id, 0), e.jury_score) for e in shown), contest.jury_weight)
    return [Result(s.place, by_id[s.entry_id], s) for s in ranked]


# ------------------------------------------------------------------------------------------------
# Erasure


def forget(user_id: int) -> None:
    """Take an erased person out of contests: votes stay as anonymous counts, an approved entry stays in
    the results without its entrant, an entry never approved goes. Called by `privacy.services`."""
    db.session.execute(update(ContestVote).where(ContestVote.user_id == user_id).values(user_id=None))
    db.session.execute(delete(ContestEntry).where(ContestEntry.user_id == user_id,
                                                  ContestEntry.status != "approved"))
    db.session.execute(update(ContestEntry).where(ContestEntry.user_id == user_id).values(user_id=None))


def exported(user_id: int) -> dict[str, list]:
    """Return a person's own entries and votes for their data export (column name -> value rows)."""
    return {"contest_entries": rows(ContestEntry, ContestEntry.user_id == user_id),
            "contest_votes": rows(ContestVote, ContestVote.user_id == user_id)}
