"""iCalendar (RFC 5545) feeds shared by events, personal feeds and zone bookings.

Times are written with the venue's TZID and a matching VTIMEZONE; answers carry ETag and
Last-Modified and become 304 on a repeat request.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import Response, current_app, request
from icalendar import Calendar, Event, Timezone, vText

from .db import utcnow
from .timeutil import venue_tz


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
    url: str | None = None
    categories: list[str] = field(default_factory=list)
    cancelled: bool = False


@lru_cache(maxsize=16)
def _vtimezone(key: str, first_year: int, last_year: int) -> Timezone:
    """Return the VTIMEZONE of a zone for whole years (computing it is slow, so it is cached)."""
    return Timezone.from_tzinfo(ZoneInfo(key), first_date=date(first_year - 1, 12, 1),
                                last_date=date(last_year + 1, 1, 31))


def build_calendar(items: list[CalendarItem], *, name: str, prodid: str = "-//Anticafe//Calendar//RU") -> bytes:
    """Return the bytes of a VCALENDAR with the venue's VTIMEZONE and one VEVENT per item."""
    tz = venue_tz()
    calendar = Calendar()
    calendar.add("prodid", prodid)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", str(tz.key))
    if items:
        first = min(item.starts_at for item in items)
        last = max(item.ends_at for item in items)
        calendar.add_component(_vtimezone(str(tz.key), first.year, last.year))
    for item in items:
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", item.updated_at)
        event.add("last-modified", item.updated_at)
        event.add("dtstart", item.starts_at.astimezone(tz))
        event.add("dtend", item.ends_at.astimezone(tz))
        event.add("summary", item.summary)
        event.add("sequence", item.sequence)
        if item.description:
            event.add("description", item.description)
        if item.location:
            event["location"] = vText(item.location)
        if item.url:
            event.add("url", item.url)
        if item.categories:
            event.add("categories", item.categories)
        event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
        calendar.add_component(event)
    return calendar.to_ical()


def calendar_response(items: list[CalendarItem], *, name: str, filename: str) -> Response:
    """Answer a feed as text/calendar with ETag/Last-Modified; 304 when the client's copy is current."""
    last_modified = max((item.updated_at for item in items), default=None)
    fingerprint = "|".join(f"{i.uid}:{i.sequence}:{i.updated_at.isoformat()}" for i in items)
    etag = hashlib.sha256(f"{name}|{fingerprint}|{current_app.config['VENUE_TIMEZONE']}".encode()).hexdigest()[:32]
    if request.if_none_match.contains(etag) or (
            not request.if_none_match and last_modified and request.if_modified_since
            and last_modified.replace(microsecond=0) <= request.if_modified_since):
        response = Response(status=304)
    else:
        response = Response(build_calendar(items, name=name), mimetype="text/calendar")
        response.headers["Content-Type"] = "text/calendar; charset=utf-8"
        response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.set_etag(etag)
    response.last_modified = last_modified or utcnow()
    response.headers["Cache-Control"] = "private, max-age=300"
    return response
