"""The events services: creating, series, the one update function, notifications and counts."""

import secrets
from datetime import date, datetime, timedelta

import pytest
from conftest import venue_dt
from sqlalchemy import select

from anticafe import signals
from anticafe.db import utcnow
from anticafe.door.models import CheckIn
from anticafe.errors import DomainError, ValidationFailed
from anticafe.events import listings, services
from anticafe.events.models import Event, EventSeries
from anticafe.events.recurrence import SeriesRule
from anticafe.extensions import db
from anticafe.notifications.models import Notification
from anticafe.registrations.models import Registration
from anticafe.timeutil import venue_today


def register(event, user, status="confirmed"):
    registration = Registration(event_id=event.id, user_id=user.id, status=status,
                                waitlist_position=1 if status == "waitlisted" else None,
                                ticket_code=secrets.token_hex(10) if status == "confirmed" else None)
    db.session.add(registration)
    db.session.commit()
    return registration


def friday(weeks=1) -> date:
    day = venue_today() + timedelta(weeks=weeks)
    return day + timedelta(days=(4 - day.weekday()) % 7)


def data(**overrides) -> dict:
    start = datetime.combine(friday(), datetime.min.time()).replace(hour=19)
    values = {"title": "Мафия", "category": "tournament", "starts_at": start, "ends_at": start + timedelta(hours=3),
              "capacity": 20, "min_age": 14}
    values.update(overrides)
    return values


def notes(kind=None):
    stmt = select(Notification).order_by(Notification.id)
    if kind:
        stmt = stmt.where(Notification.kind == kind)
    return list(db.session.scalars(stmt))


def test_create_reads_naive_times_as_venue_time(app):
    event = services.create_event(data(), published=True)
    db.session.commit()
    assert event.starts_at == venue_dt(friday(), 19)
    assert event.published and event.published_at is not None and event.sequence == 0
    assert event.registration_opens == event.published_at and event.registration_closes == event.starts_at
    draft = services.create_event(data(title="Черновик"))
    assert not draft.published and draft.published_at is None
    assert draft.registration_state(utcnow()) == "not_yet"


def test_create_collects_every_problem(app):
    with pytest.raises(ValidationFailed) as failed:
        services.create_event(data(title=" ", category="opera", ends_at=data()["starts_at"], min_age=16, max_age=12,
                                   zone_id=999))
    assert set(failed.value.fields) == {"title", "category", "ends_at", "max_age", "zone_id"}
    assert str(failed.value.fields["ends_at"][0]) == "Мероприятие должно заканчиваться позже, чем начинается."


def test_weekly_series_keeps_the_wall_clock_time(app):
    first = services.create_event(data(registration_opens_at=data()["starts_at"] - timedelta(days=3)),
                                  published=True, repeat=SeriesRule(1, count=4))
    db.session.commit()
    events = first.series.events
    assert len(events) == 4 and events[0] is first
    assert [e.starts_at for e in events] == [venue_dt(friday(w), 19) for w in (1, 2, 3, 4)]
    assert all(e.ends_at - e.starts_at == timedelta(hours=3) for e in events)
    assert all(e.starts_at - e.registration_opens_at == timedelta(days=3) for e in events)
    assert first.series.count == 4 and first.series.until is None
    every_other = services.create_event(data(), repeat=SeriesRule(2, until=friday(6)))
    assert [e.starts_at for e in every_other.series.events] == [venue_dt(friday(w), 19) for w in (1, 3, 5)]


def test_series_rule_problems_are_field_errors(app):
    with pytest.raises(ValidationFailed) as failed:
        services.create_event(data(), repeat=SeriesRule(1))
    assert set(failed.value.fields) == {"until"}
    assert db.session.scalar(select(Event.id)) is None


def test_sequence_grows_only_with_calendar_changes(app):
    event = services.create_event(data(), published=True)
    assert services.update_event(event, {"capacity": 30, "min_age": 12, "organiser": "Комитет"})
    assert event.sequence == 0
    assert services.update_event(event, {"title": "Мафия: финал"})
    assert event.sequence == 1
    assert services.update_event(event, {"description": "Новые правила"})
    assert event.sequence == 2
    assert services.update_event(event, {"title": "Мафия: финал"}) == []
    assert event.sequence == 2


def test_capacity_cannot_go_below_the_confirmed(app, make_user):
    event = services.create_event(data(capacity=5), published=True)
    db.session.commit()
    for _ in range(3):
        register(event, make_user())
    register(event, make_user(), "waitlisted")
    with pytest.raises(ValidationFailed) as failed:
        services.update_event(event, {"capacity": 2})
    assert str(failed.value.fields["capacity"][0]) == (
        "Уже подтверждены 3 человека, поэтому мест должно быть не меньше 3.")
    db.session.rollback()
    assert services.update_event(event, {"capacity": 3})


def test_raising_the_capacity_sends_capacity_raised(app):
    seen = []

    def raised(event, **_):
        seen.append(event)

    with signals.capacity_raised.connected_to(raised):
        event = services.create_event(data(capacity=5), published=True)
        services.update_event(event, {"capacity": 4})
        services.update_event(event, {"capacity": 8})
        services.update_event(event, {"capacity": None})
        services.update_event(event, {"title": "Другое"})
    assert seen == [event, event]


def test_cancelling_tells_confirmed_and_waitlisted_in_their_language(app, make_user):
    event = services.create_event(data(title="Ток-шоу"), published=True)
    db.session.commit()
    russian, english, waiting, gone = make_user(), make_user(locale="en"), make_user(), make_user()
    register(event, russian)
    register(event, english)
    register(event, waiting, "waitlisted")
    register(event, gone, "cancelled")
    services.cancel_event(event, "Гость заболел")
    db.session.commit()
    assert event.is_cancelled and event.cancelled_at is not None and event.sequence == 1
    sent = {n.user_id: n for n in notes("event_cancelled")}
    assert set(sent) == {russian.id, english.id, waiting.id}
    assert sent[russian.id].subject == "Отменено: Ток-шоу"
    assert "отменяется. Причина: Гость заболел" in sent[russian.id].body
    assert sent[english.id].subject == "Cancelled: Ток-шоу"
    assert "is cancelled. Reason: Гость заболел" in sent[english.id].body
    assert sent[russian.id].link == f"/events/{event.id}"
    with pytest.raises(DomainError) as again:
        services.cancel_event(event)
    assert again.value.code == "already_cancelled"
    with pytest.raises(DomainError):
        services.update_event(event, {"status": "scheduled"})


def test_new_time_or_place_is_told_but_other_changes_are_not(app, make_user):
    event = services.create_event(data(), published=True)
    db.session.commit()
    person = make_user(locale="en")
    register(event, person)
    services.update_event(event, {"description": "Новые правила", "capacity": 25})
    assert notes() == []
    services.update_event(event, {"starts_at": event.starts_at + timedelta(hours=1),
                                  "ends_at": event.ends_at + timedelta(hours=1)})
    db.session.commit()
    [note] = notes("event_changed")
    assert note.user_id == person.id and note.subject == "Changed: Мафия"
    assert "20:00" in note.body and "Friday" in note.body and "ул. Советская, 1" in note.body


def test_this_and_following_moves_later_occurrences_and_splits_the_series(app, make_user):
    first = services.create_event(data(), published=True, repeat=SeriesRule(1, count=5))
    db.session.commit()
    events = list(first.series.events)
    services.cancel_event(events[3])
    person = make_user()
    register(events[4], person)
    old_series = first.series
    # Mafia moves from Friday 19:00 to Saturday 18:00 from the third evening on, with a new title.
    third = events[2]
    new_start = third.starts_at + timedelta(hours=23)
    changed = services.update_event(third, {"starts_at": new_start, "ends_at": new_start + timedelta(hours=4),
                                            "title": "Мафия по субботам"}, scope="following")
    db.session.commit()
    assert changed == [third, events[4]]
    assert [e.title for e in events] == ["Мафия", "Мафия", "Мафия по субботам", "Мафия", "Мафия по субботам"]
    assert events[1].starts_at == venue_dt(friday(2), 19)
    assert third.starts_at == venue_dt(friday(3) + timedelta(days=1), 18)
    assert events[4].starts_at == venue_dt(friday(5) + timedelta(days=1), 18)
    assert events[4].ends_at - events[4].starts_at == timedelta(hours=4)
    assert events[3].starts_at == venue_dt(friday(4), 19) and events[3].is_cancelled  # cancelled one stays put
    # the series is split: two earlier evenings keep the old rule, the rest form a new series
    assert old_series.count == 2 and [e.id for e in old_series.events] == [events[0].id, events[1].id]
    new_series = third.series
    assert new_series.id != old_series.id and new_series.count == 3 and new_series.title == "Мафия по субботам"
    assert {e.series_id for e in events[2:]} == {new_series.id}
    assert [n.user_id for n in notes("event_changed")] == [person.id]


def test_this_and_following_checks_every_occurrence(app, make_user):
    first = services.create_event(data(capacity=10), published=True, repeat=SeriesRule(1, count=3))
    db.session.commit()
    events = list(first.series.events)
    for _ in range(4):
        register(events[2], make_user())
    with pytest.raises(ValidationFailed) as failed:
        services.update_event(events[1], {"capacity": 3}, scope="following")
    [message] = failed.value.fields["capacity"]
    assert str(message).endswith("Уже подтверждены 4 человека, поэтому мест должно быть не меньше 4.")
    db.session.rollback()
    assert all(e.capacity == 10 for e in events)
    assert services.update_event(events[1], {"capacity": 4}, scope="following") == events[1:]


def test_scope_this_leaves_the_series_alone(app):
    first = services.create_event(data(), published=True, repeat=SeriesRule(1, count=3))
    events = list(first.series.events)
    services.update_event(events[1], {"title": "Особая мафия"})
    assert [e.title for e in events] == ["Мафия", "Особая мафия", "Мафия"]
    assert len({e.series_id for e in events}) == 1


def test_editing_from_the_first_occurrence_changes_the_whole_series(app):
    first = services.create_event(data(), published=True, repeat=SeriesRule(1, count=3))
    services.update_event(first, {"capacity": 12, "title": "Мафия!"}, scope="following")
    assert [(e.title, e.capacity) for e in first.series.events] == [("Мафия!", 12)] * 3
    assert db.session.scalar(select(db.func.count(EventSeries.id))) == 1


def test_unpublishing_is_refused_while_people_are_registered(app, make_user):
    event = services.create_event(data(), published=True)
    db.session.commit()
    register(event, make_user(), "waitlisted")
    with pytest.raises(DomainError) as refused:
        services.unpublish_event(event)
    assert refused.value.code == "has_registrations"
    empty = services.create_event(data(), published=True)
    services.unpublish_event(empty)
    assert not empty.published and empty.published_at is not None


def test_duplicate_makes_a_draft_in_the_future(app):
    past = services.create_event(data(starts_at=datetime(2020, 3, 6, 19), ends_at=datetime(2020, 3, 6, 22)),
                                 published=True)
    copy = services.duplicate_event(past)
    assert copy.id != past.id and not copy.published and copy.series_id is None
    assert copy.title == past.title and copy.capacity == past.capacity and copy.min_age == past.min_age
    assert copy.starts_at > utcnow()
    assert copy.starts_at.weekday() == past.starts_at.weekday()
    assert copy.ends_at - copy.starts_at == timedelta(hours=3)


def test_only_untouched_drafts_can_be_deleted(app, make_user):
    published = services.create_event(data(), published=True)
    with pytest.raises(DomainError):
        services.delete_draft(published)
    draft = services.create_event(data(), repeat=SeriesRule(1, count=2))
    series_id = draft.series_id
    register(draft, make_user(), "cancelled")
    with pytest.raises(DomainError):
        services.delete_draft(draft)
    sibling = db.session.get(Event, draft.id + 1)
    services.delete_draft(sibling)
    db.session.commit()
    assert db.session.get(Event, sibling.id) is None and db.session.get(EventSeries, series_id) is not None


def test_counts_are_grouped_per_event(app, make_user, make_event):
    one, two, three = make_event(), make_event(), make_event()
    people = [make_user() for _ in range(5)]
    registrations = [register(one, people[0]), register(one, people[1]), register(one, people[2], "waitlisted"),
                     register(one, people[3], "cancelled"), register(two, people[4])]
    db.session.add_all([
        CheckIn(registration_id=registrations[0].id, event_id=one.id, user_id=people[0].id),
        CheckIn(registration_id=registrations[1].id, event_id=one.id, user_id=people[1].id,
                undone_at=utcnow()),
    ])
    db.session.commit()
    counts = listings.counts_for([one.id, two.id, three.id])
    assert counts[one.id] == services.rules.Counts(registered=2, waitlisted=1, checked_in=1, cancelled=1)
    assert counts[two.id] == services.rules.Counts(registered=1)
    assert counts[three.id] == services.rules.Counts()


def test_events_in_one_zone_never_overlap(app):
    from anticafe.venue.models import Zone

    game_room, hall = Zone(name="Игровая комната", capacity=12), Zone(name="Большой зал", capacity=40)
    db.session.add_all([game_room, hall])
    db.session.commit()
    mafia = services.create_event(data(zone_id=game_room.id), published=True)
    start = data()["starts_at"]
    clash = data(title="Монополия", zone_id=game_room.id, starts_at=start + timedelta(hours=2),
                 ends_at=start + timedelta(hours=5))
    with pytest.raises(ValidationFailed) as failed:
        services.create_event(clash)
    assert str(failed.value.fields["zone_id"][0]).startswith("Зона в это время занята: «Мафия»")
    assert services.create_event({**clash, "zone_id": hall.id})
    back_to_back = services.create_event({**clash, "starts_at": start + timedelta(hours=3),
                                          "ends_at": start + timedelta(hours=5)})
    with pytest.raises(ValidationFailed):  # a weekly series whose first evening overlaps Mafia
        services.create_event({**clash, "starts_at": start - timedelta(hours=1)}, repeat=SeriesRule(1, count=3))
    with pytest.raises(ValidationFailed):  # moving the later one onto Mafia
        services.update_event(back_to_back, {"starts_at": start + timedelta(hours=1)})
    services.cancel_event(mafia)
    assert services.update_event(back_to_back, {"starts_at": start + timedelta(hours=1)})


def test_moving_a_whole_series_in_its_zone_is_not_a_clash_with_itself(app):
    from anticafe.venue.models import Zone

    zone = Zone(name="Переговорная", capacity=10)
    db.session.add(zone)
    db.session.commit()
    first = services.create_event(data(zone_id=zone.id), published=True, repeat=SeriesRule(1, count=3))
    shifted = services.update_event(first, {"starts_at": first.starts_at + timedelta(hours=1),
                                            "ends_at": first.ends_at + timedelta(hours=1)}, scope="following")
    assert len(shifted) == 3


def test_zone_checks_of_other_domains_are_asked(app):
    from anticafe.venue.models import Zone

    zone = Zone(name="Консольный угол", capacity=4)
    db.session.add(zone)
    db.session.commit()
    asked = []

    def booked(zone_id, *, starts, ends, **_):
        asked.append((zone_id, starts, ends))
        return "Зона забронирована на это время."

    with signals.zone_check.connected_to(booked), pytest.raises(ValidationFailed) as failed:
        services.create_event(data(zone_id=zone.id))
    assert failed.value.fields == {"zone_id": ["Зона забронирована на это время."]}
    assert asked == [(zone.id, venue_dt(friday(), 19), venue_dt(friday(), 22))]


def test_raising_the_capacity_promotes_the_waitlist(app, make_user):
    event = services.create_event(data(capacity=1), published=True)
    db.session.commit()
    register(event, make_user())
    first, second = make_user(), make_user()
    db.session.add_all([Registration(event_id=event.id, user_id=first.id, status="waitlisted", waitlist_position=1),
                        Registration(event_id=event.id, user_id=second.id, status="waitlisted",
                                     waitlist_position=2)])
    db.session.commit()
    services.update_event(event, {"capacity": 2})
    db.session.commit()
    by_user = {r.user_id: r for r in db.session.scalars(select(Registration).where(Registration.event_id == event.id))}
    assert by_user[first.id].status == "confirmed" and by_user[first.id].ticket_code
    assert by_user[second.id].status == "waitlisted" and by_user[second.id].waitlist_position == 1
    assert [n.user_id for n in notes("waitlist_promoted")] == [first.id]
