"""Registrations for events; a confirmed one carries the QR ticket's code."""

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..db import UTCDateTime, utcnow
from ..events.models import Event
from ..extensions import db


class RegistrationStatus(enum.StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class Source(enum.StrEnum):
    """Who made the registration."""

    #: the visitor, with one tap
    SELF = "self"
    #: a staff member, for a visitor account or a guest profile
    STAFF = "staff"
    #: at the door, on the spot
    WALK_IN = "walk_in"


class Registration(db.Model):
    """A person's place at an event: confirmed (with a ticket), on the waitlist, or cancelled.

    Seat decisions for one event are serialized by a lock on the event's row (see
    `services.lock_event`), so the waitlist positions stay 1..N without gaps. They are deliberately
    not backed by a unique index: renumbering the queue in one UPDATE would trip it mid-statement on
    PostgreSQL. The CHECK constraints below keep each row self-consistent.
    """

    __tablename__ = "registrations"
    __table_args__ = (
        CheckConstraint("status IN ('confirmed', 'waitlisted', 'cancelled')", name="status_known"),
        CheckConstraint("source IN ('self', 'staff', 'walk_in')", name="source_known"),
        # A waitlisted registration has a position 1, 2, 3...; nobody else has one.
        CheckConstraint("(status = 'waitlisted' AND waitlist_position IS NOT NULL AND waitlist_position >= 1) OR "
                        "(status != 'waitlisted' AND waitlist_position IS NULL)", name="waitlist_position_consistent"),
        # A confirmed registration always has a usable ticket; a waitlisted one has none.
        CheckConstraint("(status = 'confirmed' AND ticket_code IS NOT NULL AND ticket_revoked_at IS NULL) OR "
                        "(status = 'waitlisted' AND ticket_code IS NULL) OR status = 'cancelled'",
                        name="ticket_consistent"),
        # One active registration per person per event.
        Index("uq_registrations_active_per_user", "event_id", "user_id", unique=True,
              sqlite_where=text("status != 'cancelled'"), postgresql_where=text("status != 'cancelled'")),
        Index("ix_registrations_event_status", "event_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(12))
    #: 1, 2, 3... while waitlisted; None otherwise
    waitlist_position: Mapped[int | None]
    #: "self", "staff" or "walk_in"
    source: Mapped[str] = mapped_column(String(10), default=Source.SELF)
    #: the random code in the QR ticket's URL (never the id); None while waitlisted. A cancelled
    #: registration keeps its code, marked revoked, so that the door can say "cancelled" instead of "unknown".
    ticket_code: Mapped[str | None] = mapped_column(String(40), unique=True)
    ticket_revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: staff member who registered the person (None when they did it themselves)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: who cancelled: the person themselves or a staff member (None while active)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: the person's age group on the day ("14_17"...), kept when their identity is erased so that
    #: statistics still count the age without the birth date
    age_band: Mapped[str | None] = mapped_column(String(8))

    event: Mapped[Event] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    cancelled_by: Mapped[User | None] = relationship(foreign_keys=[cancelled_by_id])

    def __repr__(self) -> str:
        return f"<Registration {self.id} event={self.event_id} user={self.user_id} {self.status}>"

    @property
    def is_confirmed(self) -> bool:
        return self.status == RegistrationStatus.CONFIRMED

    @property
    def is_waitlisted(self) -> bool:
        return self.status == RegistrationStatus.WAITLISTED

    @property
    def is_cancelled(self) -> bool:
        return self.status == RegistrationStatus.CANCELLED

    @property
    def has_valid_ticket(self) -> bool:
        """A ticket that the door accepts: confirmed and not revoked."""
        return self.is_confirmed and self.ticket_code is not None and self.ticket_revoked_at is None
