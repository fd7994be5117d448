"""Registrations for events, the waitlist, QR tickets and notifications."""


def init_app(app) -> None:
    """Answer the events calendar's questions about seats (`receivers`)."""
    from . import receivers

    receivers.connect()
