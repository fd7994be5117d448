"""Notifications API: a person's own messages."""

from datetime import datetime

from flask_login import current_user
from pydantic import BaseModel, ConfigDict

from ..api.spec import api_blueprint, endpoint
from ..auth import Access
from ..extensions import db
from ..timeutil import to_venue
from . import services

bp = api_blueprint("notifications_api", __name__)


class NotificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    subject: str
    body: str
    link: str | None
    created_at: datetime
    read_at: datetime | None


class NotificationList(BaseModel):
    items: list[NotificationOut]
    unread: int


class ReadOut(BaseModel):
    marked: int


@endpoint(bp, "/me/notifications", summary="My latest notifications", access=Access.USER, response=NotificationList)
def my_notifications():
    """Return the latest 50 messages, newest first, and the unread count."""
    items = []
    for note in services.recent(current_user):
        out = NotificationOut.model_validate(note)
        out.created_at = to_venue(note.created_at)
        out.read_at = to_venue(note.read_at) if note.read_at else None
        items.append(out)
    return NotificationList(items=items, unread=services.unread_count(current_user))


@endpoint(bp, "/me/notifications/read", "POST", summary="Mark all my notifications read", access=Access.USER,
          response=ReadOut)
def mark_read():
    """Mark every unread message as read."""
    marked = services.mark_all_read(current_user)
    db.session.commit()
    return ReadOut(marked=marked)
