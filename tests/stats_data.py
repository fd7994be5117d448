"""A hand-built January 2025 at the café with known statistics, for the stats tests (web and browser).

People (venue zone Asia/Yekaterinburg, UTC+5):
- Anna, born 2007-01-20: 17 until the 19th, 18 from the 20th (she turns 18 inside the period);
- Boris, 14; Vera, 30 (came in December too: returning); Gleb, no birth date; Dana, 41; Tim, 9.

Events:
- E0 Dec 20 2024 (previous period): Vera checked in.
- E1 Fri Jan 10 19:00-22:00, tournament, 10 places: Anna, Boris checked in; Vera confirmed but did
  not come (no-show); Gleb waitlisted; Dana cancelled; Tim a walk-in.
- E2 Sat Jan 25 18:00-20:00, talk show, unlimited: Anna, Boris checked in; Vera's check-in undone.
- E3 Fri Jan 31 23:30 (18:30 UTC) to 01:30, party, 20 places: Anna checked in. January.
- E4 cancelled and E5 unpublished (Jan 15, 16), each with a check-in: never counted.
- E6 Sat Feb 1 00:30 (Jan 31 19:30 UTC): Anna checked in. February, although January in UTC.

Timed visits: Anna Jan 12 (2 h, cash) and Jan 22 (1.5 h, subsidised); Dana Jan 5 (1 h); a guest
without an account Jan 6 (45 min, not billed yet); Gleb Jan 31 20:00 still open; Vera Jan 8 (1 h);
Boris Feb 2 (February).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Asia/Yekaterinburg")
JANUARY = ("2025-01-01", "2025-01-31")

PEOPLE = {
    "anna": ("Анна Соколова", "anna.sokolova@example.org", "+79120000001", date(2007, 1, 20)),
    "boris": ("Борис Ким", "boris.kim@example.org", "+79120000002", date(2010, 5, 5)),
    "vera": ("Вера Лебедева", "vera.lebedeva@example.org", "+79120000003", date(1994, 3, 3)),
    "gleb": ("Глеб Орлов", "gleb.orlov@example.org", "+79120000004", None),
    "dana": ("Дана Ахметова", "dana.akhmetova@example.org", "+79120000005", date(1984, 1, 1)),
    "tim": ("Тимофей Зайцев", "timofey.zaitsev@example.org", "+79120000006", date(2015, 6, 1)),
}
GUEST_NAME = "Гость Без-Аккаунта"

#: The January 2025 summary, as `GET /api/v1/stats/summary` answers it.
JANUARY_SUMMARY = {
    "events_held": 3, "registrations": 7, "checked_in": 6, "walk_ins": 1, "no_shows": 2,
    "unique_visitors": 6, "new_visitors": 5, "visits": 6, "visit_hours": 6.25, "subsidised_hours": 1.5,
    "pass_hours": 0.0,
}


def personal_strings() -> list[str]:
    """Everything personal in the data set: no statistics page or file may contain any of it."""
    found = [GUEST_NAME]
    for name, email, phone, birth in PEOPLE.values():
        found += [name, *name.split(), email, phone, phone[2:]]
        if birth:
            found += [birth.isoformat(), birth.strftime("%d.%m.%Y")]
    return found


def at(day: date, hour: int, minute: int = 0, zone=ZONE) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)


@dataclass
class World:
    people: dict = field(default_factory=dict)
    events: dict = field(default_factory=dict)


def build_world(session, first_day: date = date(2025, 1, 1)) -> World:
    """Add the data set with the models directly; commit; return the ids.

    `first_day` moves every event and visit (not the birthdays) so that January 2025 starts there.
    """
    from anticafe.accounts.models import User
    from anticafe.codes import random_code
    from anticafe.door.models import CheckIn
    from anticafe.events.models import Event
    from anticafe.registrations import rows as seat_rows
    from anticafe.registrations.models import Registration
    from anticafe.visits.models import Visit

    shift = first_day - date(2025, 1, 1)

    def when(day: date, hour: int, minute: int = 0) -> datetime:
        return at(day + shift, hour, minute)

    world = World()
    for key, (name, email, phone, birth) in PEOPLE.items():
        user = User(name=name, email=email, phone=phone, birth_date=birth, role="visitor",
                    card_code=random_code(64), feed_token=random_code(128))
        session.add(user)
        world.people[key] = user
    session.flush()
    p = world.people

    def event(key, title, start, hours, category, capacity=None, **fields):
        fields.setdefault("status", "scheduled")
        fields.setdefault("published", True)
        item = Event(title=title, starts_at=start, ends_at=start + timedelta(hours=hours), category=category,
                     capacity=capacity, entry="free", **fields)
        session.add(item)
        session.flush()
        world.events[key] = item
        return item

    positions = iter(range(1, 100))

    def register(item, person, status="confirmed", source="self", checked_in=None, walk_in=False, undone=None):
        state = {"confirmed": lambda: seat_rows.confirmed(item.starts_at - timedelta(days=2)),
                 "waitlisted": lambda: seat_rows.waitlisted(next(positions)),
                 "cancelled": lambda: seat_rows.cancelled(item.starts_at - timedelta(days=1))}[status]()
        registration = Registration(**seat_rows.registration_row(
            event_id=item.id, user_id=person.id, created_at=item.starts_at - timedelta(days=3), source=source,
            state=state))
        session.add(registration)
        session.flush()
        if checked_in is not None:
            session.add(CheckIn(registration_id=registration.id, event_id=item.id, user_id=person.id,
                                checked_in_at=checked_in, walk_in=walk_in, undone_at=undone))
        return registration

    e0 = event("e0", "Декабрьская мафия", when(date(2024, 12, 20), 19), 3, "tournament", 12)
    register(e0, p["vera"], checked_in=when(date(2024, 12, 20), 18, 55))

    e1 = event("e1", "Турнир по мафии", when(date(2025, 1, 10), 19), 3, "tournament", 10)
    register(e1, p["anna"], checked_in=when(date(2025, 1, 10), 18, 50))
    register(e1, p["boris"], checked_in=when(date(2025, 1, 10), 19, 5))
    register(e1, p["vera"])
    register(e1, p["gleb"], status="waitlisted")
    register(e1, p["dana"], status="cancelled")
    register(e1, p["tim"], source="walk_in", checked_in=when(date(2025, 1, 10), 19, 10), walk_in=True)

    e2 = event("e2", "Ток-шоу «Профессии будущего»", when(date(2025, 1, 25), 18), 2, "talk_show")
    register(e2, p["anna"], checked_in=when(date(2025, 1, 25), 17, 55))
    register(e2, p["boris"], checked_in=when(date(2025, 1, 25), 18, 0))
    register(e2, p["vera"], checked_in=when(date(2025, 1, 25), 18, 2), undone=when(date(2025, 1, 25), 18, 3))

    e3 = event("e3", "Вечеринка выпускников", when(date(2025, 1, 31), 23, 30), 2, "party", 20)
    register(e3, p["anna"], checked_in=when(date(2025, 1, 31), 23, 25))

    e4 = event("e4", "Квиз (отменён)", when(date(2025, 1, 15), 18), 2, "contest", 30, status="cancelled")
    register(e4, p["boris"], checked_in=when(date(2025, 1, 15), 18))
    e5 = event("e5", "Закрытая репетиция", when(date(2025, 1, 16), 18), 2, "training", 30, published=False)
    register(e5, p["boris"], checked_in=when(date(2025, 1, 16), 18))

    e6 = event("e6", "Ночной турнир", when(date(2025, 2, 1), 0, 30), 3, "tournament", 16)
    register(e6, p["anna"], checked_in=when(date(2025, 2, 1), 0, 25))

    def visit(person, start, minutes, *, billed=True, method="cash", status="paid", guest=None, note=None):
        end = start + timedelta(minutes=minutes) if minutes is not None else None
        session.add(Visit(user_id=person.id if person else None, guest_name=guest, status=status, started_at=start,
                          ended_at=end, billed_minutes=minutes if billed and minutes is not None else None,
                          payment_method=method if status == "paid" else None, note=note,
                          paid_at=end if status == "paid" else None))

    visit(p["anna"], when(date(2025, 1, 12), 15), 120)
    visit(p["anna"], when(date(2025, 1, 22), 15), 90, method="subsidised", note="Программа молодёжного комитета")
    visit(p["dana"], when(date(2025, 1, 5), 10), 60, method="card")
    visit(None, when(date(2025, 1, 6), 12), 45, billed=False, status="stopped", guest=GUEST_NAME)
    visit(p["gleb"], when(date(2025, 1, 31), 20), None, status="active")
    visit(p["boris"], when(date(2025, 2, 2), 14), 60)
    visit(p["vera"], when(date(2025, 1, 8), 14), 60, method="transfer")
    session.commit()
    return world
