"""The door: QR check-in, manual search, walk-ins, live attendance."""


def init_app(app) -> None:
    """Answer the events calendar's counts (`receivers`)."""
    from . import receivers

    receivers.connect()
