"""Writing to the outbox and delivering it.

`notify()` only adds a row (inside the caller's transaction), so a slow or broken mail server can
never block or break the request that caused the message. `flask --app wsgi send-notifications`
(from cron, e.g. every minute) delivers the pending ones.
"""

import smtplib

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from ..accounts.models import User
from ..db import utcnow
from ..extensions import db
from ..urls import absolute
from .mail import SmtpSender, compose
from .models import Notification

#: Give up on an email after this many failed attempts.
MAX_ATTEMPTS = 5

#: Messages a person gets by email even with event emails turned off, and whose link is a secret that is
#: removed from the outbox once the email is sent.
ACCOUNT_KINDS = frozenset({"password_reset"})


def notify(user: User, kind: str, subject, body, link: str | None = None, dedupe_key: str | None = None):
    """Add a message for `user`, written in their language; return it (None if `dedupe_key` was used).

    `subject` and `body` are lazy_gettext strings (or callables returning text) evaluated in the
    recipient's language.
    """
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject_text = str(subject() if callable(subject) else subject)
        body_text = str(body() if callable(body) else body)
    wants_email = (bool(user.email) and (user.email_notifications or kind in ACCOUNT_KINDS)
                   and bool(current_app.config.get("MAIL_SERVER")))
    notification = Notification(user_id=user.id, kind=kind, subject=subject_text[:200], body=body_text, link=link,
                                dedupe_key=dedupe_key, email_state="pending" if wants_email else "skipped")
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




def deliver_pending(limit: int = 200) -> tuple[int, int]:
    """Email up to `limit` pending messages; return (sent, failed). Commits after each message."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        return 0, 0
    sender = SmtpSender(config["MAIL_SERVER"], int(config["MAIL_PORT"]), config.get("MAIL_USERNAME", ""),
                        config.get("MAIL_PASSWORD", ""), bool(config.get("MAIL_USE_TLS")))
    sent = failed = 0
    try:
        stmt = (select(Notification).where(Notification.email_state == "pending")
                .order_by(Notification.id).limit(limit))
        if db.engine.dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)  # two cron runs never send one message twice
        for note in db.session.scalars(stmt).all():
            user = note.user
            if not user.email or not (user.email_notifications or note.kind in ACCOUNT_KINDS):
                note.email_state = "skipped"
                continue
            message = compose(sender=config["MAIL_DEFAULT_SENDER"], sender_name=config["VENUE_NAME"],
                              to=user.email, subject=note.subject, body=note.body, link=absolute(note.link))
            try:
                sender.send(message)
            except (smtplib.SMTPException, OSError) as error:
                note.email_attempts += 1
                note.email_error = str(error)[:300]
                if note.email_attempts >= MAX_ATTEMPTS:
                    note.email_state = "failed"
                failed += 1
                sender.close()
            else:
                note.email_state = "sent"
                note.email_sent_at = utcnow()
                if note.kind in ACCOUNT_KINDS:
                    note.link = None
                note.email_attempts += 1
                sent += 1
        db.session.commit()
    finally:
        sender.close()
    return sent, failed

