"""How to find and reach the venue, and how to put one of its events into a calendar app.

Pure functions over plain values (settings, times): map links by coordinates (Yandex Maps, 2GIS),
the VK/Telegram links from one setting, and "add to calendar" links for Google and Yandex that carry
the venue's time zone, so the event lands at the right hour whatever zone the phone is set to.
"""

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

#: Link labels a visitor recognises; other labels are shown as written in the setting.
KNOWN_LINKS = {"vk": "VK", "vkontakte": "VK", "telegram": "Telegram", "tg": "Telegram"}


@dataclass(frozen=True)
class Venue:
    """The venue as visitors see it: name, address with the town, phone, links and coordinates."""

    name: str
    address: str
    #: the town alone, for headings ("Антикафе в Новотроицке" reads better than the full address)
    town: str = ""
    phone: str = ""
    #: (label, url) pairs, e.g. ("VK", "https://vk.com/…")
    links: tuple[tuple[str, str], ...] = ()
    lat: float | None = None
    lon: float | None = None
    maps: dict[str, str] = field(default_factory=dict)

    @property
    def phone_href(self) -> str:
        """Return a tel: link (digits and a leading +)."""
        digits = "".join(ch for ch in self.phone if ch.isdigit())
        return f"tel:+{digits}" if self.phone.strip().startswith("+") else f"tel:{digits}"

    @property
    def one_line(self) -> str:
        """Return "name, address" for feeds, mails and tickets."""
        return f"{self.name}, {self.address}"


def parse_links(text: str) -> tuple[tuple[str, str], ...]:
    """Read "VK=https://vk.com/x, Telegram=https://t.me/x" into (label, url) pairs; https only."""
    pairs = []
    for chunk in (text or "").replace(";", ",").split(","):
        label, sep, url = chunk.partition("=")
        label, url = label.strip(), url.strip()
        if not sep or not label or not url.startswith("https://"):
            continue
        pairs.append((KNOWN_LINKS.get(label.lower(), label), url))
    return tuple(pairs)


def parse_coordinate(text, low: float, high: float) -> float | None:
    """Return a coordinate within [low, high], or None when missing or out of range."""
    try:
        value = float(str(text).replace(",", "."))
    except (TypeError, ValueError):
        return None
    return value if low <= value <= high else None


def map_links(lat: float | None, lon: float | None) -> dict[str, str]:
    """Return Yandex Maps and 2GIS links that put a pin on the coordinates (empty without them)."""
    if lat is None or lon is None:
        return {}
    point = f"{lon:.6f},{lat:.6f}"  # both services take longitude first
    return {
        "yandex": "https://yandex.ru/maps/?" + urlencode({"pt": point, "z": "17", "l": "map"}),
        "2gis": f"https://2gis.ru/geo/{point}",
    }


def venue_from_settings(config) -> Venue:
    """Build the Venue from the app settings (a mapping with the VENUE_* keys)."""
    lat = parse_coordinate(config.get("VENUE_LAT"), -90, 90)
    lon = parse_coordinate(config.get("VENUE_LON"), -180, 180)
    return Venue(name=config["VENUE_NAME"], address=config["VENUE_ADDRESS"], town=config.get("VENUE_TOWN", ""),
                 phone=config.get("VENUE_PHONE", ""),
                 links=parse_links(config.get("VENUE_LINKS", "")), lat=lat, lon=lon, maps=map_links(lat, lon))


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone).replace(tzinfo=None)


def google_calendar_url(title: str, starts_at: datetime, ends_at: datetime, zone: str, *,
                        details: str = "", location: str = "") -> str:
    """Return a Google Calendar "new event" link: wall-clock times in the venue's zone plus `ctz`."""
    tz = ZoneInfo(zone)
    dates = f"{_local(starts_at, tz):%Y%m%dT%H%M%S}/{_local(ends_at, tz):%Y%m%dT%H%M%S}"
    query = {"action": "TEMPLATE", "text": title, "dates": dates, "ctz": zone,
             "details": details[:1500], "location": location}
    return "https://calendar.google.com/calendar/render?" + urlencode(query)


def yandex_calendar_url(title: str, starts_at: datetime, ends_at: datetime, zone: str, *,
                        details: str = "", location: str = "") -> str:
    """Return a Yandex Calendar "new event" link: wall-clock times in the venue's zone plus `tz_id`."""
    tz = ZoneInfo(zone)
    query = {"name": title, "start": f"{_local(starts_at, tz):%Y%m%dT%H%M%S}",
             "end": f"{_local(ends_at, tz):%Y%m%dT%H%M%S}", "tz_id": zone,
             "description": details[:1500], "location": location}
    return "https://calendar.yandex.ru/event?" + urlencode(query)
