"""Votes and ratings fired as parallel HTTP requests at a real server, on SQLite and PostgreSQL: one vote per
person (the constraint decides), a vote racing the staff's decision, one rating per person and event."""

import json
import urllib.error
import urllib.request
from datetime import date, timedelta

import pytest
from races import at_once, post_json
from sqlalchemy import func, select

from anticafe.db import utcnow
from anticafe.door.models import CheckIn
from anticafe.extensions import db
from anticafe.notifications.models import Notification
from anticafe.voice import services
from anticafe.voice.models import Feedback, IdeaVote

pytestmark = pytest.mark.concurrency


def delete_json(url: str, headers: dict) -> tuple[int, dict]:
    """DELETE; return (status, parsed JSON answer), error statuses included."""
    request = urllib.request.Request(url, method="DELETE", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture
def idea(make_user):
    made = services.propose(make_user(), title="Турнир по FIFA", description="Приставка и проектор",
                            category="tournament", ages="14_17")
    db.session.commit()
    return made


def test_one_person_voting_eight_times_at_once_counts_once(app, serve, idea, make_user, token_for):
    headers, idea_id = token_for(make_user()), idea.id
    with serve(app) as server:
        answers = at_once([lambda: post_json(f"{server.url}/api/v1/ideas/{idea_id}/vote", headers)] * 8)
    assert sorted(status for status, _ in answers) == [201] + [409] * 7
    assert {body["error"]["code"] for status, body in answers if status == 409} == {"already_voted"}
    assert services.votes_for(idea_id) == 1


def test_many_people_vote_and_withdraw_at_once(app, serve, idea, make_user, token_for):
    staying = [token_for(make_user()) for _ in range(12)]
    leaving = [token_for(make_user()) for _ in range(6)]
    idea_id = idea.id
    with serve(app) as server:
        for headers in leaving:  # they voted before and withdraw while the others vote
            assert post_json(f"{server.url}/api/v1/ideas/{idea_id}/vote", headers)[0] == 201
        calls = [lambda h=h: post_json(f"{server.url}/api/v1/ideas/{idea_id}/vote", h) for h in staying]
        calls += [lambda h=h: delete_json(f"{server.url}/api/v1/ideas/{idea_id}/vote", h) for h in leaving]
        answers = at_once(calls)
    assert [status for status, _ in answers] == [201] * 12 + [200] * 6
    db.session.expire_all()
    assert services.votes_for(idea_id) == 12
    # Each answer's count was true at its moment: between the votes still standing and everybody's.
    assert all(1 <= body["votes"] <= 18 for _, body in answers[:12])
    assert all(0 <= body["votes"] <= 17 for _, body in answers[12:])


def test_votes_racing_the_plan_are_either_in_and_told_or_refused(app, serve, idea, make_user, make_event,
                                                                  token_for):
    voters = [make_user() for _ in range(10)]
    staff = token_for(make_user(role="staff"))
    event_id, idea_id = make_event().id, idea.id
    voter_headers = [token_for(person) for person in voters]
    with serve(app) as server:
        calls = [lambda h=h: post_json(f"{server.url}/api/v1/ideas/{idea_id}/vote", h) for h in voter_headers]
        calls.append(lambda: post_json(f"{server.url}/api/v1/ideas/{idea_id}/status", staff,
                                       {"status": "planned", "event_id": event_id}))
        answers = at_once(calls)
    assert answers[-1][0] == 200
    accepted = {voters[i].id for i, (status, _) in enumerate(answers[:-1]) if status == 201}
    refused = [body["error"]["code"] for status, body in answers[:-1] if status != 201]
    assert set(refused) <= {"voting_closed"} and len(accepted) + len(refused) == 10
    db.session.expire_all()
    in_db = set(db.session.scalars(select(IdeaVote.user_id).where(IdeaVote.idea_id == idea_id)))
    told = set(db.session.scalars(select(Notification.user_id).where(Notification.kind == "idea_planned")))
    assert in_db == accepted and accepted <= told  # nobody's vote slipped in after the voters were told


def test_one_rating_per_person_when_sent_six_times_at_once(app, serve, make_event, make_user, door_registration,
                                                           token_for):
    event = make_event(starts_at=utcnow() - timedelta(hours=3))
    person = make_user(birth_date=date(2009, 1, 1))
    registration = door_registration(event, person)
    db.session.add(CheckIn(registration_id=registration.id, event_id=event.id, user_id=person.id))
    db.session.commit()
    headers, event_id = token_for(person), event.id
    with serve(app) as server:
        answers = at_once([lambda r=r: post_json(f"{server.url}/api/v1/events/{event_id}/feedback", headers,
                                                 {"rating": r}) for r in (1, 2, 3, 4, 5, 5)])
    assert sorted(status for status, _ in answers) == [200] * 5 + [201]
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Feedback.id)).where(Feedback.event_id == event_id)) == 1
