"""Contests over HTTP (SQLite and PostgreSQL): staff set one up on an event, participants enter (a video
link on VK Video / Rutube / YouTube, or an open-mic slot), staff approve, order and judge, one vote per
person inside the window (per account, or per person checked in), results with places; no entrant is
shown outside staff's entry list; erasure and export."""

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from anticafe.clock import set_clock
from anticafe.door.models import CheckIn
from anticafe.extensions import db
from anticafe.voice.models import Contest, ContestEntry, ContestVote
from tests.conftest import venue_dt

RU = {"Accept-Language": "ru"}
EN = {"Accept-Language": "en"}
EVENT_DAY = date(2027, 3, 9)
BEFORE = "2027-03-05T12:00"   # entries are taken
DURING = "2027-03-09T20:00"   # voting is open (19:00–22:00)
AFTER = "2027-03-09T22:30"    # voting closed
WINDOW = {"opens_at": "2027-03-09T19:00", "closes_at": "2027-03-09T22:00"}
VIDEO = "https://rutube.ru/video/4b6e2c1f0a9d/"


@pytest.fixture
def clock(app):
    set_clock(app, BEFORE)
    yield lambda moment: set_clock(app, moment)
    set_clock(app, None)


@pytest.fixture
def event(clock, make_event):
    return make_event(starts_at=venue_dt(EVENT_DAY, 19), title="Открытый микрофон", category="contest")


@pytest.fixture
def staff(make_user, token_for):
    return token_for(make_user(role="staff"))


def set_up(client, staff, event, **fields):
    body = {"title": "Конкурс видеороликов «Мой город»", "kind": "video", **WINDOW, **fields}
    return client.post(f"/api/v1/events/{event.id}/contest", json=body, headers=staff)


def enter(client, headers, contest_id, title="Мой двор", video_url=VIDEO):
    return client.post(f"/api/v1/contests/{contest_id}/entries", json={"title": title, "video_url": video_url},
                       headers=headers)


def decide(client, staff, contest_id, entry_id, status="approved", **fields):
    return client.post(f"/api/v1/contests/{contest_id}/entries/{entry_id}", json={"status": status, **fields},
                       headers=staff)


def vote(client, headers, contest_id, entry_id):
    return client.post(f"/api/v1/contests/{contest_id}/vote", json={"entry_id": entry_id}, headers=headers)


def test_staff_set_up_a_contest_and_change_it(client, token_for, make_user, event, staff):
    made = set_up(client, staff, event, jury_weight=30, rules="Ролик до 3 минут")
    assert made.status_code == 201 and made.json["phase"] == "entries" and made.json["jury_weight"] == 30
    assert made.json["opens_at"].startswith("2027-03-09T19:00") and made.json["entries"] == []
    again = set_up(client, staff, event, title="Мой город — 2027")
    assert again.status_code == 200 and again.json["id"] == made.json["id"]
    assert again.json["title"] == "Мой город — 2027"
    assert db.session.scalar(select(func.count(Contest.id))) == 1
    backwards = set_up(client, staff, event, opens_at=WINDOW["closes_at"], closes_at=WINDOW["opens_at"])
    assert backwards.status_code == 422 and "closes_at" in backwards.json["error"]["fields"]
    assert set_up(client, staff, event, jury_weight=101).status_code == 422
    assert set_up(client, staff, event, kind="mafia").status_code == 422
    assert set_up(client, token_for(make_user()), event).status_code == 403
    assert client.post("/api/v1/events/999999/contest", json={"title": "x", "kind": "video", **WINDOW},
                       headers=staff).status_code == 404
    enter(client, token_for(make_user()), made.json["id"])
    changed = set_up(client, staff, event, kind="live")
    assert changed.status_code == 422 and "kind" in changed.json["error"]["fields"]
    listed = client.get("/api/v1/contests").json["items"]
    assert [item["id"] for item in listed] == [made.json["id"]]
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert {"/api/v1/contests", "/api/v1/contests/{contest_id}/vote", "/api/v1/contests/{contest_id}/results",
            "/api/v1/events/{event_id}/contest"} <= set(paths)


@pytest.mark.parametrize("url", ["https://example.org/video/1", "https://vk.com/id1", "javascript:alert(1)",
                                 "https://youtu.be/" + "a" * 290, None, ""])
def test_only_vk_video_rutube_and_youtube_links_are_taken(client, token_for, make_user, event, staff, url):
    contest_id = set_up(client, staff, event).json["id"]
    refused = enter(client, token_for(make_user()), contest_id, video_url=url)
    assert refused.status_code == 422 and "video_url" in refused.json["error"]["fields"]
    assert db.session.scalar(select(func.count(ContestEntry.id))) == 0


def test_a_video_contest_from_entries_to_results(client, clock, token_for, make_user, event, staff):
    contest_id = set_up(client, staff, event, jury_weight=40).json["id"]
    makers = [make_user(name=f"Автор {n}") for n in range(3)]
    entries = [enter(client, token_for(person), contest_id, title=title, video_url=url).json
               for person, title, url in zip(makers, ("Мой двор", "Набережная", "Спам"),
                                             (VIDEO, "https://youtu.be/dQw4w9WgXcQ", "https://vkvideo.ru/video-1_2"),
                                             strict=True)]
    assert entries[0]["status"] == "submitted"
    twice = enter(client, token_for(makers[0]), contest_id, title="Ещё один")
    assert twice.status_code == 409 and twice.json["error"]["code"] == "already_entered"
    # Nothing is shown before staff approve; staff see every entry.
    assert client.get(f"/api/v1/contests/{contest_id}").json["entries"] == []
    assert len(client.get(f"/api/v1/contests/{contest_id}/entries", headers=staff).json["items"]) == 3
    assert decide(client, staff, contest_id, entries[0]["id"], jury_score=4).status_code == 200
    assert decide(client, staff, contest_id, entries[1]["id"], jury_score=10).status_code == 200
    assert decide(client, staff, contest_id, entries[2]["id"], "rejected").json["status"] == "rejected"
    assert decide(client, staff, contest_id, entries[0]["id"], jury_score=11).status_code == 422
    shown = client.get(f"/api/v1/contests/{contest_id}").json["entries"]
    assert [entry["title"] for entry in shown] == ["Мой двор", "Набережная"]
    assert "Автор" not in str(client.get(f"/api/v1/contests/{contest_id}").json)

    voters = [token_for(make_user()) for _ in range(4)]
    early = vote(client, voters[0], contest_id, entries[0]["id"])
    assert early.status_code == 409 and early.json["error"]["code"] == "not_open"
    assert client.get(f"/api/v1/contests/{contest_id}/results").json["error"]["code"] == "not_closed"
    clock(DURING)
    late_entry = enter(client, token_for(make_user()), contest_id)
    assert late_entry.status_code == 409 and late_entry.json["error"]["code"] == "entries_closed"
    rejected = vote(client, voters[0], contest_id, entries[2]["id"])
    assert rejected.status_code == 409 and rejected.json["error"]["code"] == "not_approved"
    for headers, entry in zip(voters, (0, 0, 1, 0), strict=True):
        assert vote(client, headers, contest_id, entries[entry]["id"]).status_code == 201
    again = vote(client, voters[0], contest_id, entries[1]["id"])
    assert again.status_code == 409 and again.json["error"]["code"] == "already_voted"
    assert vote(client, voters[0], contest_id, 999999).status_code == 404
    assert client.get(f"/api/v1/contests/{contest_id}", headers=voters[2]).json["my_vote_entry_id"] == entries[1]["id"]
    assert client.get(f"/api/v1/contests/{contest_id}/results").status_code == 409
    clock(AFTER)
    closed = vote(client, token_for(make_user()), contest_id, entries[0]["id"])
    assert closed.status_code == 409 and closed.json["error"]["code"] == "closed"
    results = client.get(f"/api/v1/contests/{contest_id}/results").json
    # 40 % jury: Мой двор = 0.6 × 3/3 + 0.4 × 0.4 = 76; Набережная = 0.6 × 1/3 + 0.4 × 1.0 = 60.
    assert results["votes"] == 4 and results["jury_weight"] == 40
    assert [(p["place"], p["title"], p["votes"], p["jury_score"], p["score"]) for p in results["places"]] == [
        (1, "Мой двор", 3, 4, 76.0), (2, "Набережная", 1, 10, 60.0)]


def test_an_open_mic_counts_only_people_checked_in_and_keeps_the_running_order(
        client, clock, token_for, make_user, door_registration, event, staff):
    contest_id = set_up(client, staff, event, title="Стендап-конкурс", kind="live").json["id"]
    comics = [make_user() for _ in range(3)]
    ids = [enter(client, token_for(person), contest_id, title=title, video_url=None).json["id"]
           for person, title in zip(comics, ("Про маршрутки", "Про школу", "Про кота"), strict=True)]
    assert db.session.get(ContestEntry, ids[0]).video_url is None
    for entry_id, slot in zip(ids, (2, 3, 1), strict=True):
        assert decide(client, staff, contest_id, entry_id, running_order=slot).status_code == 200
    taken = decide(client, staff, contest_id, ids[0], running_order=1)
    assert taken.status_code == 409 and taken.json["error"]["code"] == "order_taken"
    shown = client.get(f"/api/v1/contests/{contest_id}").json["entries"]
    assert [(entry["running_order"], entry["title"]) for entry in shown] == [
        (1, "Про кота"), (2, "Про маршрутки"), (3, "Про школу")]
    inside, outside, registered = make_user(), make_user(), make_user()
    registration = door_registration(event, inside)
    db.session.add(CheckIn(registration_id=registration.id, event_id=event.id, user_id=inside.id))
    door_registration(event, registered)  # registered, never checked in
    db.session.commit()
    clock(DURING)
    for person in (outside, registered):
        refused = vote(client, token_for(person), contest_id, ids[1])
        assert refused.status_code == 403 and refused.json["error"]["code"] == "not_checked_in"
    assert vote(client, token_for(inside), contest_id, ids[1]).status_code == 201
    clock(AFTER)
    places = client.get(f"/api/v1/contests/{contest_id}/results").json["places"]
    assert [(p["place"], p["title"]) for p in places] == [(1, "Про школу"), (2, "Про кота"), (2, "Про маршрутки")]


def test_pages_set_up_enter_decide_vote_and_show_results_in_both_languages(
        client, auth, clock, make_user, event):
    staff, entrant, fan = make_user(role="staff"), make_user(name="Тимур Авторов"), make_user()
    auth.login(staff)
    assert "Set up a contest" in client.get("/staff/contests/new", headers=EN).get_data(as_text=True)
    form = {"event_id": str(event.id), "title": "Мой город", "kind": "video", "opens_at": "2027-03-09T19:00",
            "closes_at": "2027-03-09T22:00", "jury_weight": "0", "rules": ""}
    bad = client.post("/staff/contests/new", data={**form, "closes_at": "2027-03-09T18:00"}, headers=EN)
    assert bad.status_code == 422 and "Voting must close after it opens." in bad.get_data(as_text=True)
    made = client.post("/staff/contests/new", data=form)
    contest = db.session.scalar(select(Contest))
    assert made.status_code == 302 and made.location.endswith(f"/staff/contests/{contest.id}")
    auth.login(entrant)
    page = client.get(f"/contests/{contest.id}", headers=RU).get_data(as_text=True)
    assert "Мой город" in page and "Отправить заявку" in page
    wrong = client.post(f"/contests/{contest.id}/enter", data={"title": "Двор", "video_url": "https://ok.ru/v/1"},
                        headers=RU)
    assert wrong.status_code == 422 and "VK Видео, Rutube или YouTube" in wrong.get_data(as_text=True)
    sent = client.post(f"/contests/{contest.id}/enter", data={"title": "Двор", "video_url": VIDEO})
    assert sent.status_code == 302
    entry = db.session.scalar(select(ContestEntry))
    assert "Ожидает одобрения" in client.get(f"/contests/{contest.id}", headers=RU).get_data(as_text=True)
    auth.login(staff)
    manage = client.get(f"/staff/contests/{contest.id}", headers=EN).get_data(as_text=True)
    assert "Тимур Авторов" in manage and "Двор" in manage  # staff see who entered
    prefix = f"entry-{entry.id}-"
    client.post(f"/staff/contests/{contest.id}/entries/{entry.id}",
                data={prefix + "status": "approved", prefix + "running_order": "1", prefix + "jury_score": ""})
    db.session.expire_all()
    assert db.session.get(ContestEntry, entry.id).status == "approved"
    clock(DURING)
    auth.login(fan)
    page = client.get(f"/contests/{contest.id}", headers=EN).get_data(as_text=True)
    assert "You have one vote" in page and "Тимур" not in page
    client.post(f"/contests/{contest.id}/vote", data={"value": str(entry.id)})
    assert db.session.scalar(select(func.count(ContestVote.id))) == 1
    assert "You have voted." in client.get(f"/contests/{contest.id}", headers=EN).get_data(as_text=True)
    early = client.get(f"/contests/{contest.id}/results", headers=EN).get_data(as_text=True)
    assert "The results are shown once voting closes" in early
    clock(AFTER)
    results = client.get(f"/contests/{contest.id}/results", headers=RU).get_data(as_text=True)
    assert "Итоги: Мой город" in results and "Двор" in results and "Тимур" not in results
    listing = client.get("/contests/", headers=RU).get_data(as_text=True)
    assert "Конкурсы" in listing and "Голосование завершено" in listing
    on_event = client.get(f"/events/{event.id}", headers=EN).get_data(as_text=True)
    assert "Contest: Мой город" in on_event and f"/contests/{contest.id}/results" in on_event
    clock(BEFORE)
    on_event = client.get(f"/events/{event.id}", headers=RU).get_data(as_text=True)
    assert "Конкурс: Мой город" in on_event and "Отправить заявку или прочитать правила" in on_event


def test_the_committee_sees_titles_and_counts_never_an_entrant(client, auth, clock, token_for, make_user, event,
                                                               staff):
    contest_id = set_up(client, staff, event).json["id"]
    entry_id = enter(client, token_for(make_user(name="Лена Секретова")), contest_id, title="Закат").json["id"]
    decide(client, staff, contest_id, entry_id)
    clock(DURING)
    vote(client, token_for(make_user(name="Петя Голосов")), contest_id, entry_id)
    clock(AFTER)
    auth.login(make_user(role="committee"))
    for url in ("/contests/", f"/contests/{contest_id}", f"/contests/{contest_id}/results",
                f"/api/v1/contests/{contest_id}", f"/api/v1/contests/{contest_id}/results", "/api/v1/contests"):
        for headers in (RU, EN):
            answer = client.get(url, headers=headers)
            text = json.dumps(answer.json, ensure_ascii=False) if answer.is_json else answer.get_data(as_text=True)
            assert answer.status_code == 200 and ("Закат" in text or url == "/contests/"), url
            assert "Лена" not in text and "Петя" not in text, url
    assert client.get(f"/staff/contests/{contest_id}").status_code == 403
    assert client.get(f"/api/v1/contests/{contest_id}/entries").status_code == 403


def test_erasure_keeps_votes_as_counts_and_approved_entries_without_their_entrant(
        client, clock, token_for, make_user, event, staff):
    from anticafe.privacy import services as privacy

    contest_id = set_up(client, staff, event).json["id"]
    winner, waiting, voter = make_user(), make_user(), make_user()
    approved = enter(client, token_for(winner), contest_id, title="Закат").json["id"]
    pending = enter(client, token_for(waiting), contest_id, title="Рассвет").json["id"]
    decide(client, staff, contest_id, approved)
    clock(DURING)
    vote(client, token_for(voter), contest_id, approved)
    vote(client, token_for(winner), contest_id, approved)
    exported = privacy.export_data(winner)
    assert exported["contest_entries"][0]["title"] == "Закат" and len(exported["contest_votes"]) == 1
    for person in (winner, waiting, voter):
        privacy.erase(person, by=None, kind="self")
    db.session.commit()
    kept = db.session.get(ContestEntry, approved)
    assert kept.user_id is None and kept.title == "Закат"
    assert db.session.get(ContestEntry, pending) is None  # never in the running: it goes
    assert db.session.scalar(select(func.count(ContestVote.id)).where(ContestVote.user_id.is_not(None))) == 0
    clock(AFTER)
    assert client.get(f"/api/v1/contests/{contest_id}/results").json["places"][0]["votes"] == 2
    assert privacy.export_data(winner)["contest_entries"] == []
