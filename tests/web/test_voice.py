"""Youth voice over HTTP: rating after an event, hiding comments, ideas and votes, staff decisions, the
committee's counts (on SQLite and PostgreSQL)."""

from datetime import date

import pytest
from sqlalchemy import func, select

from anticafe.clock import set_clock
from anticafe.door.models import CheckIn
from anticafe.extensions import db
from anticafe.notifications.models import Notification
from anticafe.voice import services
from anticafe.voice.models import Feedback, Idea, IdeaVote
from tests.conftest import venue_dt

RU = {"Accept-Language": "ru"}
EN = {"Accept-Language": "en"}
#: "Now" for these tests: the morning after the event (venue time).
NOW = "2027-03-10T12:00"
EVENT_DAY = date(2027, 3, 9)
PERIOD = {"from": "2027-03-01", "to": "2027-03-31"}


@pytest.fixture
def clock(app):
    set_clock(app, NOW)
    yield
    set_clock(app, None)


@pytest.fixture
def held(clock, make_event, make_user, door_registration):
    """An event that ended last night with two attendees (16 and 20 years old) and one no-show."""
    event = make_event(starts_at=venue_dt(EVENT_DAY, 19), title="Стендап-вечер", category="talk_show")
    teen = make_user(birth_date=date(2010, 5, 1), name="Аня Подросткова")
    adult = make_user(birth_date=date(2006, 5, 1), name="Борис Взрослый")
    absent = make_user(name="Вера Неприходившая")
    for person in (teen, adult):
        registration = door_registration(event, person)
        db.session.add(CheckIn(registration_id=registration.id, event_id=event.id, user_id=person.id))
    door_registration(event, absent)
    db.session.commit()
    return event, teen, adult, absent


def rate(client, token_for, event, person, rating, comment=None):
    return client.post(f"/api/v1/events/{event.id}/feedback", json={"rating": rating, "comment": comment},
                       headers=token_for(person))


def test_only_attendees_rate_once_and_may_change_it_for_a_week(app, client, token_for, held):
    event, teen, adult, absent = held
    refused = rate(client, token_for, event, absent, 5)
    assert refused.status_code == 403 and refused.json["error"]["code"] == "not_attended"
    first = rate(client, token_for, event, teen, 4, "  Смешно!  ")
    assert first.status_code == 201 and first.json["rating"] == 4 and first.json["comment"] == "Смешно!"
    again = rate(client, token_for, event, teen, 5)
    assert again.status_code == 200 and again.json["id"] == first.json["id"] and again.json["rating"] == 5
    assert db.session.scalar(select(func.count(Feedback.id))) == 1
    assert client.get(f"/api/v1/events/{event.id}/feedback/mine", headers=token_for(teen)).json["rating"] == 5
    set_clock(app, "2027-03-17T12:30")  # a week and a half-hour after the first rating
    closed = rate(client, token_for, event, teen, 1)
    assert closed.status_code == 409 and closed.json["error"]["code"] == "closed"
    assert rate(client, token_for, event, adult, 3).status_code == 201  # a first rating within a month


@pytest.mark.parametrize(("body", "field"), [({"rating": 0}, "rating"), ({"rating": 6}, "rating"),
                                             ({"rating": "five"}, "rating"), ({}, "rating"),
                                             ({"rating": 4, "comment": "x" * 501}, "comment")])
def test_bad_ratings_are_422(client, token_for, held, body, field):
    event, teen, *_ = held
    answer = client.post(f"/api/v1/events/{event.id}/feedback", json=body, headers=token_for(teen))
    assert answer.status_code == 422 and field in answer.json["error"]["fields"]


def test_no_rating_before_the_end_or_for_a_missing_event(app, client, token_for, held):
    event, teen, *_ = held
    set_clock(app, "2027-03-09T20:00")
    assert rate(client, token_for, event, teen, 5).json["error"]["code"] == "not_ended"
    assert client.post("/api/v1/events/999999/feedback", json={"rating": 5},
                       headers=token_for(teen)).status_code == 404


def test_staff_hide_an_abusive_comment_and_nobody_sees_it(client, auth, token_for, make_user, held):
    event, teen, adult, _ = held
    rate(client, token_for, event, teen, 1, "Ведущий — дурак")
    rate(client, token_for, event, adult, 5, "Было здорово")
    staff = make_user(role="staff")
    listed = client.get("/api/v1/feedback/comments", headers=token_for(staff)).json["items"]
    assert {item["comment"] for item in listed} == {"Ведущий — дурак", "Было здорово"}
    assert "user_id" not in listed[0] and "Аня" not in str(listed)
    rude = next(item for item in listed if item["rating"] == 1)
    hidden = client.post(f"/api/v1/feedback/{rude['id']}/hide", json={"hidden": True}, headers=token_for(staff))
    assert hidden.status_code == 200 and hidden.json["hidden"] is True
    assert services.visible_comments(event.id) == ["Было здорово"]
    auth.login(adult)
    page = client.get(f"/events/{event.id}/rate", headers=RU).get_data(as_text=True)
    assert "Было здорово" in page and "дурак" not in page
    # The page form shows it again.
    auth.login(staff)
    assert "дурак" in client.get("/staff/feedback", headers=RU).get_data(as_text=True)
    assert client.post(f"/staff/feedback/{rude['id']}/hide", data={"value": "0"}).status_code == 302
    assert len(services.visible_comments(event.id)) == 2


def test_rating_through_the_page_in_both_languages(client, auth, held):
    event, teen, _, absent = held
    auth.login(absent)
    refused = client.get(f"/events/{event.id}/rate", headers=EN)
    assert refused.status_code == 403 and "Only people checked in" in refused.get_data(as_text=True)
    auth.login(teen)
    page = client.get(f"/events/{event.id}/rate", headers=RU).get_data(as_text=True)
    assert "Как прошло?" in page and "Стендап-вечер" in page
    assert client.post(f"/events/{event.id}/rate", data={"comment": "без оценки"}).status_code == 422
    done = client.post(f"/events/{event.id}/rate", data={"rating": "4", "comment": "Хочу ещё"}, headers=EN,
                       follow_redirects=True)
    assert "Your rating: 4 of 5." in done.get_data(as_text=True)
    assert client.get("/my/ratings", headers=EN).get_data(as_text=True).count("Стендап-вечер") == 0


def test_committee_counts_by_event_category_and_age_group_without_names(client, auth, token_for, make_user, held):
    event, teen, adult, _ = held
    committee = make_user(role="committee")
    headers = token_for(committee)
    empty = client.get("/api/v1/stats/feedback", query_string=PERIOD, headers=headers).json
    assert empty == {"count": 0, "average": None, "rows": []}
    rate(client, token_for, event, teen, 5, "Огонь")
    rate(client, token_for, event, adult, 2)
    by_event = client.get("/api/v1/stats/feedback", query_string=PERIOD, headers=headers).json
    assert by_event["count"] == 2 and by_event["average"] == 3.5
    assert by_event["rows"] == [{"key": event.id, "label": "Стендап-вечер", "count": 2, "average": 3.5,
                                 "distribution": {"1": 0, "2": 1, "3": 0, "4": 0, "5": 1}}]
    ages = client.get("/api/v1/stats/feedback", query_string={**PERIOD, "group_by": "age_group"},
                      headers=headers).json["rows"]
    assert [(row["key"], row["average"]) for row in ages] == [("14_17", 5.0), ("18_24", 2.0)]
    category = client.get("/api/v1/stats/feedback", query_string={**PERIOD, "group_by": "category"},
                          headers=headers).json["rows"]
    assert [(row["key"], row["count"]) for row in category] == [("talk_show", 2)]
    assert client.get("/api/v1/stats/feedback", query_string={"from": "2027-13-01"},
                      headers=headers).status_code == 422
    assert client.get("/api/v1/stats/feedback", query_string={"group_by": "name"}, headers=headers).status_code == 422
    assert client.get("/api/v1/stats/feedback", headers=token_for(teen)).status_code == 403
    auth.login(committee)
    for url in ("/stats/", "/stats/report", "/stats/voice"):
        page = client.get(url, query_string=PERIOD, headers=EN).get_data(as_text=True)
        assert "Ratings after events" in page and "3.50" in page, url
        assert "Аня" not in page and "Борис" not in page, url
    assert "Огонь" in client.get("/stats/voice", query_string=PERIOD).get_data(as_text=True)
    assert "Оценки после мероприятий" in client.get("/stats/", query_string=PERIOD, headers=RU).get_data(as_text=True)


def test_the_prompt_reaches_every_attendee_once_in_app(app, client, token_for, held):
    event, teen, adult, _absent = held
    rate(client, token_for, event, adult, 4)
    assert services.send_prompts() == 1  # the teen; the adult already rated; the no-show did not come
    assert services.send_prompts() == 0
    note = db.session.scalar(select(Notification).where(Notification.kind == "feedback_prompt"))
    assert note.user_id == teen.id and note.link.endswith(f"/events/{event.id}/rate")
    assert "Стендап-вечер" in note.subject


def test_an_erased_person_stays_as_an_anonymous_count(client, token_for, held):
    event, teen, adult, _ = held
    rate(client, token_for, event, teen, 5)
    idea = services.propose(adult, title="Квиз по аниме", description="Команды по 4", category="contest",
                            ages="14_17")
    services.vote(idea, teen)
    db.session.commit()
    db.session.delete(db.session.get(type(teen), teen.id))
    db.session.commit()
    assert db.session.scalar(select(Feedback.user_id)) is None and services.event_ratings(event.id).count == 1
    assert services.votes_for(idea.id) == 1


# ------------------------------------------------------------------------------------------------
# Ideas


def propose(client, headers, **fields):
    body = {"title": "Турнир по Just Dance", "description": "Танцуем под проектор", "category": "party",
            "ages": "14_17", **fields}
    return client.post("/api/v1/ideas", json=body, headers=headers)


def test_propose_vote_withdraw(client, token_for, make_user, clock):
    author, fan = make_user(), make_user()
    made = propose(client, token_for(author))
    assert made.status_code == 201 and made.json["status"] == "proposed" and made.json["votes"] == 0
    assert propose(client, token_for(author), category="war").status_code == 422
    assert propose(client, token_for(author), title="ab").status_code == 422
    assert propose(client, token_for(author), ages="7_9").status_code == 422
    assert propose(client, token_for(author), title="x" * 121).status_code == 422
    idea_id = made.json["id"]
    voted = client.post(f"/api/v1/ideas/{idea_id}/vote", headers=token_for(fan))
    assert voted.status_code == 201 and voted.json == {"idea_id": idea_id, "votes": 1, "voted": True}
    twice = client.post(f"/api/v1/ideas/{idea_id}/vote", headers=token_for(fan))
    assert twice.status_code == 409 and twice.json["error"]["code"] == "already_voted"
    listed = client.get("/api/v1/ideas", headers=token_for(fan)).json["items"]
    assert listed[0]["votes"] == 1 and listed[0]["voted"] is True and "author" not in str(listed[0])
    assert client.delete(f"/api/v1/ideas/{idea_id}/vote", headers=token_for(fan)).json["votes"] == 0
    gone = client.delete(f"/api/v1/ideas/{idea_id}/vote", headers=token_for(fan))
    assert gone.status_code == 404 and gone.json["error"]["code"] == "not_voted"
    assert client.post("/api/v1/ideas/999999/vote", headers=token_for(fan)).status_code == 404
    assert client.post(f"/api/v1/ideas/{idea_id}/vote").status_code == 401


def test_staff_plan_an_idea_and_its_supporters_are_told(client, token_for, make_user, make_event, clock):
    author, fans, staff = make_user(), [make_user(), make_user()], make_user(role="staff")
    idea_id = propose(client, token_for(author)).json["id"]
    for fan in fans:
        client.post(f"/api/v1/ideas/{idea_id}/vote", headers=token_for(fan))
    move = f"/api/v1/ideas/{idea_id}/status"
    assert client.post(move, json={"status": "considered"}, headers=token_for(author)).status_code == 403
    assert client.post(move, json={"status": "considered"}, headers=token_for(staff)).json["status"] == "considered"
    missing = client.post(move, json={"status": "planned"}, headers=token_for(staff))
    assert missing.status_code == 422 and "event_id" in missing.json["error"]["fields"]
    event = make_event(title="Just Dance: турнир")
    planned = client.post(move, json={"status": "planned", "event_id": event.id}, headers=token_for(staff))
    assert planned.status_code == 200 and planned.json["event_id"] == event.id
    told = db.session.scalars(select(Notification.user_id).where(Notification.kind == "idea_planned")).all()
    assert sorted(told) == sorted([author.id] + [fan.id for fan in fans])
    late = client.post(f"/api/v1/ideas/{idea_id}/vote", headers=token_for(make_user()))
    assert late.status_code == 409 and late.json["error"]["code"] == "voting_closed"
    again = client.post(move, json={"status": "declined", "reason": "нет"}, headers=token_for(staff))
    assert again.status_code == 409 and again.json["error"]["code"] == "not_allowed"


def test_a_declined_idea_shows_its_reason_to_everybody(client, auth, token_for, make_user, clock):
    author, staff = make_user(), make_user(role="staff")
    idea_id = propose(client, token_for(author)).json["id"]
    move = f"/api/v1/ideas/{idea_id}/status"
    assert client.post(move, json={"status": "declined"}, headers=token_for(staff)).status_code == 422
    client.post(move, json={"status": "declined", "reason": "Нет проектора"}, headers=token_for(staff))
    assert "Нет проектора" in client.get(f"/ideas/{idea_id}", headers=RU).get_data(as_text=True)
    assert client.get(f"/api/v1/ideas/{idea_id}").json["decline_reason"] == "Нет проектора"
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.kind == "idea_declined")) == 1


def test_idea_pages_propose_vote_and_decide(client, auth, make_user, make_event, clock):
    author, fan, staff = make_user(), make_user(), make_user(role="staff")
    assert client.get("/ideas/new").status_code == 302  # log in first
    auth.login(author)
    assert "Propose an idea" in client.get("/ideas/new", headers=EN).get_data(as_text=True)
    bad = client.post("/ideas/new", data={"title": "", "description": "", "category": "party", "ages": "all"})
    assert bad.status_code == 422
    made = client.post("/ideas/new", data={"title": "Настолки до утра", "description": "Каркассон и Мафия",
                                           "category": "tournament", "ages": "18_24"})
    idea = db.session.scalar(select(Idea))
    assert made.status_code == 302 and made.location.endswith(f"/ideas/{idea.id}")
    auth.login(fan)
    client.post(f"/ideas/{idea.id}/vote")
    assert db.session.scalar(select(func.count(IdeaVote.id))) == 1
    listing = client.get("/ideas/", headers=RU).get_data(as_text=True)
    assert "Настолки до утра" in listing and "Идеи мероприятий" in listing
    client.post(f"/ideas/{idea.id}/unvote")
    client.post(f"/ideas/{idea.id}/vote")
    auth.login(staff)
    event = make_event(title="Ночь настолок")
    page = client.get(f"/ideas/{idea.id}", headers=EN).get_data(as_text=True)
    assert "Decide (staff)" in page and "Ночь настолок" in page
    client.post(f"/ideas/{idea.id}/status", data={"status": "planned", "event_id": str(event.id), "reason": ""})
    db.session.expire_all()
    assert db.session.get(Idea, idea.id).status == "planned"
    assert "Ночь настолок" in client.get(f"/ideas/{idea.id}", headers=EN).get_data(as_text=True)
    assert db.session.scalar(select(Notification.user_id).where(Notification.kind == "idea_planned",
                                                                Notification.user_id == fan.id)) == fan.id


def test_committee_sees_the_most_supported_ideas_by_category_and_age_band(client, token_for, make_user, clock):
    people = [make_user() for _ in range(3)]
    first = propose(client, token_for(people[0]), title="Квиз", category="contest", ages="14_17").json["id"]
    second = propose(client, token_for(people[1]), title="Рейв", category="party", ages="18_24").json["id"]
    for person in people:
        client.post(f"/api/v1/ideas/{first}/vote", headers=token_for(person))
    client.post(f"/api/v1/ideas/{second}/vote", headers=token_for(people[0]))
    stats = client.get("/api/v1/stats/ideas", headers=token_for(make_user(role="committee"))).json
    assert [(row["title"], row["votes"]) for row in stats["top"]] == [("Квиз", 3), ("Рейв", 1)]
    assert stats["by_category"] == [{"key": "contest", "ideas": 1, "votes": 3},
                                    {"key": "party", "ideas": 1, "votes": 1}]
    assert stats["by_ages"][0] == {"key": "14_17", "ideas": 1, "votes": 3}
    assert "Гость" not in str(stats)


def test_erasure_keeps_ratings_and_votes_as_anonymous_counts(client, token_for, held):
    from anticafe.privacy import services as privacy

    event, teen, adult, _ = held
    rate(client, token_for, event, teen, 5, "Меня зовут Аня, было круто")
    idea = services.propose(teen, title="Квиз по аниме", description="Команды по 4", category="contest",
                            ages="14_17")
    services.vote(idea, adult)
    services.vote(idea, teen)
    db.session.commit()
    exported = privacy.export_data(teen)
    assert exported["event_feedback"][0]["rating"] == 5 and exported["ideas"][0]["title"] == "Квиз по аниме"
    assert len(exported["idea_votes"]) == 1
    privacy.erase(teen, by=None, kind="self")
    db.session.commit()
    kept = db.session.scalar(select(Feedback))
    assert (kept.user_id, kept.comment, kept.rating, kept.age_group) == (None, None, 5, "14_17")
    assert services.votes_for(idea.id) == 2 and db.session.get(Idea, idea.id).author_id is None
    assert services.event_ratings(event.id).count == 1
    assert privacy.export_data(teen)["event_feedback"] == []


def test_the_rate_page_refuses_a_post_before_the_end(app, client, auth, held):
    event, teen, *_ = held
    set_clock(app, "2027-03-09T20:00")
    auth.login(teen)
    page = client.get(f"/events/{event.id}/rate", headers=EN)
    assert page.status_code == 200 and "once it has ended" in page.get_data(as_text=True)
    assert client.post(f"/events/{event.id}/rate", data={"rating": "5"}).status_code == 409
    assert db.session.scalar(select(func.count(Feedback.id))) == 0
