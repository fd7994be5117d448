"""The venue itself: opening hours per weekday, its zones and closures."""


def init_app(app) -> None:
    """Add the opening hours to the home page."""
    from .. import signals
    from . import views

    signals.home_sections.connect(views.opening_hours_section)
