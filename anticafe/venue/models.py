"""The café itself: opening hours per weekday, its zones and the times they are closed."""

import enum
from datetime import datetime, time
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Kopecks, UTCDateTime, utcnow
from ..extensions import db


class OpeningHours(db.Model):
    """The café's hours on one weekday (0 = Monday ... 6 = Sunday)."""

    __tablename__ = "opening_hours"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("closed OR (opens IS NOT NULL AND closes IS NOT NULL AND closes > opens)",
                        name="hours_consistent"),
    )

    weekday: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    opens: Mapped[time | None]
    closes: Mapped[time | None]
    closed: Mapped[bool] = mapped_column(default=False)

    def __repr__(self) -> str:
        return f"<OpeningHours {self.weekday} {self.opens}-{self.closes}{' closed' if self.closed else ''}>"


class Zone(db.Model):
    """A part of the café: the main hall, the game room, the console corner, the meeting room."""

    __tablename__ = "zones"
    __table_args__ = (
        CheckConstraint("capacity > 0", name="capacity_positive"),
        # An index, not a constraint: SQLite can add it without rebuilding the table.
        Index("uq_zones_feed_token", "feed_token", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    capacity: Mapped[int]
    bookable: Mapped[bool] = mapped_column(default=True)
    #: None: the guests' timed visits are billed as usual
    price_per_hour: Mapped[Decimal | None] = mapped_column(Kopecks)
    #: file name of the re-encoded photo under instance/uploads/zones/
    photo: Mapped[str | None] = mapped_column(String(200))
    #: secret in the staff's iCalendar feed URL of this zone; regenerating it invalidates the old URL
    feed_token: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Zone {self.id} {self.name!r}>"


class ClosureReason(enum.StrEnum):
    HOLIDAY = "holiday"
    MAINTENANCE = "maintenance"
    PRIVATE = "private"
    OTHER = "other"


class Closure(db.Model):
    """A time when a zone (or the whole café) cannot be booked: holidays, maintenance, a private function."""

    __tablename__ = "closures"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("reason IN ('holiday', 'maintenance', 'private', 'other')", name="reason_known"),
        Index("ix_closures_zone_starts", "zone_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: None: the whole café is closed
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(12), default=ClosureReason.OTHER)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    zone: Mapped[Zone | None] = relationship()

    def __repr__(self) -> str:
        return f"<Closure {self.id} zone={self.zone_id} {self.starts_at:%Y-%m-%d %H:%M} {self.reason}>"
