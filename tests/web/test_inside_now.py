"""«Inside now»: one definition (`visits.occupancy`), one number on the door's page, the live board and
for `venue_full`. Someone checked in to an event that has not started yet is inside: they are standing
in the café."""

from datetime import timedelta

import pytest

from anticafe import codes
from anticafe.clock import set_clock
from anticafe.db import utcnow
from anticafe.door.models import CheckIn
from anticafe.extensions import db
from anticafe.registrations.models import Registration
from anticafe.visits import clock
from anticafe.visits.models import Visit
from anticafe.visits.occupancy import headcount, occupancy


@pytest.fixture
def as_staff(auth, make_user):
    staff = make_user("staff", name="Денис Бариста")
    auth.login(staff)
    return staff


def checked_in(event, person, at=None) -> CheckIn:
    registration = Registration(event_id=event.id, user_id=person.id, status="confirmed",
                                ticket_code=codes.random_code(128))
    db.session.add(registration)
    db.session.flush()
    checkin = CheckIn(registration_id=registration.id, event_id=event.id, user_id=person.id,
                      checked_in_at=at or min(utcnow(), event.starts_at))
    db.session.add(checkin)
    return checkin


def test_inside_now_counts_open_visits_and_checkins_of_free_events_not_over(app, make_event, make_user):
    now = utcnow()
    running = make_event(starts_at=now - timedelta(minutes=30))
    soon = make_event(starts_at=now + timedelta(minutes=30))
    over = make_event(starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=1))
    timed = make_event(starts_at=now - timedelta(minutes=30), entry="timed")
    alice, bob, carl, dana, eve, fred = (make_user() for _ in range(6))
    for event, person in ((running, alice), (running, bob), (soon, carl), (soon, dana), (over, eve), (timed, fred)):
        checked_in(event, person)
    db.session.add_all([Visit(user_id=alice.id, status="active"), Visit(user_id=carl.id, status="paused"),
                        Visit(guest_name="Гость без аккаунта", status="active"),
                        Visit(user_id=make_user().id, status="paid", payment_method="cash")])
    db.session.commit()
    inside = occupancy()
    # alice (event and visit: once), bob, carl (early for his event, and visiting: once), dana (early),
    # the guest without an account; not eve (her event is over), nor fred (his timed event's visit has
    # ended), nor the paid visit
    assert (inside.people, inside.visits, inside.event_guests) == (5, 3, 2)
    assert inside.people_ids == {alice.id, bob.id, carl.id, dana.id}
    # The visit's start counts in one statement, by the same definition.
    for person in (alice, bob, carl, dana, eve, fred, None):
        count = headcount(utcnow(), person.id if person is not None else None)
        assert count.people == inside.people
        assert count.counts_person == (person is not None and person.id in inside.people_ids)


def test_the_door_and_the_board_show_the_same_number(app, client, as_staff, make_event, make_user):
    now = utcnow()
    running = make_event(starts_at=now - timedelta(minutes=30))
    soon = make_event(starts_at=now + timedelta(minutes=30))
    early, late = make_user(), make_user()
    checked_in(soon, early)
    checked_in(running, late)
    db.session.add(Visit(guest_name="Гость", status="active"))
    db.session.commit()
    board = client.get("/api/v1/visits/board").json["occupancy"]
    door = client.get(f"/api/v1/events/{running.id}/attendance").json
    assert board["people"] == door["inside_now"] == 3
    assert board["event_guests"] == 2


def test_an_early_arrival_counts_towards_venue_full(app, client, as_staff, make_event, make_user):
    app.config["VENUE_CAPACITY"] = 2
    soon = make_event(starts_at=utcnow() + timedelta(minutes=40))
    checked_in(soon, make_user())
    db.session.commit()
    assert client.post("/api/v1/visits", json={"user_id": make_user().id}).status_code == 201
    full = client.post("/api/v1/visits", json={"user_id": make_user().id})
    assert full.status_code == 409 and full.json["error"]["code"] == "venue_full"


def test_the_board_counts_event_guests_again_when_the_moment_changes_the_count(app, client, as_staff, make_event,
                                                                               make_user):
    """The board keeps its data per data version; the moment alone (an event ending, a check-in's time
    coming, a clock set back) changes who is inside without any change to the data, and the board sees it."""
    start = utcnow().replace(microsecond=0)
    set_clock(app, start)
    ending = make_event(starts_at=start - timedelta(hours=1), ends_at=start + timedelta(minutes=30))
    later = make_event(starts_at=start + timedelta(hours=2), ends_at=start + timedelta(hours=4))
    checked_in(ending, make_user())
    checked_in(later, make_user(), at=start + timedelta(hours=1))
    clock.start_visit(user=make_user(), staff=as_staff, at=start - timedelta(minutes=5))
    db.session.commit()

    def inside() -> tuple[int, int]:
        board = client.get("/api/v1/visits/board").json
        return board["occupancy"]["event_guests"], board["items"][0]["minutes_so_far"]

    assert inside() == (1, 5)
    set_clock(app, start + timedelta(minutes=45))  # the first event is over, the second check-in to come
    assert inside() == (0, 50)
    set_clock(app, start + timedelta(hours=1, minutes=5))
    assert inside() == (1, 70)
    set_clock(app, start)  # set back: counted again, not taken from what was kept for a later moment
    assert inside() == (1, 5)


def test_the_board_never_keeps_what_a_transaction_has_not_committed(app, as_staff, make_user):
    """What the board read inside a transaction with uncommitted changes is not kept under the committed
    data version: after a rollback the board shows the database as it is."""
    from anticafe.visits.board import board

    with app.test_request_context():
        assert board()["occupancy"]["visits"] == 0
        db.session.add(Visit(guest_name="Гость", status="active"))
        db.session.flush()
        assert board()["occupancy"]["visits"] == 1
        db.session.rollback()
        assert board()["occupancy"]["visits"] == 0
