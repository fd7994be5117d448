"""Announcements: staff publish an event to the venue's Telegram channel and VK community wall."""

from flask import current_app
from flask_babel import force_locale, format_datetime, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..accounts.models import User
from ..errors import DomainError
from ..events.covers import cover_path
from ..events.models import Event
from ..events.services import place_text
from ..extensions import db
from ..notifications.messengers import (
    Blocked,
    TryLater,
    telegram_bot,
    telegram_call,
    telegram_enabled,
    vk_client,
    vk_enabled,
)
from ..urls import public_url
from .models import Announcement

CHANNEL_NAMES = {"telegram": _l("Telegram channel"), "vk": _l("VK community wall")}


def announce_channels() -> list[str]:
    """Return where events can be announced: Telegram needs TELEGRAM_CHANNEL as well as the bot token."""
    places = []
    if telegram_enabled() and current_app.config.get("TELEGRAM_CHANNEL"):
        places.append("telegram")
    if vk_enabled():
        places.append("vk")
    return places


def announcement_text(event: Event) -> str:
    """Write the post: title, time, place, the start of the description and the link (in the site's language)."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        lines = [event.title, format_datetime(event.starts_at, "EEEE d MMMM, HH:mm"), place_text(event)]
        description = (event.description or "").strip()
        if description:
            lines += ["", description[:600] + ("…" if len(description) > 600 else "")]
        lines += ["", gettext("Details and registration: %(url)s", url=public_url("events.detail", event_id=event.id))]
    return "\n".join(line for line in lines if line is not None)


def announce(event: Event, *, by: User, channels: list[str] | None = None) -> list[Announcement]:
    """Post the event to each place now; record what each said. Only a published, scheduled event."""
    if not event.published or event.is_cancelled:
        raise DomainError("not_announceable", _l("Only a published event that is not cancelled can be announced."),
                          status=409)
    available = announce_channels()
    chosen = [name for name in (channels or available)]
    if not chosen or any(name not in available for name in chosen):
        raise DomainError("not_configured", _l("This place is not set up for announcements."), status=409)
    text = announcement_text(event)
    cover = cover_path(event.cover_image) if event.cover_image else None
    picture = cover.read_bytes() if cover is not None and cover.exists() else None
    results = []
    for name in chosen:
        record = Announcement(event_id=event.id, channel=name, created_by_id=by.id, state="sent")
        try:
            record.external_id = _post_telegram(text, picture) if name == "telegram" else _post_vk(event, text)
        except (Blocked, TryLater) as error:
            record.state = "failed"
            record.error = str(error)[:300]
        db.session.add(record)
        results.append(record)
    db.session.flush()
    return results


def _post_telegram(text: str, picture: bytes | None) -> str:
    bot = telegram_bot()
    channel = current_app.config["TELEGRAM_CHANNEL"]
    if picture is not None and len(text) <= 1024:
        message = telegram_call(bot.send_photo, channel, picture, caption=text)
    else:
        message = telegram_call(bot.send_message, channel, text[:4096])
    return str(message.message_id)


def _post_vk(event: Event, text: str) -> str:
    # VK lets only a person's token post on a wall in some set-ups: VK_WALL_TOKEN (an administrator's,
    # scope "wall,offline") is used when given; otherwise the community token.
    client = vk_client(current_app.config.get("VK_WALL_TOKEN") or None)
    # A link attachment makes VK show the event page's preview (its cover) under the post.
    result = client.call("wall.post", owner_id=-client.group_id, from_group=1, message=text,
                         attachments=public_url("events.detail", event_id=event.id))
    return str(result["post_id"])


def announcements_of(event_id: int) -> list[Announcement]:
    """Return an event's announcements, newest first."""
    return list(db.session.scalars(select(Announcement).where(Announcement.event_id == event_id)
                                   .order_by(Announcement.created_at.desc(), Announcement.id.desc())))
