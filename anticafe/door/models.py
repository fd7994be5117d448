"""Check-ins at the door and the log of every scan."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..db import UTCDateTime, utcnow
from ..extensions import db
from ..registrations.models import Registration


class CheckIn(db.Model):
    """A person let in to an event. Undone check-ins stay, marked, for the audit."""

    __tablename__ = "checkins"
    __table_args__ = (
        # At most one standing check-in per registration: the database decides races between phones.
        Index("uq_checkins_registration_active", "registration_id", unique=True,
              sqlite_where=text("undone_at IS NULL"), postgresql_where=text("undone_at IS NULL")),
        Index("ix_checkins_event_time", "event_id", "checked_in_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    #: copied from the registration so that attendance counts need no join
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: the phone's label, e.g. "Door phone 1"
    device: Mapped[str | None] = mapped_column(String(60))
    #: true when the person was registered on the spot
    walk_in: Mapped[bool] = mapped_column(default=False)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    registration: Mapped[Registration] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    staff: Mapped[User | None] = relationship(foreign_keys=[staff_id])

    def __repr__(self) -> str:
        return f"<CheckIn {self.id} registration={self.registration_id} at={self.checked_in_at:%H:%M:%S}>"


class ScanLog(db.Model):
    """Every scan or typed code at the door, good or bad, for the audit and the statistics."""

    __tablename__ = "scan_log"
    __table_args__ = (
        Index("uq_scan_log_nonce", "staff_id", "nonce", unique=True,
              sqlite_where=text("nonce IS NOT NULL"), postgresql_where=text("nonce IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    device: Mapped[str | None] = mapped_column(String(60))
    #: exactly what the QR held or what was typed
    raw: Mapped[str] = mapped_column(Text)
    #: checked_in, already_checked_in, unknown_code, waitlisted, visit_started, ...
    result: Mapped[str] = mapped_column(String(40))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"), index=True)
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id", ondelete="SET NULL"))
    #: the client's retry nonce: a repeated request answers the first result
    nonce: Mapped[str | None] = mapped_column(String(64))
    #: the JSON answer given the first time, replayed for a retry with the same nonce
    response: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"<ScanLog {self.id} {self.result}>"
