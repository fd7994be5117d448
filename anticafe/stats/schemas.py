"""JSON shapes of the statistics API (pydantic models: they validate and document)."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class PeriodQuery(BaseModel):
    """A period in venue-local dates, both included; without them, the last full month."""

    model_config = ConfigDict(populate_by_name=True)

    from_: str | None = Field(default=None, alias="from", max_length=10, description="First day, YYYY-MM-DD",
                              examples=["2026-01-01"])
    to: str | None = Field(default=None, max_length=10, description="Last day (included), YYYY-MM-DD",
                           examples=["2026-03-31"])


class AttendanceQuery(PeriodQuery):
    group_by: Literal["month", "week", "category", "event", "age_group", "weekday_hour"] = Field(
        default="month", description="month: YYYY-MM; week: its Monday, YYYY-MM-DD; category; event: its id; "
                                     "age_group: under_14, 14_17, 18_24, 25_35, over_35, unknown (age on the "
                                     "event's date); weekday_hour: ISO weekday and hour of the start, "
                                     "e.g. 5-19 = Friday 19:00")


class SummaryOut(BaseModel):
    """Headline figures of a period. Held events are scheduled, published and start in the period."""

    events_held: int
    registrations: int = Field(description="confirmed advance registrations for the events held")
    checked_in: int = Field(description="standing check-ins, walk-ins included")
    walk_ins: int
    no_shows: int = Field(description="confirmed registrations without a check-in, events that ended")
    unique_visitors: int = Field(description="distinct people checked in at an event or with a timed visit")
    new_visitors: int = Field(description="of them, people who had not come before the period")
    visits: int = Field(description="timed visits started in the period")
    visit_hours: float = Field(description="visitor-hours of those visits (billed time, else start to end)")
    subsidised_hours: float = Field(description="of them, hours paid by the committee or an NGO")
    pass_hours: float = Field(description="of them, hours paid from prepaid passes (packages, memberships)")


class AttendanceRow(BaseModel):
    key: str | int = Field(description="the bucket; an event's id for group_by=event")
    events: int = Field(description="events held (for age groups: events attended)")
    registered: int
    checked_in: int
    no_shows: int
    unique_visitors: int = Field(description="distinct people checked in")


class AttendanceOut(BaseModel):
    rows: list[AttendanceRow]
