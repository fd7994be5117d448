"""iCalendar feeds: correct for real calendar apps, read back by two independent parsers."""

import secrets
from datetime import date, datetime, timedelta

import icalendar
import pytest
import vobject
from conftest import venue_dt
from sqlalchemy import select

from anticafe.accounts.models import User
from anticafe.events import services
from anticafe.extensions import db
from anticafe.registrations.models import Registration
from anticafe.timeutil import venue_today


def register(event, user, status="confirmed"):
    registration = Registration(event_id=event.id, user_id=user.id, status=status,
                                waitlist_position=1 if status == "waitlisted" else None,
                                ticket_code=secrets.token_hex(10) if status == "confirmed" else None)
    db.session.add(registration)
    db.session.commit()
    return registration


def parse_both(data: bytes):
    """Return ({uid: VEVENT} from icalendar, {uid: vevent} from vobject)."""
    library = icalendar.Calendar.from_ical(data)
    ours = {str(component["UID"]): component for component in library.walk("VEVENT")}
    other = vobject.readOne(data.decode("utf-8"))
    theirs = {component.uid.value: component for component in getattr(other, "vevent_list", [])}
    return ours, theirs


def next_day(weeks=1) -> date:
    return venue_today() + timedelta(weeks=weeks)


def test_feed_is_calendar_text_with_timezone(client, make_event):
    event = make_event(title="Мафия")
    response = client.get("/calendar.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["ETag"] and response.headers["Last-Modified"]
    body = response.data
    assert body.startswith(b"BEGIN:VCALENDAR\r\n") and body.endswith(b"END:VCALENDAR\r\n")
    assert body.count(b"\n") == body.count(b"\r\n")
    library = icalendar.Calendar.from_ical(body)
    [zone] = library.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Asia/Yekaterinburg"
    offsets = {sub["TZOFFSETTO"].td for sub in zone.subcomponents}
    assert offsets == {timedelta(hours=5)}
    ours, theirs = parse_both(body)
    uid = f"event-{event.id}@anticafe"
    assert set(ours) == set(theirs) == {uid}
    vevent = ours[uid]
    assert vevent["DTSTART"].params["TZID"] == "Asia/Yekaterinburg"
    assert vevent["DTSTAMP"].dt.tzinfo is not None
    assert str(vevent["STATUS"]) == "CONFIRMED"
    assert str(vevent["URL"]).endswith(f"/events/{event.id}")
    assert "ул. Советская, 1" in str(vevent["LOCATION"])
    assert theirs[uid].categories.value == ["Турнир"]


def test_times_round_trip_across_midnight(client, make_event):
    """A pyjama party from 22:30 to 04:00 keeps its instants in both parsers (UTC+5, no DST)."""
    starts = venue_dt(next_day(), 22, 30)
    event = make_event(title="Пижамная вечеринка", category="party", starts_at=starts,
                       ends_at=starts + timedelta(hours=5, minutes=30))
    body = client.get(f"/events/{event.id}.ics").data
    assert b"DTSTART;TZID=Asia/Yekaterinburg:" + starts.strftime("%Y%m%dT223000").encode() in body
    ours, theirs = parse_both(body)
    uid = f"event-{event.id}@anticafe"
    assert ours[uid]["DTSTART"].dt == starts and ours[uid]["DTEND"].dt == event.ends_at
    assert theirs[uid].dtstart.value == starts and theirs[uid].dtend.value == event.ends_at
    assert theirs[uid].dtend.value.date() == starts.date() + timedelta(days=1)
    assert theirs[uid].dtstart.value.utcoffset() == timedelta(hours=5)
    # the same instants in UTC: 17:30 and 23:00 the day before the local end date
    assert theirs[uid].dtstart.value.astimezone(tz=None).timestamp() == starts.timestamp()


def test_times_round_trip_in_a_zone_with_summer_time(client, make_event, app):
    app.config["VENUE_TIMEZONE"] = "Europe/Berlin"
    from zoneinfo import ZoneInfo

    berlin = ZoneInfo("Europe/Berlin")
    winter = make_event(starts_at=datetime(2031, 1, 10, 19, 0, tzinfo=berlin))
    summer = make_event(starts_at=datetime(2031, 7, 11, 19, 0, tzinfo=berlin))
    event_ids = {winter.id, summer.id}
    for event in (winter, summer):
        event.published = True
    db.session.commit()
    body = b"".join(client.get(f"/events/{i}.ics").data for i in sorted(event_ids))
    assert b"DTSTART;TZID=Europe/Berlin:20310110T190000" in body
    assert b"DTSTART;TZID=Europe/Berlin:20310711T190000" in body
    for event_id, offset in ((winter.id, 1), (summer.id, 2)):
        data = client.get(f"/events/{event_id}.ics").data
        _, theirs = parse_both(data)
        start = theirs[f"event-{event_id}@anticafe"].dtstart.value
        assert start.utcoffset() == timedelta(hours=offset)
        assert start == db.session.get(type(winter), event_id).starts_at


def test_text_is_escaped_and_lines_are_folded(client, make_event):
    title = 'Турнир; «Мафия», финал \\ ночь "с ведущим" ' + "очень длинное название " * 4
    description = "Первая строка\nВторая; с точкой с запятой, запятой и \\ косой чертой\n\n- пункт"
    event = make_event(title=title.strip(), description=description)
    body = client.get(f"/events/{event.id}.ics").data
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))
    assert b"\r\n " in body  # long lines really were folded
    assert "Турнир\\; «Мафия»\\, финал \\\\ ночь".encode() in body
    ours, theirs = parse_both(body)
    uid = f"event-{event.id}@anticafe"
    assert str(ours[uid]["SUMMARY"]) == title.strip() == theirs[uid].summary.value
    assert str(ours[uid]["DESCRIPTION"]) == description == theirs[uid].description.value


def test_uid_is_stable_and_sequence_grows_with_visible_changes(app, client, make_event):
    event = make_event(title="Гитара и чай", capacity=20)
    first = parse_both(client.get("/calendar.ics").data)[1][f"event-{event.id}@anticafe"]
    assert first.sequence.value == "0"
    services.update_event(event, {"capacity": 30})  # not shown in calendars
    db.session.commit()
    assert event.sequence == 0
    services.update_event(event, {"starts_at": event.starts_at + timedelta(hours=1),
                                  "ends_at": event.ends_at + timedelta(hours=1)})
    services.update_event(event, {"title": "Гитара и чай: осенний вечер"})
    db.session.commit()
    _, theirs = parse_both(client.get("/calendar.ics").data)
    assert set(theirs) == {f"event-{event.id}@anticafe"}
    again = theirs[f"event-{event.id}@anticafe"]
    assert again.sequence.value == "2"
    assert again.summary.value == "Гитара и чай: осенний вечер"
    assert again.dtstart.value == event.starts_at


def test_uid_host_comes_from_the_public_base_url(app, client, make_event):
    app.config["PUBLIC_BASE_URL"] = "https://cafe.example"
    event = make_event()
    ours, _ = parse_both(client.get(f"/events/{event.id}.ics").data)
    vevent = ours[f"event-{event.id}@cafe.example"]
    assert str(vevent["URL"]) == f"https://cafe.example/events/{event.id}"


def test_cancelled_events_stay_in_the_feed_as_cancelled(client, make_event):
    event = make_event(title="Ток-шоу")
    services.cancel_event(event, "Гость заболел")
    db.session.commit()
    ours, theirs = parse_both(client.get("/calendar.ics").data)
    uid = f"event-{event.id}@anticafe"
    assert str(ours[uid]["STATUS"]) == "CANCELLED" == theirs[uid].status.value
    assert theirs[uid].sequence.value == "1"
    assert "Ток-шоу" in theirs[uid].summary.value and "Гость заболел" in theirs[uid].description.value


def test_etag_and_last_modified_give_304(client, make_event):
    event = make_event()
    first = client.get("/calendar.ics")
    etag = first.headers["ETag"]
    repeat = client.get("/calendar.ics", headers={"If-None-Match": etag})
    assert repeat.status_code == 304 and repeat.data == b""
    assert repeat.headers["ETag"] == etag
    since = client.get("/calendar.ics", headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304
    services.update_event(event, {"title": "Новое название"})
    db.session.commit()
    changed = client.get("/calendar.ics", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    single = client.get(f"/events/{event.id}.ics")
    assert client.get(f"/events/{event.id}.ics", headers={"If-None-Match": single.headers["ETag"]}).status_code == 304


def test_feed_lists_published_recent_and_upcoming_by_category(client, make_event):
    upcoming = make_event(category="party")
    recent = make_event(starts_at=venue_dt(venue_today() - timedelta(days=10), 19), category="tournament")
    old = make_event(starts_at=venue_dt(venue_today() - timedelta(days=90), 19))
    draft = make_event(published=False)
    uids = set(parse_both(client.get("/calendar.ics").data)[1])
    assert uids == {f"event-{upcoming.id}@anticafe", f"event-{recent.id}@anticafe"}
    assert f"event-{old.id}@anticafe" not in uids and f"event-{draft.id}@anticafe" not in uids
    parties = set(parse_both(client.get("/calendar.ics?category=party").data)[1])
    assert parties == {f"event-{upcoming.id}@anticafe"}
    assert client.get("/calendar.ics?category=opera").status_code == 404
    empty = client.get("/calendar.ics?category=kids")
    assert empty.status_code == 200 and b"BEGIN:VEVENT" not in empty.data
    assert client.get(f"/events/{draft.id}.ics").status_code == 404


def test_staff_can_download_a_draft(client, auth, make_user, make_event):
    draft = make_event(published=False)
    auth.login(make_user("staff"))
    assert client.get(f"/events/{draft.id}.ics").status_code == 200


def test_personal_feed_lists_confirmed_registrations(app, client, make_user, make_event):
    alice = make_user(name="Алиса")
    other = make_user()
    confirmed = make_event(title="Мафия")
    waiting = make_event(title="Монополия")
    cancelled = make_event(title="Квиз")
    foreign = make_event(title="Чужое")
    register(confirmed, alice)
    register(waiting, alice, "waitlisted")
    register(cancelled, alice, "cancelled")
    register(foreign, other)
    response = client.get(f"/feeds/{alice.feed_token}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert set(parse_both(response.data)[1]) == {f"event-{confirmed.id}@anticafe"}
    assert client.get("/feeds/not-a-token.ics").status_code == 404
    assert client.get(f"/feeds/{alice.feed_token}.ics",
                      headers={"If-None-Match": response.headers["ETag"]}).status_code == 304


def test_regenerating_the_feed_token_retires_the_old_address(client, auth, make_user):
    user = auth.login(make_user())
    old = user.feed_token
    response = client.post("/feeds/regenerate", data={"next": "/events/upcoming"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/events/upcoming")
    new = db.session.scalar(select(User.feed_token).where(User.id == user.id))
    assert new != old
    assert client.get(f"/feeds/{old}.ics").status_code == 404
    assert client.get(f"/feeds/{new}.ics").status_code == 200
    assert client.post("/feeds/regenerate", data={"next": "https://evil.example/"}).headers["Location"].endswith(
        "/events/upcoming")


def test_me_has_the_calendar_feed_url(client, auth, make_user):
    user = auth.login(make_user())
    body = client.get("/api/v1/me").json
    assert body["calendar_feed_url"] == f"http://localhost/feeds/{user.feed_token}.ics"


@pytest.mark.parametrize("count", [3, 12])
def test_feed_needs_the_same_queries_for_few_and_many_events(app, client, make_event, count):
    from sqlalchemy import event as sa_event

    for n in range(count):
        make_event(starts_at=venue_dt(venue_today() + timedelta(days=n + 1), 19))
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    sa_event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert client.get("/calendar.ics").status_code == 200
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", listener)
    assert len(statements) <= 2
