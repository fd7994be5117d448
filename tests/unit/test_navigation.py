"""The menu by role: at most six sections in the bar, the door first for staff, landing pages."""

import pytest

from anticafe.navigation import LANDING, MENUS, PRIMARY, SECTIONS, menu_for


@pytest.mark.parametrize("role", [None, "visitor", "staff", "committee", "admin"])
def test_at_most_six_sections_in_the_bar_and_none_twice(role):
    menu = menu_for(role, None)
    assert len(menu.primary) <= PRIMARY == 6
    keys = [s.key for s in menu.primary + menu.more]
    assert len(keys) == len(set(keys)) == len(MENUS[role])


def test_each_role_starts_with_its_workplace():
    assert menu_for("staff", None).primary[0].key == "door"
    assert menu_for("committee", None).primary[0].key == "stats"
    assert menu_for("admin", None).primary[0].key == "overview"
    assert LANDING == {"staff": "door.scanner", "committee": "stats.dashboard", "admin": "main.overview"}


@pytest.mark.parametrize("role, endpoint, key", [
    ("visitor", "events.detail", "events"),
    ("visitor", "registrations.ticket", "my_events"),
    ("staff", "door.log", "door"),
    ("staff", "bookings_staff.day", "bookings"),
    ("admin", "accounts.admin_user", "people"),
    ("admin", "passes.committee_person", "social"),
])
def test_current_section(role, endpoint, key):
    assert menu_for(role, endpoint).current is SECTIONS[key]


def test_unknown_endpoint_marks_nothing():
    assert menu_for("visitor", "accounts.profile").current is None
    assert menu_for("visitor", None).current is None
