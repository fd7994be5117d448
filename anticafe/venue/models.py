"""Opening hours per weekday."""

from datetime import time

from sqlalchemy import CheckConstraint
from sqlalchemy.orm import Mapped, mapped_column

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
