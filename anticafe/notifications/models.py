"""The outbox: one row per message to one person."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..db import UTCDateTime, utcnow
from ..extensions import db


class Notification(db.Model):
    """A message to a person: always shown in the app; emailed when possible and wanted."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_read", "user_id", "read_at"),
        Index("ix_notifications_email_state", "email_state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: what happened, e.g. "waitlist_promoted", "event_cancelled", "event_reminder", "booking_confirmed"
    kind: Mapped[str] = mapped_column(String(40))
    #: written in the recipient's language when the message was made
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    #: a path inside the site ("/events/12"), made absolute in emails
    link: Mapped[str | None] = mapped_column(String(300))
    #: e.g. "event:12" — lets a sender avoid sending the same reminder twice
    dedupe_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: "pending", "sent", "failed" (gave up) or "skipped" (no email, email turned off, or no SMTP)
    email_state: Mapped[str] = mapped_column(String(10), default="pending")
    email_attempts: Mapped[int] = mapped_column(default=0)
    email_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_error: Mapped[str | None] = mapped_column(String(300))

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.kind} user={self.user_id} {self.email_state}>"
