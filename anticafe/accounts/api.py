"""Accounts API: tokens, sign-up and the current user."""

from flask import current_app, request
from flask_babel import gettext
from flask_login import current_user

from .. import signals
from ..api.spec import api_blueprint, endpoint
from ..auth import Access
from ..errors import DomainError
from ..extensions import db, limiter
from ..timeutil import venue_today
from . import services
from .schemas import MeOut, SignupIn, TokenIn, TokenOut, UserOut

bp = api_blueprint("accounts_api", __name__)


def me_payload(user) -> dict:
    """Return the `GET /api/v1/me` document; other domains add members (`signals.me_document`)."""
    data = MeOut.model_validate(user).model_dump(mode="json")
    data["age"] = user.age_on(venue_today())
    for members in signals.answers(signals.me_document, user):
        data.update(members)
    return data


def _login_email() -> str:
    data = request.get_json(silent=True) or {}
    email = data.get("email") if isinstance(data, dict) else None
    return "account:" + services.normalize_email(str(email or request.form.get("email", "")))


def login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@endpoint(bp, "/auth/token", "POST", summary="Exchange email and password for a bearer token",
          access=Access.PUBLIC, body=TokenIn, response=TokenOut,
          errors=[(401, "invalid_credentials", "wrong email or password"),
                  (429, "too_many_requests", "too many attempts for this account or address")])
@limiter.limit(login_limit, key_func=_login_email)
@limiter.limit(login_limit)
def create_token(body: TokenIn):
    """Log in for the API. Send the token as `Authorization: Bearer <token>`."""
    user = services.authenticate(body.email, body.password)
    if user is None:
        raise DomainError("invalid_credentials", gettext("Wrong email or password."), status=401)
    raw = services.issue_token(user, label=request.user_agent.string or "API")
    token = user.tokens[-1]
    db.session.commit()
    return {"token": raw, "expires_at": token.expires_at.isoformat(), "user": UserOut.model_validate(user)}


@endpoint(bp, "/users", "POST", summary="Sign up", access=Access.PUBLIC, body=SignupIn, response=UserOut,
          status=201, errors=[(409, "email_taken", "an account with this email exists")])
def sign_up(body: SignupIn):
    """Create a visitor account with the same rules as the sign-up form."""
    user = services.register_user(services.Signup(**body.model_dump()))
    db.session.commit()
    return UserOut.model_validate(user)


@endpoint(bp, "/me", summary="The current user", response=MeOut)
def me():
    """Return the logged-in person (by session or bearer token)."""
    return me_payload(current_user)
