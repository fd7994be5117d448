"""JSON shapes of the accounts API (pydantic models: they validate and document)."""

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class UserOut(BaseModel):
    """A person as the API shows them to themselves or to staff."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    email: str
    role: str


class MeOut(UserOut):
    """The current user with their own details and personal links."""

    phone: str | None
    birth_date: date | None
    guardian_name: str | None
    guardian_phone: str | None
    locale: str | None
    email_notifications: bool
    guest_category: str
    #: under 14 and waiting for a parent's or guardian's consent (no registration or paid visit yet)
    consent_pending: bool = False
    age: int | None = None
    # Members that other domains add (ME_EXTENSIONS); declared here so that the answer is checked.
    calendar_feed_url: str | None = Field(default=None, description="the person's secret calendar feed (events)")
    card_code: str | None = Field(default=None, description="the guest card's code (visits)")
    card_qr_url: str | None = Field(default=None, description="the guest card's QR picture (visits)")


class TokenIn(BaseModel):
    email: str = Field(max_length=254)
    password: str = Field(max_length=200)


class TokenOut(BaseModel):
    token: str
    expires_at: str
    user: UserOut


class SignupIn(BaseModel):
    """Sign-up with the same rules as the form."""

    name: str = Field(max_length=120)
    email: str = Field(max_length=254)
    password: str = Field(max_length=200)
    birth_date: date
    phone: str | None = Field(default=None, max_length=32)
    guardian_name: str | None = Field(default=None, max_length=120)
    guardian_phone: str | None = Field(default=None, max_length=32)
    guardian_email: str | None = Field(default=None, max_length=254,
                                       description="under 14: the guardian confirms the consent by a link sent here")
    consent: bool = Field(description="Consent to the processing of personal data; must be true")


class MessageOut(BaseModel):
    """A sentence for the person, in their language."""

    message: str


class PasswordChangeIn(BaseModel):
    current_password: str = Field(max_length=200)
    new_password: str = Field(max_length=200)


class PasswordResetIn(BaseModel):
    email: str = Field(max_length=254)


class PasswordResetConfirmIn(BaseModel):
    token: str = Field(max_length=100, description="The token from the mailed link (/password/reset/<token>)")
    password: str = Field(max_length=200)
