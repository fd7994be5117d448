"""JSON shapes of the privacy API."""

from pydantic import BaseModel, Field


class DeleteMeIn(BaseModel):
    """Confirm the erasure of one's own account with the password."""

    password: str = Field(max_length=200)


class EraseIn(BaseModel):
    """Staff erase a person on request; the reason is kept with the record of the erasure."""

    reason: str = Field(min_length=1, max_length=500)


class ErasedOut(BaseModel):
    user_id: int
    registrations_cancelled: int
    bookings_cancelled: int


class PaperConsentIn(BaseModel):
    """The parent or guardian who signed the paper form."""

    guardian_name: str = Field(min_length=1, max_length=120)


class ConsentOut(BaseModel):
    id: int
    purpose: str
    text_version: str
    given_at: str
    given_by: str
    method: str
    recorded_by_id: int | None
    withdrawn_at: str | None


class AccessEntryOut(BaseModel):
    id: int
    at: str
    actor_id: int | None
    action: str
    subject_id: int | None
    event_id: int | None
    count: int | None
    where: str
