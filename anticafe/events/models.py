"""Events of the café's programme and the series they repeat in."""

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, utcnow
from ..extensions import db
from ..venue.models import Zone
from . import rules


class Category(enum.StrEnum):
    TOURNAMENT = "tournament"
    TALK_SHOW = "talk_show"
    PARTY = "party"
    CONTEST = "contest"
    TRAINING = "training"
    KIDS = "kids"
    OTHER = "other"


class EventStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class Entry(enum.StrEnum):
    #: free entry: a registration and a check-in
    FREE = "free"
    #: the check-in also starts the visitor's paid timed visit
    TIMED = "timed"


class EventSeries(db.Model):
    """A repeating event ("Mafia every Friday 19:00"); each occurrence is its own Event."""

    __tablename__ = "event_series"
    __table_args__ = (
        CheckConstraint("interval_weeks >= 1", name="interval_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    #: repeat every N weeks
    interval_weeks: Mapped[int] = mapped_column(default=1)
    #: last date an occurrence may start on (venue date), or None when `count` limits it
    until: Mapped[date | None]
    #: number of occurrences, or None when `until` limits it
    count: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    events: Mapped[list["Event"]] = relationship(back_populates="series", order_by="Event.starts_at")

    def __repr__(self) -> str:
        return f"<EventSeries {self.id} {self.title!r}>"


class Event(db.Model):
    """One event on the calendar: a tournament, a talk show, a party..."""

    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("status IN ('scheduled', 'cancelled')", name="status_known"),
        CheckConstraint("entry IN ('free', 'timed')", name="entry_known"),
        CheckConstraint("min_age IS NULL OR max_age IS NULL OR min_age <= max_age", name="ages_ordered"),
        Index("ix_events_published_starts_at", "published", "starts_at"),
        # the occupancy's guests inside now: free-entry, scheduled events that have not ended
        Index("ix_events_entry_status_ends_at", "entry", "status", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int | None] = mapped_column(ForeignKey("event_series.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(20), default=Category.OTHER, index=True)
    #: Markdown, rendered to sanitized HTML
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: None = unlimited
    capacity: Mapped[int | None]
    min_age: Mapped[int | None]
    max_age: Mapped[int | None]
    #: registration window; None = from publication / until the start
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    entry: Mapped[str] = mapped_column(String(10), default=Entry.FREE)
    #: organiser or partner, e.g. the youth committee
    organiser: Mapped[str | None] = mapped_column(String(200))
    #: the zone the event takes (it blocks bookings there); None = the whole café / not placed
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id", ondelete="SET NULL"), index=True)
    #: file name of the resized cover picture under instance/uploads
    cover_image: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12), default=EventStatus.SCHEDULED)
    #: when and why staff cancelled it (shown on the page and told to the registrants)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    published: Mapped[bool] = mapped_column(default=False)
    #: first publication; registration opens then unless `registration_opens_at` says otherwise
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: iCalendar SEQUENCE: grows with every change a calendar app should pick up
    sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    series: Mapped[EventSeries | None] = relationship(back_populates="events")
    zone: Mapped[Zone | None] = relationship()

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.title!r} {self.starts_at:%Y-%m-%d %H:%M}>"

    @property
    def is_cancelled(self) -> bool:
        return self.status == EventStatus.CANCELLED

    @property
    def registration_opens(self) -> datetime | None:
        """When registration opens: the explicit time, else the publication (None for a draft)."""
        return rules.registration_window(opens_at=self.registration_opens_at, closes_at=self.registration_closes_at,
                                         published_at=self.published_at, starts_at=self.starts_at)[0]

    @property
    def registration_closes(self) -> datetime:
        """When registration closes: the explicit time, else the start."""
        return self.registration_closes_at or self.starts_at

    def registration_state(self, now: datetime) -> str:
        """Return "not_yet", "open" or "closed" (a draft or a cancelled event is never open)."""
        if not self.published or self.is_cancelled:
            return "closed" if self.is_cancelled else "not_yet"
        return rules.registration_state(now, self.registration_opens, self.registration_closes)

    def allows_age(self, age: int | None) -> bool:
        """Tell whether a person of `age` (on the event's date) fits the age limits."""
        return rules.age_allows(self.min_age, self.max_age, age)
