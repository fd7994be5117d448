"""Timed visits: tariffs, guest cards, the live board, checkout and the shift report."""


def init_app(app) -> None:
    """Hear the door (guest cards, check-ins to `timed` events, who is inside) and add to the home page and `/me`."""
    from .. import signals
    from . import api, door, occupancy, views

    door.connect()
    signals.people_inside.connect(occupancy.people_inside)
    signals.home_sections.connect(views.prices_section)
    signals.me_document.connect(api.me_card)
