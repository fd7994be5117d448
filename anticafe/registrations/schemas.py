"""JSON shapes of the registrations API (pydantic models: they validate and document)."""

from datetime import datetime

from pydantic import BaseModel, Field


class RegisterIn(BaseModel):
    """Register yourself (empty body) or, as staff, another person."""

    user_id: int | None = Field(default=None, description="staff only: the person to register")


class EventBrief(BaseModel):
    id: int
    title: str
    starts_at: datetime = Field(description="venue time with offset")
    ends_at: datetime
    status: str = Field(description="scheduled | cancelled")


class PersonBrief(BaseModel):
    id: int
    name: str
    age: int | None = Field(description="age on the event's day; null when the birth date is unknown")


class RegistrationOut(BaseModel):
    """A registration. `ticket_url` (the QR's content) and the QR image URLs are null unless confirmed."""

    id: int
    event_id: int
    user_id: int
    status: str = Field(description="confirmed | waitlisted | cancelled")
    waitlist_position: int | None = Field(description="1, 2, 3... while waitlisted")
    ticket_url: str | None
    door_code: str | None = Field(description="the short code typed at the door together with the event "
                                  "(6 characters, unique within the event); null without a ticket")
    qr_png_url: str | None = Field(description="owner and staff only (session or bearer token)")
    qr_svg_url: str | None
    source: str = Field(description="self | staff | walk_in")
    created_at: datetime
    confirmed_at: datetime | None
    cancelled_at: datetime | None
    event: EventBrief
    user: PersonBrief


class RegistrationList(BaseModel):
    items: list[RegistrationOut]


class EventRegistrations(BaseModel):
    """An event's registrations for staff: confirmed, then the waitlist in order, then cancelled."""

    event_id: int
    capacity: int | None
    confirmed: int
    waitlisted: int
    seats_left: int | None = Field(description="null when the event is unlimited")
    items: list[RegistrationOut]
