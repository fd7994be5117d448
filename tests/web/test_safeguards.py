"""Safeguards that warn and ask instead of refusing: the booking page after closing (next open day, past
slots «прошло»), and events in the past, overlapping another, or keeping minors after the curfew."""

from datetime import date

from conftest import venue_dt

from anticafe.bookings import rules
from anticafe.clock import set_clock

TUESDAY = date(2025, 3, 4)


def test_the_booking_page_opens_on_the_next_open_day_after_closing(app, client, make_zone):
    room = make_zone(name="Игровая комната")
    set_clock(app, venue_dt(TUESDAY, 23, 45))
    page = client.get(f"/bookings/zones/{room.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Wednesday, 5 March" in page.split('id="day-heading"', 1)[1].split("</h2>", 1)[0]
    assert "past" not in page.split('class="slots"', 1)[1].split("</ul>", 1)[0]

    today = client.get(f"/bookings/zones/{room.id}?date=2025-03-04", headers={"Accept-Language": "ru"})
    slots = today.get_data(as_text=True).split('class="slots"', 1)[1].split("</ul>", 1)[0]
    assert "прошло" in slots and "занято" not in slots and 'class="slot past"' in slots
    api = client.get(f"/api/v1/zones/{room.id}/availability?date=2025-03-04").json
    assert api["slots"] and all(s["past"] and not s["free"] for s in api["slots"])

    set_clock(app, venue_dt(TUESDAY, 15, 10))
    page = client.get(f"/bookings/zones/{room.id}", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    slots = page.split('class="slots"', 1)[1].split("</ul>", 1)[0]
    assert "прошло" in slots and "свободно" in slots  # today still has times ahead: the page opens on today
    assert "4 марта" in page.split('id="day-heading"', 1)[1].split("</h2>", 1)[0]


def test_first_day_ahead_skips_days_without_slots_to_come():
    past = rules.Slot(venue_dt(TUESDAY, 22), venue_dt(TUESDAY, 23), False, True)
    ahead = rules.Slot(venue_dt(TUESDAY, 10), venue_dt(TUESDAY, 11), True)
    wednesday, thursday = date(2025, 3, 5), date(2025, 3, 6)
    assert rules.first_day_ahead({TUESDAY: [past], wednesday: [], thursday: [ahead]}) == thursday
    assert rules.first_day_ahead({TUESDAY: [past]}) is None
