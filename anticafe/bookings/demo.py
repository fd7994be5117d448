"""Demo zones and a month of bookings: birthdays in the game room, consoles, a weekly debate club
in the meeting room, a maintenance closure and the New Year holiday.

Two steps: `seed_zones` runs early (events are placed in zones, `ctx.data["zones"]`), `seed` runs
after the events and keeps its bookings clear of the events placed in the zones."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from ..accounts.models import User
from ..auth import Role
from ..demo import DEMO_LOGINS
from ..events.models import Event
from ..extensions import db
from ..timeutil import from_venue, venue_today
from ..venue.models import Closure, ClosureReason, Zone
from . import rules
from .availability import local, local_now
from .models import Booking, BookingSeries, BookingStatus
from .zones import new_feed_token

ZONES = {
    "hall": dict(name="Большой зал", capacity=40, bookable=False,
                 description="Большой зал с диванами, настольными играми и чайной стойкой. Здесь гости платят "
                             "за время, а вечерами проходят турниры и концерты."),
    "games": dict(name="Игровая комната", capacity=12, bookable=True,
                  description="Отдельная комната с большим столом и полками настольных игр: для дней рождения, "
                              "«Мафии» своей компанией и игровых вечеров. Гости платят за время как обычно."),
    "consoles": dict(name="Консольный уголок", capacity=4, bookable=True,
                     description="PlayStation 5 и Nintendo Switch, большой телевизор и четыре геймпада. "
                                 "Гости платят за время как обычно."),
    "meeting": dict(name="Переговорная", capacity=10, bookable=True, price_per_hour=Decimal("500.00"),
                    description="Тихая комната со столом на десять человек, маркерной доской и проектором: "
                                "для клубов, собраний и занятий. Оплата за всю комнату — 500 ₽ в час."),
}

PURPOSES = {
    "games": ["День рождения", "Настолки с одноклассниками", "«Мафия» своей компанией", "Игровой вечер клуба",
              "Выпускной вечер 9 «Б»", "Встреча волонтёров", "«Каркассон» и пицца"],
    "consoles": ["Турнир по FIFA с друзьями", "Mario Kart на четверых", "Просто поиграть", "Тренировка к турниру"],
    "meeting": ["Подготовка к олимпиаде по физике", "Собрание молодёжного совета", "Репетиция выступления",
                "Занятие английского разговорного клуба", "Планёрка волонтёров"],
}

STARTS = [time(11), time(12, 30), time(14), time(15), time(16, 30), time(18), time(19, 30)]
LENGTHS = [60, 90, 120, 120, 180]
BUFFER = timedelta(minutes=15)


def seed_zones(ctx) -> None:
    """Add the café's zones; `ctx.data["zones"]` maps a short key to each."""
    zones = {key: Zone(feed_token=new_feed_token(), **fields) for key, fields in ZONES.items()}
    db.session.add_all(zones.values())
    db.session.flush()
    ctx.data["zones"] = zones


def seed(ctx) -> None:
    """Add a month of bookings around today, a weekly club series and two closures."""
    rng = ctx.random
    today = venue_today()
    if "zones" not in ctx.data:
        seed_zones(ctx)
    zones = ctx.data["zones"]

    staff_email = next(email for role, email, _ in DEMO_LOGINS if role == "staff")
    visitor_email = next(email for role, email, _ in DEMO_LOGINS if role == "visitor")
    staff = db.session.scalar(select(User).where(User.email == staff_email))
    demo_visitor = db.session.scalar(select(User).where(User.email == visitor_email))
    visitors = [v for v in ctx.data.get("visitors", []) if v.role == Role.VISITOR] or [demo_visitor]
    now = local_now()

    held: dict[int, list[rules.Interval]] = {zone.id: [] for zone in zones.values()}
    closed: dict[int, list[rules.Interval]] = {zone.id: [] for zone in zones.values()}
    closures = [
        Closure(zone=zones["consoles"], reason=ClosureReason.MAINTENANCE, note="Замена геймпадов и чистка приставок",
                starts_at=from_venue(datetime.combine(today + timedelta(days=9), time(10))),
                ends_at=from_venue(datetime.combine(today + timedelta(days=9), time(14))), created_by_id=staff.id),
        Closure(zone=None, reason=ClosureReason.HOLIDAY, note="1 января — выходной",
                starts_at=from_venue(datetime.combine(date(today.year + 1, 1, 1), time(0))),
                ends_at=from_venue(datetime.combine(date(today.year + 1, 1, 2), time(0))),
                created_by_id=staff.id),
    ]
    db.session.add_all(closures)
    for closure in closures:
        span = rules.Interval(local(closure.starts_at), local(closure.ends_at))
        for zone in zones.values():
            if closure.zone is None or closure.zone is zone:
                closed[zone.id].append(span)

    # Events placed in a zone hold it, like confirmed bookings do.
    for event in db.session.scalars(select(Event).where(Event.zone_id.is_not(None), Event.status != "cancelled")):
        if event.zone_id in held:
            held[event.zone_id].append(rules.Interval(local(event.starts_at), local(event.ends_at)))

    bookings: list[Booking] = []

    def book(zone: Zone, start: datetime, minutes: int, person: User | None, status: str, purpose: str, party: int,
             *, name: str | None = None, series: BookingSeries | None = None) -> Booking | None:
        span = rules.Interval(start, start + timedelta(minutes=minutes))
        if span.end.time() > time(23) or span.end.date() != start.date() or rules.conflicts(span, (), closed[zone.id]):
            return None
        if status in (BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN, BookingStatus.REQUESTED):
            if rules.conflicts(span, held[zone.id], (), BUFFER):
                return None
        if status in (BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN):
            held[zone.id].append(span)
        starts_at, ends_at = from_venue(span.start), from_venue(span.end)
        asked = from_venue(min(span.start - timedelta(days=rng.randint(2, 10), hours=rng.randint(0, 8)), now))
        booking = Booking(
            zone=zone, user_id=person.id if person else None, booker_name=name or person.name,
            contact=(person.phone if person else "") or "", party_size=party, purpose=purpose, starts_at=starts_at,
            ends_at=ends_at, status=status, price_per_hour=zone.price_per_hour, created_at=asked,
            created_by_id=person.id if person and series is None else staff.id, series=series)
        if status != BookingStatus.REQUESTED:
            booking.decided_at = min(asked + timedelta(hours=3), from_venue(now))
            booking.decided_by_id = staff.id
        if status == BookingStatus.CHECKED_IN:
            booking.checked_in_at = starts_at + timedelta(minutes=rng.randint(-10, 10))
            booking.checked_in_by_id = staff.id
            if zone.price_per_hour is not None:
                booking.amount = rules.price_for(zone.price_per_hour, span.start, span.end)
                booking.payment_method = rng.choice(["cash", "card", "transfer"])
                booking.paid_at = ends_at
        elif status == BookingStatus.RELEASED:
            booking.released_at = starts_at + timedelta(minutes=16)
        elif status == BookingStatus.CANCELLED:
            booking.cancelled_at, booking.cancelled_by_id = asked + timedelta(days=1), person.id if person else None
        elif status == BookingStatus.DECLINED:
            booking.staff_message = "Извините, в это время комната нужна для мероприятия. Может быть, на час позже?"
        booking.updated_at = booking.decided_at or asked
        bookings.append(booking)
        return booking

    # The debate club: the meeting room every Tuesday 18:00–20:00, three weeks back and seven ahead.
    leader = visitors[min(7, len(visitors) - 1)]
    last_tuesday = today - timedelta(days=(today.weekday() - 1) % 7)
    first = last_tuesday - timedelta(weeks=3)
    series = BookingSeries(zone=zones["meeting"], purpose="Дебатный клуб «Аргумент»", weeks=10, created_by_id=staff.id,
                           created_at=from_venue(datetime.combine(first - timedelta(days=3), time(12))))
    db.session.add(series)
    for day in rules.weekly_dates(first, 10):
        start = datetime.combine(day, time(18))
        status = BookingStatus.CHECKED_IN if start < now else BookingStatus.CONFIRMED
        book(zones["meeting"], start, 120, leader, status, "Дебатный клуб «Аргумент»", 9, series=series)

    # The demo visitor: a request for the game room next Saturday and a confirmed console evening.
    saturday = today + timedelta(days=(5 - today.weekday()) % 7 or 7)
    book(zones["games"], datetime.combine(saturday, time(12)), 120, demo_visitor, BookingStatus.REQUESTED,
         "День рождения", 8)
    book(zones["consoles"], datetime.combine(today + timedelta(days=2), time(17)), 90, demo_visitor,
         BookingStatus.CONFIRMED, "Mario Kart на четверых", 4)

    # Everyone else: a few bookings a day in each bookable zone, three weeks back and three ahead.
    for offset in range(-21, 22):
        day = today + timedelta(days=offset)
        for key in ("games", "consoles", "meeting"):
            zone = zones[key]
            wanted = rng.choices([0, 1, 2, 3], [3, 4, 3, 1] if key != "meeting" else [5, 3, 1, 0])[0]
            for start_time in rng.sample(STARTS, wanted):
                start = datetime.combine(day, start_time)
                if start < now:
                    status = rng.choices([BookingStatus.CHECKED_IN, BookingStatus.RELEASED, BookingStatus.CANCELLED,
                                          BookingStatus.DECLINED], [76, 8, 10, 6])[0]
                elif offset <= 10:
                    status = rng.choices([BookingStatus.CONFIRMED, BookingStatus.REQUESTED, BookingStatus.CANCELLED],
                                         [65, 30, 5])[0]
                else:
                    status = rng.choices([BookingStatus.CONFIRMED, BookingStatus.REQUESTED], [80, 20])[0]
                person = rng.choice(visitors)
                party = rng.randint(2, zone.capacity)
                book(zone, start, rng.choice(LENGTHS), person, status, rng.choice(PURPOSES[key]), party)

    # A school class booked by phone: no account, only a name and a number.
    book(zones["games"], datetime.combine(today + timedelta(days=4), time(10)), 120, None, BookingStatus.CONFIRMED,
         "Классный час 7 «А» с настолками", 12, name="Гимназия № 3, Ирина Павловна")
    db.session.add_all(bookings)
    db.session.flush()
    ctx.data["bookings"] = bookings

