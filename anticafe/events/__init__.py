"""The event calendar: events, series, iCalendar feeds."""


def init_app(app) -> None:
    """Add what is on next to the home page and the calendar feed to `/me`."""
    from .. import signals
    from . import api, views

    signals.home_sections.connect(views.upcoming_section)
    signals.me_document.connect(api.calendar_feed_member)
