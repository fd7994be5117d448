"""Zones of the café that can be booked (and that events can be placed in)."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Kopecks, UTCDateTime, utcnow
from ..extensions import db


class Zone(db.Model):
    """A part of the café: the main hall, the game room, the console corner, the meeting room."""

    __tablename__ = "zones"
    __table_args__ = (CheckConstraint("capacity > 0", name="capacity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    capacity: Mapped[int]
    bookable: Mapped[bool] = mapped_column(default=True)
    #: None: the guests' timed visits are billed as usual
    price_per_hour: Mapped[Decimal | None] = mapped_column(Kopecks)
    photo: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Zone {self.id} {self.name!r}>"
