"""Passes: prepaid minutes, memberships and subsidised allowances."""


def init_app(app) -> None:
    """Pay for timed visits at checkout and show the passes on "My card"."""
    from . import checkout

    checkout.connect()
