"""Registrations for events, the waitlist, QR tickets and notifications."""


def init_app(app) -> None:
    """Answer the events calendar's questions about seats (`receivers`); show the next ticket at home."""
    from .. import signals
    from . import receivers, views

    receivers.connect()
    signals.home_sections.connect(views.my_next_section)
