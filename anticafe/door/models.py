"""Check-ins at the door, each event's check-in window, and the log of every scan."""

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..db import UTCDateTime, utcnow
from ..events.models import Event
from ..extensions import db
from ..registrations.models import Registration


class ScanSource(enum.StrEnum):
    """How a code reached the door (kept in the scan log for the audit and the statistics)."""

    CAMERA = "camera"
    PHOTO = "photo"
    TYPED = "typed"
    #: found by name / phone / email and checked in by hand
    MANUAL = "manual"
    WALK_IN = "walk_in"
    UNDO = "undo"
    #: another program calling the API without saying
    API = "api"


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
    #: why staff let a walk-in into a full event (or one outside its age limits)
    override_reason: Mapped[str | None] = mapped_column(Text)
    #: the person's age group on the day ("14_17"...), kept when their identity is erased so that
    #: statistics still count the age without the birth date
    age_band: Mapped[str | None] = mapped_column(String(8))
    #: decided on a phone without network and uploaded later (`checked_in_at` is the scan's moment)
    offline: Mapped[bool] = mapped_column(default=False, server_default=text("false"))

    registration: Mapped[Registration] = relationship()
    event: Mapped[Event] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    staff: Mapped[User | None] = relationship(foreign_keys=[staff_id])
    undone_by: Mapped[User | None] = relationship(foreign_keys=[undone_by_id])

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
    #: camera, photo, typed, manual, walk_in, undo or api (`ScanSource`)
    source: Mapped[str | None] = mapped_column(String(10))
    #: the person the code belonged to, when known (tickets and guest cards alike)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    checkin_id: Mapped[int | None] = mapped_column(ForeignKey("checkins.id", ondelete="SET NULL"))
    #: staff's reason for an override, or other words worth keeping with the entry
    note: Mapped[str | None] = mapped_column(Text)
    #: for a scan made offline: the moment the phone scanned it (`at` is when it was uploaded)
    scanned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: for a scan made offline: what the phone decided then (checked_in, already_checked_in, a refusal)
    offline_result: Mapped[str | None] = mapped_column(String(40))

    @property
    def offline_conflict(self) -> bool:
        """A phone let the person in offline, but the server kept another check-in (or refused the ticket)."""
        return self.offline_result == "checked_in" and self.result != "checked_in"

    staff: Mapped[User | None] = relationship(foreign_keys=[staff_id])
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    event: Mapped[Event | None] = relationship()

    def __repr__(self) -> str:
        return f"<ScanLog {self.id} {self.result}>"


class CheckInWindow(db.Model):
    """An event's own check-in window; events without a row use the venue default (60 minutes before)."""

    __tablename__ = "checkin_windows"
    __table_args__ = (
        CheckConstraint("opens_minutes_before >= 0", name="opens_not_negative"),
        CheckConstraint("closes_minutes_after >= 0", name="closes_not_negative"),
    )

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    #: check-in opens this many minutes before the start
    opens_minutes_before: Mapped[int] = mapped_column(default=60)
    #: and closes this many minutes after the end
    closes_minutes_after: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<CheckInWindow event={self.event_id} -{self.opens_minutes_before}/+{self.closes_minutes_after}>"
