"""Mail the password-reset link (accounts announce it, the outbox delivers it in the person's language)."""

from flask import url_for
from flask_babel import lazy_gettext as _l

from .services import notify


def mail_reset_link(user, token: str, **extra) -> None:
    """Put the reset link in the person's outbox; `send-notifications` emails it."""
    notify(user, "password_reset", _l("A new password for your account"),
           _l("Someone, hopefully you, asked to set a new password for your account. Open the link below "
              "within an hour to choose one; it works once. After that, every device and app logged in "
              "with your account is logged out.\n\nIf it was not you, ignore this email: your password "
              "stays as it is."),
           link=url_for("accounts.reset_password", token=token))
