"""iCalendar (RFC 5545) feeds shared by events, personal feeds and zone bookings.

Times are written with the venue's TZID and a matching VTIMEZONE; answers carry ETag and
Last-Modified and become 304 on a repeat request.

The VEVENTs are written here directly (escaping, folding at 75 octets, CRLF): the `icalendar`
library needs about 2.5 ms per event, too slow for a feed of 2,000 events, so it only supplies the
VTIMEZONE (computed once per zone and span of years). Tests read the output back with `icalendar`
and with the independent `vobject` parser.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import Response, current_app, request
from flask_babel import get_locale
from icalendar import Timezone

from .db import utcnow
from .memo import Memo
from .timeutil import venue_tz

#: Calendar apps that honour it refresh a subscription this often.
REFRESH_INTERVAL = "PT1H"


@dataclass
class CalendarItem:
    """One VEVENT: everything a calendar app needs to show and update it."""

    uid: str
    summary: str
    starts_at: datetime
    ends_at: datetime
    #: last change; DTSTAMP and LAST-MODIFIED
    updated_at: datetime
    sequence: int = 0
    description: str = ""
    location: str = ""
    #: how to reach the organiser (RFC 5545 CONTACT): the venue's name, phone and links
    contact: str = ""
    url: str | None = None
    categories: list[str] = field(default_factory=list)
    cancelled: bool = False


@lru_cache(maxsize=16)
def _vtimezone(key: str, first_year: int, last_year: int) -> bytes:
    """Return the VTIMEZONE of a zone for whole years (computing it is slow, so it is cached)."""
    component = Timezone.from_tzinfo(ZoneInfo(key), first_date=date(first_year - 1, 12, 1),
                                     last_date=date(last_year + 1, 1, 31))
    return component.to_ical()


def escape_text(value: str) -> str:
    """Escape a TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and line breaks."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n"))


def fold(line: str) -> bytes:
    """Return one content line as bytes, folded so that no line is longer than 75 octets (RFC 5545 3.1).

    A fold never splits a UTF-8 sequence: the cut moves back over continuation bytes (0b10xxxxxx).
    """
    raw = line.encode("utf-8")
    if len(raw) <= 75:
        return raw + b"\r\n"
    parts = []
    start, limit = 0, 75
    while len(raw) - start > limit:
        cut = start + limit
        while raw[cut] & 0xC0 == 0x80:
            cut -= 1
        parts.append(raw[start:cut])
        start, limit = cut, 74  # continuation lines start with one space
    parts.append(raw[start:])
    return b"\r\n ".join(parts) + b"\r\n"


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _vevent(item: CalendarItem, tz: ZoneInfo, tzid: str) -> bytes:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{escape_text(item.uid)}",
        f"DTSTAMP:{_utc(item.updated_at)}",
        f"LAST-MODIFIED:{_utc(item.updated_at)}",
        f"DTSTART;TZID={tzid}:{item.starts_at.astimezone(tz):%Y%m%dT%H%M%S}",
        f"DTEND;TZID={tzid}:{item.ends_at.astimezone(tz):%Y%m%dT%H%M%S}",
        f"SUMMARY:{escape_text(item.summary)}",
        f"SEQUENCE:{int(item.sequence)}",
    ]
    if item.description:
        lines.append(f"DESCRIPTION:{escape_text(item.description)}")
    if item.location:
        lines.append(f"LOCATION:{escape_text(item.location)}")
    if item.contact:
        lines.append(f"CONTACT:{escape_text(item.contact)}")
    if item.url:
        lines.append(f"URL:{item.url}")
    if item.categories:
        lines.append("CATEGORIES:" + ",".join(escape_text(c) for c in item.categories))
    lines.append("STATUS:CANCELLED" if item.cancelled else "STATUS:CONFIRMED")
    lines.append("TRANSP:OPAQUE")
    lines.append("END:VEVENT")
    return b"".join(fold(line) for line in lines)


def build_calendar(items: list[CalendarItem], *, name: str, prodid: str = "-//Anticafe//Calendar//RU") -> bytes:
    """Return the bytes of a VCALENDAR with the venue's VTIMEZONE and one VEVENT per item."""
    tz = venue_tz()
    tzid = str(tz.key)
    head = [
        "BEGIN:VCALENDAR",
        f"PRODID:{prodid}",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
        f"NAME:{escape_text(name)}",
        f"X-WR-TIMEZONE:{tzid}",
        f"REFRESH-INTERVAL;VALUE=DURATION:{REFRESH_INTERVAL}",
        f"X-PUBLISHED-TTL:{REFRESH_INTERVAL}",
    ]
    out = [b"".join(fold(line) for line in head)]
    if items:
        first = min(item.starts_at for item in items).astimezone(tz)
        last = max(item.ends_at for item in items).astimezone(tz)
        out.append(_vtimezone(tzid, first.year, last.year))
    out.extend(_vevent(item, tz, tzid) for item in items)
    out.append(b"END:VCALENDAR\r\n")
    return b"".join(out)


#: The last few feed bodies (with their Last-Modified) by ETag: a feed that did not change is not written again.
_bodies = Memo(size=16)


def feed_etag(items: list[CalendarItem], name: str) -> str:
    """Return a fingerprint of everything a feed's bytes depend on."""
    digest = hashlib.sha256()
    digest.update(f"{name}|{current_app.config['VENUE_TIMEZONE']}|{request.host_url}".encode())
    for i in items:
        digest.update(f"|{i.uid}:{i.sequence}:{i.updated_at.isoformat()}:{i.summary}:{i.url}:{i.location}:"
                      f"{','.join(i.categories)}".encode())
    return digest.hexdigest()[:32]


def calendar_response(items, *, name: str, filename: str, version: str | None = None) -> Response:
    """Answer a feed as text/calendar with ETag/Last-Modified; 304 when the client's copy is current.

    `items` is a list of CalendarItem or a function returning one. With `version` (a cheap fingerprint
    of the feed's rows, e.g. from one aggregate query) the ETag comes from it, and a repeat request is
    answered 304 before a single item is loaded.
    """
    etag = None
    if version is not None:
        key = f"{name}|{current_app.config['VENUE_TIMEZONE']}|{request.host_url}|{get_locale()}|{version}"
        etag = hashlib.sha256(key.encode()).hexdigest()[:32]
        if request.if_none_match.contains(etag):
            response = Response(status=304)
            response.set_etag(etag)
            response.headers["Cache-Control"] = "private, max-age=300"
            return response
    cached = _bodies.get(etag) if etag is not None else None
    if cached is None:
        if callable(items):
            items = items()
        last_modified = max((item.updated_at for item in items), default=None)
        etag = etag or feed_etag(items, name)
        cached = _bodies.get(etag)
    else:  # a known version: answer from the cache without loading a single event
        last_modified = cached[1]
    if request.if_none_match.contains(etag) or (
            not request.if_none_match and last_modified and request.if_modified_since
            and last_modified.replace(microsecond=0) <= request.if_modified_since):
        response = Response(status=304)
    else:
        if cached is None:
            cached = (build_calendar(items, name=name), last_modified)
            _bodies.put(etag, cached)
        response = Response(cached[0], mimetype="text/calendar")
        response.headers["Content-Type"] = "text/calendar; charset=utf-8"
        response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.set_etag(etag)
    response.last_modified = last_modified or utcnow()
    response.headers["Cache-Control"] = "private, max-age=300"
    return response
