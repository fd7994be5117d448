"""Venue-local time: everything is stored in UTC and shown in `VENUE_TIMEZONE`."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app

from . import clock


def venue_tz() -> ZoneInfo:
    """Return the venue's time zone from the app config."""
    return ZoneInfo(current_app.config["VENUE_TIMEZONE"])


def venue_now() -> datetime:
    """Return the current time as an aware datetime in the venue's zone."""
    return clock.now().astimezone(venue_tz())


def venue_today() -> date:
    """Return today's date at the venue (which is not the UTC date late in the evening)."""
    return venue_now().date()


def to_venue(moment: datetime) -> datetime:
    """Convert an aware datetime to venue time."""
    return moment.astimezone(venue_tz())


def from_venue(naive_local: datetime) -> datetime:
    """Read a naive wall-clock time as venue time and return it in UTC."""
    return naive_local.replace(tzinfo=venue_tz()).astimezone(UTC)
