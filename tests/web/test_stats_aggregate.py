"""The pre-aggregated presence facts equal the figures counted from the raw rows, after every kind of write.

The raw-row counting (`aggregate.reference()`) is the definition; the facts must give the same figures
for every dashboard table and API answer, and, after any write, the facts brought up to date by their
marks must be the very rows a rebuild from scratch makes.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask import current_app
from sqlalchemy import select, update
from stats_data import build_world

from anticafe.accounts.models import User
from anticafe.door import services as door
from anticafe.door.models import CheckIn
from anticafe.events import services as events
from anticafe.events.models import Event
from anticafe.extensions import db
from anticafe.passes.models import Pass, PassType, PassUse
from anticafe.privacy import services as privacy
from anticafe.registrations import rows as seat_rows
from anticafe.registrations.models import Registration
from anticafe.stats import aggregate, cache, queries, reports, rules, services, visitors
from anticafe.stats.models import EventCount, HeatMonth, PersonDay, PersonMonth, PresenceFact, StaleFact
from anticafe.visits import checkout, clock
from anticafe.visits.models import Visit

JANUARY = rules.Period(date(2025, 1, 1), date(2025, 1, 31))
WINTER = rules.Period(date(2024, 12, 1), date(2025, 2, 28))
WEEK = rules.Period(date(2025, 1, 6), date(2025, 1, 12))
#: whole months read the month rows; a year with its monthly series
YEAR = rules.Period(date(2024, 3, 1), date(2025, 2, 28))
#: custom ranges with partial months at both edges: without a whole month, and around a whole one
CUSTOM = rules.Period(date(2024, 12, 20), date(2025, 1, 20))
AROUND = rules.Period(date(2024, 12, 10), date(2025, 2, 10))


@pytest.fixture
def world(app):
    with db.engine.begin() as connection:  # the month rows counted in the venue's zone (then kept by marks)
        aggregate.rebuild(connection)
    return build_world(db.session)


def _figures() -> dict:
    """Every figure the dashboard, the report and the API show, for a few periods and every event."""
    found = {}
    with current_app.test_request_context():
        _fill(found)
    return found


def _fill(found: dict) -> None:
    for name, period in (("january", JANUARY), ("winter", WINTER), ("week", WEEK), ("year", YEAR),
                         ("custom", CUSTOM), ("around", AROUND)):
        dashboard = reports.build_dashboard(period)
        found[name] = {table: table_.rows for table, table_ in dashboard.tables.items()}
        found[name]["summaries"] = services.summaries(period)
        for series in ("week", "month", None):
            for compare in (True, False):
                scope = queries.scope_for(period, compare=compare)
                found[name][f"presence {series} {compare}"] = visitors.presence_figures(
                    scope, series=series, ages=True, heat=True, frequency=True)
        for group_by in services.GROUP_BY:
            found[name][group_by] = services.attendance_rows(period, group_by)
    for event_id in db.session.scalars(select(Event.id).order_by(Event.id)):
        scope = queries.event_scope(db.session.get(Event, event_id))
        found[f"event {event_id}"] = visitors.presence_figures(scope, ages=True)


def _facts() -> list[tuple]:
    """The facts, the month rows and the event counts, as sorted tuples."""
    found = []
    for table in (PresenceFact.__table__, PersonMonth.__table__, HeatMonth.__table__, EventCount.__table__,
                  PersonDay.__table__):
        columns = [c for c in table.c if c.name != "id"]
        rows = [tuple(row) for row in db.session.execute(select(*columns))]
        found.append(sorted(rows, key=lambda row: [(value is None, value or 0) for value in row]))
    return found


def _check_equal() -> None:
    """The facts (brought up to date by their marks) equal a rebuild, and give the raw rows' figures."""
    db.session.commit()
    cache.clear()
    from_facts = _figures()
    assert db.session.scalar(select(db.func.count()).select_from(StaleFact)) == 0
    kept = _facts()
    with aggregate.reference():
        from_raw = _figures()
    assert from_facts == from_raw
    db.session.commit()
    with db.engine.begin() as connection:
        aggregate.rebuild(connection)
    assert kept == _facts()


def test_facts_give_the_raw_figures_on_the_hand_built_data(world):
    assert aggregate.use_facts()
    _check_equal()
    facts, person_months, heat_months, event_counts, person_days = _facts()
    assert len(facts) == 10 + 7  # standing check-ins (at any event) and timed visits
    assert person_months and heat_months and person_days
    assert len(event_counts) == 7  # every event with a registration or a standing check-in


def test_a_transaction_with_its_own_changes_counts_from_the_raw_rows(world):
    _check_equal()
    anna = world.people["anna"]
    db.session.add(Visit(user_id=anna.id, status="paid", started_at=world.events["e1"].starts_at + timedelta(days=1),
                         ended_at=world.events["e1"].starts_at + timedelta(days=1, hours=1), billed_minutes=60,
                         payment_method="cash"))
    db.session.flush()
    assert not aggregate.use_facts()  # not committed: the facts cannot hold it yet
    cache.clear()  # (the cache keys by committed versions)
    current, _ = services.summaries(JANUARY)
    assert current.visits == 7
    _check_equal()


def test_undo_a_check_in(world, make_user):
    staff = make_user("staff")
    checkin = db.session.scalars(select(CheckIn).where(CheckIn.event_id == world.events["e1"].id,
                                                       CheckIn.user_id == world.people["boris"].id)).one()
    door.undo_check_in(checkin.id, staff=staff)
    _check_equal()
    assert services.summaries(JANUARY)[0].checked_in == 5


def test_correct_and_pay_a_visit(world, make_user):
    staff = make_user("staff")
    visit = db.session.scalars(select(Visit).where(Visit.user_id == world.people["dana"].id)).one()
    checkout.correct_visit(visit, staff=staff, reason="Ошибка", started_at=visit.started_at - timedelta(hours=1))
    _check_equal()
    visit = db.session.scalars(select(Visit).where(Visit.user_id == world.people["gleb"].id)).one()
    visit.ended_at = visit.started_at + timedelta(minutes=50)
    visit.status = "stopped"
    db.session.commit()
    _check_equal()
    visit.billed_minutes, visit.payment_method, visit.status, visit.note = 50, "subsidised", "paid", "Программа"
    _check_equal()


def test_visits_started_and_stopped_by_the_clock(world, make_user):
    """A stop writes its visit and segment by Core UPDATEs (no flush): the statistics still hear it,
    with and without a pass claimed."""
    staff = make_user("staff")
    monday = world.events["e1"].starts_at + timedelta(days=2)
    allowance = PassType(name="Соцпрограмма", kind="allowance", minutes=600, validity_days=None, price=Decimal(0))
    db.session.add(allowance)
    db.session.flush()
    db.session.add(Pass(type_id=allowance.id, user_id=world.people["boris"].id, kind="allowance", name="Соцпрограмма",
                        starts_on=date(2025, 1, 1), ends_on=date(2025, 3, 1), minutes_total=600,
                        minutes_remaining=600, price=Decimal(0), reason="Тест"))
    for offset, key in enumerate(("anna", "boris")):
        visit = clock.start_visit(user=world.people[key], staff=staff, at=monday + timedelta(minutes=offset))
        db.session.commit()
        _check_equal()
        stopped = clock.stop_visit(visit, staff=staff, at=monday + timedelta(hours=2))
        db.session.commit()
        _check_equal()
        stored = db.session.get(Visit, stopped.id)
        db.session.refresh(stored)
        assert stored.status in ("stopped", "paid") and stored.billed_minutes > 0
        assert stored.segments[0].ended_at == monday + timedelta(hours=2)
    claimed = db.session.scalars(select(PassUse).where(PassUse.visit_id == stopped.id)).one()
    assert claimed.minutes > 0


def test_pass_use_and_its_reversal(world):
    visit = db.session.scalars(select(Visit).where(Visit.user_id == world.people["anna"].id)
                               .order_by(Visit.started_at)).first()
    kind_type = PassType(name="Соцпрограмма", kind="allowance", minutes=600, validity_days=None, price=Decimal(0))
    db.session.add(kind_type)
    db.session.flush()
    held = Pass(type_id=kind_type.id, user_id=visit.user_id, kind="allowance", name="Соцпрограмма",
                starts_on=date(2025, 1, 1), ends_on=date(2025, 3, 1), minutes_total=600, minutes_remaining=600,
                price=Decimal(0), reason="Тест")
    db.session.add(held)
    db.session.flush()
    use = PassUse(pass_id=held.id, visit_id=visit.id, minutes=45)
    db.session.add(use)
    _check_equal()
    assert services.summaries(JANUARY)[0].subsidised_seconds == (90 + 45) * 60
    use.reversed_at = visit.started_at
    _check_equal()
    held.kind = "package"  # a pass's kind decides whose free time its minutes are
    use.reversed_at = None
    _check_equal()


def test_cancel_move_and_unpublish_events(world):
    events.cancel_event(world.events["e2"], "Болезнь ведущего")
    _check_equal()
    event = db.session.get(Event, world.events["e3"].id)
    event.starts_at += timedelta(days=3)
    event.ends_at += timedelta(days=3)
    _check_equal()
    db.session.execute(update(Event).where(Event.id == world.events["e1"].id).values(published=False))
    _check_equal()
    db.session.execute(update(Event).where(Event.id == world.events["e5"].id).values(published=True))
    _check_equal()


def test_erase_a_person_and_change_a_birth_date(world, make_user):
    admin = make_user("admin")
    privacy.erase(db.session.get(User, world.people["anna"].id), by=admin, kind="staff", reason="Просьба")
    _check_equal()
    boris = db.session.get(User, world.people["boris"].id)
    boris.birth_date = date(2000, 1, 1)
    _check_equal()
    db.session.execute(update(User).where(User.id == world.people["gleb"].id).values(birth_date=date(2012, 2, 2)))
    _check_equal()


def test_writes_the_facts_do_not_read_mark_nothing(world):
    _check_equal()
    visit = db.session.scalars(select(Visit).where(Visit.user_id == world.people["anna"].id)).first()
    visit.note = "Другая заметка"
    db.session.execute(update(CheckIn).where(CheckIn.user_id == world.people["anna"].id).values(override_reason="x"))
    db.session.flush()
    assert db.session.scalar(select(db.func.count()).select_from(StaleFact)) == 0
    db.session.commit()


def test_bulk_inserts_and_deletes(world):
    anna = world.people["anna"]
    start = world.events["e1"].starts_at + timedelta(days=2)
    db.session.execute(db.insert(Visit), [
        {"user_id": anna.id, "status": "paid", "started_at": start + timedelta(hours=i),
         "ended_at": start + timedelta(hours=i, minutes=30), "billed_minutes": 30, "payment_method": "card"}
        for i in range(3)])
    _check_equal()
    db.session.execute(db.delete(Visit).where(Visit.started_at >= start))
    _check_equal()
    db.session.execute(db.delete(CheckIn).where(CheckIn.user_id == world.people["tim"].id))
    _check_equal()


def test_rebuild_command(app, world):
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["stats", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "17 presence facts" in result.output


def _registration(event, person, status="confirmed", source="self") -> Registration:
    state = {"confirmed": lambda: seat_rows.confirmed(event.starts_at - timedelta(days=2)),
             "waitlisted": lambda: seat_rows.waitlisted(9),
             "cancelled": lambda: seat_rows.cancelled(event.starts_at - timedelta(days=1))}[status]()
    return Registration(**seat_rows.registration_row(event_id=event.id, user_id=person.id, source=source, state=state,
                                                     created_at=event.starts_at - timedelta(days=3)))


def _registration_of(event, person) -> Registration:
    return db.session.scalars(select(Registration).where(Registration.event_id == event.id,
                                                         Registration.user_id == person.id)).one()


def test_registrations_and_door_check_ins_count_their_events_again(world, make_user):
    e1, e2, e3, e6 = (world.events[key] for key in ("e1", "e2", "e3", "e6"))
    people = world.people
    _check_equal()
    # The door's check-in is a Core insert (a bulk insert's mark): vera is no longer a no-show at e1.
    vera = _registration_of(e1, people["vera"])
    db.session.execute(db.insert(CheckIn.__table__), {
        "registration_id": vera.id, "event_id": e1.id, "user_id": people["vera"].id,
        "checked_in_at": e1.starts_at + timedelta(minutes=20), "walk_in": False})
    _check_equal()
    assert services.summaries(JANUARY)[0].no_shows == 1  # of two
    # The waitlisted person confirmed, a registration cancelled (the unit of work).
    for registration, state in ((_registration_of(e1, people["gleb"]), seat_rows.confirmed(e1.starts_at)),
                                (_registration_of(e3, people["anna"]), seat_rows.cancelled(e3.starts_at))):
        for name, value in state.items():
            setattr(registration, name, value)
    _check_equal()
    # New registrations, one by one and in bulk (ids unknown when marked).
    db.session.add(_registration(e2, people["dana"]))
    db.session.add(_registration(e6, people["boris"], status="waitlisted"))
    db.session.flush()
    rows = [seat_rows.registration_row(event_id=e3.id, user_id=people[name].id, source="self",
                                       state=seat_rows.confirmed(e3.starts_at - timedelta(days=2)),
                                       created_at=e3.starts_at - timedelta(days=3)) for name in ("vera", "gleb")]
    db.session.execute(db.insert(Registration), rows)
    _check_equal()
    # Bulk updates and deletes through the session; a walk-in flag corrected.
    db.session.execute(update(Registration).where(Registration.event_id == e3.id)
                       .values(**seat_rows.cancelled(e3.starts_at)))
    _check_equal()
    db.session.execute(db.delete(Registration).where(Registration.event_id == e2.id,
                                                     Registration.user_id == people["dana"].id))
    db.session.execute(update(CheckIn).where(CheckIn.event_id == e1.id, CheckIn.user_id == people["tim"].id)
                       .values(walk_in=False))
    _check_equal()
    # A check-in undone at the door, and an event cancelled.
    door.undo_check_in(db.session.scalars(select(CheckIn.id).where(CheckIn.event_id == e2.id,
                                                                   CheckIn.user_id == people["anna"].id)).one(),
                       staff=make_user("staff"))
    events.cancel_event(db.session.get(Event, e6.id), "Зал закрыт")
    _check_equal()


def test_a_registration_with_no_bearing_marks_nothing(world):
    _check_equal()
    registration = _registration_of(world.events["e1"], world.people["anna"])
    registration.door_code = "123456"
    db.session.flush()
    assert db.session.scalar(select(db.func.count()).select_from(StaleFact)) == 0
    db.session.commit()
