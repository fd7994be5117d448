"""Venue API: the opening hours and how to find and reach the café."""

from datetime import time

from flask import current_app
from pydantic import BaseModel, Field

from ..api.spec import api_blueprint, endpoint
from ..auth import Access
from ..extensions import db
from . import contact, services
from .views import day_names

bp = api_blueprint("venue_api", __name__)


class DayHoursOut(BaseModel):
    weekday: int = Field(description="0 = Monday ... 6 = Sunday")
    name: str
    opens: time | None
    closes: time | None
    closed: bool


class WeekOut(BaseModel):
    days: list[DayHoursOut]


class DayHoursIn(BaseModel):
    weekday: int = Field(ge=0, le=6)
    opens: time | None = None
    closes: time | None = None
    closed: bool = False


class WeekIn(BaseModel):
    days: list[DayHoursIn] = Field(min_length=1, max_length=7)


def week_out() -> WeekOut:
    names = day_names()
    return WeekOut(days=[DayHoursOut(weekday=h.weekday, name=names[h.weekday], opens=h.opens, closes=h.closes,
                                     closed=not h.is_open_day) for h in services.weekly_hours().values()])


@endpoint(bp, "/venue/hours", summary="Opening hours of each weekday", access=Access.PUBLIC, response=WeekOut)
def get_hours():
    """Return the café's opening hours, Monday first."""
    return week_out()


@endpoint(bp, "/venue/hours", "PUT", summary="Change opening hours", access=Access.ADMIN, body=WeekIn,
          response=WeekOut)
def put_hours(body: WeekIn):
    """Change the hours of the weekdays given (others stay)."""
    services.set_week({d.weekday: (d.opens, d.closes, d.closed) for d in body.days})
    db.session.commit()
    return week_out()


class LinkOut(BaseModel):
    label: str = Field(description="VK, Telegram, ...")
    url: str


class VenueOut(BaseModel):
    name: str
    address: str = Field(description="With the town, so that a map app finds the right street")
    town: str
    phone: str
    links: list[LinkOut]
    lat: float | None
    lon: float | None
    maps: dict[str, str] = Field(description="Yandex Maps and 2GIS links by coordinates")
    timezone: str


@endpoint(bp, "/venue", summary="How to find and reach the café", access=Access.PUBLIC, response=VenueOut)
def get_venue():
    """Return the café's name, address with the town, phone, VK/Telegram links and map links."""
    venue = contact.venue_from_settings(current_app.config)
    return VenueOut(name=venue.name, address=venue.address, town=venue.town, phone=venue.phone,
                    links=[LinkOut(label=label, url=url) for label, url in venue.links], lat=venue.lat,
                    lon=venue.lon, maps=venue.maps, timezone=current_app.config["VENUE_TIMEZONE"])
