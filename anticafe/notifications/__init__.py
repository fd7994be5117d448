"""Notifications: an outbox of messages shown in the app and, when SMTP is set up, sent by email."""


def init_app(app) -> None:
    """Mail the password-reset links that accounts ask for."""
    from .. import signals
    from .password_reset import mail_reset_link

    signals.password_reset_requested.connect(mail_reset_link)
