"""JSON shapes of the youth voice API (pydantic models: they validate and document)."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from ..stats.schemas import PeriodQuery
from .rules import (
    COMMENT_MAX,
    DESCRIPTION_MAX,
    ENTRY_TITLE_MAX,
    IDEA_AGES,
    IDEA_STATUSES,
    JURY_MAX,
    ORDER_MAX,
    REASON_MAX,
    RULES_MAX,
    TITLE_MAX,
    URL_MAX,
)


class FeedbackIn(BaseModel):
    rating: int = Field(ge=1, le=5, description="1 (bad) to 5 (great)")
    comment: str | None = Field(default=None, max_length=COMMENT_MAX, description="optional, shown without author")


class FeedbackOut(BaseModel):
    id: int
    event_id: int
    rating: int
    comment: str | None
    created_at: str
    updated_at: str
    changeable_until: str = Field(description="the rating may be changed until then")


class CommentOut(BaseModel):
    """A comment as staff see it: no author."""

    id: int
    event_id: int
    event_title: str
    rating: int
    comment: str
    hidden: bool
    updated_at: str


class CommentListOut(BaseModel):
    items: list[CommentOut]


class HideIn(BaseModel):
    hidden: bool = True


class FeedbackQuery(PeriodQuery):
    group_by: Literal["event", "category", "age_group"] = Field(
        default="event", description="event: its id; category; age_group: the rater's age on the event's date "
                                     "(under_14, 14_17, 18_24, 25_35, over_35, unknown)")


class FeedbackRowOut(BaseModel):
    key: str | int
    label: str
    count: int
    average: float | None
    distribution: dict[str, int] = Field(description='how many of each rating, "1" to "5"')


class FeedbackStatsOut(BaseModel):
    """Counts of the events that started in the period; never a person."""

    count: int
    average: float | None
    rows: list[FeedbackRowOut]


class IdeaIn(BaseModel):
    title: str = Field(min_length=1, max_length=TITLE_MAX)
    description: str = Field(min_length=1, max_length=DESCRIPTION_MAX, description="what happens there")
    category: str = Field(max_length=20, description="an event category: tournament, talk_show, party, contest, "
                                                     "training, kids, other")
    ages: Literal[IDEA_AGES] = Field(default="all", description="for which ages")  # type: ignore[valid-type]


class IdeaOut(BaseModel):
    id: int
    title: str
    description: str
    category: str
    ages: str
    status: str
    status_label: str
    votes: int
    voted: bool = Field(description="whether the caller supports it")
    event_id: int | None = Field(description="the event it became (planned)")
    decline_reason: str | None
    created_at: str


class IdeaListOut(BaseModel):
    items: list[IdeaOut]


class IdeaListQuery(BaseModel):
    status: Literal[IDEA_STATUSES] | None = None  # type: ignore[valid-type]


class VotesOut(BaseModel):
    idea_id: int
    votes: int
    voted: bool


class MoveIn(BaseModel):
    status: Literal["considered", "planned", "declined"]
    event_id: int | None = Field(default=None, ge=1, le=2**31 - 1, description="required for planned")
    reason: str | None = Field(default=None, max_length=REASON_MAX, description="required for declined")


class SupportRowOut(BaseModel):
    key: str
    ideas: int
    votes: int


class TopIdeaOut(BaseModel):
    id: int
    title: str
    category: str
    ages: str
    status: str
    votes: int


class IdeaStatsOut(BaseModel):
    """The most supported ideas and the support per category and age band; counts only."""

    top: list[TopIdeaOut]
    by_category: list[SupportRowOut]
    by_ages: list[SupportRowOut]


# ------------------------------------------------------------------------------------------------
# Contests


class ContestIn(BaseModel):
    title: str = Field(min_length=1, max_length=TITLE_MAX)
    kind: Literal["video", "live"] = Field(description="video: a link per entry, one vote per account; live (open "
                                                       "mic, a tournament): a running order, one vote per person "
                                                       "checked in to the event")
    opens_at: datetime = Field(description="voting opens (entries are taken until then); naive = venue time")
    closes_at: datetime = Field(description="voting closes, then the results are shown")
    jury_weight: int = Field(default=0, ge=0, le=100, description="the jury's share of the final score, percent")
    rules: str | None = Field(default=None, max_length=RULES_MAX, description="what to submit, shown to all")


class EntryOut(BaseModel):
    """An entry as everybody sees it: no entrant."""

    id: int
    title: str
    video_url: str | None
    running_order: int | None


class ContestOut(BaseModel):
    id: int
    event_id: int
    event_title: str
    title: str
    kind: str
    rules: str | None
    opens_at: str
    closes_at: str
    jury_weight: int
    phase: Literal["entries", "voting", "closed"]
    entries: list[EntryOut] = Field(description="the approved entries in the running order")
    my_entry_id: int | None = Field(description="the caller's own entry, if any")
    my_vote_entry_id: int | None = Field(description="the entry the caller voted for, if any")


class ContestListOut(BaseModel):
    items: list[ContestOut]


class EntryIn(BaseModel):
    title: str = Field(min_length=1, max_length=ENTRY_TITLE_MAX, description="the video's or the act's title")
    video_url: str | None = Field(default=None, max_length=URL_MAX,
                                  description="video contests: a link on VK Video, Rutube or YouTube")


class StaffEntryOut(BaseModel):
    """An entry as staff manage it (the entrant is on the staff page, not here)."""

    id: int
    title: str
    video_url: str | None
    status: str
    running_order: int | None
    jury_score: int | None
    created_at: str


class StaffEntryListOut(BaseModel):
    items: list[StaffEntryOut]


class DecisionIn(BaseModel):
    status: Literal["submitted", "approved", "rejected"]
    running_order: int | None = Field(default=None, ge=1, le=ORDER_MAX, description="the slot, 1 first")
    jury_score: int | None = Field(default=None, ge=0, le=JURY_MAX, description="0–10")


class ContestVoteIn(BaseModel):
    entry_id: int = Field(ge=1, le=2**31 - 1)


class ContestVoteOut(BaseModel):
    contest_id: int
    entry_id: int


class PlaceOut(BaseModel):
    place: int = Field(description="tied entries share a place")
    entry_id: int
    title: str
    video_url: str | None
    votes: int
    jury_score: int | None
    score: float = Field(description="0–100: 100 × ((1 − w) × votes / the most votes + w × jury / 10)")


class ResultsOut(BaseModel):
    contest_id: int
    jury_weight: int
    votes: int
    places: list[PlaceOut]
