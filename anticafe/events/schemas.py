"""JSON shapes of the events API (pydantic models: they validate and document)."""

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from .models import Category, Entry, EventStatus
from .recurrence import MAX_INTERVAL_WEEKS, MAX_OCCURRENCES

#: The longest span one listing may ask for.
MAX_RANGE_DAYS = 400


class EventOut(BaseModel):
    """An event as the calendar shows it; times in venue time with their offset."""

    id: int
    title: str
    category: Category
    description: str = Field(description="Markdown")
    starts_at: datetime
    ends_at: datetime
    capacity: int | None = Field(description="null: unlimited")
    min_age: int | None
    max_age: int | None
    entry: Entry
    status: EventStatus
    registered: int = Field(description="confirmed registrations")
    waitlisted: int
    checked_in: int
    seats_left: int | None = Field(description="null: unlimited")
    url: str
    ics_url: str


class EventList(BaseModel):
    items: list[EventOut]


class EventQuery(BaseModel):
    """Which events to list: by start date (venue dates, both inclusive) and category."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    from_: date | None = Field(default=None, alias="from", description="first day (default: today)")
    to: date | None = Field(default=None, description="last day (default: 60 days after `from`)")
    category: Category | None = None

    @field_validator("to")
    @classmethod
    def _order(cls, value, info: ValidationInfo):
        first = info.data.get("from_")
        if value is not None and first is not None:
            if value < first:
                raise ValueError("`to` must not be before `from`")
            if (value - first).days > MAX_RANGE_DAYS:
                raise ValueError(f"ask for at most {MAX_RANGE_DAYS} days at a time")
        return value


class RepeatIn(BaseModel):
    """Make a weekly series: every `interval_weeks` weeks, until a date or `count` events in all."""

    model_config = ConfigDict(extra="forbid")

    interval_weeks: int = Field(default=1, ge=1, le=MAX_INTERVAL_WEEKS)
    until: date | None = None
    count: int | None = Field(default=None, ge=2, le=MAX_OCCURRENCES)


class EventIn(BaseModel):
    """A new event. Times without an offset are venue time. Published unless `published` is false."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    category: Category = Category.OTHER
    description: str = Field(default="", max_length=20000, description="Markdown")
    starts_at: datetime
    ends_at: datetime
    capacity: int | None = Field(default=None, ge=0, le=10000)
    min_age: int | None = Field(default=None, ge=0, le=100)
    max_age: int | None = Field(default=None, ge=0, le=100)
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    entry: Entry = Entry.FREE
    organiser: str | None = Field(default=None, max_length=200)
    zone_id: int | None = None
    published: bool = True
    repeat: RepeatIn | None = None


class EventPatch(BaseModel):
    """Changes to an event: only the members sent change (null clears an optional one)."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=200)
    category: Category | None = None
    description: str | None = Field(default=None, max_length=20000)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    capacity: int | None = Field(default=None, ge=0, le=10000)
    min_age: int | None = Field(default=None, ge=0, le=100)
    max_age: int | None = Field(default=None, ge=0, le=100)
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    entry: Entry | None = None
    organiser: str | None = Field(default=None, max_length=200)
    zone_id: int | None = None
    published: bool | None = None
    scope: Literal["this", "following"] = Field(
        default="this", description="`following`: also the later occurrences of its series")

    @field_validator("title", "category", "starts_at", "ends_at", "entry", "published")
    @classmethod
    def _not_null(cls, value):
        if value is None:
            raise ValueError("this member cannot be null")
        return value


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=1000)
    scope: Literal["this", "following"] = "this"


class EventWarnings(BaseModel):
    warnings: list[str] = Field(description="in the request's language; empty when all looks right")
