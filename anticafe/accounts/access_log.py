"""Who looked at whom: staff opening a person's card, searching people, exporting an attendee list.

Admins read the log at `/admin/access-log`. It keeps ids only (never a name or the words searched
for), so that the log itself adds no personal data.
"""

from datetime import datetime

from flask_login import current_user
from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, utcnow
from ..extensions import db

#: What was done: open a person's card, search people, export an attendee list, erase a person.
ACTIONS = ("view_person", "search_people", "export_attendees", "erase_person", "export_person")


class AccessEntry(db.Model):
    """One look at personal data by a staff member or an admin."""

    __tablename__ = "access_log"
    __table_args__ = (
        CheckConstraint("action IN ('view_person', 'search_people', 'export_attendees', 'erase_person', "
                        "'export_person')", name="action_known"),
        Index("ix_access_log_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: who looked
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    #: whose data (a card, an erasure); None for a search or a list
    subject_id: Mapped[int | None] = mapped_column(index=True)
    #: the event of an exported attendee list
    event_id: Mapped[int | None]
    #: how many people a search or a list returned
    count: Mapped[int | None]
    #: the page or endpoint (e.g. "passes.person"), no query text
    where: Mapped[str] = mapped_column(String(60), default="")

    def __repr__(self) -> str:
        return f"<AccessEntry {self.id} {self.action} actor={self.actor_id} subject={self.subject_id}>"


def log_access(action: str, *, where: str, subject_id: int | None = None, event_id: int | None = None,
               count: int | None = None, actor=None) -> None:
    """Note a look at personal data in the current transaction (the request commits it)."""
    actor = actor if actor is not None else current_user
    actor_id = actor.id if getattr(actor, "is_authenticated", False) else None
    db.session.add(AccessEntry(at=utcnow(), actor_id=actor_id, action=action, subject_id=subject_id,
                               event_id=event_id, count=count, where=where[:60]))


def log_view(user_id: int, where: str) -> None:
    """Note that staff opened a person's card, and commit it (GET pages do not commit themselves)."""
    log_access("view_person", where=where, subject_id=user_id)
    db.session.commit()


def log_search(count: int, where: str) -> None:
    """Note a search of people (the number of people found, never the words), and commit it."""
    log_access("search_people", where=where, count=count)
    db.session.commit()
