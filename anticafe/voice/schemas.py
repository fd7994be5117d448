"""JSON shapes of the youth voice API (pydantic models: they validate and document)."""

from typing import Literal

from pydantic import BaseModel, Field

from ..stats.schemas import PeriodQuery
from .rules import COMMENT_MAX, DESCRIPTION_MAX, IDEA_AGES, IDEA_STATUSES, REASON_MAX, TITLE_MAX


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
