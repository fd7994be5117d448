"""JSON shapes of the passes API (pydantic models: they validate and document)."""

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

KindName = Literal["package", "membership", "allowance"]
MethodName = Literal["cash", "card", "transfer"]


class PassOut(BaseModel):
    """A pass a person holds."""

    id: int
    type_id: int
    name: str
    kind: KindName
    kind_label: str
    status: Literal["active", "upcoming", "expired", "used_up", "cancelled"]
    status_label: str
    starts_on: date
    ends_on: date = Field(description="the last day it applies (venue-local, included)")
    weekdays_only: bool
    minutes_total: int | None = Field(description="None for a membership")
    minutes_remaining: int | None = Field(description="unused minutes; an expired package keeps showing them")
    minutes_used: int | None
    price: str = Field(description='what was paid, e.g. "1500.00"; "0.00" for a grant')
    payment_method: MethodName | None
    reason: str | None = Field(description="why it was given for free")
    issued_at: str
    issued_by: str | None
    cancelled_at: str | None
    cancel_reason: str | None


class PassListOut(BaseModel):
    """A person's passes, usable ones first, with what they can still use today."""

    items: list[PassOut]
    minutes_available: int = Field(description="minutes left today on active packages and allowances")
    membership_until: date | None = Field(description="the last day of the active membership, if any")


class IssuedOut(BaseModel):
    """The passes just sold or granted (an allowance for several months is one pass per month)."""

    items: list[PassOut]


class IssueIn(BaseModel):
    """Sell a pass (a paid type: `payment_method`) or grant one (a free type: `reason`)."""

    pass_type_id: int
    payment_method: MethodName | None = None
    reason: str | None = Field(default=None, max_length=500)
    starts_on: date | None = Field(default=None, description="default today; for an allowance: its first month")
    months: int = Field(default=1, ge=1, le=12, description="allowances: how many calendar months")
    social_category: str | None = Field(default=None, max_length=32,
                                        description="allowances: the social category code the programme admits")


class CancelIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500)


class PassTypeIn(BaseModel):
    """A pass type as the admin defines it."""

    name: str = Field(min_length=1, max_length=120)
    kind: KindName
    minutes: int | None = Field(default=None, description="package: prepaid minutes; allowance: per month")
    validity_days: int | None = Field(default=None, description="package and membership")
    price: Decimal = Field(default=Decimal(0), description='rubles, e.g. "1500.00"; 0 for an allowance')
    weekdays_only: bool = False
    staff_may_issue: bool = True
    committee_may_issue: bool = False
    active: bool = True
    description: str = Field(default="", max_length=2000)


class PassTypeOut(BaseModel):
    id: int
    name: str
    kind: KindName
    kind_label: str
    minutes: int | None
    validity_days: int | None
    weekdays_only: bool
    price: str
    staff_may_issue: bool
    committee_may_issue: bool
    active: bool
    description: str


class PassTypeListOut(BaseModel):
    items: list[PassTypeOut]
