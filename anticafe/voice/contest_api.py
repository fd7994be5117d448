"""Contests API: staff set one up on an event and decide entries, participants enter and vote inside the
window, everybody reads the contest and its results with places. No entrant or voter is ever shown."""

from flask_login import current_user

from ..api.spec import api_blueprint, endpoint
from ..auth import Access
from ..extensions import db
from ..timeutil import to_venue
from . import contests as services
from .api import NOT_FOUND_EVENT, _event
from .models import Contest, ContestEntry
from .schemas import (
    ContestIn,
    ContestListOut,
    ContestOut,
    ContestVoteIn,
    ContestVoteOut,
    DecisionIn,
    EntryIn,
    EntryOut,
    PlaceOut,
    ResultsOut,
    StaffEntryListOut,
    StaffEntryOut,
)

bp = api_blueprint("contests_api", __name__)

NOT_FOUND_CONTEST = (404, "not_found", "no such contest")
NOT_FOUND_ENTRY = (404, "not_found", "no such entry in this contest")


def contest_out(contest: Contest) -> ContestOut:
    mine = services.entry_of(contest, current_user)
    return ContestOut(id=contest.id, event_id=contest.event_id, event_title=contest.event.title, title=contest.title,
                      kind=contest.kind, rules=contest.rules, opens_at=to_venue(contest.opens_at).isoformat(),
                      closes_at=to_venue(contest.closes_at).isoformat(), jury_weight=contest.jury_weight,
                      phase=services.phase(contest),
                      entries=[EntryOut(id=e.id, title=e.title, video_url=e.video_url, running_order=e.running_order)
                               for e in services.entries(contest)],
                      my_entry_id=mine.id if mine else None, my_vote_entry_id=services.vote_of(contest, current_user))


def staff_entry_out(entry: ContestEntry) -> StaffEntryOut:
    return StaffEntryOut(id=entry.id, title=entry.title, video_url=entry.video_url, status=entry.status,
                         running_order=entry.running_order, jury_score=entry.jury_score,
                         created_at=to_venue(entry.created_at).isoformat())


@endpoint(bp, "/contests", summary="Contests", access=Access.PUBLIC, response=ContestListOut)
def list_contests():
    """The contests, the latest voting window first, each with its approved entries (no entrants)."""
    return ContestListOut(items=[contest_out(c) for c in services.contests()])


@endpoint(bp, "/events/<int:event_id>/contest", "POST", summary="Set up or change an event's contest (staff)",
          access=Access.STAFF, body=ContestIn, response=ContestOut, status=201,
          errors=[NOT_FOUND_EVENT, (422, "validation_error", "voting closes before it opens, a weight over 100, "
                                                             "the kind changed after entries came in")])
def save_contest(event_id: int, body: ContestIn):
    """201 when the contest is new, 200 when changed. Entries are taken until `opens_at`; votes between
    `opens_at` and `closes_at`; then the results. `jury_weight` is the jury's share of the final score."""
    contest, created = services.save_contest(_event(event_id), title=body.title, kind=body.kind,
                                             opens_at=body.opens_at, closes_at=body.closes_at,
                                             jury_weight=body.jury_weight, rules_text=body.rules)
    db.session.commit()
    return contest_out(contest), 201 if created else 200


@endpoint(bp, "/contests/<int:contest_id>", summary="One contest", access=Access.PUBLIC, response=ContestOut,
          errors=[NOT_FOUND_CONTEST])
def get_contest(contest_id: int):
    """The contest, where it is (entries, voting, closed) and its approved entries in the running order."""
    return contest_out(services.get_contest(contest_id))


@endpoint(bp, "/contests/<int:contest_id>/entries", "POST", summary="Enter a contest", access=Access.USER,
          body=EntryIn, response=StaffEntryOut, status=201,
          errors=[NOT_FOUND_CONTEST, (409, "entries_closed", "voting has opened"),
                  (409, "already_entered", "one entry per person"),
                  (422, "validation_error", "a link that is not VK Video, Rutube or YouTube")])
def submit(contest_id: int, body: EntryIn):
    """Submit your one entry: a title and, for a video contest, the link to the video on VK Video, Rutube or
    YouTube. Staff approve it before it is shown."""
    entry = services.submit(services.get_contest(contest_id), current_user, title=body.title,
                            video_url=body.video_url)
    db.session.commit()
    return staff_entry_out(entry)


@endpoint(bp, "/contests/<int:contest_id>/entries", summary="Every entry of a contest (staff)",
          access=Access.STAFF, response=StaffEntryListOut, errors=[NOT_FOUND_CONTEST])
def staff_entries(contest_id: int):
    """Every entry, waiting and rejected ones too, in the running order."""
    contest = services.get_contest(contest_id)
    return StaffEntryListOut(items=[staff_entry_out(e) for e in services.entries(contest, approved_only=False)])


@endpoint(bp, "/contests/<int:contest_id>/entries/<int:entry_id>", "POST", summary="Decide an entry (staff)",
          access=Access.STAFF, body=DecisionIn, response=StaffEntryOut,
          errors=[NOT_FOUND_CONTEST, NOT_FOUND_ENTRY, (409, "order_taken", "another entry has this slot")])
def decide(contest_id: int, entry_id: int, body: DecisionIn):
    """Approve or reject an entry, give it its slot in the running order and a jury score 0–10."""
    contest = services.get_contest(contest_id)
    entry = services.decide(contest, services.get_entry(contest, entry_id), status=body.status,
                            running_order=body.running_order, jury_score=body.jury_score)
    db.session.commit()
    return staff_entry_out(entry)


@endpoint(bp, "/contests/<int:contest_id>/vote", "POST", summary="Vote in a contest", access=Access.USER,
          body=ContestVoteIn, response=ContestVoteOut, status=201,
          errors=[NOT_FOUND_CONTEST, NOT_FOUND_ENTRY, (409, "not_open", "voting has not opened"),
                  (409, "closed", "voting has closed"), (409, "not_approved", "the entry is not in the running"),
                  (403, "not_checked_in", "a live contest: you were not checked in to the event"),
                  (409, "already_voted", "one vote per person")])
def vote(contest_id: int, body: ContestVoteIn):
    """Give your one vote to an approved entry while voting is open. A video contest takes one vote per
    account; a live one only from people checked in to its event."""
    contest = services.get_contest(contest_id)
    cast = services.vote(contest, services.get_entry(contest, body.entry_id), current_user)
    db.session.commit()
    return ContestVoteOut(contest_id=contest.id, entry_id=cast.entry_id)


@endpoint(bp, "/contests/<int:contest_id>/results", summary="A contest's results", access=Access.PUBLIC,
          response=ResultsOut, errors=[NOT_FOUND_CONTEST, (409, "not_closed", "voting is still under way")])
def results(contest_id: int):
    """The approved entries with their places (tied entries share one), votes, jury scores and final score."""
    contest = services.get_contest(contest_id)
    found = services.results(contest)
    return ResultsOut(contest_id=contest.id, jury_weight=contest.jury_weight, votes=services.votes_total(contest.id),
                      places=[PlaceOut(place=r.place, entry_id=r.entry.id, title=r.entry.title,
                                       video_url=r.entry.video_url, votes=r.standing.votes,
                                       jury_score=r.standing.jury, score=r.standing.score_shown) for r in found])
