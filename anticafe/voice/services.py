"""Writes and reads of youth voice: rating an event, hiding a comment, proposing, supporting and
deciding ideas, the feedback prompt, and the committee's counts (never a person).

Services flush; the caller commits. Races are settled by the database: a rating and a vote are
unique per person (constraints), and a vote or a decision first locks the idea's row (`db.lock`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from ..accounts.models import User
from ..db import lock_row, utcnow
from ..door.models import CheckIn
from ..errors import DomainError, ValidationFailed, in_words
from ..events.models import Category, Event, EventStatus
from ..extensions import db
from ..notifications.services import notify
from ..stats import rules as stats_rules
from ..stats.rules import Period
from ..timeutil import to_venue, venue_tz
from ..urls import public_url
from . import rules
from .models import Feedback, Idea, IdeaVote

PROBLEM_WORDS = {
    "rating_range": _l("Choose a rating from 1 to 5."),
    "too_long": _l("This is too long."),
    "too_short": _l("This is too short."),
    "required": _l("Please fill this in."),
    "unknown": _l("Choose one of the options."),
}
FEEDBACK_REFUSALS = {
    "not_attended": (403, _l("Only people checked in to the event can rate it.")),
    "not_ended": (409, _l("You can rate the event once it has ended.")),
    "closed": (409, _l("Rating this event is closed.")),
}
MOVE_REFUSALS = {
    "unknown_status": _l("Unknown status."),
    "not_allowed": _l("The idea cannot move to this status from where it is."),
    "event_required": _l("Choose the event the idea became."),
    "reason_required": _l("Say why the idea is declined."),
    "reason_too_long": _l("The reason is too long."),
}
STATUS_LABELS = {
    "proposed": _l("Proposed"),
    "considered": _l("Being considered"),
    "planned": _l("Planned"),
    "declined": _l("Declined"),
}
AGES_LABELS = {
    "all": _l("All ages"),
    "under_14": _l("Under 14"),
    "14_17": _l("14–17"),
    "18_24": _l("18–24"),
    "25_35": _l("25–35"),
    "over_35": _l("Over 35"),
}
GROUPS = ("event", "category", "age_group")
#: The feedback prompt goes out for events that ended this long ago at most.
PROMPT_WITHIN = timedelta(days=2)


# ------------------------------------------------------------------------------------------------
# Feedback after an event


def attended(event: Event, user: User) -> bool:
    """Tell whether `user` has a standing check-in at `event`."""
    return db.session.scalar(select(func.count(CheckIn.id)).where(
        CheckIn.event_id == event.id, CheckIn.user_id == user.id, CheckIn.undone_at.is_(None))) > 0


def feedback_of(event: Event, user: User) -> Feedback | None:
    """Return the person's rating of the event, if any."""
    return db.session.scalar(select(Feedback).where(Feedback.event_id == event.id, Feedback.user_id == user.id))


def may_rate(event: Event, user: User, now: datetime | None = None) -> str | None:
    """Say why `user` may not rate `event` now (a code of rules.feedback_problem), or None."""
    mine = feedback_of(event, user)
    return rules.feedback_problem(now=now or utcnow(), event_ends=event.ends_at, attended=attended(event, user),
                                  first_rated=mine.created_at if mine else None)


def rate(event: Event, user: User, rating, comment: str | None) -> tuple[Feedback, bool]:
    """Give or change a person's rating of an event; return (the rating, whether it is new)."""
    problems = rules.feedback_input_problems(rating, comment)
    if problems:
        raise ValidationFailed(in_words(problems, PROBLEM_WORDS))
    now = utcnow()
    lock_row(Event, event.id)  # one rater at a time per event: the check below reads a settled state
    problem = may_rate(event, user, now)
    if problem:
        status, message = FEEDBACK_REFUSALS[problem]
        raise DomainError(problem, message, status=status)
    mine = feedback_of(event, user)
    comment = rules.clean_text(comment)
    if mine is not None:
        mine.rating, mine.comment, mine.updated_at = rating, comment, now
        if comment is None:
            mine.hidden_at = mine.hidden_by_id = None
        db.session.flush()
        return mine, False
    age = user.age_on(to_venue(event.starts_at).date())
    mine = Feedback(event_id=event.id, user_id=user.id, rating=rating, comment=comment,
                    age_group=stats_rules.age_group(age), created_at=now, updated_at=now)
    db.session.add(mine)
    db.session.flush()
    return mine, True


def get_feedback(feedback_id: int) -> Feedback:
    found = db.session.get(Feedback, feedback_id)
    if found is None:
        raise DomainError("not_found", _l("No such rating."), status=404)
    return found


def set_hidden(feedback: Feedback, staff: User, hidden: bool) -> Feedback:
    """Hide an abusive comment from everybody (its rating still counts), or show it again."""
    feedback.hidden_at = utcnow() if hidden else None
    feedback.hidden_by_id = staff.id if hidden else None
    db.session.flush()
    return feedback


def comments(*, event_id: int | None = None, limit: int = 100) -> list[Feedback]:
    """Return the latest ratings with a comment (hidden ones too, for staff), newest first."""
    stmt = select(Feedback).where(Feedback.comment.is_not(None))
    if event_id is not None:
        stmt = stmt.where(Feedback.event_id == event_id)
    return list(db.session.scalars(stmt.order_by(Feedback.updated_at.desc(), Feedback.id.desc()).limit(limit)))


def visible_comments(event_id: int, limit: int = 50) -> list[str]:
    """Return the shown comments of one event, without any author, newest first."""
    return list(db.session.scalars(select(Feedback.comment).where(
        Feedback.event_id == event_id, Feedback.comment.is_not(None), Feedback.hidden_at.is_(None))
        .order_by(Feedback.updated_at.desc(), Feedback.id.desc()).limit(limit)))


def event_ratings(event_id: int) -> rules.Ratings:
    """Add up one event's ratings."""
    rows = db.session.execute(select(Feedback.rating, func.count()).where(Feedback.event_id == event_id)
                              .group_by(Feedback.rating)).all()
    return rules.add_up((None, rating, times) for rating, times in rows).get(None, rules.Ratings())


@dataclass
class FeedbackRow:
    """The ratings of one bucket: an event (key = its id, `label` = its title), a category or an age group."""

    key: str | int
    label: str
    ratings: rules.Ratings


def feedback_rows(period: Period, group_by: str) -> list[FeedbackRow]:
    """Add up the ratings of events that started in the period, per event, category or age group."""
    start, end = period.utc_bounds(venue_tz())
    column = {"event": Feedback.event_id, "category": Event.category, "age_group": Feedback.age_group}[group_by]
    rows = db.session.execute(
        select(column, Feedback.rating, func.count()).join(Event, Event.id == Feedback.event_id)
        .where(Event.starts_at >= start, Event.starts_at < end).group_by(column, Feedback.rating)
        .order_by(column, Feedback.rating)).all()
    added = rules.add_up((key, rating, times) for key, rating, times in rows)
    labels: dict = {}
    if group_by == "event" and added:
        labels = dict(db.session.execute(select(Event.id, Event.title).where(Event.id.in_(list(added)))).all())
    elif group_by == "category":
        from ..stats.reports import CATEGORY_LABELS

        labels = {key: str(CATEGORY_LABELS.get(key, key)) for key in added}
    else:
        from ..stats.reports import AGE_LABELS

        labels = {key: str(AGE_LABELS.get(key, key)) for key in added}
    result = [FeedbackRow(key, labels.get(key, str(key)), ratings) for key, ratings in added.items()]
    if group_by == "age_group":
        order = {key: i for i, key in enumerate(stats_rules.AGE_GROUP_KEYS)}
        result.sort(key=lambda row: order.get(row.key, 99))
    return result


def feedback_total(period: Period) -> rules.Ratings:
    """Add up every rating of the events that started in the period."""
    total = rules.Ratings()
    for row in feedback_rows(period, "category"):
        for rating, times in row.ratings.distribution.items():
            if times:
                total.add(rating, times)
    return total


def send_prompts(now: datetime | None = None) -> int:
    """Ask everybody checked in to an event that ended lately to rate it (in-app and their channels).

    Once per person and event (a dedupe key); return how many prompts were added.
    """
    now = now or utcnow()
    stmt = (select(Event, User).join(CheckIn, CheckIn.event_id == Event.id).join(User, User.id == CheckIn.user_id)
            .outerjoin(Feedback, and_(Feedback.event_id == Event.id, Feedback.user_id == User.id))
            .where(Event.ends_at <= now, Event.ends_at > now - PROMPT_WITHIN, Event.status == EventStatus.SCHEDULED,
                   CheckIn.undone_at.is_(None), Feedback.id.is_(None), User.active.is_(True))
            .order_by(Event.id, User.id))
    added = 0
    for event, user in db.session.execute(stmt).all():
        note = notify(user, "feedback_prompt", _l("How was “%(title)s”?", title=event.title),
                      _l("Rate the event from 1 to 5 in one tap; a short comment helps us choose what to hold next. "
                         "Nobody sees who rated."),
                      link=public_url("voice.rate", event_id=event.id),
                      dedupe_key=f"feedback:{event.id}:{user.id}")
        added += note is not None
    return added


def pending_ratings(user: User, now: datetime | None = None) -> list[Event]:
    """Return the events the person attended, which ended lately and which they have not rated yet."""
    now = now or utcnow()
    stmt = (select(Event).join(CheckIn, CheckIn.event_id == Event.id)
            .outerjoin(Feedback, and_(Feedback.event_id == Event.id, Feedback.user_id == user.id))
            .where(CheckIn.user_id == user.id, CheckIn.undone_at.is_(None), Feedback.id.is_(None),
                   Event.ends_at <= now, Event.ends_at > now - rules.RATE_WITHIN)
            .order_by(Event.ends_at.desc()).limit(5))
    return list(db.session.scalars(stmt).unique())


# ------------------------------------------------------------------------------------------------
# Ideas


def propose(author: User, *, title: str | None, description: str | None, category: str | None,
            ages: str | None) -> Idea:
    """Add a visitor's idea for an event."""
    problems = rules.idea_problems(title=title, description=description, category=category,
                                   categories=[c.value for c in Category], ages=ages)
    if problems:
        raise ValidationFailed(in_words(problems, PROBLEM_WORDS))
    idea = Idea(author_id=author.id, title=title.strip(), description=description.strip(), category=category,
                ages=ages, status="proposed", created_at=utcnow())
    db.session.add(idea)
    db.session.flush()
    return idea


def get_idea(idea_id: int) -> Idea:
    idea = db.session.get(Idea, idea_id)
    if idea is None:
        raise DomainError("not_found", _l("No such idea."), status=404)
    return idea


def _locked(idea: Idea) -> Idea:
    lock_row(Idea, idea.id)
    db.session.refresh(idea)
    return idea


def vote(idea: Idea, user: User) -> int:
    """Support an idea (one vote per person: the constraint has the last word); return its votes."""
    _locked(idea)
    if not rules.voting_open(idea.status):
        raise DomainError("voting_closed", _l("This idea no longer takes votes."))
    age = user.age_on(to_venue(utcnow()).date())
    try:
        with db.session.begin_nested():
            db.session.add(IdeaVote(idea_id=idea.id, user_id=user.id, age_group=stats_rules.age_group(age),
                                    created_at=utcnow()))
    except IntegrityError:
        raise DomainError("already_voted", _l("You already support this idea.")) from None
    return votes_for(idea.id)


def unvote(idea: Idea, user: User) -> int:
    """Withdraw a person's vote; return the idea's votes."""
    _locked(idea)
    if not rules.voting_open(idea.status):
        raise DomainError("voting_closed", _l("This idea no longer takes votes."))
    result = db.session.execute(delete(IdeaVote).where(IdeaVote.idea_id == idea.id, IdeaVote.user_id == user.id))
    if not result.rowcount:
        raise DomainError("not_voted", _l("You do not support this idea."), status=404)
    return votes_for(idea.id)


def votes_for(idea_id: int) -> int:
    return db.session.scalar(select(func.count(IdeaVote.id)).where(IdeaVote.idea_id == idea_id)) or 0


def vote_counts(idea_ids) -> dict[int, int]:
    """Return {idea id: votes} for the given ideas."""
    ids = list(idea_ids)
    if not ids:
        return {}
    rows = db.session.execute(select(IdeaVote.idea_id, func.count()).where(IdeaVote.idea_id.in_(ids))
                              .group_by(IdeaVote.idea_id)).all()
    return {idea_id: 0 for idea_id in ids} | dict(rows)


def voted_by(user: User | None, idea_ids) -> set[int]:
    """Return the ids of the given ideas that `user` supports."""
    ids = list(idea_ids)
    if user is None or not getattr(user, "is_authenticated", False) or not ids:
        return set()
    return set(db.session.scalars(select(IdeaVote.idea_id).where(IdeaVote.user_id == user.id,
                                                                  IdeaVote.idea_id.in_(ids))))


def ideas(status: str | None = None, limit: int = 200) -> list[Idea]:
    """Return ideas (of one status, or all), the most supported first, then the newest."""
    votes = (select(IdeaVote.idea_id, func.count().label("n")).group_by(IdeaVote.idea_id).subquery())
    stmt = select(Idea).outerjoin(votes, votes.c.idea_id == Idea.id)
    if status:
        stmt = stmt.where(Idea.status == status)
    return list(db.session.scalars(stmt.order_by(func.coalesce(votes.c.n, 0).desc(), Idea.created_at.desc(),
                                                 Idea.id.desc()).limit(limit)))


def move(idea: Idea, staff: User, *, status: str, event_id: int | None = None, reason: str | None = None) -> Idea:
    """Move an idea on: considered, planned (linked to its event; voters and author are told) or declined."""
    _locked(idea)
    event = db.session.get(Event, event_id) if event_id is not None else None
    problem = rules.move_problem(idea.status, status, event_given=event is not None, reason=reason)
    if problem:
        if problem in ("event_required", "reason_required", "reason_too_long"):
            field = "event_id" if problem == "event_required" else "reason"
            raise ValidationFailed({field: [MOVE_REFUSALS[problem]]})
        raise DomainError(problem, MOVE_REFUSALS[problem])
    idea.status = status
    idea.decided_at = utcnow()
    if status == "planned":
        idea.event_id = event.id
    if status == "declined":
        idea.decline_reason = rules.clean_text(reason)
    db.session.flush()
    if status in ("planned", "declined"):
        _tell_supporters(idea, event)
    return idea


def _tell_supporters(idea: Idea, event: Event | None) -> None:
    people = db.session.scalars(select(User).where(User.active.is_(True), User.id.in_(
        select(IdeaVote.user_id).where(IdeaVote.idea_id == idea.id).union(
            select(Idea.author_id).where(Idea.id == idea.id, Idea.author_id.is_not(None)))))
        .order_by(User.id)).all()
    for person in people:
        if idea.status == "planned":
            notify(person, "idea_planned", _l("Your idea is happening: “%(title)s”", title=idea.title),
                   _l("The idea you supported became an event: %(event)s. Register to keep a seat.",
                      event=event.title),
                   link=public_url("events.detail", event_id=event.id), dedupe_key=f"idea:{idea.id}:{person.id}")
        else:
            notify(person, "idea_declined", _l("Idea declined: “%(title)s”", title=idea.title),
                   _l("The reason: %(reason)s", reason=idea.decline_reason),
                   link=public_url("voice.idea", idea_id=idea.id), dedupe_key=f"idea:{idea.id}:{person.id}")


@dataclass
class TopIdea:
    """An idea and its support for the committee: no author, counts only."""

    id: int
    title: str
    category: str
    ages: str
    status: str
    votes: int


def top_ideas(limit: int = 50) -> list[TopIdea]:
    """Return the most supported ideas (any status), with their category and age band."""
    found = ideas(limit=limit)
    counts = vote_counts(idea.id for idea in found)
    return [TopIdea(i.id, i.title, i.category, i.ages, i.status, counts.get(i.id, 0)) for i in found]


def support_by(group_by: str) -> list[tuple[str, int, int]]:
    """Return (key, ideas, votes) per idea category or age band (`ages`), most votes first."""
    column = Idea.category if group_by == "category" else Idea.ages
    rows = db.session.execute(select(column, func.count(func.distinct(Idea.id)), func.count(IdeaVote.id))
                              .outerjoin(IdeaVote, IdeaVote.idea_id == Idea.id).group_by(column)).all()
    return sorted(((key, ideas_n, votes) for key, ideas_n, votes in rows), key=lambda r: (-r[2], r[0]))


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def ages_label(ages: str) -> str:
    return str(AGES_LABELS.get(ages, ages))


# ------------------------------------------------------------------------------------------------
# Erasure


def forget(user_id: int) -> None:
    """Detach an erased person's ratings, votes and ideas: they stay as anonymous counts (age group kept).

    A comment is free text that may name its author, so it goes; a proposed idea stays public without
    its author. Called by `privacy.services` inside the erasure's transaction.
    """
    db.session.execute(update(Feedback).where(Feedback.user_id == user_id)
                       .values(user_id=None, comment=None, hidden_at=None, hidden_by_id=None))
    db.session.execute(update(Feedback).where(Feedback.hidden_by_id == user_id).values(hidden_by_id=None))
    db.session.execute(update(IdeaVote).where(IdeaVote.user_id == user_id).values(user_id=None))
    db.session.execute(update(Idea).where(Idea.author_id == user_id).values(author_id=None))


def rows(model, *where) -> list[dict]:
    """Return the rows of `model` matching `where` as {column name: value}, in id order (for the export)."""
    return [{column.key: getattr(obj, column.key) for column in obj.__table__.columns}
            for obj in db.session.scalars(select(model).where(*where).order_by(model.id))]


def exported(user_id: int) -> dict[str, list]:
    """Return a person's own ratings, votes and ideas for their data export (column name -> value rows)."""
    return {"event_feedback": rows(Feedback, Feedback.user_id == user_id),
            "idea_votes": rows(IdeaVote, IdeaVote.user_id == user_id),
            "ideas": rows(Idea, Idea.author_id == user_id)}
