"""Writing to the outbox, delivering it through every channel, and the links to messengers.

`notify()` only adds rows (inside the caller's transaction): the in-app message and one `Delivery`
per channel the person gets this kind of message on. So a slow or broken mail server or messenger
can never block or break the request that caused the message. `flask --app wsgi send-notifications`
(from cron, e.g. every minute) or `flask --app wsgi bot poll` delivers the due ones, retrying failures
with back-off; a messenger that says the person blocked the bot unlinks the chat and tells them in-app.
"""

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from ..accounts.models import User
from ..db import utcnow
from ..errors import DomainError
from ..extensions import db
from ..urls import absolute
from . import rules
from .channels import Blocked, TryLater, all_channels
from .models import ChannelPreference, Delivery, LinkToken, MessengerLink, Notification

log = logging.getLogger(__name__)

#: A deep link works this long after the person asked for it.
LINK_TOKEN_LIFETIME = timedelta(hours=24)

MESSENGER_NAMES = {"telegram": _l("Telegram"), "vk": _l("VK")}

#: Messages a person gets by email only, even with event emails turned off, and whose link is a secret
#: that is removed from the outbox once the email is sent.
ACCOUNT_KINDS = frozenset({"password_reset"})


def locale_of(user: User) -> str:
    """Return the language a person reads their messages in."""
    return user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]


def reachable_channels(user: User) -> set[str]:
    """Return the delivery channels set up on the site that have an address for `user`."""
    return {name for name, channel in all_channels().items()
            if name in rules.DELIVERY_CHANNELS and channel.enabled() and channel.address(user)}


def switched_off(user_id: int) -> set[tuple[str, str]]:
    """Return the (topic, channel) pairs a person turned off."""
    return {(row.topic, row.channel) for row in db.session.scalars(
        select(ChannelPreference).where(ChannelPreference.user_id == user_id,
                                        ChannelPreference.enabled.is_(False)))}


def reachable(user: User) -> bool:
    """Tell whether a message to `user` can be read somewhere: an account to log in to, or a linked chat."""
    if user.email is not None:
        return True
    return db.session.scalar(select(func.count(MessengerLink.id)).where(MessengerLink.user_id == user.id)) > 0


def notify(user: User, kind: str, subject, body, link: str | None = None, dedupe_key: str | None = None,
           *, ticket_code: str | None = None, channels: tuple[str, ...] | None = None):
    """Add a message for `user`, written in their language; return it (None if `dedupe_key` was used).

    `subject` and `body` are lazy_gettext strings (or callables returning text) evaluated in the
    recipient's language. The message goes to the in-app list and to every channel the person gets
    this kind of message on (`channels` narrows that; `()` keeps it in-app only). `ticket_code`
    marks a message about a ticket whose QR is `link`: messengers send the QR picture and the code.
    """
    with force_locale(locale_of(user)):
        subject_text = str(subject() if callable(subject) else subject)
        body_text = str(body() if callable(body) else body)
    if kind in ACCOUNT_KINDS:  # a secret link: by email only, whatever the choices for event messages
        wanted = ["email"] if user.email and all_channels()["email"].enabled() else []
    else:
        wanted = rules.wanted_channels(topic=rules.topic_of(kind), reachable=reachable_channels(user),
                                       switched_off=switched_off(user.id))
    if channels is not None:
        wanted = [name for name in wanted if name in channels]
    now = utcnow()
    notification = Notification(user_id=user.id, kind=kind, subject=subject_text[:200], body=body_text, link=link,
                                dedupe_key=dedupe_key, ticket_code=ticket_code, created_at=now,
                                deliveries=[Delivery(channel=name, state="pending", next_attempt_at=now)
                                            for name in wanted])
    if dedupe_key is None:
        db.session.add(notification)
        db.session.flush()
        return notification
    try:
        with db.session.begin_nested():
            db.session.add(notification)
    except IntegrityError:
        return None
    return notification


def unread_count(user: User) -> int:
    """Count a person's unread messages."""
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def recent(user: User, limit: int = 50) -> list[Notification]:
    """Return a person's latest messages, newest first."""
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)))


def mark_all_read(user: User) -> int:
    """Mark every unread message of a person as read; return how many."""
    result = db.session.execute(update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)).values(read_at=utcnow()))
    return result.rowcount or 0


def deliver_pending(limit: int = 200, now: datetime | None = None) -> tuple[int, int]:
    """Send up to `limit` due deliveries through their channels; return (sent, failed this time).

    A failure is retried later with back-off (rules.after_failure); a blocked bot cancels the
    person's other pending messages on that messenger, unlinks it and tells them in-app.
    Commits after each delivery, so a crash never sends one twice.
    """
    now = now or utcnow()
    channels = all_channels()
    sent = failed = 0
    stmt = (select(Delivery.id).where(Delivery.state == "pending", Delivery.next_attempt_at <= now)
            .order_by(Delivery.next_attempt_at, Delivery.id).limit(limit))
    try:
        for delivery_id in db.session.scalars(stmt).all():
            claim = select(Delivery).where(Delivery.id == delivery_id, Delivery.state == "pending")
            if db.engine.dialect.name == "postgresql":
                claim = claim.with_for_update(skip_locked=True)  # two workers never send one message twice
            delivery = db.session.scalars(claim).first()
            if delivery is None:
                db.session.rollback()
                continue
            outcome = _deliver(delivery, channels, now)
            sent += outcome == "sent"
            failed += outcome in ("retry", "failed", "blocked")
            db.session.commit()
    finally:
        for channel in channels.values():
            channel.close()
    return sent, failed


def _deliver(delivery: Delivery, channels: dict, now: datetime) -> str:
    note = delivery.notification
    user = note.user
    channel = channels[delivery.channel]
    if not channel.enabled():
        address = None
    elif note.kind in ACCOUNT_KINDS:
        address = user.email if delivery.channel == "email" else None
    else:
        address = channel.address(user)
    if address is None:  # unlinked, no email any more, or the channel was switched off on the site
        delivery.state = "cancelled"
        return "cancelled"
    delivery.attempts += 1
    try:
        with force_locale(locale_of(user)):
            channel.send(note, address, absolute(note.link))
    except Blocked as error:
        delivery.state = "failed"
        delivery.error = ("blocked: " + str(error))[:300]
        handle_blocked(user, delivery.channel)
        return "blocked"
    except TryLater as error:
        delivery.error = str(error)[:300]
        delivery.state, retry_at = rules.after_failure(delivery.attempts, now)
        if retry_at is not None:
            delivery.next_attempt_at = retry_at
        log.warning("delivery %s via %s failed (attempt %s): %s", delivery.id, delivery.channel, delivery.attempts,
                    error)
        return "retry" if delivery.state == "pending" else "failed"
    delivery.state = "sent"
    delivery.sent_at = now
    delivery.error = None
    if note.kind in ACCOUNT_KINDS:
        note.link = None
    return "sent"


def handle_blocked(user: User, channel: str) -> None:
    """The person stopped the bot: drop the link, cancel what waits for that chat, and say so in-app."""
    if not unlink(user, channel):
        return
    name = MESSENGER_NAMES[channel]
    notify(user, "messenger_unlinked",
           lambda: gettext("%(messenger)s is unlinked", messenger=name),
           lambda: gettext("%(messenger)s stopped delivering our messages (the bot was blocked or the chat "
                           "deleted), so we have unlinked it. Your messages stay here and go by the other "
                           "channels. You can link it again on the notifications page.", messenger=name),
           link="/notifications/channels", channels=())


# ------------------------------------------------------------------------------------------------
# Links to messengers

def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_link_token(user: User, channel: str, now: datetime | None = None) -> str:
    """Make a one-time token for a deep link that links `user`'s chat on `channel`; return it (raw)."""
    if channel not in rules.MESSENGERS:
        raise DomainError("not_found", _l("No such messenger."), status=404)
    now = now or utcnow()
    raw = secrets.token_urlsafe(24)  # 32 characters of [A-Za-z0-9_-]: fits Telegram's start parameter
    db.session.add(LinkToken(user_id=user.id, channel=channel, token_hash=_hash(raw), created_at=now,
                             expires_at=now + LINK_TOKEN_LIFETIME))
    db.session.flush()
    return raw


def link_by_token(channel: str, raw: str, chat_id: str, display_name: str | None = None,
                  now: datetime | None = None) -> User | None:
    """Use a deep link's token: link `chat_id` to its person and return them (None if unknown, used or old).

    The token is marked used by a conditional UPDATE in the same transaction, so it links at most once. A chat
    that was linked to another account moves to this one.
    """
    now = now or utcnow()
    if not raw or len(raw) > 64:
        return None
    stmt = select(LinkToken).where(LinkToken.token_hash == _hash(raw), LinkToken.channel == channel)
    if db.engine.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    token = db.session.scalars(stmt).first()
    if token is None or token.used_at is not None or token.expires_at <= now:
        return None
    user = db.session.get(User, token.user_id)
    if user is None or not user.active:
        return None
    # The database decides who used it first: only one UPDATE finds it unused.
    claimed = db.session.execute(update(LinkToken).where(LinkToken.id == token.id, LinkToken.used_at.is_(None))
                                 .values(used_at=now).execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        return None
    db.session.execute(delete(MessengerLink).where(MessengerLink.channel == channel,
                                                   MessengerLink.chat_id == str(chat_id)))
    link = db.session.scalar(select(MessengerLink).where(MessengerLink.user_id == user.id,
                                                         MessengerLink.channel == channel))
    if link is None:
        link = MessengerLink(user_id=user.id, channel=channel)
        db.session.add(link)
    link.chat_id = str(chat_id)
    link.display_name = (display_name or "")[:120] or None
    link.linked_at = now
    db.session.flush()
    return user


def user_for_chat(channel: str, chat_id) -> User | None:
    """Return the active person whose account is linked to this chat, or None."""
    user = db.session.scalar(select(User).join(MessengerLink, MessengerLink.user_id == User.id)
                             .where(MessengerLink.channel == channel, MessengerLink.chat_id == str(chat_id)))
    return user if user is not None and user.active else None


def links_of(user: User) -> dict[str, MessengerLink]:
    """Return a person's messenger links, keyed by channel."""
    return {link.channel: link for link in db.session.scalars(
        select(MessengerLink).where(MessengerLink.user_id == user.id))}


def unlink(user: User, channel: str) -> bool:
    """Remove a person's link on `channel` and cancel what still waits for it; tell whether there was one."""
    removed = db.session.execute(delete(MessengerLink).where(MessengerLink.user_id == user.id,
                                                             MessengerLink.channel == channel)).rowcount
    if removed:
        waiting = select(Notification.id).where(Notification.user_id == user.id)
        db.session.execute(update(Delivery).where(Delivery.channel == channel, Delivery.state == "pending",
                                                  Delivery.notification_id.in_(waiting))
                           .values(state="cancelled").execution_options(synchronize_session=False))
    db.session.flush()
    return bool(removed)


def unlink_chat(channel: str, chat_id) -> bool:
    """The messenger told us the chat refuses messages (e.g. VK's message_deny): unlink whoever it was."""
    user = user_for_chat(channel, chat_id)
    if user is None:
        return False
    handle_blocked(user, channel)
    return True


# ------------------------------------------------------------------------------------------------
# Preferences

def preferences(user: User) -> dict[tuple[str, str], bool]:
    """Return, for every (topic, channel), whether the person gets it (default: yes)."""
    off = switched_off(user.id)
    return {(topic, channel): (topic, channel) not in off
            for topic in rules.TOPICS for channel in rules.DELIVERY_CHANNELS}


def set_preferences(user: User, chosen: dict[tuple[str, str], bool]) -> None:
    """Store a person's choices; unknown topics or channels are refused."""
    for (topic, channel), enabled in chosen.items():
        if topic not in rules.TOPICS or channel not in rules.DELIVERY_CHANNELS:
            raise DomainError("validation_error", _l("Unknown kind of message or channel."), status=422)
        row = db.session.get(ChannelPreference, (user.id, topic, channel))
        if row is None:
            db.session.add(ChannelPreference(user_id=user.id, topic=topic, channel=channel, enabled=bool(enabled)))
        else:
            row.enabled = bool(enabled)
    db.session.flush()
