"""Timed visits and the segments of time they are billed for."""

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..db import Kopecks, UTCDateTime, utcnow
from ..extensions import db


class VisitStatus(enum.StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    #: the clock has stopped; the amount is due
    STOPPED = "stopped"
    PAID = "paid"


class Visit(db.Model):
    """A guest's stay at the café, billed by the minute."""

    __tablename__ = "visits"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'paused', 'stopped', 'paid')", name="status_known"),
        CheckConstraint("user_id IS NOT NULL OR guest_name IS NOT NULL", name="has_guest"),
        # One open visit per person: scanning a card twice cannot start two clocks.
        Index("uq_visits_open_per_user", "user_id", unique=True,
              sqlite_where=text("status IN ('active', 'paused')"),
              postgresql_where=text("status IN ('active', 'paused')")),
        Index("ix_visits_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: None for a walk-in guest without an account
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    guest_name: Mapped[str | None] = mapped_column(String(120))
    guest_phone: Mapped[str | None] = mapped_column(String(20))
    #: pricing category at the start of the visit
    guest_category: Mapped[str] = mapped_column(String(32), default="standard")
    status: Mapped[str] = mapped_column(String(10), default=VisitStatus.ACTIVE)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    billed_minutes: Mapped[int | None]
    amount: Mapped[Decimal | None] = mapped_column(Kopecks)
    payment_method: Mapped[str | None] = mapped_column(String(20))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: why a visit was free or subsidised, or a correction's reason
    note: Mapped[str | None] = mapped_column(Text)
    #: set by close-day for visits ended at closing time
    needs_review: Mapped[bool] = mapped_column(default=False)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: the event check-in that started this visit (timed events)
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id", ondelete="SET NULL"))

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    segments: Mapped[list["VisitSegment"]] = relationship(back_populates="visit", order_by="VisitSegment.started_at",
                                                          cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Visit {self.id} user={self.user_id} {self.status}>"


class VisitSegment(db.Model):
    """A stretch of active (billed) time; a pause ends one segment and a resume starts the next."""

    __tablename__ = "visit_segments"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    visit: Mapped[Visit] = relationship(back_populates="segments")

    def __repr__(self) -> str:
        return f"<VisitSegment {self.id} visit={self.visit_id}>"
