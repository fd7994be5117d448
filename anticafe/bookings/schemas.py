"""JSON shapes of the bookings API (pydantic models: they validate and document)."""

from datetime import date as Date
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from .rules import MAX_REPEAT_WEEKS


class ZoneOut(BaseModel):
    """A zone of the café."""

    id: int
    name: str
    description: str
    capacity: int
    bookable: bool
    price_per_hour: str | None = Field(description='rubles per hour, e.g. "500.00"; null: timed visits as usual')
    photo_url: str | None


class ZoneList(BaseModel):
    items: list[ZoneOut]


class ZoneIn(BaseModel):
    """A new zone."""

    name: str = Field(min_length=1, max_length=100)
    capacity: int = Field(ge=1, le=1000)
    bookable: bool = True
    description: str = Field(default="", max_length=2000)
    price_per_hour: Decimal | None = Field(default=None, ge=0, le=1_000_000, description="rubles per hour")


class ZonePatch(BaseModel):
    """Changes to a zone; members left out stay as they are."""

    name: str | None = Field(default=None, min_length=1, max_length=100)
    capacity: int | None = Field(default=None, ge=1, le=1000)
    bookable: bool | None = None
    description: str | None = Field(default=None, max_length=2000)
    price_per_hour: Decimal | None = Field(default=None, ge=0, le=1_000_000)


class AvailabilityQuery(BaseModel):
    date: Date


class SlotOut(BaseModel):
    start: datetime
    end: datetime
    free: bool
    past: bool = Field(description="the slot has begun already (not free, but not taken either)")


class AvailabilityOut(BaseModel):
    zone_id: int
    date: Date
    slots: list[SlotOut]


class BookingIn(BaseModel):
    """A booking request; times in ISO 8601 (without an offset they are read as venue time)."""

    zone_id: int
    starts_at: datetime
    ends_at: datetime
    party_size: int = Field(ge=1, le=1000)
    purpose: str = Field(default="", max_length=200)
    contact: str = Field(default="", max_length=120)
    user_id: int | None = Field(default=None, description="staff only: the booker's account")
    booker_name: str | None = Field(default=None, max_length=120,
                                    description="staff only: the booker's name when they have no account")
    repeat_weeks: int = Field(default=1, ge=1, le=MAX_REPEAT_WEEKS, description="staff only: book every week")
    skip_conflicts: bool = Field(default=False, description="staff only: book the free weeks, skip the taken")
    message: str | None = Field(default=None, max_length=1000, description="staff only: a note to the booker")


class BookingOut(BaseModel):
    """A booking as its booker and staff see it."""

    id: int
    zone_id: int
    zone_name: str
    user_id: int | None
    booker_name: str
    contact: str
    party_size: int
    purpose: str
    starts_at: datetime
    ends_at: datetime
    status: str = Field(description="requested, confirmed, declined, cancelled, released or checked_in")
    staff_message: str | None
    price_per_hour: str | None
    amount: str | None = Field(description="the bill of a fixed-price booking, set at check-in")
    paid: bool = Field(description="the fixed-price bill, or every visit of the party, is paid")
    visit_ids: list[int] = Field(description="the party's timed visits started at check-in, the booker's first")
    bill_id: int | None = Field(description="the party's group bill once the booker paid (visits' /visits/bills/{id})")
    series_id: int | None
    can_cancel: bool
    created_at: datetime


class BookingCreated(BookingOut):
    """The new booking (the first of a weekly series) and the weeks skipped."""

    occurrences: int = 1
    skipped_dates: list[Date] = []


class BookingList(BaseModel):
    items: list[BookingOut]


class BookingsQuery(BaseModel):
    date: Date | None = Field(default=None, description="venue-local day; default today")
    zone_id: int | None = None
    status: str | None = None


class DecisionIn(BaseModel):
    message: str | None = Field(default=None, max_length=1000)


class CheckInIn(BaseModel):
    guests: int | None = Field(default=None, ge=1, le=1000,
                               description="people who came (zones without a price); default the party size")


class PaymentIn(BaseModel):
    method: str = Field(pattern="^(cash|card|transfer)$")


class ClosureIn(BaseModel):
    zone_id: int | None = Field(default=None, description="null: the whole café")
    starts_at: datetime
    ends_at: datetime
    reason: str = Field(default="other", pattern="^(holiday|maintenance|private|other)$")
    note: str = Field(default="", max_length=200)


class ClosureOut(BaseModel):
    id: int
    zone_id: int | None
    starts_at: datetime
    ends_at: datetime
    reason: str
    note: str


class ClosureList(BaseModel):
    items: list[ClosureOut]
