"""Messengers API: announcements of an event (staff)."""

from datetime import datetime
from typing import Literal

from flask import abort
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field

from ..api.spec import api_blueprint, endpoint
from ..auth import Access
from ..events.models import Event
from ..extensions import db
from ..timeutil import to_venue
from . import services

bp = api_blueprint("messengers_api", __name__)


class AnnouncementOut(BaseModel):
    id: int
    channel: str
    #: "sent" or "failed"
    state: str
    external_id: str | None
    error: str | None
    created_at: datetime


class AnnouncementList(BaseModel):
    #: where this site can announce ("telegram", "vk")
    places: list[str]
    items: list[AnnouncementOut]


class AnnounceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: where to post; empty or missing: every place set up
    channels: list[Literal["telegram", "vk"]] = Field(default_factory=list, max_length=2)


def _out(event_id: int) -> AnnouncementList:
    return AnnouncementList(places=services.announce_channels(), items=[
        AnnouncementOut(id=a.id, channel=a.channel, state=a.state, external_id=a.external_id, error=a.error,
                        created_at=to_venue(a.created_at)) for a in services.announcements_of(event_id)])


@endpoint(bp, "/events/<int:event_id>/announcements", summary="An event's announcements", access=Access.STAFF,
          response=AnnouncementList, tag="events")
def list_announcements(event_id: int):
    """Return where the event was announced and how it went, newest first."""
    db.session.get(Event, event_id) or abort(404)
    return _out(event_id)


@endpoint(bp, "/events/<int:event_id>/announcements", "POST", summary="Announce an event",
          access=Access.STAFF, body=AnnounceIn, response=AnnouncementList, status=201, tag="events",
          errors=[(409, "not_announceable", "a draft or cancelled event"),
                  (409, "not_configured", "the place is not set up")])
def create_announcement(event_id: int, body: AnnounceIn):
    """Post the event (cover, time, link) to the Telegram channel and/or the VK wall now."""
    event = db.session.get(Event, event_id) or abort(404)
    services.announce(event, by=current_user, channels=list(body.channels) or None)
    db.session.commit()
    return _out(event_id), 201
