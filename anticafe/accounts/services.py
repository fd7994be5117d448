"""Writes for accounts: sign-up, profile changes, passwords, login sessions, resets, roles and API tokens.

Services flush and leave the commit to the request or the CLI command.
"""

import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, delete, func, or_, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from .. import codes, signals
from ..auth import Role
from ..db import utcnow
from ..errors import DomainError, ValidationFailed, in_words
from ..extensions import db
from ..timeutil import venue_today
from . import consent, rules
from .models import ApiToken, LoginSession, PasswordReset, User
from .throttle import throttle

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
    "guardian_email_required": _l("Visitors under 14 need the email of a parent or guardian: they confirm the "
                                  "consent by a link we send there."),
    "guardian_email_same": _l("Give the parent's or guardian's own email, not yours."),
    "too_common": _l("This password is among the most common ones and is guessed first; choose another."),
    "personal": _l("The password must not be built on your name or email."),
    "guardian_locked": _l("Only the café staff can change a minor's date of birth and guardian."),
    "reset_invalid": _l("This link is not valid any more: it was used or is older than an hour. "
                        "Ask for a new one."),
}

#: The refusal when a limit is reached (429), the same wherever it comes from.
TOO_MANY = _l("Too many attempts. Please wait a few minutes and try again.")


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
    guardian_email: str | None = None
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


def register_user(data: Signup, *, role: Role = Role.VISITOR, address: str | None = None) -> User:
    """Create a visitor account after checking every rule; raise ValidationFailed with all problems.

    With `address` (sign-ups from the site), accounts created from one address are limited (generously:
    a school class behind one address gets through); refused or invalid sign-ups do not count.
    """
    if address is None:
        return _register(data, role)
    attempt = throttle().attempt([(f"signup:address:{address}", current_app.config["SIGNUP_LIMIT_PER_ADDRESS"])])
    if attempt is None:
        raise DomainError("too_many_requests", TOO_MANY, status=429)
    try:
        user = _register(data, role)
    except DomainError:
        db.session.rollback()
        throttle().forget(attempt)
        db.session.commit()
        raise
    throttle().keep(attempt)
    return user


def _register(data: Signup, role: Role) -> User:
    today = venue_today()
    problems = rules.profile_problems(
        name=data.name, birth_date=data.birth_date, phone=data.phone, guardian_name=data.guardian_name,
        guardian_phone=data.guardian_phone, today=today)
    for field, found in rules.password_problems(data.password, data.password2, name=data.name,
                                                email=data.email).items():
        problems.setdefault(field, []).extend(found)
    if not data.consent:
        problems.setdefault("consent", []).append("consent_required")
    email = normalize_email(data.email)
    if "@" not in email:
        problems.setdefault("email", []).append("invalid_email")
    guardian_email = normalize_email(data.guardian_email or "") or None
    child = data.birth_date is not None and data.birth_date <= today and rules.needs_guardian(data.birth_date, today)
    if child and (guardian_email is None or "@" not in guardian_email):
        problems.setdefault("guardian_email", []).append("guardian_email_required")
    elif child and guardian_email == email:
        problems.setdefault("guardian_email", []).append("guardian_email_same")
    elif guardian_email is not None and "@" not in guardian_email:
        problems.setdefault("guardian_email", []).append("invalid_email")
    if problems:
        raise ValidationFailed(translate(problems))
    if find_by_email(email) is not None:
        raise DomainError("email_taken", PROBLEM_MESSAGES["email_taken"], status=409,
                          fields={"email": [PROBLEM_MESSAGES["email_taken"]]})
    user = User(
        name=data.name.strip(), email=email, phone=rules.normalize_phone(data.phone) or None,
        birth_date=data.birth_date, password_hash=hash_password(data.password), role=role.value,
        guardian_name=(data.guardian_name or "").strip() or None,
        guardian_phone=rules.normalize_phone(data.guardian_phone) or None, guardian_email=guardian_email,
        consent_at=utcnow(), card_code=new_card_code(), feed_token=new_feed_token(), consent_pending=child,
    )
    db.session.add(user)
    db.session.flush()
    # A child's own tick is not consent under 152-FZ: a guardian's confirmation records it later.
    if not child:
        consent.record(user, given_by="person", method="online")
    return user


def update_profile(user: User, *, name: str, phone: str | None, birth_date: date | None,
                   guardian_name: str | None, guardian_phone: str | None, locale: str | None,
                   email_notifications: bool) -> User:
    """Change a person's own details under the sign-up rules; a minor's birth date and guardian stay."""
    if rules.locked_for_self(user.birth_date, venue_today()):
        locked = {"birth_date": birth_date != user.birth_date,
                  "guardian_name": (guardian_name or "").strip() != (user.guardian_name or ""),
                  "guardian_phone": (rules.normalize_phone(guardian_phone) or None) != user.guardian_phone}
        if any(locked.values()):
            raise ValidationFailed(translate({f: ["guardian_locked"] for f, changed in locked.items() if changed}))
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


def set_minor_details(user: User, *, birth_date: date | None, guardian_name: str | None,
                      guardian_phone: str | None) -> User:
    """Change a person's birth date and guardian (staff only: a minor cannot do it alone)."""
    problems = rules.profile_problems(name=user.name, birth_date=birth_date, phone=None, guardian_name=guardian_name,
                                      guardian_phone=guardian_phone, today=venue_today())
    if problems:
        raise ValidationFailed(translate(problems))
    user.birth_date = birth_date
    user.guardian_name = (guardian_name or "").strip() or None
    user.guardian_phone = rules.normalize_phone(guardian_phone) or None
    db.session.flush()
    return user


def change_password(user: User, current: str, new: str, confirm: str | None) -> None:
    """Replace the password after checking the current one; end every other session, revoke every token."""
    problems = rules.password_problems(new, confirm, name=user.name, email=user.email)
    if not user.check_password(current):
        problems.setdefault("current_password", []).append("wrong_password")
    if problems:
        raise ValidationFailed(translate(problems))
    _set_password(user, new, keep_secret=user.login_secret)


def _set_password(user: User, new: str, *, keep_secret: str | None) -> None:
    user.password_hash = hash_password(new)
    end_sessions(user, except_secret=keep_secret)
    revoke_all_tokens(user)
    db.session.execute(update(PasswordReset).where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
                       .values(used_at=utcnow()))
    db.session.flush()


# ------------------------------------------------------------------------------------------------
# Login sessions: what the session and remember-me cookies point to

def _hash_secret(raw: str) -> str:
    return ApiToken.hash(raw)


def _oldest_open_session():
    return utcnow() - timedelta(days=current_app.config["LOGIN_SESSION_DAYS"])


def start_session(user: User, label: str = "") -> str:
    """Open a login session for `user`; return its secret (which Flask-Login puts in the cookies)."""
    raw = secrets.token_urlsafe(32)
    # Housekeeping: the person's ended and expired sessions are of no use any more.
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id, or_(
        LoginSession.ended_at.is_not(None), LoginSession.created_at < _oldest_open_session())))
    db.session.add(LoginSession(user_id=user.id, secret_hash=_hash_secret(raw), label=(label or "")[:120]))
    db.session.flush()
    user.login_secret = raw
    return raw


def user_for_session(raw: str) -> User | None:
    """Return the active user of a login session that has not ended, or None."""
    if not raw or len(raw) > 100:
        return None
    row = db.session.execute(select(LoginSession.ended_at, LoginSession.created_at, User)
                             .join(User, User.id == LoginSession.user_id)
                             .where(LoginSession.secret_hash == _hash_secret(raw))).first()
    if (row is None or row.ended_at is not None or row.created_at < _oldest_open_session()
            or not row.User.active):
        return None
    row.User.login_secret = raw
    return row.User


def end_session(raw: str | None) -> None:
    """End one login session (logging out): its cookies open nothing any more, wherever they are copied."""
    if raw:
        db.session.execute(update(LoginSession).where(LoginSession.secret_hash == _hash_secret(raw),
                                                      LoginSession.ended_at.is_(None)).values(ended_at=utcnow()))


def end_sessions(user: User, *, except_secret: str | None = None) -> int:
    """End every login session of `user` but the one with `except_secret`; return how many ended."""
    stmt = update(LoginSession).where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
    if except_secret:
        stmt = stmt.where(LoginSession.secret_hash != _hash_secret(except_secret))
    return db.session.execute(stmt.values(ended_at=utcnow())).rowcount or 0


def open_sessions(user: User) -> list[LoginSession]:
    """Return a person's login sessions that have not ended, newest first."""
    return list(db.session.scalars(select(LoginSession).where(LoginSession.user_id == user.id,
                                                              LoginSession.ended_at.is_(None),
                                                              LoginSession.created_at >= _oldest_open_session())
                                   .order_by(LoginSession.created_at.desc(), LoginSession.id.desc())))


def revoke_all_tokens(user: User) -> int:
    """Revoke every API token of `user`; return how many."""
    return db.session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                              .values(revoked_at=utcnow())).rowcount or 0


def revoke_raw_token(raw: str) -> None:
    """Revoke the token with this raw value (logging an API client out)."""
    db.session.execute(update(ApiToken).where(ApiToken.token_hash == ApiToken.hash(raw),
                                              ApiToken.revoked_at.is_(None)).values(revoked_at=utcnow()))


# ------------------------------------------------------------------------------------------------
# Password reset by email

def request_password_reset(email: str, address: str) -> None:
    """Mail a one-hour, single-use link to set a new password, if `email` has an account.

    Answers the same way whether or not it has one; raises 429 when this address asked too often.
    An account that was sent several links within the hour is quietly sent no more.
    """
    config = current_app.config
    email = normalize_email(email)[:254]
    attempt = throttle().attempt([(f"reset:address:{address}", config["PASSWORD_RESET_LIMIT_PER_ADDRESS"])])
    if attempt is None:
        raise DomainError("too_many_requests", TOO_MANY, status=429)
    throttle().keep(attempt)
    user = find_by_email(email) if "@" in email else None
    if user is None or not user.active or not user.password_hash:
        return
    per_account = throttle().attempt([(f"reset:account:{user.id}", config["PASSWORD_RESET_LIMIT_PER_ACCOUNT"])])
    if per_account is None:
        return
    throttle().keep(per_account)
    raw = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(PasswordReset(user_id=user.id, token_hash=_hash_secret(raw), created_at=now,
                                 expires_at=now + timedelta(minutes=config["PASSWORD_RESET_MINUTES"])))
    db.session.flush()
    signals.password_reset_requested.send(user, token=raw)


def reset_for_token(raw: str) -> PasswordReset | None:
    """Return the unused, unexpired reset with this token, or None."""
    if not raw or len(raw) > 100:
        return None
    reset = db.session.scalar(select(PasswordReset).where(PasswordReset.token_hash == _hash_secret(raw)))
    if reset is None or reset.used_at is not None or reset.expires_at <= utcnow() or not reset.user.active:
        return None
    return reset


def reset_password(raw: str, new: str, confirm: str | None = None) -> User:
    """Set a new password with a reset link; end every session and revoke every token of the person."""
    reset = reset_for_token(raw)
    if reset is None:
        raise DomainError("reset_invalid", PROBLEM_MESSAGES["reset_invalid"], status=400,
                          fields={"token": [PROBLEM_MESSAGES["reset_invalid"]]})
    user = reset.user
    problems = rules.password_problems(new, confirm, name=user.name, email=user.email)
    if problems:
        raise ValidationFailed(translate(problems))
    # Single use even when two requests race: only one UPDATE finds the link unused.
    claimed = db.session.execute(update(PasswordReset).where(PasswordReset.id == reset.id,
                                                             PasswordReset.used_at.is_(None))
                                 .values(used_at=utcnow())).rowcount
    if not claimed:
        raise DomainError("reset_invalid", PROBLEM_MESSAGES["reset_invalid"], status=400,
                          fields={"token": [PROBLEM_MESSAGES["reset_invalid"]]})
    _set_password(user, new, keep_secret=None)
    return user


def set_role(user: User, role: str) -> None:
    """Give a person another role."""
    user.role = Role(role).value
    db.session.flush()


_dummy_hashes: dict[str, str] = {}


def _check_against_nobody(password: str) -> None:
    """Spend as long as checking a real password does, so that unknown emails answer as slowly."""
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _dummy_hashes:
        _dummy_hashes[method] = generate_password_hash(secrets.token_urlsafe(16), method=method)
    check_password_hash(_dummy_hashes[method], password)


def authenticate(email: str, password: str, address: str | None = None) -> User | None:
    """Return the active user with these credentials, or None; raise 429 when a login limit is reached.

    Only failures count: per account and address (strict), per address (generous, a café behind one
    address) and per account from everywhere (a ceiling). A known and an unknown email take as long.
    """
    config = current_app.config
    email = normalize_email(email)[:254]
    address = address or "unknown"
    attempt = throttle().attempt([
        (f"login:pair:{email}|{address}", config["LOGIN_LIMIT_PER_ACCOUNT_ADDRESS"]),
        (f"login:address:{address}", config["LOGIN_LIMIT_PER_ADDRESS"]),
        (f"login:account:{email}", config["LOGIN_LIMIT_PER_ACCOUNT"]),
    ])
    if attempt is None:
        raise DomainError("too_many_requests", TOO_MANY, status=429)
    user = find_by_email(email)
    if user is None or not user.password_hash:
        _check_against_nobody(password)
        user = None
    elif not user.check_password(password) or not user.active:
        user = None
    if user is None:
        throttle().keep(attempt)
    else:
        throttle().forget(attempt)
    return user


def issue_token(user: User, label: str = "API") -> str:
    """Create an API token for `user` and return the raw value (shown once, stored hashed)."""
    raw = secrets.token_urlsafe(32)
    days = current_app.config["API_TOKEN_DAYS"]
    db.session.add(ApiToken(user=user, token_hash=ApiToken.hash(raw), label=label[:120],
                            expires_at=utcnow() + timedelta(days=days)))
    db.session.flush()
    return raw


@cache
def _token_statement():
    """The statement behind `user_for_token`, built once per process: every API call runs it, and building
    a select costs more CPU than running it. The token's own columns come as plain values, the person as
    the one loaded object."""
    return (select(ApiToken.id, ApiToken.expires_at, ApiToken.revoked_at, ApiToken.last_used_at, User)
            .join(User, User.id == ApiToken.user_id).where(ApiToken.token_hash == bindparam("token_hash")))


def user_for_token(raw: str) -> User | None:
    """Return the user of a usable bearer token and note its use; None if unknown, expired or revoked."""
    row = db.session.execute(_token_statement(), {"token_hash": ApiToken.hash(raw)}).first()
    if row is None:
        return None
    token_id, expires_at, revoked_at, last_used_at, user = row
    now = utcnow()
    if revoked_at is not None or expires_at <= now or not user.active:
        return None
    # Note use at most once a minute, so that every API call is not also a write.
    if last_used_at is None or now - last_used_at > timedelta(minutes=1):
        db.session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now)
                           .execution_options(synchronize_session=False))
        db.session.commit()
    user.login_secret = None  # a token is no login session: a password change keeps none open
    return user


def revoke_token(user: User, token_id: int) -> None:
    """Revoke one of the user's own tokens."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise DomainError("not_found", _l("No such token."), status=404)
    token.revoked_at = token.revoked_at or utcnow()
    db.session.flush()


#: The admin's people list shows this many people a page.
PEOPLE_PER_PAGE = 50


def search_users(query: str, role: str | None = None, limit: int = 50) -> list[User]:
    """Find people by name, email or phone (for staff and admins)."""
    return list(db.session.scalars(_people(query, role).order_by(User.name, User.id).limit(limit)))


def people_page(query: str, role: str | None = None, page: int = 1,
                per_page: int = PEOPLE_PER_PAGE) -> tuple[list[User], int]:
    """Return one page of the people matching the search (by name) and how many match in all."""
    stmt = _people(query, role)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    page = max(1, min(page, max(1, -(-total // per_page))))
    found = db.session.scalars(stmt.order_by(User.name, User.id).offset((page - 1) * per_page).limit(per_page))
    return list(found), total


def _people(query: str, role: str | None):
    stmt = select(User)
    q = (query or "").strip().lower()
    if q:
        like = f"%{q}%"
        digits = "".join(ch for ch in q if ch.isdigit())
        conditions = [func.lower(User.name).like(like), User.email.like(like)]
        if len(digits) >= 3:
            conditions.append(User.phone.like(f"%{digits}%"))
        stmt = stmt.where(or_(*conditions))
    if role:
        stmt = stmt.where(User.role == role)
    return stmt


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
