"""Bookings: zones of the café reserved for a time slot."""


def init_app(app) -> None:
    """Answer the events calendar when it asks whether a zone is free."""
    from . import events

    events.connect()
