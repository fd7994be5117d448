"""Personal data: the committee reaches counts only, erasure keeps every statistic, export, retention,
consent of under-14s, and the access log."""

import io
import json
import zipfile
from datetime import date, timedelta
from decimal import Decimal

import pytest
from access import all_rules
from flask import url_for
from sqlalchemy import func, select
from stats_data import JANUARY, PEOPLE, build_world, personal_strings

from anticafe.accounts.access_log import AccessEntry
from anticafe.accounts.consent import Consent
from anticafe.accounts.models import ApiToken, User
from anticafe.accounts.services import hash_password
from anticafe.auth import Role
from anticafe.db import utcnow
from anticafe.events.models import Event
from anticafe.extensions import db
from anticafe.notifications.models import ChannelPreference, LinkToken, MessengerLink
from anticafe.passes import services as passes
from anticafe.privacy import services
from anticafe.privacy.models import Erasure
from anticafe.registrations.models import Registration
from anticafe.visits.models import Visit

RU = {"Accept-Language": "ru"}
GROUPS = ("month", "week", "category", "event", "age_group", "weekday_hour")
GUARDIAN = ("Ольга Соколова", "+79125550011", "olga.sokolova@example.org")
REASON = "многодетная семья Соколовых"


@pytest.fixture
def world(app):
    return build_world(db.session)


def _enrich(world, make_user) -> dict:
    """Give Anna a guardian, a subsidised visit's reason, an allowance and a future seat; Gleb waits for it."""
    anna = world.people["anna"]
    anna.guardian_name, anna.guardian_phone, anna.guardian_email = GUARDIAN
    anna.password_hash = hash_password("password123")
    db.session.execute(Visit.__table__.update().where(Visit.user_id == anna.id, Visit.note.is_not(None))
                       .values(note=REASON))
    staff = make_user("staff")
    programme = passes.save_pass_type(passes.PassTypeData(name="Соцпрограмма", kind="allowance", minutes=480,
                                                          validity_days=None, price=Decimal(0),
                                                          committee_may_issue=True))
    [held] = passes.issue_pass(holder=anna, pass_type=programme, by=staff, social_category="large_family")
    future = Event(title="Будущий квиз", starts_at=utcnow() + timedelta(days=3),
                   ends_at=utcnow() + timedelta(days=3, hours=2), category="contest", capacity=1, entry="free",
                   status="scheduled", published=True)
    db.session.add(future)
    db.session.flush()
    seat = Registration(event_id=future.id, user_id=anna.id, status="confirmed", ticket_code="ANNASEAT" * 3,
                        confirmed_at=utcnow())
    waiting = Registration(event_id=future.id, user_id=world.people["gleb"].id, status="waitlisted",
                           waitlist_position=1)
    db.session.add_all([seat, waiting])
    db.session.commit()
    return {"staff": staff, "pass": held, "programme": programme, "future": future, "seat": seat,
            "waiting": waiting}


CATEGORY_WORDS = ("large_family", "Многодетная семья", "Large family")


def _secrets() -> list[str]:
    """Everything that names someone in the world, plus Anna's guardian, reason and social category."""
    return [*personal_strings(), *GUARDIAN, REASON, *CATEGORY_WORDS]


def _committee_figures(client) -> dict:
    figures = {}
    for start, end in (JANUARY, ("2024-12-01", "2024-12-31"), ("2024-01-01", "2025-12-31")):
        query = {"from": start, "to": end}
        figures[start, end, "summary"] = client.get("/api/v1/stats/summary", query_string=query).json
        for group in GROUPS:
            figures[start, end, group] = client.get("/api/v1/stats/attendance",
                                                    query_string={**query, "group_by": group}).json
    return figures


# ------------------------------------------------------------------------------------------------
# Counts only


def _committee_urls(app, ids: dict) -> list[str]:
    """Every GET the committee may open, with real ids where the access table has placeholders, plus
    every export of the statistics."""
    urls = []
    with app.test_request_context():
        for (endpoint, method), rule in sorted(all_rules().items()):
            if method != "GET" or not (rule.access.value == frozenset() or Role.COMMITTEE in rule.access.value):
                continue
            args = {key: ids.get(key, value) for key, value in rule.args.items()}
            urls.append(url_for(endpoint, **args, **{"from": JANUARY[0], "to": JANUARY[1]}))
        for name in "summary,series,categories,ages,youth,top_events,frequency,heatmap,events".split(","):
            for fmt in ("csv", "xlsx"):
                urls.append(url_for("stats.export", name=name, fmt=fmt, **{"from": JANUARY[0], "to": JANUARY[1]}))
        for name in ("event_summary", "event_ages"):
            for fmt in ("csv", "xlsx"):
                urls.append(url_for("stats.event_export", event_id=ids["event_id"], name=name, fmt=fmt))
        for fmt in ("xlsx", "pdf"):
            urls.append(url_for("stats.report_file", fmt=fmt, **{"from": JANUARY[0], "to": JANUARY[1]}))
        for group in GROUPS:
            urls.append(url_for("stats_api.attendance", group_by=group, **{"from": JANUARY[0], "to": JANUARY[1]}))
        urls.append(url_for("passes.committee_index", month="2025-01"))
    return urls


def _readable(response) -> str:
    """The text of a page, a CSV, or every XML part of an XLSX."""
    body = response.get_data()
    if body[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    return body.decode("utf-8", "replace")


def _closed_contest(world, extra):
    """A closed video contest on the future quiz: Anna's approved entry, Gleb's vote (its pages list entries)."""
    from anticafe.voice.models import Contest, ContestEntry, ContestVote

    now = utcnow()
    contest = Contest(event_id=extra["future"].id, title="Конкурс роликов", kind="video", jury_weight=50,
                      opens_at=now - timedelta(days=2), closes_at=now - timedelta(days=1), created_at=now)
    db.session.add(contest)
    db.session.flush()
    entry = ContestEntry(contest_id=contest.id, user_id=world.people["anna"].id, title="Мой двор", status="approved",
                         video_url="https://youtu.be/anna", running_order=1, jury_score=8, created_at=now)
    db.session.add(entry)
    db.session.flush()
    db.session.add(ContestVote(contest_id=contest.id, entry_id=entry.id, user_id=world.people["gleb"].id,
                               created_at=now))
    db.session.commit()
    return contest


def test_nothing_the_committee_reaches_names_a_person(app, client, auth, make_user, world, monkeypatch):
    """Walk every route the access table opens to the committee and every export, with real ids."""
    import fpdf
    from fpdf.table import Row

    extra = _enrich(world, make_user)
    anna = world.people["anna"]
    contest = _closed_contest(world, extra)
    ids = {"event_id": world.events["e1"].id, "user_id": anna.id, "pass_id": extra["pass"].id,
           "type_id": extra["programme"].id, "registration_id": extra["seat"].id, "code": extra["seat"].ticket_code,
           "token": anna.feed_token, "contest_id": contest.id}
    # PDF text is drawn with an embedded font (not searchable in the file): record what is drawn.
    drawn: list[str] = []
    for cls, name in ((fpdf.FPDF, "cell"), (fpdf.FPDF, "multi_cell"), (Row, "cell")):
        original = getattr(cls, name)

        def spy(self, *args, _original=original, **kwargs):
            drawn.extend(str(a) for a in (*args, *kwargs.values()) if isinstance(a, str))
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(cls, name, spy)
    auth.login(make_user("committee", name="Член Комитета"))
    checked = 0
    for url in _committee_urls(app, ids):
        for lang in ("ru", "en"):
            response = client.get(url, headers={"Accept-Language": lang})
            assert response.status_code < 500, url
            if response.status_code in (403, 404, 302):
                continue
            text = _readable(response) + "\n".join(drawn)
            drawn.clear()
            # The programme's terms list every category the committee may admit (not who holds one).
            terms = url.startswith("/committee/allowances")
            for secret in _secrets():
                if terms and secret in CATEGORY_WORDS:
                    continue
                assert secret not in text, (url, secret)
            checked += 1
    assert checked > 60


# ------------------------------------------------------------------------------------------------
# Erase me: every statistic stays


def test_erasure_keeps_every_committee_figure(client, auth, make_user, world, token_for):
    extra = _enrich(world, make_user)
    committee = make_user("committee")
    auth.login(committee)
    before = _committee_figures(client)
    assert before[(*JANUARY, "summary")]["unique_visitors"] == 6
    anna, tim, boris = world.people["anna"], world.people["tim"], world.people["boris"]
    headers = token_for(anna)
    auth.logout()

    wrong = client.delete("/api/v1/me", json={"password": "nope"}, headers=headers)
    assert wrong.status_code == 422 and wrong.json["error"]["code"] == "wrong_password"
    assert client.delete("/api/v1/me", json={"password": "password123"}, headers=headers).status_code == 204
    staff = token_for(extra["staff"])
    for person in (tim, boris):
        erased = client.post(f"/api/v1/users/{person.id}/erase", json={"reason": "письменное заявление опекуна"},
                             headers=staff)
        assert erased.status_code == 200, erased.json
    again = client.post(f"/api/v1/users/{tim.id}/erase", json={"reason": "ещё раз"}, headers=staff)
    assert again.status_code == 409 and again.json["error"]["code"] == "already_erased"

    auth.login(committee)
    after = _committee_figures(client)
    assert after == before

    db.session.expire_all()
    anna = db.session.get(User, anna.id)
    assert (anna.name, anna.email, anna.phone, anna.birth_date, anna.guardian_name, anna.guardian_phone,
            anna.guardian_email, anna.password_hash) == (services.ERASED_NAME, None, None, None, None, None, None,
                                                        None)
    assert not anna.active and anna.erased_at is not None
    assert db.session.scalar(select(func.count(ApiToken.id)).where(ApiToken.user_id == anna.id)) == 0
    auth.logout()
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    auth.login(committee)
    # Her future seat went to Gleb; her past rows keep only the age group of the day.
    assert db.session.get(Registration, extra["seat"].id).status == "cancelled"
    assert db.session.get(Registration, extra["waiting"].id).status == "confirmed"
    bands = set(db.session.scalars(select(Visit.age_band).where(Visit.user_id == anna.id)))
    assert bands == {"14_17", "18_24"}  # she turned 18 on 20 January, between her two visits
    assert REASON not in {v.note for v in db.session.scalars(select(Visit).where(Visit.user_id == anna.id))}
    held = db.session.get(type(extra["pass"]), extra["pass"].id)
    assert held.social_category is None
    kinds = {e.user_id: e.kind for e in db.session.scalars(select(Erasure))}
    assert kinds == {anna.id: "self", tim.id: "staff", boris.id: "staff"}
    log = db.session.scalars(select(AccessEntry).where(AccessEntry.action == "erase_person")).all()
    assert {e.subject_id for e in log} == {tim.id, boris.id}


def test_staff_erase_needs_a_reason_and_never_erases_staff(client, make_user, token_for):
    staff = make_user("staff")
    walk_in = make_user(email="")
    walk_in.email = None
    db.session.commit()
    headers = token_for(staff)
    missing = client.post(f"/api/v1/users/{walk_in.id}/erase", json={"reason": ""}, headers=headers)
    assert missing.status_code == 422
    colleague = make_user("staff")
    refused = client.post(f"/api/v1/users/{colleague.id}/erase", json={"reason": "просьба"}, headers=headers)
    assert refused.status_code == 409 and refused.json["error"]["code"] == "not_a_visitor"
    visitor_token = token_for(make_user())
    forbidden = client.post(f"/api/v1/users/{walk_in.id}/erase", json={"reason": "x"}, headers=visitor_token)
    assert forbidden.status_code == 403


def test_staff_erase_from_the_persons_privacy_card(client, auth, make_user):
    staff = make_user("staff")
    guest = make_user(name="Гость Улица", email="")
    guest.email = None
    db.session.commit()
    auth.login(staff)
    page = client.get(f"/staff/people/{guest.id}/privacy", headers=RU).get_data(as_text=True)
    assert "Гость Улица" in page and "Стереть персональные данные" in page
    done = client.post(f"/staff/people/{guest.id}/erase", data={"erase-reason": "просьба гостя"}, headers=RU)
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, guest.id).erased_at is not None
    assert "Гость Улица" not in client.get(f"/staff/people/{guest.id}/privacy").get_data(as_text=True)


# ------------------------------------------------------------------------------------------------
# Take my data


def test_export_json_has_everything_and_no_secrets(client, make_user, world, token_for):
    extra = _enrich(world, make_user)
    anna = world.people["anna"]
    headers = token_for(anna)
    data = client.get("/api/v1/me/export", headers=headers).json
    assert data["profile"]["email"] == PEOPLE["anna"][1] and data["profile"]["guardian_email"] == GUARDIAN[2]
    assert "password_hash" not in data["profile"] and "feed_token" not in data["profile"]
    assert len(data["registrations"]) == 5 and len(data["checkins"]) == 4 and len(data["visits"]) == 2
    assert [p["id"] for p in data["passes"]] == [extra["pass"].id]
    assert "social_category" not in data["passes"][0]
    assert data["api_tokens"] and "token_hash" not in data["api_tokens"][0]
    for section in ("consents", "bills", "pass_uses", "bookings", "notifications"):
        assert isinstance(data[section], list)
    assert "large_family" not in json.dumps(data)


def test_messenger_chats_are_exported_and_erased(client, make_user, token_for):
    visitor = make_user(name="Тимур Лебедев")
    db.session.add_all([
        MessengerLink(user_id=visitor.id, channel="telegram", chat_id="5550001", display_name="timur_l"),
        LinkToken(user_id=visitor.id, channel="vk", token_hash="a" * 64, expires_at=utcnow() + timedelta(hours=1)),
        ChannelPreference(user_id=visitor.id, topic="reminders", channel="telegram", enabled=False),
    ])
    db.session.commit()
    headers = token_for(visitor)
    data = client.get("/api/v1/me/export", headers=headers).json
    assert [(link["channel"], link["chat_id"]) for link in data["messenger_links"]] == [("telegram", "5550001")]
    assert data["channel_preferences"] == [
        {"user_id": visitor.id, "topic": "reminders", "channel": "telegram", "enabled": False}]
    assert client.delete("/api/v1/me", json={"password": "password123"}, headers=headers).status_code == 204
    for model in (MessengerLink, LinkToken, ChannelPreference):
        assert db.session.scalar(select(func.count()).select_from(model).where(model.user_id == visitor.id)) == 0


def test_profile_zip_holds_json_and_a_readable_page(client, auth, make_user):
    visitor = make_user(name="Лиза Новикова")
    auth.login(visitor)
    page = client.get("/me/data", headers=RU).get_data(as_text=True)
    assert "Скачать мои данные (ZIP)" in page
    response = client.get("/me/data.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        assert sorted(archive.namelist()) == ["personal-data.html", "personal-data.json"]
        document = json.loads(archive.read("personal-data.json"))
        html = archive.read("personal-data.html").decode()
    assert document["profile"]["name"] == "Лиза Новикова"
    assert "Лиза Новикова" in html and "<table>" in html


def test_deleting_from_the_profile_page_logs_out(client, auth, make_user):
    visitor = make_user()
    auth.login(visitor)
    wrong = client.post("/me/data/delete", data={"delete-password": "wrong"}, headers=RU)
    assert wrong.status_code == 422 and "Неверный пароль" in wrong.get_data(as_text=True)
    done = client.post("/me/data/delete", data={"delete-password": "password123"})
    assert done.status_code == 302
    assert client.get("/me/data").status_code == 302  # logged out


def test_withdrawing_consent_erases_the_account(client, auth, make_user):
    visitor = make_user()
    auth.login(visitor)
    assert client.post("/me/data/withdraw", data={"withdraw-password": "password123"}).status_code == 302
    erasure = db.session.scalar(select(Erasure).where(Erasure.user_id == visitor.id))
    assert erasure.kind == "withdrawn"


# ------------------------------------------------------------------------------------------------
# Consent


def test_signup_records_consent_with_version_and_purpose(client, app):
    response = client.post("/api/v1/users", json={
        "name": "Пётр", "email": "petr@example.org", "password": "tihaya-reka-42", "birth_date": "2000-02-02",
        "consent": True})
    assert response.status_code == 201
    [consent] = db.session.scalars(select(Consent)).all()
    assert (consent.purpose, consent.text_version, consent.given_by, consent.method) == (
        "membership", app.config["PRIVACY_TEXT_VERSION"], "person", "online")


def test_a_child_waits_for_the_guardian_confirmed_by_email(app, client, smtp_server, make_user, make_event, token_for):
    app.config.update(smtp_server.config, PUBLIC_BASE_URL="https://cafe.example")
    response = client.post("/api/v1/users", json={
        "name": "Маша Петрова", "email": "masha@example.org", "password": "tihaya-reka-42", "birth_date": "2014-01-01",
        "consent": True, "guardian_name": "Ольга Петрова", "guardian_phone": "+79120000000"})
    assert response.status_code == 422 and "guardian_email" in response.json["error"]["fields"]
    response = client.post("/api/v1/users", json={
        "name": "Маша Петрова", "email": "masha@example.org", "password": "tihaya-reka-42", "birth_date": "2014-01-01",
        "consent": True, "guardian_name": "Ольга Петрова", "guardian_phone": "+79120000000",
        "guardian_email": "olga@example.org"})
    assert response.status_code == 201
    child = db.session.get(User, response.json["id"])
    assert child.consent_pending and db.session.scalars(select(Consent)).all() == []
    [message] = smtp_server.messages
    assert message["To"] == "olga@example.org"
    link = next(line for line in message.get_content().splitlines() if line.startswith("https://cafe.example/"))
    path = link.removeprefix("https://cafe.example")
    # Until the guardian confirms: no registration, no paid visit, and the door warns.
    headers = token_for(child)
    event = make_event()
    refused = client.post(f"/api/v1/events/{event.id}/registrations", json={}, headers=headers)
    assert refused.status_code == 409 and refused.json["error"]["code"] == "guardian_consent_pending"
    staff = token_for(make_user("staff"))
    visit = client.post("/api/v1/visits", json={"user_id": child.id}, headers=staff)
    assert visit.status_code == 409 and visit.json["error"]["code"] == "guardian_consent_pending"
    from anticafe.door.tickets import person_ref

    assert "согласия" in person_ref(child, event)["warning"] or "consent" in person_ref(child, event)["warning"]
    # The guardian opens the link and confirms.
    page = client.get(path, headers=RU)
    assert page.status_code == 200 and "Маша Петрова" in page.get_data(as_text=True)
    assert client.post(path, data={"guardian_name": "Ольга Петрова"}).status_code == 200
    db.session.expire_all()
    child = db.session.get(User, child.id)
    assert not child.consent_pending
    [consent] = db.session.scalars(select(Consent)).all()
    assert (consent.given_by, consent.method, consent.guardian_name) == ("guardian", "email_link", "Ольга Петрова")
    assert client.get(path).status_code == 404  # used once
    assert client.post(f"/api/v1/events/{event.id}/registrations", json={}, headers=headers).status_code == 201


def test_staff_record_a_signed_paper_form(client, auth, make_user, token_for):
    staff = make_user("staff")
    child = make_user(birth_date=date(2015, 5, 5), consent_pending=True)
    response = client.post(f"/api/v1/users/{child.id}/paper-consent", json={"guardian_name": "Иван Петров"},
                           headers=token_for(staff))
    assert response.status_code == 201
    assert response.json["method"] == "paper" and response.json["recorded_by_id"] == staff.id
    db.session.expire_all()
    assert not db.session.get(User, child.id).consent_pending


def test_staff_record_a_paper_form_on_the_privacy_card(client, auth, make_user):
    staff = make_user("staff")
    child = make_user(birth_date=date(2015, 5, 5), consent_pending=True)
    auth.login(staff)
    page = client.get(f"/staff/people/{child.id}/privacy", headers=RU).get_data(as_text=True)
    assert "Ждём согласия родителя или опекуна" in page
    client.post(f"/staff/people/{child.id}/paper-consent", data={"paper-guardian_name": "Иван Петров"})
    db.session.expire_all()
    assert not db.session.get(User, child.id).consent_pending


# ------------------------------------------------------------------------------------------------
# Retention


def test_purge_inactive_erases_people_idle_for_the_retention_period(app, runner, make_user):
    """RETENTION_YEARS is 5 in this module (see `app_config`)."""
    old = make_user(created_at=utcnow() - timedelta(days=6 * 366))
    recent = make_user(created_at=utcnow() - timedelta(days=6 * 366))
    db.session.add(ApiToken(user_id=recent.id, token_hash="x" * 64, expires_at=utcnow(),
                            created_at=utcnow() - timedelta(days=30)))
    staff = make_user("staff", created_at=utcnow() - timedelta(days=6 * 366))
    db.session.commit()
    dry = runner.invoke(args=["purge-inactive", "--dry-run"])
    assert f"would erase user {old.id}" in dry.output and f"user {recent.id}" not in dry.output
    assert f"user {staff.id}" not in dry.output
    assert db.session.get(User, old.id).erased_at is None
    assert "Erased 1 people inactive for 5 years." in runner.invoke(args=["purge-inactive"]).output
    db.session.expire_all()
    assert db.session.get(User, old.id).erased_at is not None
    assert db.session.get(User, recent.id).erased_at is None
    app.config["RETENTION_YEARS"] = 10
    assert "0 people inactive for 10 years" in runner.invoke(args=["purge-inactive", "--dry-run"]).output


# ------------------------------------------------------------------------------------------------
# Who looked


def test_staff_looks_are_logged_with_ids_only(client, auth, make_user, token_for):
    staff, admin = make_user("staff"), make_user("admin")
    person = make_user(name="Зоя Иванова")
    auth.login(staff)
    client.get("/passes/?q=Зоя")
    client.get(f"/passes/people/{person.id}")
    client.get(f"/staff/people/{person.id}/privacy")
    entries = db.session.scalars(select(AccessEntry).order_by(AccessEntry.id)).all()
    assert [(e.action, e.actor_id, e.subject_id, e.count) for e in entries] == [
        ("search_people", staff.id, None, 1), ("view_person", staff.id, person.id, None),
        ("view_person", staff.id, person.id, None)]
    assert client.get("/admin/access-log").status_code == 403
    auth.login(admin)
    page = client.get("/admin/access-log", query_string={"subject": person.id}, headers=RU).get_data(as_text=True)
    assert "открыл карточку" in page and "Зоя" not in page
    listed = client.get("/api/v1/access-log", query_string={"actor": staff.id}, headers=token_for(admin)).json
    assert len(listed) == 3 and "Зоя" not in json.dumps(listed)


# ------------------------------------------------------------------------------------------------
# The privacy notice


@pytest.fixture
def app_config():
    return {"RETENTION_YEARS": 5, "PRIVACY_OPERATOR": "МАУ «Город молодых»", "PRIVACY_TEXT_VERSION": "2027-01"}


@pytest.mark.parametrize(("lang", "phrases"), [
    ("ru", ["5 лет", "МАУ «Город молодых»", "2027-01", "младше 14", "только счётчики"]),
    ("en", ["5 years", "МАУ «Город молодых»", "2027-01", "Children under 14", "counts only"]),
])
def test_privacy_notice_follows_the_settings(client, lang, phrases):
    html = client.get("/privacy", headers={"Accept-Language": lang}).get_data(as_text=True)
    for phrase in phrases:
        assert phrase in html, phrase
