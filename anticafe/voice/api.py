"""Youth voice API: rate an event you attended, propose and support ideas, staff read comments and decide
ideas, the committee's counts (never a person)."""

from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..api.spec import api_blueprint, endpoint
from ..auth import Access
from ..errors import DomainError
from ..events.models import Event
from ..extensions import db
from ..stats import services as stats_services
from ..stats.api import PERIOD_ERRORS
from ..timeutil import to_venue
from . import rules, services
from .models import Feedback, Idea
from .schemas import (
    CommentListOut,
    CommentOut,
    FeedbackIn,
    FeedbackOut,
    FeedbackQuery,
    FeedbackRowOut,
    FeedbackStatsOut,
    HideIn,
    IdeaIn,
    IdeaListOut,
    IdeaListQuery,
    IdeaOut,
    IdeaStatsOut,
    MoveIn,
    SupportRowOut,
    TopIdeaOut,
    VotesOut,
)

bp = api_blueprint("voice_api", __name__)

NOT_FOUND_EVENT = (404, "not_found", "no such event")
NOT_FOUND_IDEA = (404, "not_found", "no such idea")


def _event(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None:
        raise DomainError("not_found", _l("No such event."), status=404)
    return event


def feedback_out(feedback: Feedback) -> FeedbackOut:
    return FeedbackOut(id=feedback.id, event_id=feedback.event_id, rating=feedback.rating, comment=feedback.comment,
                       created_at=to_venue(feedback.created_at).isoformat(),
                       updated_at=to_venue(feedback.updated_at).isoformat(),
                       changeable_until=to_venue(feedback.created_at + rules.CHANGE_WITHIN).isoformat())


@endpoint(bp, "/events/<int:event_id>/feedback", "POST", summary="Rate an event you attended", access=Access.USER,
          body=FeedbackIn, response=FeedbackOut, status=201,
          errors=[NOT_FOUND_EVENT, (403, "not_attended", "you were not checked in to the event"),
                  (409, "not_ended", "the event has not ended yet"),
                  (409, "closed", "a month after the event, or a week after your first rating")])
def rate(event_id: int, body: FeedbackIn):
    """Give a rating 1–5 with an optional short comment: 201 the first time, 200 when you change it (within a
    week). Only people checked in to the event; nobody sees who rated."""
    feedback, created = services.rate(_event(event_id), current_user, body.rating, body.comment)
    db.session.commit()
    return feedback_out(feedback), 201 if created else 200


@endpoint(bp, "/events/<int:event_id>/feedback/mine", summary="My rating of an event", access=Access.USER,
          response=FeedbackOut, errors=[NOT_FOUND_EVENT, (404, "not_rated", "you have not rated it")])
def my_rating(event_id: int):
    """Return your own rating of the event."""
    mine = services.feedback_of(_event(event_id), current_user)
    if mine is None:
        raise DomainError("not_rated", _l("You have not rated this event."), status=404)
    return feedback_out(mine)


def comment_out(feedback: Feedback) -> CommentOut:
    return CommentOut(id=feedback.id, event_id=feedback.event_id, event_title=feedback.event.title,
                      rating=feedback.rating, comment=feedback.comment or "", hidden=feedback.hidden_at is not None,
                      updated_at=to_venue(feedback.updated_at).isoformat())


@endpoint(bp, "/feedback/comments", summary="Comments on events (staff)", access=Access.STAFF,
          response=CommentListOut)
def comments():
    """The latest 200 comments, hidden ones too, without authors."""
    return CommentListOut(items=[comment_out(f) for f in services.comments(limit=200)])


@endpoint(bp, "/feedback/<int:feedback_id>/hide", "POST", summary="Hide or show a comment", access=Access.STAFF,
          body=HideIn, response=CommentOut, errors=[(404, "not_found", "no such rating")])
def hide(feedback_id: int, body: HideIn):
    """Hide an abusive comment from everybody (its rating still counts), or show it again."""
    feedback = services.set_hidden(services.get_feedback(feedback_id), current_user, body.hidden)
    db.session.commit()
    return comment_out(feedback)


def _row(row: services.FeedbackRow) -> FeedbackRowOut:
    return FeedbackRowOut(key=row.key, label=row.label, count=row.ratings.count, average=row.ratings.average,
                          distribution={str(k): v for k, v in row.ratings.distribution.items()})


@endpoint(bp, "/stats/feedback", summary="Ratings of a period, grouped", access=Access.COMMITTEE,
          query=FeedbackQuery, response=FeedbackStatsOut, errors=PERIOD_ERRORS)
def feedback_stats(query: FeedbackQuery):
    """Average, count and distribution of the ratings of events that started in `from`..`to` (venue dates,
    both included), per event, category or age group. Counts only."""
    period = stats_services.read_period(query.from_, query.to)
    total = services.feedback_total(period)
    return FeedbackStatsOut(count=total.count, average=total.average,
                            rows=[_row(row) for row in services.feedback_rows(period, query.group_by)])


def idea_out(idea: Idea, votes: int, voted: bool) -> IdeaOut:
    return IdeaOut(id=idea.id, title=idea.title, description=idea.description, category=idea.category,
                   ages=idea.ages, status=idea.status, status_label=services.status_label(idea.status), votes=votes,
                   voted=voted, event_id=idea.event_id, decline_reason=idea.decline_reason,
                   created_at=to_venue(idea.created_at).isoformat())


@endpoint(bp, "/ideas", summary="Ideas for events", access=Access.PUBLIC, query=IdeaListQuery,
          response=IdeaListOut)
def list_ideas(query: IdeaListQuery):
    """The ideas (of one status, or all), the most supported first; no authors."""
    found = services.ideas(query.status)
    ids = [idea.id for idea in found]
    votes, mine = services.vote_counts(ids), services.voted_by(current_user, ids)
    return IdeaListOut(items=[idea_out(idea, votes[idea.id], idea.id in mine) for idea in found])


@endpoint(bp, "/ideas", "POST", summary="Propose an idea", access=Access.USER, body=IdeaIn, response=IdeaOut,
          status=201, errors=[(422, "validation_error", "a title under 3 characters or an unknown category")])
def propose(body: IdeaIn):
    """Propose an event: a title, what happens, its category and for which ages."""
    idea = services.propose(current_user, title=body.title, description=body.description, category=body.category,
                            ages=body.ages)
    db.session.commit()
    return idea_out(idea, 0, False)


@endpoint(bp, "/ideas/<int:idea_id>", summary="One idea", access=Access.PUBLIC, response=IdeaOut,
          errors=[NOT_FOUND_IDEA])
def get_idea(idea_id: int):
    """Return one idea with its votes and, when declined, the reason."""
    idea = services.get_idea(idea_id)
    return idea_out(idea, services.votes_for(idea.id), idea.id in services.voted_by(current_user, [idea.id]))


@endpoint(bp, "/ideas/<int:idea_id>/vote", "POST", summary="Support an idea", access=Access.USER,
          response=VotesOut, status=201,
          errors=[NOT_FOUND_IDEA, (409, "already_voted", "you already support it"),
                  (409, "voting_closed", "the idea is planned or declined")])
def vote(idea_id: int):
    """Add your one vote to an idea."""
    votes = services.vote(services.get_idea(idea_id), current_user)
    db.session.commit()
    return VotesOut(idea_id=idea_id, votes=votes, voted=True)


@endpoint(bp, "/ideas/<int:idea_id>/vote", "DELETE", summary="Withdraw your vote", access=Access.USER,
          response=VotesOut, errors=[NOT_FOUND_IDEA, (404, "not_voted", "you do not support it"),
                                     (409, "voting_closed", "the idea is planned or declined")])
def unvote(idea_id: int):
    """Take your vote back while the idea is still open."""
    votes = services.unvote(services.get_idea(idea_id), current_user)
    db.session.commit()
    return VotesOut(idea_id=idea_id, votes=votes, voted=False)


@endpoint(bp, "/ideas/<int:idea_id>/status", "POST", summary="Decide an idea (staff)", access=Access.STAFF,
          body=MoveIn, response=IdeaOut,
          errors=[NOT_FOUND_IDEA, (409, "not_allowed", "not from its current status"),
                  (422, "validation_error", "planned without an event, declined without a reason")])
def move(idea_id: int, body: MoveIn):
    """Move an idea to considered, planned (give `event_id`; everybody who voted is told) or declined (give a
    `reason`, shown to all)."""
    idea = services.move(services.get_idea(idea_id), current_user, status=body.status, event_id=body.event_id,
                         reason=body.reason)
    db.session.commit()
    return idea_out(idea, services.votes_for(idea.id), False)


@endpoint(bp, "/stats/ideas", summary="The most supported ideas", access=Access.COMMITTEE, response=IdeaStatsOut)
def idea_stats():
    """The 50 most supported ideas and the ideas and votes per category and age band; counts only."""
    return IdeaStatsOut(
        top=[TopIdeaOut(**vars(idea)) for idea in services.top_ideas(50)],
        by_category=[SupportRowOut(key=k, ideas=i, votes=v) for k, i, v in services.support_by("category")],
        by_ages=[SupportRowOut(key=k, ideas=i, votes=v) for k, i, v in services.support_by("ages")])
