"""JSON shapes of the visits API (pydantic models: they validate requests and document responses)."""

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field, model_validator

#: What staff choose at the till (`payments.CHOSEN`) ...
Method = Literal["cash", "card", "transfer", "subsidised"]
#: ... and what a visit or bill is closed as: also "pass" (all paid from passes) and "free" (nothing due).
ClosedMethod = Literal["cash", "card", "transfer", "subsidised", "pass", "free"]


class VisitIn(BaseModel):
    """Start a visit: give exactly one of `user_id`, `card_code` or `guest_name` (a walk-in)."""

    user_id: int | None = None
    card_code: str | None = Field(default=None, max_length=64)
    guest_name: str | None = Field(default=None, max_length=120, description="a walk-in guest without an account")
    guest_phone: str | None = Field(default=None, max_length=32)
    birth_date: dt.date | None = Field(default=None, description="a walk-in's date of birth (for the minors' curfew)")
    guest_category: str | None = Field(default=None, max_length=32,
                                       description="standard, schoolchild, student or one the admin added")
    override_reason: str | None = Field(default=None, max_length=500,
                                        description="why the guest may enter although the venue is full")

    @model_validator(mode="after")
    def one_guest(self):
        given = [name for name in ("user_id", "card_code", "guest_name") if getattr(self, name) not in (None, "")]
        if len(given) != 1:
            raise ValueError("Give exactly one of user_id, card_code or guest_name.")
        return self


class LineOut(BaseModel):
    kind: str = Field(description="tier, grace, prepaid, minimum, cap, discount or rounding")
    text: str
    amount: str
    minutes: int
    rate: str | None
    first_minute: int | None
    last_minute: int | None
    percent: str | None
    label: str | None


class SegmentOut(BaseModel):
    started_at: str
    ended_at: str | None


class VisitOut(BaseModel):
    """A visit; times in venue time with offset, money as strings like "240.00"."""

    id: int
    user_id: int | None
    name: str
    guest_name: str | None
    guest_category: str
    category_label: str
    status: Literal["active", "paused", "stopped", "paid"]
    status_label: str
    paused: bool
    started_at: str
    ended_at: str | None
    segments: list[SegmentOut]
    minutes_so_far: int = Field(description="active minutes so far (pauses excluded)")
    amount_so_far: str | None = Field(description="what the visit costs if stopped now (the final amount once stopped)")
    cap: str | None
    capped: bool
    billed_minutes: int | None
    amount: str | None
    breakdown: list[LineOut]
    payment_method: ClosedMethod | None
    paid_at: str | None
    note: str | None
    bill_id: int | None
    needs_review: bool
    tariff_version: int | None
    registration_id: int | None
    override_reason: str | None
    age: int | None
    minor: bool
    minor_after_curfew: bool


class VisitListOut(BaseModel):
    items: list[VisitOut]


class VisitsQuery(BaseModel):
    status: Literal["active", "paused", "open", "stopped", "paid"] | None = Field(
        default=None, description="open = active or paused")
    date: dt.date | None = Field(default=None, description="venue-local date the visits started on")


class CompanyQuery(BaseModel):
    q: str = Field(default="", max_length=100, description="a name (or part of one) of another guest to find")


class CompanyOut(BaseModel):
    """Whom the till offers for a visit's group bill: never everybody in the café."""

    together: list[VisitOut] = Field(description="open or unpaid visits that came with this one: the same booking's "
                                                 "party, or started within 10 minutes of it")
    found: list[VisitOut] = Field(description="other open or unpaid visits whose name matches `q` (at most 10)")
    others: int = Field(description="open or unpaid visits neither together nor found")


class OccupancyOut(BaseModel):
    people: int
    visits: int
    event_guests: int
    capacity: int
    full: bool


class BoardRowOut(BaseModel):
    """A guest inside as the live board shows them: `VisitOut`'s fields of the row, priced as if the visit
    stopped now. The visit's bill lines, segments and history: `GET /api/v1/visits/{id}`."""

    id: int
    user_id: int | None
    name: str
    guest_name: str | None = Field(description="set for a walk-in guest without an account")
    guest_category: str
    category_label: str
    status: Literal["active", "paused"]
    paused: bool
    started_at: str
    minutes_so_far: int = Field(description="active minutes so far (pauses excluded)")
    amount_so_far: str = Field(description="what the visit costs if stopped now")
    cap: str | None = Field(description="the most the visit can cost before the category's discount")
    capped: bool
    age: int | None
    minor: bool
    minor_after_curfew: bool


class BoardUnpaidOut(BaseModel):
    """A stopped visit awaiting payment, as the live board lists it."""

    id: int
    user_id: int | None
    name: str
    guest_name: str | None
    guest_category: str
    category_label: str
    status: Literal["stopped"]
    started_at: str
    ended_at: str | None
    billed_minutes: int | None
    amount: str | None
    needs_review: bool = Field(description="closed by the end of the day: worth a check before payment")


class BoardOut(BaseModel):
    """The live board (the staff page polls it): lean rows, not whole visits."""

    now: str
    closed_now: bool = Field(description="the café is closed now: a visit may still start, after a warning")
    hours_today: str | None = Field(description='today\'s opening hours, "10:00–23:00"; None on a closed day')
    occupancy: OccupancyOut
    curfew: str
    after_curfew: bool
    items: list[BoardRowOut] = Field(description="the guests inside, oldest visit first")
    unpaid: list[BoardUnpaidOut] = Field(description="the visits awaiting payment, stopped first first")


class PayIn(BaseModel):
    payment_method: Method
    note: str | None = Field(default=None, max_length=1000, description="required for subsidised: the reason")


class BillIn(BaseModel):
    """One guest pays for several visits; the first visit's guest is the payer. Open visits are stopped."""

    visit_ids: list[int] = Field(min_length=1, max_length=50)
    payment_method: Method
    note: str | None = Field(default=None, max_length=1000)


class BillOut(BaseModel):
    id: int
    payer_name: str
    payer_id: int | None
    payment_method: ClosedMethod
    total: str
    note: str | None
    paid_at: str
    visits: list[VisitOut]


class CorrectionIn(BaseModel):
    reason: str = Field(min_length=1, max_length=1000)
    started_at: dt.datetime | None = Field(default=None, description="ISO time; without offset it is venue time")
    ended_at: dt.datetime | None = Field(default=None, description="an open visit is stopped at this time")
    guest_category: str | None = Field(default=None, max_length=32)
    reopen: bool = Field(default=False, description="undo the stop of an unpaid visit")


class CorrectionOut(BaseModel):
    id: int
    at: str
    reason: str
    staff: str | None
    changes: dict
    amount_before: str | None
    amount_after: str | None


class CorrectedVisitOut(VisitOut):
    corrections: list[CorrectionOut]


class TierOut(BaseModel):
    first_minute: int
    rate: str


class VariantOut(BaseModel):
    tiers: list[TierOut]
    cap: str | None


class CategoryOut(BaseModel):
    code: str
    name: str
    discount_percent: str


class HolidayOut(BaseModel):
    date: dt.date
    name: str


class TariffOut(BaseModel):
    version: int | None = Field(description="None until the first visit or admin edit stores the default")
    since: str | None
    weekday: VariantOut
    weekend: VariantOut
    unit_minutes: int
    grace_minutes: int
    minimum_charge: str
    categories: list[CategoryOut]
    holidays: list[HolidayOut] = Field(description="upcoming holidays priced like weekends")
    words: list[str] = Field(description="the tariff in sentences of the request's language")


class QuoteQuery(BaseModel):
    minutes: int = Field(ge=0, le=24 * 60)
    category: str | None = Field(default=None, max_length=32)
    date: dt.date | None = Field(default=None, description="venue-local date; today when left out")


class QuoteOut(BaseModel):
    amount: str
    minutes: int
    billed_minutes: int
    day_kind: Literal["weekday", "weekend"]
    category: str
    capped: bool
    breakdown: list[LineOut]
