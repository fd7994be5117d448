"""Notifications API: a person's own messages and channels."""

from datetime import datetime
from typing import Literal

from flask_babel import gettext
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field

from ..api.spec import api_blueprint, endpoint
from ..auth import Access
from ..errors import DomainError
from ..extensions import db
from ..timeutil import to_venue
from . import rules, services
from .messengers import Blocked, TryLater, enabled_messengers

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


# ------------------------------------------------------------------------------------------------
# Channels: messenger links and the choice of channel for each kind of message

class MessengerOut(BaseModel):
    channel: str
    linked: bool
    display_name: str | None = None
    linked_at: datetime | None = None


class PreferenceItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    topic: Literal["reminders", "changes", "promotions"]
    channel: Literal["email", "telegram", "vk"]
    enabled: bool


class ChannelsOut(BaseModel):
    #: delivery channels set up on this site
    channels: list[str]
    #: of those, the ones that reach this person now
    reachable: list[str]
    messengers: list[MessengerOut]
    preferences: list[PreferenceItem]


class PreferencesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[PreferenceItem] = Field(max_length=30)


class DeepLinkOut(BaseModel):
    channel: str
    #: open it on the phone: the bot starts with a one-time token (valid 24 hours)
    url: str


class UnlinkOut(BaseModel):
    unlinked: bool


def _channels_out() -> ChannelsOut:
    from .views import delivery_channels

    links = services.links_of(current_user)
    return ChannelsOut(
        channels=[channel.name for channel in delivery_channels()],
        reachable=sorted(services.reachable_channels(current_user)),
        messengers=[MessengerOut(channel=name, linked=name in links,
                                 display_name=links[name].display_name if name in links else None,
                                 linked_at=to_venue(links[name].linked_at) if name in links else None)
                    for name in enabled_messengers()],
        preferences=[PreferenceItem(topic=topic, channel=channel, enabled=on)
                     for (topic, channel), on in services.preferences(current_user).items()])


@endpoint(bp, "/me/channels", summary="My channels: linked messengers and where each kind of message goes",
          access=Access.USER, response=ChannelsOut)
def my_channels():
    """Return the channels set up on the site, my messenger links and my choices per kind of message."""
    return _channels_out()


@endpoint(bp, "/me/channels/preferences", "PUT", summary="Choose the channels for each kind of message",
          access=Access.USER, body=PreferencesIn, response=ChannelsOut)
def put_preferences(body: PreferencesIn):
    """Switch channels on or off per kind of message (reminders, changes, promotions)."""
    services.set_preferences(current_user, {(item.topic, item.channel): item.enabled for item in body.items})
    db.session.commit()
    return _channels_out()


@endpoint(bp, "/me/channels/<channel>/link", "POST", summary="Get a one-time deep link to the venue's bot",
          access=Access.USER, response=DeepLinkOut, status=201,
          errors=[(404, "not_found", "the messenger is not set up here"),
                  (503, "unavailable", "the messenger does not answer")])
def create_link(channel: str):
    """Make a deep link (t.me/<bot>?start=… or vk.me/club…?ref=…) that links the chat that opens it to me."""
    from .views import deep_link

    if channel not in enabled_messengers():
        raise DomainError("not_found", gettext("This messenger is not set up on the site."), status=404)
    token = services.new_link_token(current_user, channel)
    try:
        url = deep_link(channel, token)
    except (Blocked, TryLater) as error:
        db.session.rollback()
        raise DomainError("unavailable", gettext("The messenger does not answer right now. Please try again in a "
                                                 "minute."), status=503) from error
    db.session.commit()
    return DeepLinkOut(channel=channel, url=url), 201


@endpoint(bp, "/me/channels/<channel>", "DELETE", summary="Unlink a messenger", access=Access.USER,
          response=UnlinkOut, errors=[(404, "not_found", "no such messenger")])
def delete_link(channel: str):
    """Stop getting messages in a messenger; pending ones for it are dropped."""
    if channel not in rules.MESSENGERS:
        raise DomainError("not_found", gettext("No such messenger."), status=404)
    unlinked = services.unlink(current_user, channel)
    db.session.commit()
    return UnlinkOut(unlinked=unlinked)
