"""Consent to the processing of personal data (152-FZ): the records and the guardian's confirmation.

Each consent is stored with the version of the text agreed to, when, for what purpose and who gave
it: the person, or for a child under 14 a parent or guardian (by the emailed link or on a signed
paper form staff record). Until a guardian confirms, the child's account is "waiting for a
guardian's consent" (`User.consent_pending`): the door warns and no paid visit starts.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, utcnow
from ..errors import DomainError, ValidationFailed
from ..extensions import db
from .models import User

#: What the data is processed for (one purpose: the visitor's membership of the café).
PURPOSE_MEMBERSHIP = "membership"
#: Who gave a consent.
GIVEN_BY = ("person", "guardian")
#: How it was given: ticking the box online, the guardian's emailed link, a signed paper form.
METHODS = ("online", "email_link", "paper")
#: The guardian's link stays valid this long.
LINK_DAYS = 14


class Consent(db.Model):
    """One consent: which text, when, for what, by whom; withdrawn consents stay, marked."""

    __tablename__ = "consents"
    __table_args__ = (
        CheckConstraint("given_by IN ('person', 'guardian')", name="given_by_known"),
        CheckConstraint("method IN ('online', 'email_link', 'paper')", name="method_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: what the data is processed for (`PURPOSE_MEMBERSHIP`)
    purpose: Mapped[str] = mapped_column(String(40))
    #: the version of the consent text agreed to (`PRIVACY_TEXT_VERSION` at the time)
    text_version: Mapped[str] = mapped_column(String(20))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: "person" or "guardian"
    given_by: Mapped[str] = mapped_column(String(10))
    #: "online", "email_link" or "paper"
    method: Mapped[str] = mapped_column(String(12))
    #: the guardian who consented (for a child), as they signed
    guardian_name: Mapped[str | None] = mapped_column(String(120))
    #: the staff member who recorded a paper form
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<Consent {self.id} user={self.user_id} {self.purpose} v{self.text_version} {self.given_by}>"


class GuardianLink(db.Model):
    """A one-time link emailed to a child's guardian; only the SHA-256 of its secret is stored."""

    __tablename__ = "guardian_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<GuardianLink {self.id} user={self.user_id}>"


def text_version() -> str:
    """Return the version of the consent text now in force."""
    return current_app.config["PRIVACY_TEXT_VERSION"]


def record(user: User, *, given_by: str, method: str, guardian_name: str | None = None,
           recorded_by: User | None = None) -> Consent:
    """Store a consent of `user` (or their guardian) to the current text."""
    consent = Consent(user_id=user.id, purpose=PURPOSE_MEMBERSHIP, text_version=text_version(), given_at=utcnow(),
                      given_by=given_by, method=method, guardian_name=(guardian_name or "").strip()[:120] or None,
                      recorded_by_id=recorded_by.id if recorded_by is not None else None)
    db.session.add(consent)
    db.session.flush()
    return consent


def consents_of(user: User) -> list[Consent]:
    """Return a person's consents, oldest first."""
    return list(db.session.scalars(select(Consent).where(Consent.user_id == user.id).order_by(Consent.id)))


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_guardian_link(user: User) -> str:
    """Make a fresh link for the guardian of `user` (earlier ones stop working); return its secret."""
    for link in db.session.scalars(select(GuardianLink).where(GuardianLink.user_id == user.id,
                                                                GuardianLink.used_at.is_(None))):
        link.expires_at = utcnow()
    raw = secrets.token_urlsafe(32)
    db.session.add(GuardianLink(user_id=user.id, token_hash=_hash(raw),
                                expires_at=utcnow() + timedelta(days=LINK_DAYS)))
    db.session.flush()
    return raw


def find_link(raw: str) -> GuardianLink:
    """Return the usable link with this secret; raise 404 when unknown, used or expired."""
    link = db.session.scalar(select(GuardianLink).where(GuardianLink.token_hash == _hash(raw or "")))
    if link is None or link.used_at is not None or link.expires_at <= utcnow():
        raise DomainError("link_invalid", _l("This link is not valid any more. Ask the café for a new one."),
                          status=404)
    return link


def confirm_by_link(raw: str, guardian_name: str) -> User:
    """The guardian consents through the emailed link: record it and open the child's account."""
    link = find_link(raw)
    if not (guardian_name or "").strip():
        raise ValidationFailed({"guardian_name": [_l("Write your name as the parent or guardian.")]})
    user = db.session.get(User, link.user_id)
    link.used_at = utcnow()
    record(user, given_by="guardian", method="email_link", guardian_name=guardian_name)
    user.guardian_name = guardian_name.strip()[:120]
    user.consent_pending = False
    db.session.flush()
    return user


def confirm_on_paper(user: User, *, guardian_name: str, by: User) -> Consent:
    """Staff record a guardian's signed paper form (who signed; the record keeps who entered it and when)."""
    if not (guardian_name or "").strip():
        raise ValidationFailed({"guardian_name": [_l("Write the name of the parent or guardian who signed.")]})
    consent = record(user, given_by="guardian", method="paper", guardian_name=guardian_name, recorded_by=by)
    user.guardian_name = guardian_name.strip()[:120]
    user.consent_pending = False
    for link in db.session.scalars(select(GuardianLink).where(GuardianLink.user_id == user.id,
                                                                GuardianLink.used_at.is_(None))):
        link.expires_at = utcnow()
    db.session.flush()
    return consent


def send_guardian_link(user: User) -> bool:
    """Email the guardian of `user` a fresh confirmation link (committed first); tell whether it went out.

    Sent at once rather than through the outbox: the link must reach the guardian only (the outbox
    also shows every message to the account holder, who must not be able to confirm for themselves).
    """
    import smtplib
    from email.message import EmailMessage
    from email.utils import formataddr, make_msgid

    from flask_babel import force_locale, gettext

    from ..urls import public_url

    if not user.guardian_email:
        return False
    raw = new_guardian_link(user)
    db.session.commit()
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        return False
    link = public_url("privacy.guardian", token=raw)
    with force_locale(user.locale or config["BABEL_DEFAULT_LOCALE"]):
        subject = gettext("%(venue)s: consent for %(name)s", venue=config["VENUE_NAME"], name=user.name)
        body = gettext(
            "%(name)s has signed up at %(venue)s and gave your email as a parent's or guardian's.\n\n"
            "Children under 14 may use the café's account only with the consent of a parent or guardian "
            "(Federal Law No. 152-FZ). Open the link to read what is kept and why, and to confirm your "
            "consent. If you do not know about this, ignore this message: the account stays closed for paid "
            "visits. The link works for %(days)s days.", name=user.name, venue=config["VENUE_NAME"],
            days=LINK_DAYS)
    sender = config["MAIL_DEFAULT_SENDER"]
    message = EmailMessage()
    message["From"] = formataddr((config["VENUE_NAME"], sender))
    message["To"] = user.guardian_email
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "anticafe.local")
    message.set_content(f"{body}\n\n{link}\n")
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=10) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD", ""))
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as error:
        current_app.logger.warning("guardian link for user %s not sent: %s", user.id, error)
        return False
    return True
