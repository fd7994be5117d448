"""The main menu: which sections each role sees, in the order they use them.

Each role gets at most `PRIMARY` items in the bar; the rest sit under «Ещё» (More). The door comes
first for staff, the dashboard for the committee, the overview for admins. Endpoint names are the
only link to the domains; the page marks the section the current endpoint belongs to.
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

#: How many sections fit in the bar (a 360 px phone, two rows of pills).
PRIMARY = 6


@dataclass(frozen=True)
class Section:
    """One menu entry: where it leads and which endpoints count as being in it."""

    key: str
    endpoint: str
    label: object
    #: endpoints (exact), blueprints ("bookings.") or prefixes ("accounts.admin*") that mark this section current
    matches: tuple[str, ...]

    def is_current(self, endpoint: str | None) -> bool:
        """Tell whether a page with `endpoint` belongs to this section."""
        if not endpoint:
            return False
        return any(endpoint == m or (m.endswith(".") and endpoint.startswith(m))
                   or (m.endswith("*") and endpoint.startswith(m[:-1])) for m in self.matches)


SECTIONS = {s.key: s for s in [
    Section("overview", "main.overview", _l("Overview"), ("main.overview",)),
    Section("events", "events.month", lazy_pgettext("navigation", "Events"),
            ("events.month", "events.week", "events.upcoming", "events.detail", "registrations.register")),
    Section("manage_events", "events.manage", _l("Manage events"),
            ("events.manage", "events.new", "events.edit", "events.cancel", "registrations.event_registrations")),
    Section("my_events", "registrations.my_events", _l("My events"),
            ("registrations.my_events", "registrations.ticket")),
    Section("my_card", "visits.my_card", _l("My card"), ("visits.my_card", "passes.mine")),
    Section("my_visits", "visits.my_visits", _l("My visits"), ("visits.my_visits",)),
    Section("book", "bookings.index", _l("Book a room"), ("bookings.",)),
    Section("bookings", "bookings_staff.index", _l("Bookings"), ("bookings_staff.",)),
    Section("zones", "bookings_admin.index", _l("Zones"), ("bookings_admin.",)),
    Section("door", "door.scanner", _l("Entry check"), ("door.",)),
    Section("guests", "visits.board", _l("Guests"), ("visits.board", "visits.checkout", "visits.receipt")),
    Section("shift", "visits.shift", _l("Shift"), ("visits.shift",)),
    Section("tariff", "visits.tariff", _l("Tariff"), ("visits.tariff",)),
    Section("passes", "passes.index", _l("Passes"), ("passes.index", "passes.person")),
    Section("social", "passes.committee_index", _l("Social programme"), ("passes.committee*",)),
    Section("pass_types", "passes.types", _l("Pass types"), ("passes.types", "passes.new_type", "passes.edit_type")),
    Section("stats", "stats.dashboard", _l("Statistics"), ("stats.",)),
    Section("hours", "venue.edit", _l("Hours"), ("venue.",)),
    Section("people", "accounts.admin_users", _l("People"), ("accounts.admin*",)),
    Section("access_log", "privacy.access_log", _l("Access log"), ("privacy.access_log",)),
    Section("ideas", "voice.ideas", _l("Ideas"), ("voice.ideas", "voice.idea", "voice.new_idea")),
    Section("comments", "voice.comments", _l("Comments"), ("voice.comments",)),
    Section("contests", "contests.index", _l("Contests"), ("contests.",)),
]}

#: Sections by role, most used first; the first PRIMARY are in the bar.
MENUS = {
    None: ["events", "book", "ideas", "contests"],
    "visitor": ["events", "my_events", "my_card", "book", "ideas", "my_visits", "contests"],
    "staff": ["door", "guests", "shift", "events", "bookings", "passes", "manage_events", "ideas", "comments",
              "contests", "my_events"],
    "committee": ["stats", "social", "ideas", "contests", "events", "my_events"],
    "admin": ["overview", "door", "guests", "events", "stats", "people",
              "shift", "manage_events", "bookings", "passes", "social", "pass_types", "tariff", "zones", "hours",
              "access_log", "ideas", "comments", "contests", "my_events"],
}

#: Where each role lands after logging in (the visitor stays on the page they came for, or home).
LANDING = {"staff": "door.scanner", "committee": "stats.dashboard", "admin": "main.overview"}


@dataclass(frozen=True)
class Menu:
    """The menu for one page: the bar, the «Ещё» list and the current section (or None)."""

    primary: list[Section]
    more: list[Section]
    current: Section | None


def menu_for(role: str | None, endpoint: str | None) -> Menu:
    """Return the menu of `role` (None: not logged in) on the page of `endpoint`."""
    sections = [SECTIONS[key] for key in MENUS.get(role, MENUS[None])]
    current = next((s for s in sections if s.is_current(endpoint)), None)
    return Menu(primary=sections[:PRIMARY], more=sections[PRIMARY:], current=current)
