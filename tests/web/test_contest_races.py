"""Contest votes and entries fired as parallel HTTP requests at a real server, on SQLite and PostgreSQL: one
vote per person and contest (the constraint decides), many voters at once, votes racing staff taking the
entry out, one entry per person."""

from datetime import date

import pytest
from races import at_once, post_json
from sqlalchemy import func, select

from anticafe.clock import set_clock
from anticafe.door.models import CheckIn
from anticafe.extensions import db
from anticafe.voice import contests as services
from anticafe.voice.models import ContestEntry, ContestVote
from tests.conftest import venue_dt

pytestmark = pytest.mark.concurrency

EVENT_DAY = date(2027, 3, 9)


@pytest.fixture
def contest_at(app, make_event, make_user):
    """contest_at(kind, moment): a contest on the 9 March event with three approved entries; the clock at
    `moment` (voting 19:00–22:00)."""
    made = []

    def make(kind: str = "video", moment: str = "2027-03-09T20:00"):
        set_clock(app, "2027-03-05T12:00")
        event = make_event(starts_at=venue_dt(EVENT_DAY, 19), category="contest")
        contest, _ = services.save_contest(event, title="Мой город", kind=kind,
                                           opens_at=venue_dt(EVENT_DAY, 19), closes_at=venue_dt(EVENT_DAY, 22))
        for n in range(3):
            entry = services.submit(contest, make_user(), title=f"Ролик {n}",
                                    video_url=f"https://youtu.be/clip{n}" if kind == "video" else None)
            services.decide(contest, entry, status="approved", running_order=n + 1)
        db.session.commit()
        set_clock(app, moment)
        made.append(contest)
        return contest

    yield make
    set_clock(app, None)


def entry_ids(contest) -> list[int]:
    return [entry.id for entry in services.entries(contest)]


def test_one_person_voting_eight_times_at_once_counts_once(app, serve, contest_at, make_user, token_for):
    contest = contest_at()
    headers, contest_id, ids = token_for(make_user()), contest.id, entry_ids(contest)
    with serve(app) as server:
        answers = at_once([lambda i=i: post_json(f"{server.url}/api/v1/contests/{contest_id}/vote", headers,
                                                 {"entry_id": ids[i % 3]}) for i in range(8)])
    assert sorted(status for status, _ in answers) == [201] + [409] * 7
    assert {body["error"]["code"] for status, body in answers if status == 409} == {"already_voted"}
    db.session.expire_all()
    assert services.votes_total(contest_id) == 1


def test_many_people_vote_at_once_and_every_vote_counts(app, serve, contest_at, make_user, token_for):
    contest = contest_at()
    voters = [token_for(make_user()) for _ in range(14)]
    contest_id, ids = contest.id, entry_ids(contest)
    with serve(app) as server:
        answers = at_once([lambda h=h, i=i: post_json(f"{server.url}/api/v1/contests/{contest_id}/vote", h,
                                                      {"entry_id": ids[i % 3]}) for i, h in enumerate(voters)])
    assert [status for status, _ in answers] == [201] * 14
    db.session.expire_all()
    assert services.vote_counts(contest_id) == {ids[0]: 5, ids[1]: 5, ids[2]: 4}


def test_votes_racing_staff_taking_the_entry_out_leave_none_behind(app, serve, contest_at, make_user, token_for):
    contest = contest_at()
    voters = [token_for(make_user()) for _ in range(10)]
    staff = token_for(make_user(role="staff"))
    contest_id, target = contest.id, entry_ids(contest)[0]
    with serve(app) as server:
        calls = [lambda h=h: post_json(f"{server.url}/api/v1/contests/{contest_id}/vote", h, {"entry_id": target})
                 for h in voters]
        calls.append(lambda: post_json(f"{server.url}/api/v1/contests/{contest_id}/entries/{target}", staff,
                                       {"status": "rejected"}))
        answers = at_once(calls)
    assert answers[-1][0] == 200
    assert {body["error"]["code"] for status, body in answers[:-1] if status != 201} <= {"not_approved"}
    db.session.expire_all()
    # A vote accepted before the decision went with it; none slipped in after it.
    assert db.session.scalar(select(func.count(ContestVote.id)).where(ContestVote.entry_id == target)) == 0


def test_a_live_contest_counts_one_vote_of_a_checked_in_person(app, serve, contest_at, make_user, token_for,
                                                                door_registration):
    contest = contest_at(kind="live")
    person, stranger = make_user(), make_user()
    registration = door_registration(contest.event, person)
    db.session.add(CheckIn(registration_id=registration.id, event_id=contest.event_id, user_id=person.id))
    db.session.commit()
    inside, outside, contest_id, ids = token_for(person), token_for(stranger), contest.id, entry_ids(contest)
    with serve(app) as server:
        calls = [lambda i=i: post_json(f"{server.url}/api/v1/contests/{contest_id}/vote", inside,
                                       {"entry_id": ids[i % 3]}) for i in range(6)]
        calls += [lambda: post_json(f"{server.url}/api/v1/contests/{contest_id}/vote", outside,
                                    {"entry_id": ids[0]})] * 2
        answers = at_once(calls)
    assert sorted(status for status, _ in answers[:6]) == [201] + [409] * 5
    assert [status for status, _ in answers[6:]] == [403, 403]
    db.session.expire_all()
    assert db.session.scalar(select(ContestVote.user_id).where(ContestVote.contest_id == contest_id)) == person.id
    assert services.votes_total(contest_id) == 1


def test_one_entry_per_person_when_sent_five_times_at_once(app, serve, contest_at, make_user, token_for):
    contest = contest_at(moment="2027-03-05T12:00")
    person = make_user()
    headers, contest_id = token_for(person), contest.id
    with serve(app) as server:
        answers = at_once([lambda n=n: post_json(f"{server.url}/api/v1/contests/{contest_id}/entries", headers,
                                                 {"title": f"Дубль {n}", "video_url": "https://youtu.be/take"})
                           for n in range(5)])
    assert sorted(status for status, _ in answers) == [201] + [409] * 4
    db.session.expire_all()
    assert db.session.scalar(select(func.count(ContestEntry.id)).where(ContestEntry.user_id == person.id)) == 1
