"""Registrations for events, the waitlist, QR tickets and notifications."""


def init_app(app) -> None:
    """Move the waitlist up when an event's capacity is raised."""
    from .. import signals
    from . import services

    signals.capacity_raised.connect(services.promote_waitlist)
