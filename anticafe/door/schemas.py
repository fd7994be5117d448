"""JSON shapes of the door's API (pydantic models: they validate requests and document answers)."""

from datetime import UTC, date, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field, field_validator, model_validator

#: The client's retry nonce: the same value again answers the first result.
Nonce = Field(default=None, min_length=1, max_length=64, description="retry nonce, unique per staff member")
#: The phone's label, shown in "already checked in ... on <device>".
Device = Field(default=None, max_length=60, description="the scanning device's label, e.g. \"Door phone 1\"")


#: Bounds of an offline scan's moment (the service refuses the future; the event's window refuses the rest).
SCANNED_AT_EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
SCANNED_AT_LATEST = datetime(2100, 1, 1, tzinfo=UTC)

#: What a phone may have decided offline.
OfflineResult = Literal["checked_in", "already_checked_in", "registration_cancelled", "ticket_revoked", "waitlisted",
                        "event_cancelled", "outside_checkin_window", "wrong_event", "unknown_code"]


class CheckInIn(BaseModel):
    """Exactly what the QR holds (a ticket URL, a ticket code, a guest-card code) or what was typed."""

    code: str = Field(min_length=1, max_length=500)
    event_id: int | None = Field(default=None, description="the event being checked in; other tickets are refused")
    nonce: str | None = Nonce
    device: str | None = Device
    source: Literal["camera", "photo", "typed", "api"] | None = Field(
        default=None, description="how the code was read (for the scan log)")
    offline: bool = Field(default=False, description="the phone decided this scan without network and uploads "
                                                     "it now; give `scanned_at` and `offline_result`")
    scanned_at: AwareDatetime | None = Field(
        default=None, description="offline scans: when the phone scanned (ISO 8601 with offset, years 2000-2099); "
                                  "the check-in is recorded at this moment. Later than now (2 minutes of clock "
                                  "skew allowed) is refused with 422 scanned_at_in_future; outside the event's "
                                  "window with 409 outside_checkin_window")
    offline_result: OfflineResult | None = Field(
        default=None, description="offline scans: what the phone decided; `checked_in` with another check-in "
                                  "standing on the server is a conflict (`conflict: true` in the answer)")

    @field_validator("scanned_at")
    @classmethod
    def scanned_at_in_our_century(cls, value: datetime | None) -> datetime | None:
        """Bound the moment (a year-1 time with an offset cannot even be turned into UTC) and read it as UTC."""
        if value is None:
            return None
        try:
            moment = value.astimezone(UTC)
        except OverflowError:
            moment = None
        if moment is None or not SCANNED_AT_EARLIEST <= moment < SCANNED_AT_LATEST:
            raise ValueError("scanned_at must lie between 2000 and 2100.")
        return moment

    @model_validator(mode="after")
    def offline_scan_complete(self):
        if self.offline and (self.scanned_at is None or self.offline_result is None):
            raise ValueError("An offline scan carries scanned_at and offline_result.")
        if not self.offline and (self.scanned_at is not None or self.offline_result is not None):
            raise ValueError("scanned_at and offline_result belong to offline scans (offline: true).")
        return self


class ManualCheckInIn(BaseModel):
    """A registration found by the door's search."""

    registration_id: int
    nonce: str | None = Nonce
    device: str | None = Device


class UndoIn(BaseModel):
    device: str | None = Device


class WalkInIn(BaseModel):
    """Register someone on the spot: an existing person (`user_id`) or a new guest profile (`name`...)."""

    user_id: int | None = None
    name: str | None = Field(default=None, max_length=120)
    phone: str | None = Field(default=None, max_length=32)
    birth_date: date | None = None
    override_reason: str | None = Field(default=None, max_length=500,
                                        description="why a full event (or one outside its age limits) takes them")
    nonce: str | None = Nonce
    device: str | None = Device

    @model_validator(mode="after")
    def person_given(self):
        if self.user_id is None and not (self.name or "").strip():
            raise ValueError("Give user_id or name.")
        return self


class SearchQuery(BaseModel):
    q: str = Field(default="", max_length=100)
    event_id: int | None = None


class AttendanceQuery(BaseModel):
    limit: int | None = Field(default=None, ge=1, le=1000, description="at most this many check-ins, newest first")


class EventRef(BaseModel):
    id: int
    title: str
    starts_at: str
    ends_at: str
    when: str = Field(description="the start in words, in the request's language")
    status: str
    entry: str
    capacity: int | None


class PersonRef(BaseModel):
    id: int
    name: str
    age: int | None = Field(description="age on the event's date")


class RegistrationRef(BaseModel):
    id: int
    status: str
    source: str
    waitlist_position: int | None


class CheckInOut(BaseModel):
    """A scan's answer. Ticket results carry the registration, event and person; guest cards carry `visit`."""

    result: Literal["checked_in", "already_checked_in", "visit_started", "visit_stopped"]
    message: str | None = None
    checkin_id: int | None = None
    checked_in_at: str | None = Field(default=None, description="the (first) check-in's time")
    checked_in_by: str | None = Field(default=None, description="the staff member who made the (first) check-in")
    device: str | None = Field(default=None, description="the device of the (first) check-in")
    walk_in: bool | None = None
    registration: RegistrationRef | None = None
    event: EventRef | None = None
    user: PersonRef | None = None
    visit: dict | None = None
    offline: bool | None = Field(default=None, description="true for an uploaded offline scan")
    conflict: bool | None = Field(default=None, description="the phone let the person in offline, but another "
                                                             "check-in stands (kept: the first to reach the server)")


class CheckInRow(BaseModel):
    id: int
    registration_id: int
    event_id: int
    user: PersonRef
    checked_in_at: str
    checked_in_by: str | None
    device: str | None
    walk_in: bool
    override_reason: str | None
    undone_at: str | None
    undone_by: str | None


class UndoOut(BaseModel):
    result: Literal["undone"]
    message: str
    checkin: CheckInRow


class WindowOut(BaseModel):
    state: Literal["open", "wrong_day", "not_open_yet", "over"]
    opens_at: str
    closes_at: str


class AttendanceOut(BaseModel):
    """An event's numbers at the door and its check-ins (undone ones included, marked)."""

    event: EventRef
    window: WindowOut
    confirmed: int
    waitlisted: int
    capacity: int | None
    seats_left: int | None
    checked_in: int
    walk_ins: int
    inside_now: int = Field(description="people inside the venue now: event check-ins in progress and open visits")
    venue_capacity: int
    no_shows: int | None = Field(description="confirmed without a check-in, once the event has ended")
    checkins: list[CheckInRow]


class AttendeeOut(BaseModel):
    registration: RegistrationRef
    user: PersonRef
    phone: str | None
    email: str | None
    checkin_id: int | None
    checked_in_at: str | None


class AttendeesOut(BaseModel):
    items: list[AttendeeOut]


class PersonOut(BaseModel):
    id: int
    name: str
    age: int | None
    phone: str | None
    email: str | None
    registration: RegistrationRef | None = Field(description="their active registration for the event, if any")


class PeopleOut(BaseModel):
    items: list[PersonOut]


class OfflineWindowOut(BaseModel):
    opens_at: str
    closes_at: str


class OfflineHashOut(BaseModel):
    algorithm: Literal["sha256"]
    prefix: str = Field(description="the hash is hex SHA-256 of this prefix followed by the canonical ticket code")


class OfflineTicketOut(BaseModel):
    hash: str = Field(description="hex SHA-256 of `prefix` + the canonical ticket code (never the code itself)")
    name: str = Field(description="first name and the initial of the last name")
    age_band: Literal["under_14", "14_17", "18_plus", "unknown"] = Field(description="age on the event's date")
    status: Literal["confirmed", "waitlisted", "cancelled"]
    revoked: bool
    checked_in_at: str | None = Field(description="the standing check-in's time, if any")


class OfflineListOut(BaseModel):
    """What a door phone keeps (in IndexedDB) to check an event in without network."""

    event: EventRef
    timezone: str = Field(description="the venue's time zone (IANA name)")
    window: OfflineWindowOut
    generated_at: str
    keep_until: str = Field(description="the phone deletes the list after this moment (check-in close + 6 hours)")
    hash: OfflineHashOut
    tickets: list[OfflineTicketOut]
