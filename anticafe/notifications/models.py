"""The messages to people and their deliveries.

A `Notification` is one message to one person: it is the in-app copy. Each channel that carries it
further (email, Telegram, VK) gets one `Delivery` row with its own state, attempts and next try.
`MessengerLink` ties an account to a Telegram or VK chat; `LinkToken` is the one-time secret of a
deep link that makes one; `ChannelPreference` switches a channel off for a kind of message.
"""

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..db import UTCDateTime, utcnow
from ..extensions import db


class Notification(db.Model):
    """A message to a person: always shown in the app; emailed when possible and wanted."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_read", "user_id", "read_at"),
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
    #: the ticket the message is about: messengers send its QR (of `link`) as a picture with this code
    ticket_code: Mapped[str | None] = mapped_column(String(40))
    #: e.g. "event:12" — lets a sender avoid sending the same reminder twice
    dedupe_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
    deliveries: Mapped[list["Delivery"]] = relationship(back_populates="notification", cascade="all, delete-orphan",
                                                        passive_deletes=True, order_by="Delivery.id")

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.kind} user={self.user_id}>"


class Delivery(db.Model):
    """One message on its way through one channel: the outbox row that a worker sends and retries."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        UniqueConstraint("notification_id", "channel", name="uq_delivery_per_channel"),
        CheckConstraint("channel IN ('email', 'telegram', 'vk')", name="channel_known"),
        CheckConstraint("state IN ('pending', 'sent', 'failed', 'cancelled')", name="state_known"),
        Index("ix_deliveries_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"))
    #: "email", "telegram" or "vk"
    channel: Mapped[str] = mapped_column(String(10))
    #: "pending" (to send at `next_attempt_at`), "sent", "failed" (gave up or the person blocked the bot)
    #: or "cancelled" (the channel went away before it was sent)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the last error, as the server said it
    error: Mapped[str | None] = mapped_column(String(300))

    notification: Mapped[Notification] = relationship(back_populates="deliveries")

    def __repr__(self) -> str:
        return f"<Delivery {self.id} {self.channel} note={self.notification_id} {self.state}>"


class MessengerLink(db.Model):
    """An account's chat with the venue's bot: where its Telegram or VK messages go."""

    __tablename__ = "messenger_links"
    __table_args__ = (
        UniqueConstraint("user_id", "channel", name="uq_messenger_link_per_user"),
        # One chat speaks for one account, so the bot always knows who is writing.
        UniqueConstraint("channel", "chat_id", name="uq_messenger_link_chat"),
        CheckConstraint("channel IN ('telegram', 'vk')", name="messenger_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: "telegram" or "vk"
    channel: Mapped[str] = mapped_column(String(10))
    #: the Telegram chat id or the VK peer id
    chat_id: Mapped[str] = mapped_column(String(40))
    #: the messenger's display name of the person (shown on the profile)
    display_name: Mapped[str | None] = mapped_column(String(120))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<MessengerLink {self.channel} user={self.user_id} chat={self.chat_id}>"


class LinkToken(db.Model):
    """The one-time secret of a deep link (`t.me/<bot>?start=<token>`); only its SHA-256 is stored."""

    __tablename__ = "messenger_link_tokens"
    __table_args__ = (
        CheckConstraint("channel IN ('telegram', 'vk')", name="link_token_messenger_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<LinkToken {self.id} {self.channel} user={self.user_id}>"


class ChannelPreference(db.Model):
    """A person's choice for one kind of message (topic) on one channel; no row means "on"."""

    __tablename__ = "channel_preferences"
    __table_args__ = (
        CheckConstraint("topic IN ('reminders', 'changes', 'promotions')", name="topic_known"),
        CheckConstraint("channel IN ('email', 'telegram', 'vk')", name="preference_channel_known"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    #: "reminders", "changes" or "promotions" (see rules.TOPICS)
    topic: Mapped[str] = mapped_column(String(12), primary_key=True)
    channel: Mapped[str] = mapped_column(String(10), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)

    def __repr__(self) -> str:
        return f"<ChannelPreference user={self.user_id} {self.topic}/{self.channel} {self.enabled}>"
