"""Registrations for events, the waitlist, QR tickets and notifications."""


def init_app(app) -> None:
    """Move the waitlist up when an event's capacity is raised; show the next ticket on the home page."""
    from .. import signals
    from . import services, views

    signals.capacity_raised.connect(services.promote_waitlist)
    signals.home_sections.connect(views.my_next_section)
