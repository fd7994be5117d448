"""The one interface every notification goes through: in-app, email, Telegram and VK.

A channel says whether it is set up on this site (`enabled`), where it reaches a person (`address`,
None when it does not) and sends one message there (`send`), raising `Blocked` when the person has
stopped the bot and `TryLater` for anything worth retrying. The in-app channel is the notification
row itself, so it has no deliveries; the others get one `Delivery` row per message.
"""

import smtplib
from abc import ABC, abstractmethod
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import codes
from ..accounts.models import User
from ..extensions import db
from ..qr import png_bytes
from ..venue.contact import venue_from_settings
from .mail import SmtpSender, compose
from .messengers import Blocked, TryLater, telegram_bot, telegram_call, telegram_enabled, vk_client, vk_enabled
from .models import MessengerLink, Notification

#: Telegram's limit for a photo caption.
CAPTION_LIMIT = 1024


def _signature(config) -> str:
    """The venue's name, address, phone and links under every email."""
    venue = venue_from_settings(config)
    return "\n".join(part for part in [venue.name, venue.address, venue.phone,
                                       *(f"{label}: {url}" for label, url in venue.links)] if part)


def message_text(note: Notification, link: str | None, *, limit: int = 4000) -> str:
    """Write a notification as one messenger text: subject, body, the ticket's code, the link."""
    parts = [note.subject, note.body.strip()]
    if note.ticket_code:
        parts.append(gettext("Code: %(code)s", code=codes.group(note.ticket_code)))
    if link:
        parts.append(link)
    text = "\n\n".join(parts)
    if len(text) > limit:
        keep = "\n\n".join(parts[2:])
        text = (note.subject + "\n\n" + note.body.strip())[: max(0, limit - len(keep) - 3)] + "…\n\n" + keep
    return text[:limit]


class Channel(ABC):
    """What a channel must do; see the module docstring."""

    name = ""
    label = _l("Channel")

    @abstractmethod
    def enabled(self) -> bool:
        """Whether the channel is set up on this server."""

    @abstractmethod
    def address(self, user: User) -> str | None:
        """Where this person gets the channel's messages, or None."""

    @abstractmethod
    def send(self, note: Notification, address: str, link: str | None) -> None:
        """Deliver one notification (raise to have the outbox retry or stop)."""

    def close(self) -> None:  # noqa: B027 (optional: most channels keep no connection)
        """Release a connection kept between messages of one run."""


class InAppChannel(Channel):
    """The list under the bell: the notification row is the message, nothing to send."""

    name = "in_app"
    label = _l("In the app")

    def enabled(self) -> bool:
        return True

    def address(self, user: User) -> str | None:
        return str(user.id)

    def send(self, note: Notification, address: str, link: str | None) -> None:
        return None


@dataclass
class EmailChannel(Channel):
    """Plain-text email over SMTP (MAIL_SERVER), to people who have an address and want email."""

    name = "email"
    label = _l("Email")
    _sender: SmtpSender | None = None

    def enabled(self) -> bool:
        return bool(current_app.config.get("MAIL_SERVER"))

    def address(self, user: User) -> str | None:
        return user.email if user.email and user.email_notifications else None

    def send(self, note: Notification, address: str, link: str | None) -> None:
        config = current_app.config
        if self._sender is None:
            self._sender = SmtpSender(config["MAIL_SERVER"], int(config["MAIL_PORT"]), config.get("MAIL_USERNAME", ""),
                                      config.get("MAIL_PASSWORD", ""), bool(config.get("MAIL_USE_TLS")))
        message = compose(sender=config["MAIL_DEFAULT_SENDER"], sender_name=config["VENUE_NAME"], to=address,
                          subject=note.subject, body=note.body, link=link, signature=_signature(config))
        try:
            self._sender.send(message)
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise TryLater(str(error)) from error

    def close(self) -> None:
        if self._sender is not None:
            self._sender.close()
            self._sender = None


def linked_chat(user_id: int, channel: str) -> str | None:
    """Return the chat id of a person's link on a messenger, or None."""
    return db.session.scalar(select(MessengerLink.chat_id).where(MessengerLink.user_id == user_id,
                                                                MessengerLink.channel == channel))


class TelegramChannel(Channel):
    """Messages from the venue's Telegram bot to a linked chat; a ticket comes as its QR picture."""

    name = "telegram"
    label = _l("Telegram")

    def enabled(self) -> bool:
        return telegram_enabled()

    def address(self, user: User) -> str | None:
        return linked_chat(user.id, self.name)

    def send(self, note: Notification, address: str, link: str | None) -> None:
        bot = telegram_bot()
        if note.ticket_code and link:
            telegram_call(bot.send_photo, int(address), png_bytes(link, box_size=8),
                          caption=message_text(note, link, limit=CAPTION_LIMIT))
        else:
            telegram_call(bot.send_message, int(address), message_text(note, link))


class VkChannel(Channel):
    """Messages from the venue's VK community to a linked chat; a ticket comes as its QR picture."""

    name = "vk"
    label = _l("VK")

    def enabled(self) -> bool:
        return vk_enabled()

    def address(self, user: User) -> str | None:
        return linked_chat(user.id, self.name)

    def send(self, note: Notification, address: str, link: str | None) -> None:
        client = vk_client()
        attachment = None
        if note.ticket_code and link:
            attachment = client.upload_message_photo(int(address), png_bytes(link, box_size=8))
        client.send(int(address), message_text(note, link), attachment=attachment,
                    random_id=note.id * 10 + 1)  # VK drops a repeat with the same random_id: no double sends


def all_channels() -> dict[str, Channel]:
    """Return a fresh set of channel objects, keyed by name (in-app first)."""
    return {channel.name: channel for channel in (InAppChannel(), EmailChannel(), TelegramChannel(), VkChannel())}


__all__ = ["Blocked", "Channel", "TryLater", "all_channels", "message_text"]
