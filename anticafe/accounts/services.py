"""Writes for accounts: sign-up, profile changes, passwords, roles and API tokens.

Services flush and leave the commit to the request or the CLI command.
"""

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from werkzeug.security import generate_password_hash

from .. import codes
from ..auth import Role
from ..db import utcnow
from ..errors import DomainError, ValidationFailed, in_words
from ..extensions import db
from ..timeutil import venue_today
from . import rules
from .models import ApiToken, User

#: Translated text for the problem codes of `rules`.
PROBLEM_MESSAGES = {
    "required": _l("This field is required."),
    "in_future": _l("The date of birth cannot be in the future."),
    "implausible": _l("Please check the date of birth."),
    "invalid_phone": _l("Enter a phone number such as +7 912 345-67-89."),
    "guardian_required": _l("Visitors under 14 need a parent's or guardian's name and phone."),
    "too_short": _l("The password must be at least %(n)s characters long.", n=rules.MIN_PASSWORD_LENGTH),
    "mismatch": _l("The passwords do not match."),
    "email_taken": _l("An account with this email already exists."),
    "invalid_email": _l("Enter a valid email address."),
    "consent_required": _l("Consent to the processing of personal data is required."),
    "wrong_password": _l("The current password is not correct."),
}


def translate(problems: dict[str, list[str]]) -> dict[str, list]:
    """Turn {field: [codes]} into {field: [translated messages]}."""
    return in_words(problems, PROBLEM_MESSAGES)


@dataclass
class Signup:
    """What a person gives to sign up (from the form or the API)."""

    name: str
    email: str
    password: str
    birth_date: date | None
    consent: bool
    phone: str | None = None
    guardian_name: str | None = None
    guardian_phone: str | None = None
    password2: str | None = None


def normalize_email(email: str) -> str:
    """Return the stored form of an email address."""
    return (email or "").strip().lower()


def find_by_email(email: str) -> User | None:
    """Return the user with this email, ignoring case."""
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def hash_password(password: str) -> str:
    """Hash a password with the configured slow hash."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def new_card_code() -> str:
    """Return a fresh guest-card code (typeable, 50 bits: guessing one is pointless at the door)."""
    return codes.random_code(50)


def new_feed_token() -> str:
    """Return a fresh secret for a personal calendar feed."""
    return secrets.token_urlsafe(24)


def register_user(data: Signup, *, role: Role = Role.VISITOR) -> User:
    """Create a visitor account after checking every rule; raise ValidationFailed with all problems."""
    today = venue_today()
    problems = rules.profile_problems(
        name=data.name, birth_date=data.birth_date, phone=data.phone, guardian_name=data.guardian_name,
        guardian_phone=data.guardian_phone, today=today)
    for field, found in rules.password_problems(data.password, data.password2).items():
        problems.setdefault(field, []).extend(found)
    if not data.consent:
        problems.setdefault("consent", []).append("consent_required")
    email = normalize_email(data.email)
    if "@" not in email:
        problems.setdefault("email", []).append("invalid_email")
    if problems:
        raise ValidationFailed(translate(problems))
    if find_by_email(email) is not None:
        raise DomainError("email_taken", PROBLEM_MESSAGES["email_taken"], status=409,
                          fields={"email": [PROBLEM_MESSAGES["email_taken"]]})
    user = User(
        name=data.name.strip(), email=email, phone=rules.normalize_phone(data.phone) or None,
        birth_date=data.birth_date, password_hash=hash_password(data.password), role=role.value,
        guardian_name=(data.guardian_name or "").strip() or None,
        guardian_phone=rules.normalize_phone(data.guardian_phone) or None,
        consent_at=utcnow(), card_code=new_card_code(), feed_token=new_feed_token(),
    )
    db.session.add(user)
    db.session.flush()
    return user


def update_profile(user: User, *, name: str, phone: str | None, birth_date: date | None,
                   guardian_name: str | None, guardian_phone: str | None, locale: str | None,
                   email_notifications: bool) -> User:
    """Change a person's own details under the sign-up rules."""
    problems = rules.profile_problems(name=name, birth_date=birth_date, phone=phone, guardian_name=guardian_name,
                                      guardian_phone=guardian_phone, today=venue_today())
    if problems:
        raise ValidationFailed(translate(problems))
    user.name = name.strip()
    user.phone = rules.normalize_phone(phone) or None
    user.birth_date = birth_date
    user.guardian_name = (guardian_name or "").strip() or None
    user.guardian_phone = rules.normalize_phone(guardian_phone) or None
    user.locale = locale or None
    user.email_notifications = email_notifications
    db.session.flush()
    return user


def change_password(user: User, current: str, new: str, confirm: str) -> None:
    """Replace the password after checking the current one."""
    problems = rules.password_problems(new, confirm)
    if not user.check_password(current):
        problems.setdefault("current_password", []).append("wrong_password")
    if problems:
        raise ValidationFailed(translate(problems))
    user.password_hash = hash_password(new)
    db.session.flush()


def set_role(user: User, role: str) -> None:
    """Give a person another role."""
    user.role = Role(role).value
    db.session.flush()


def authenticate(email: str, password: str) -> User | None:
    """Return the active user with these credentials, or None."""
    user = find_by_email(email)
    if user is None or not user.active or not user.check_password(password):
        return None
    return user


def issue_token(user: User, label: str = "API") -> str:
    """Create an API token for `user` and return the raw value (shown once, stored hashed)."""
    raw = secrets.token_urlsafe(32)
    days = current_app.config["API_TOKEN_DAYS"]
    db.session.add(ApiToken(user=user, token_hash=ApiToken.hash(raw), label=label[:120],
                            expires_at=utcnow() + timedelta(days=days)))
    db.session.flush()
    return raw


def user_for_token(raw: str) -> User | None:
    """Return the user of a usable bearer token and note its use; None if unknown, expired or revoked."""
    token = db.session.scalar(select(ApiToken).options(joinedload(ApiToken.user))
                              .where(ApiToken.token_hash == ApiToken.hash(raw)))
    if token is None or not token.usable or not token.user.active:
        return None
    now = utcnow()
    # Note use at most once a minute, so that every API call is not also a write.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        token.last_used_at = now
        db.session.commit()
    return token.user


def revoke_token(user: User, token_id: int) -> None:
    """Revoke one of the user's own tokens."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise DomainError("not_found", _l("No such token."), status=404)
    token.revoked_at = token.revoked_at or utcnow()
    db.session.flush()


def search_users(query: str, role: str | None = None, limit: int = 50) -> list[User]:
    """Find people by name, email or phone (for staff and admins)."""
    stmt = select(User).order_by(User.name).limit(limit)
    q = (query or "").strip().lower()
    if q:
        like = f"%{q}%"
        digits = "".join(ch for ch in q if ch.isdigit())
        conditions = [func.lower(User.name).like(like), User.email.like(like)]
        if len(digits) >= 3:
            conditions.append(User.phone.like(f"%{digits}%"))
        from sqlalchemy import or_

        stmt = stmt.where(or_(*conditions))
    if role:
        stmt = stmt.where(User.role == role)
    return list(db.session.scalars(stmt))


def create_guest_profile(name: str, phone: str | None = None, birth_date: date | None = None) -> User:
    """Create a profile for a walk-in guest without an account (no email, cannot log in).

    Door staff use it for walk-ins at events and for timed visits, so that attendance statistics still
    count the person (and their age, when given) without an account.
    """
    problems: dict[str, list[str]] = {}
    if not (name or "").strip():
        problems["name"] = ["required"]
    if phone and rules.normalize_phone(phone) is None:
        problems["phone"] = ["invalid_phone"]
    if birth_date is not None and birth_date > venue_today():
        problems["birth_date"] = ["in_future"]
    if problems:
        raise ValidationFailed(translate(problems))
    user = User(name=name.strip(), email=None, password_hash=None, phone=rules.normalize_phone(phone) or None,
                birth_date=birth_date, role=Role.VISITOR.value, card_code=new_card_code(),
                feed_token=new_feed_token(), email_notifications=False)
    db.session.add(user)
    db.session.flush()
    return user
