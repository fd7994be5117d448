"""Accounts API: tokens, logging out, sign-up, passwords and their reset, and the current user."""

from flask import g, request
from flask_babel import gettext
from flask_login import current_user, logout_user

from .. import signals
from ..api.spec import api_blueprint, endpoint
from ..auth import Access
from ..errors import DomainError
from ..extensions import db
from ..timeutil import venue_today
from . import consent, services
from .schemas import (
    MeOut,
    MessageOut,
    PasswordChangeIn,
    PasswordResetConfirmIn,
    PasswordResetIn,
    SignupIn,
    TokenIn,
    TokenOut,
    UserOut,
)

bp = api_blueprint("accounts_api", __name__)


def me_payload(user) -> dict:
    """Return the `GET /api/v1/me` document; other domains add members (`signals.me_document`)."""
    data = MeOut.model_validate(user).model_dump(mode="json")
    data["age"] = user.age_on(venue_today())
    for members in signals.answers(signals.me_document, user):
        data.update(members)
    return data


def _token_answer(user) -> dict:
    """Issue a fresh token for `user`, commit, and return the token document."""
    raw = services.issue_token(user, label=request.user_agent.string or "API")
    token = user.tokens[-1]
    db.session.commit()
    return {"token": raw, "expires_at": token.expires_at.isoformat(), "user": UserOut.model_validate(user)}


@endpoint(bp, "/auth/token", "POST", summary="Exchange email and password for a bearer token",
          access=Access.PUBLIC, body=TokenIn, response=TokenOut,
          errors=[(401, "invalid_credentials", "wrong email or password"),
                  (429, "too_many_requests", "too many failed attempts for this account or address "
                                             "(the same counters as the login form)")])
def create_token(body: TokenIn):
    """Log in for the API. Send the token as `Authorization: Bearer <token>`."""
    user = services.authenticate(body.email, body.password, request.remote_addr)
    if user is None:
        raise DomainError("invalid_credentials", gettext("Wrong email or password."), status=401)
    return _token_answer(user)


@endpoint(bp, "/auth/logout", "POST", summary="Log out: revoke this bearer token (or end this session)",
          response=MessageOut)
def log_out():
    """Revoke the bearer token the call carries; called with the browser session, end that session."""
    if g.get("authenticated_by_token"):
        services.revoke_raw_token(g.authenticated_by_token)
    else:
        services.end_session(current_user.login_secret)
        logout_user()
    db.session.commit()
    return {"message": gettext("You have logged out.")}


@endpoint(bp, "/me/password", "POST", summary="Change one's password; every other session and token ends",
          body=PasswordChangeIn, response=TokenOut,
          errors=[(422, "validation_error", "wrong current password, or the new one breaks a rule")])
def change_password(body: PasswordChangeIn):
    """Answer with a fresh token: every earlier token, the caller's included, stops working."""
    services.change_password(current_user, body.current_password, body.new_password, None)
    return _token_answer(current_user)


@endpoint(bp, "/auth/password-reset", "POST", summary="Mail a link to set a new password",
          access=Access.PUBLIC, body=PasswordResetIn, response=MessageOut, status=202,
          errors=[(429, "too_many_requests", "too many requests from this address")])
def request_password_reset(body: PasswordResetIn):
    """The same 202 answer whether or not the address has an account (nobody learns who has one)."""
    services.request_password_reset(body.email, request.remote_addr)
    db.session.commit()
    return {"message": gettext("If this email has an account, a link to set a new password is on its way. "
                               "It works once, for one hour.")}, 202


@endpoint(bp, "/auth/password-reset/confirm", "POST", summary="Set a new password with the mailed token",
          access=Access.PUBLIC, body=PasswordResetConfirmIn, response=MessageOut,
          errors=[(400, "reset_invalid", "the token is unknown, used or older than an hour"),
                  (422, "validation_error", "the new password breaks a rule")])
def confirm_password_reset(body: PasswordResetConfirmIn):
    """Every session and token of the person ends; log in again with the new password."""
    services.reset_password(body.token, body.password)
    db.session.commit()
    return {"message": gettext("Your new password is set. Log in with it.")}


@endpoint(bp, "/users", "POST", summary="Sign up", access=Access.PUBLIC, body=SignupIn, response=UserOut,
          status=201, errors=[(409, "email_taken", "an account with this email exists"),
                              (429, "too_many_requests", "too many sign-ups from this address")])
def sign_up(body: SignupIn):
    """Create a visitor account with the same rules as the sign-up form."""
    user = services.register_user(services.Signup(**body.model_dump()), address=request.remote_addr)
    db.session.commit()
    if user.consent_pending:
        consent.send_guardian_link(user)
    return UserOut.model_validate(user)


@endpoint(bp, "/me", summary="The current user", response=MeOut)
def me():
    """Return the logged-in person (by session or bearer token)."""
    return me_payload(current_user)
