"""Ratings after events, proposed ideas and the votes for them.

A person's rows point at their account with ON DELETE SET NULL: when an account goes, its ratings and
votes stay as anonymous counts (the age group is kept on the row, so the committee's breakdown holds).
"""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..db import UTCDateTime, utcnow
from ..events.models import Event
from ..extensions import db
from .rules import CONTEST_KINDS, ENTRY_STATUSES, IDEA_STATUSES


class Feedback(db.Model):
    """One attendee's rating of an event (1–5) with an optional short comment; one per person and event."""

    __tablename__ = "event_feedback"
    __table_args__ = (
        UniqueConstraint("event_id", "user_id", name="uq_event_feedback_person"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_1_to_5"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    #: None once the account was erased: the rating stays as an anonymous count
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    rating: Mapped[int]
    comment: Mapped[str | None] = mapped_column(Text)
    #: the rater's age group on the event's date (stats.rules.AGE_GROUP_KEYS), kept for anonymous counts
    age_group: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: staff hid an abusive comment (the rating still counts)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    event: Mapped[Event] = relationship()

    def __repr__(self) -> str:
        return f"<Feedback {self.id} event={self.event_id} rating={self.rating}>"


class Idea(db.Model):
    """An event a visitor proposes: proposed → considered → planned (linked to its event) or declined."""

    __tablename__ = "ideas"
    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in IDEA_STATUSES)})", name="status_known"),
        CheckConstraint("status <> 'planned' OR event_id IS NOT NULL", name="planned_has_event"),
        CheckConstraint("status <> 'declined' OR decline_reason IS NOT NULL", name="declined_has_reason"),
        Index("ix_ideas_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: None once the author's account was erased
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    #: what happens at it
    description: Mapped[str] = mapped_column(Text)
    #: an events.models.Category value
    category: Mapped[str] = mapped_column(String(20))
    #: for which ages: a stats age group key, or "all"
    ages: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(12), default="proposed")
    #: the event it became (status planned)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    #: why it was declined, shown to everybody
    decline_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    author: Mapped[User | None] = relationship()
    event: Mapped[Event | None] = relationship()

    def __repr__(self) -> str:
        return f"<Idea {self.id} {self.title!r} {self.status}>"


class IdeaVote(db.Model):
    """One person's support for an idea; the unique constraint makes it one vote per person."""

    __tablename__ = "idea_votes"
    __table_args__ = (UniqueConstraint("idea_id", "user_id", name="uq_idea_votes_person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    #: None once the voter's account was erased: the vote stays as an anonymous count
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: the voter's age group when voting, kept for anonymous counts
    age_group: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<IdeaVote idea={self.idea_id} user={self.user_id}>"


class Contest(db.Model):
    """A contest held at an event: entries until voting opens, votes between `opens_at` and `closes_at`,
    then results with places. `kind` is the vote rule (rules.CONTEST_KINDS): video, one vote per account
    (the entry is a VK Video / Rutube / YouTube link); live, one vote per person checked in to the event
    (the entry is a performer slot in a running order)."""

    __tablename__ = "contests"
    __table_args__ = (
        CheckConstraint(f"kind IN ({', '.join(repr(k) for k in CONTEST_KINDS)})", name="kind_known"),
        CheckConstraint("closes_at > opens_at", name="closes_after_opening"),
        CheckConstraint("jury_weight BETWEEN 0 AND 100", name="jury_weight_percent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: one contest per event
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), unique=True)
    title: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(10))
    #: what to submit, how it is judged (shown to everybody)
    rules: Mapped[str | None] = mapped_column(Text)
    #: entries are taken until voting opens
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: the jury's share of the final score, in percent (0: only the audience's votes count)
    jury_weight: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship()

    def __repr__(self) -> str:
        return f"<Contest {self.id} {self.title!r} {self.kind}>"


class ContestEntry(db.Model):
    """One participant's entry: a title and, for a video contest, the link; staff approve it, give it a
    slot in the running order and a jury score. One entry per person and contest."""

    __tablename__ = "contest_entries"
    __table_args__ = (
        UniqueConstraint("contest_id", "user_id", name="uq_contest_entries_person"),
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in ENTRY_STATUSES)})", name="status_known"),
        CheckConstraint("jury_score IS NULL OR jury_score BETWEEN 0 AND 10", name="jury_score_0_to_10"),
        CheckConstraint("running_order IS NULL OR running_order BETWEEN 1 AND 999", name="running_order_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    #: None once the entrant's account was erased (an approved entry stays in the results)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    video_url: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(10), default="submitted")
    #: the performer's slot (live contests), 1 first
    running_order: Mapped[int | None]
    jury_score: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<ContestEntry {self.id} contest={self.contest_id} {self.status}>"


class ContestVote(db.Model):
    """One person's vote in a contest; the unique constraint makes it one per person and contest."""

    __tablename__ = "contest_votes"
    __table_args__ = (UniqueConstraint("contest_id", "user_id", name="uq_contest_votes_person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    entry_id: Mapped[int] = mapped_column(ForeignKey("contest_entries.id", ondelete="CASCADE"), index=True)
    #: None once the voter's account was erased: the vote stays as an anonymous count
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<ContestVote contest={self.contest_id} entry={self.entry_id} user={self.user_id}>"
