"""People, their login sessions, API tokens and password-reset links; the failure counters of logins."""

import hashlib
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash

from ..auth import Role
from ..db import UTCDateTime, utcnow
from ..extensions import db
from .rules import age_on


class User(UserMixin, db.Model):
    """A person with an account: a young visitor, a staff member, a committee member or an admin."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('visitor', 'staff', 'committee', 'admin')", name="role_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: login name, stored lower-case so that login and uniqueness ignore case; None for a guest profile
    #: that staff created at the door (a walk-in), who cannot log in
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    #: normalized to +7XXXXXXXXXX where possible
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    birth_date: Mapped[date | None]
    password_hash: Mapped[str | None] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16), default=Role.VISITOR, server_default=Role.VISITOR.value)
    #: a parent's or guardian's consent, required under 14
    guardian_name: Mapped[str | None] = mapped_column(String(120))
    guardian_phone: Mapped[str | None] = mapped_column(String(20))
    #: where the guardian's consent link is sent (under-14s)
    guardian_email: Mapped[str | None] = mapped_column(String(254))
    #: an under-14 waiting for a parent's or guardian's consent: no paid visit, a warning at the door
    consent_pending: Mapped[bool] = mapped_column(default=False, server_default="0")
    #: when the person's identity was erased (on request or after the retention period); the row
    #: stays, without anything that names the person, so that every statistic keeps its count
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: when the person agreed to the processing of personal data
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: "ru" or "en"; None follows the browser
    locale: Mapped[str | None] = mapped_column(String(5))
    email_notifications: Mapped[bool] = mapped_column(default=True, server_default="1")
    #: pricing category for timed visits (standard, schoolchild, student, ...)
    guest_category: Mapped[str] = mapped_column(String(32), default="standard", server_default="standard")
    #: the typeable code on the personal guest card (QR on "My card")
    card_code: Mapped[str] = mapped_column(String(32), unique=True)
    #: secret for the personal calendar feed; regenerating it invalidates the old URL
    feed_token: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(default=True, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    tokens: Mapped[list["ApiToken"]] = relationship(back_populates="user", cascade="all, delete-orphan")

    #: the secret of the login session this request runs in (set by the loader, never stored raw)
    login_secret = None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str | None:  # Flask-Login: the session cookie and the remember-me cookie hold this
        """Return the secret of this login session (a fresh one for each login), not the user id."""
        return self.login_secret

    def check_password(self, password: str) -> bool:
        """Tell whether `password` matches the stored hash."""
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def age_on(self, day: date) -> int | None:
        """Return the person's age in whole years on `day`, or None if the birth date is unknown."""
        return age_on(self.birth_date, day) if self.birth_date else None

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.STAFF, Role.ADMIN)

    @property
    def is_committee(self) -> bool:
        return self.role in (Role.COMMITTEE, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


class ApiToken(db.Model):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: a label for the profile page ("API", the client's user agent)
    label: Mapped[str] = mapped_column(String(120), default="API")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="tokens")

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} user={self.user_id}>"

    @staticmethod
    def hash(raw: str) -> str:
        """Return the stored form of a raw token."""
        return hashlib.sha256(raw.encode()).hexdigest()

    @property
    def usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > utcnow()


class LoginSession(db.Model):
    """One login in one browser: what the session and remember-me cookies point to.

    The cookies hold a random secret; only its SHA-256 is stored. Logging out, changing or resetting the
    password and "log out everywhere" set `ended_at`, after which no copy of the cookies opens anything.
    """

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: the browser's user agent, shortened, for the profile page
    label: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<LoginSession {self.id} user={self.user_id}{' ended' if self.ended_at else ''}>"


class PasswordReset(db.Model):
    """A single-use link to set a new password, mailed to the person; only the token's SHA-256 is stored."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: set when the link is used, or when a newer password makes it pointless
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<PasswordReset {self.id} user={self.user_id}>"


class ThrottleHit(db.Model):
    """One counted event (a failed login, a sign-up, a reset request) in a rate-limit bucket.

    Every worker and server sees the same rows, so limits hold however many processes serve the site.
    `bucket` is an HMAC of what is limited ("login:account+address:...") so no email or address is stored.
    """

    __tablename__ = "throttle_hits"
    __table_args__ = (Index("ix_throttle_hits_bucket_at", "bucket", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bucket: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<ThrottleHit {self.bucket[:8]} {self.at:%H:%M:%S}>"
