"""/calendar.ics answers a repeat request with 304 from one aggregate query, before loading any event."""

from datetime import timedelta

from anticafe.db import utcnow
from anticafe.extensions import db


def test_repeat_request_is_304_without_loading_events(app, client, make_event, statements):
    start = utcnow() + timedelta(days=3)
    for n in range(5):
        make_event(starts_at=start + timedelta(days=n), title=f"Турнир {n}")
    first = client.get("/calendar.ics")
    assert first.status_code == 200
    etag = first.headers["ETag"]
    before = len(statements)
    again = client.get("/calendar.ics", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert len(statements) == before + 1 and "count(" in statements[-1].lower()


def test_a_change_makes_a_new_etag(app, client, make_event):
    event = make_event(starts_at=utcnow() + timedelta(days=3))
    etag = client.get("/calendar.ics").headers["ETag"]
    event.title = "Турнир по мафии: финал"
    event.sequence += 1
    db.session.commit()
    changed = client.get("/calendar.ics", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "финал" in changed.get_data(as_text=True)
    assert changed.headers["ETag"] != etag


def test_the_etag_differs_by_language(app, client, make_event):
    make_event(starts_at=utcnow() + timedelta(days=3))
    ru = client.get("/calendar.ics", headers={"Accept-Language": "ru"}).headers["ETag"]
    en = client.get("/calendar.ics", headers={"Accept-Language": "en"}).headers["ETag"]
    assert ru != en


def test_a_change_shows_at_once(app, client, make_event, statements):
    event = make_event(starts_at=utcnow() + timedelta(days=3))
    etag = client.get("/calendar.ics").headers["ETag"]
    before = len(statements)
    again = client.get("/calendar.ics", headers={"If-None-Match": etag})
    assert again.status_code == 304 and len(statements) - before == 1  # the version, no event loaded

    event.title = "Турнир по мафии: финал"
    db.session.commit()
    changed = client.get("/calendar.ics", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "финал" in changed.get_data(as_text=True)


def test_a_registration_keeps_the_etag(app, client, make_event, make_user):
    # The public feed shows no seats: a registration bumps the calendar (the month grid's seats left)
    # but not the feeds' version, so calendar apps polling on a busy evening still get 304.
    from anticafe import codes
    from anticafe.registrations.models import Registration

    event = make_event(starts_at=utcnow() + timedelta(days=3))
    etag = client.get("/calendar.ics").headers["ETag"]
    db.session.add(Registration(event_id=event.id, user_id=make_user().id, status="confirmed",
                                ticket_code=codes.random_code(128)))
    db.session.commit()
    assert client.get("/calendar.ics", headers={"If-None-Match": etag}).status_code == 304


def test_a_renamed_zone_makes_a_new_etag(app, client, make_event, make_zone):
    zone = make_zone(name="Игровая комната")
    make_event(starts_at=utcnow() + timedelta(days=3), zone_id=zone.id)
    db.session.commit()
    etag = client.get("/calendar.ics").headers["ETag"]
    zone.name = "Зал настолок"
    db.session.commit()
    changed = client.get("/calendar.ics", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "Зал настолок" in changed.get_data(as_text=True)
