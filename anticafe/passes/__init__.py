"""Passes: prepaid minutes, memberships and subsidised allowances."""


def init_app(app) -> None:
    """Pay for timed visits at checkout and show the passes on "My card" and the home page."""
    from .. import signals
    from . import checkout, views

    checkout.connect()
    signals.home_sections.connect(views.passes_home_section)
