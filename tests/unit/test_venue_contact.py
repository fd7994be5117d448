"""The venue's contacts and "add to calendar" links: pure functions, no app."""

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from anticafe.venue.contact import (
    google_calendar_url,
    map_links,
    parse_coordinate,
    parse_links,
    venue_from_settings,
    yandex_calendar_url,
)

#: 19:00–22:30 in Novotroitsk (UTC+5) on 11 December 2026, stored in UTC.
STARTS = datetime(2026, 12, 11, 14, 0, tzinfo=UTC)
ENDS = datetime(2026, 12, 11, 17, 30, tzinfo=UTC)


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_google_link_carries_venue_wall_clock_and_zone():
    url = google_calendar_url("Квиз", STARTS, ENDS, "Asia/Yekaterinburg", details="https://x/events/1",
                              location="Антикафе, г. Новотроицк")
    assert url.startswith("https://calendar.google.com/calendar/render?")
    q = query(url)
    assert q["dates"] == ["20261211T190000/20261211T223000"] and q["ctz"] == ["Asia/Yekaterinburg"]
    assert q["text"] == ["Квиз"] and q["location"] == ["Антикафе, г. Новотроицк"] and q["action"] == ["TEMPLATE"]


def test_yandex_link_carries_venue_wall_clock_and_zone():
    q = query(yandex_calendar_url("Квиз", STARTS, ENDS, "Asia/Yekaterinburg"))
    assert q["start"] == ["20261211T190000"] and q["end"] == ["20261211T223000"]
    assert q["tz_id"] == ["Asia/Yekaterinburg"] and q["name"] == ["Квиз"]


def test_calendar_links_cross_midnight_and_other_zones():
    late = datetime(2026, 12, 31, 18, 30, tzinfo=UTC)  # 23:30 in Novotroitsk on New Year's Eve
    q = query(google_calendar_url("Новый год", late, late.replace(day=31, hour=21), "Asia/Yekaterinburg"))
    assert q["dates"] == ["20261231T233000/20270101T023000"]
    q = query(google_calendar_url("x", STARTS, ENDS, "Europe/Moscow"))
    assert q["dates"] == ["20261211T170000/20261211T203000"]


@pytest.mark.parametrize("text, expected", [
    ("VK=https://vk.com/a,Telegram=https://t.me/a", (("VK", "https://vk.com/a"), ("Telegram", "https://t.me/a"))),
    ("vk=https://vk.com/a; tg=https://t.me/a", (("VK", "https://vk.com/a"), ("Telegram", "https://t.me/a"))),
    ("Site=http://insecure.example, =https://x, junk", ()),
    ("", ()),
])
def test_links_setting(text, expected):
    assert parse_links(text) == expected


@pytest.mark.parametrize("text, expected", [("51.2036", 51.2036), ("51,2", 51.2), ("95", None), ("", None),
                                            (None, None), ("north", None)])
def test_coordinates_are_bounded(text, expected):
    assert parse_coordinate(text, -90, 90) == expected


def test_map_links_put_a_pin_longitude_first():
    links = map_links(51.2036, 58.305)
    assert query(links["yandex"])["pt"] == ["58.305000,51.203600"]
    assert links["2gis"] == "https://2gis.ru/geo/58.305000,51.203600"
    assert map_links(None, 58.3) == {}


def test_venue_from_settings():
    venue = venue_from_settings({"VENUE_NAME": "Антикафе", "VENUE_ADDRESS": "г. Новотроицк, ул. Советская, 1",
                                 "VENUE_TOWN": "Новотроицк", "VENUE_PHONE": "+7 3537 67-01-01",
                                 "VENUE_LINKS": "VK=https://vk.com/a", "VENUE_LAT": "51.2", "VENUE_LON": "58.3"})
    assert venue.phone_href == "tel:+73537670101" and venue.one_line == "Антикафе, г. Новотроицк, ул. Советская, 1"
    assert venue.links == (("VK", "https://vk.com/a"),) and "2gis" in venue.maps
