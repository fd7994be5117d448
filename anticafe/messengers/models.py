"""Announcements: an event published to the venue's Telegram channel or VK community wall."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..db import UTCDateTime, utcnow
from ..events.models import Event
from ..extensions import db


class Announcement(db.Model):
    """One attempt to post an event to one place: what went out, when, and what the server said."""

    __tablename__ = "announcements"
    __table_args__ = (
        CheckConstraint("channel IN ('telegram', 'vk')", name="announcement_channel_known"),
        CheckConstraint("state IN ('sent', 'failed')", name="announcement_state_known"),
        Index("ix_announcements_event", "event_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    #: "telegram" (the channel TELEGRAM_CHANNEL) or "vk" (the wall of VK_GROUP_ID)
    channel: Mapped[str] = mapped_column(String(10))
    #: "sent" or "failed"
    state: Mapped[str] = mapped_column(String(10))
    #: the post's id there (Telegram message id, VK post id), to find it
    external_id: Mapped[str | None] = mapped_column(String(40))
    error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    event: Mapped[Event] = relationship()
    created_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Announcement {self.id} event={self.event_id} {self.channel} {self.state}>"
