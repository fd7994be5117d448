"""What the scenarios need in the seeded database: logins, tokens, tickets, events near capacity.

Everything here runs inside the benchmark's own app context (same database and SECRET_KEY as the
served app) and writes with SQLAlchemy Core in bulk, like seed-scale.
"""

import secrets
from datetime import UTC, date, datetime, timedelta

from flask import current_app, session
from flask_login import login_user
from sqlalchemy import func, insert, select

from anticafe.accounts.models import ApiToken, User
from anticafe.extensions import db
from bench.scale import EMAIL_DOMAIN, TICKET_BASE, TICKET_BITS, random_code

#: The load generator's User-Agent; the session cookies are made for it (Flask-Login's session id).
USER_AGENT = "anticafe-bench"
JSON = {"Content-Type": "application/json"}
RUSSIAN = {"Accept-Language": "ru-RU,ru;q=0.9"}


def now() -> datetime:
    return datetime.now(UTC)


def member(role: str, n: int = 1) -> User:
    """Return seed-scale's n-th team member of `role` (staff1@..., committee1@...)."""
    user = db.session.scalar(select(User).where(User.email == f"{role}{n}@{EMAIL_DOMAIN}"))
    if user is None:
        raise RuntimeError(f"no {role}{n}@{EMAIL_DOMAIN}: was the database seeded with seed-scale?")
    return user


def tokens_for(user_ids: list[int], label: str = "bench") -> dict[int, str]:
    """Create one bearer token per user, in bulk; return {user_id: raw token}."""
    raw = {uid: secrets.token_urlsafe(32) for uid in user_ids}
    moment = now()
    rows = [{"user_id": uid, "token_hash": ApiToken.hash(value), "label": label, "created_at": moment,
             "expires_at": moment + timedelta(days=2), "last_used_at": moment, "revoked_at": None}
            for uid, value in raw.items()]
    for start in range(0, len(rows), 2000):
        db.session.execute(insert(ApiToken.__table__), rows[start:start + 2000])
    return raw


def bearer(user: User) -> dict:
    """Return an Authorization header with a fresh token of `user`."""
    return {"Authorization": f"Bearer {tokens_for([user.id])[user.id]}"}


def session_cookie(user: User) -> dict:
    """Return a Cookie header with a logged-in session of `user`, as the app itself would sign it."""
    from anticafe.accounts.services import start_session

    app = current_app._get_current_object()
    start_session(user, label="bench")  # the cookie holds a login session's secret (ended ones open nothing)
    db.session.commit()
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "127.0.0.1"},
                                  headers={"User-Agent": USER_AGENT}):
        login_user(user)
        value = app.session_interface.get_signing_serializer(app).dumps(dict(session))
    return {"Cookie": f"{app.config['SESSION_COOKIE_NAME']}={value}"}


def visitors(limit: int, *, offset: int = 0, adults_only: bool = False) -> list[int]:
    """Return ids of seeded visitors with accounts (the most recent first)."""
    stmt = select(User.id).where(User.role == "visitor", User.email.is_not(None)).order_by(User.id.desc())
    if adults_only:
        stmt = stmt.where(User.birth_date <= date.today() - timedelta(days=19 * 365))
    return list(db.session.scalars(stmt.offset(offset).limit(limit)))


def user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def ticket_url(code: str) -> str:
    """Return what a ticket's QR holds: the ticket page's absolute URL."""
    return TICKET_BASE + code


def new_ticket_code() -> str:
    """A ticket code as the registrations domain makes them (random, typeable)."""
    return random_code(TICKET_BITS)


def _insert_event(title: str, starts: datetime, *, capacity: int | None, hours: float = 3, entry: str = "free",
                  category: str = "tournament") -> int:
    """Insert a published, scheduled event with registration open; return its id."""
    from anticafe.events.models import Event

    table = Event.__table__
    made = starts - timedelta(days=10)
    values = {"title": title, "category": category, "description": "Бенчмарк: большой вечер в антикафе.",
              "starts_at": starts, "ends_at": starts + timedelta(hours=hours), "capacity": capacity, "entry": entry,
              "status": "scheduled", "published": True, "organiser": "Антикафе", "published_at": made,
              "created_at": made, "updated_at": made}
    values = {k: v for k, v in values.items() if k in table.c}
    return db.session.execute(insert(table).values(**values).returning(table.c.id)).scalar_one()


def event_now(title: str, *, capacity: int | None = None) -> int:
    """An event whose check-in window is open: it starts in 50 minutes (the door opens 60 minutes before).

    Not yet in progress, so its check-ins do not count as people inside the café (the live board and
    the venue's capacity stay as the visits scenarios set them).
    """
    return _insert_event(title, now() + timedelta(minutes=50), capacity=capacity)


def _confirm(event_id: int, people: list[int]) -> list[str]:
    """Insert confirmed registrations with tickets; return the ticket codes."""
    from anticafe.registrations.models import Registration

    moment = now() - timedelta(days=1)
    codes, rows = [], []
    for uid in people:
        code = new_ticket_code()
        codes.append(code)
        rows.append({"event_id": event_id, "user_id": uid, "status": "confirmed", "waitlist_position": None,
                     "source": "self", "ticket_code": code, "ticket_revoked_at": None, "created_at": moment,
                     "confirmed_at": moment, "cancelled_at": None, "created_by_id": None})
    for start in range(0, len(rows), 2000):
        db.session.execute(insert(Registration.__table__), rows[start:start + 2000])
    return codes


def event_checked_in(title: str, count: int) -> int:
    """An event under way with `count` confirmed visitors (one in ten did not come): the rest checked in."""
    from anticafe.door.models import CheckIn
    from anticafe.registrations.models import Registration

    event_id = _insert_event(title, now() - timedelta(minutes=30), capacity=count + 10)
    _confirm(event_id, visitors(count + count // 10, offset=2000))

    held = db.session.execute(select(Registration.id, Registration.user_id)
                              .where(Registration.event_id == event_id).order_by(Registration.id)).all()
    moment = now() - timedelta(minutes=40)
    db.session.execute(insert(CheckIn.__table__), [
        {"registration_id": rid, "event_id": event_id, "user_id": uid, "checked_in_at": moment + timedelta(seconds=n),
         "walk_in": False} for n, (rid, uid) in enumerate(held[:count])])
    db.session.commit()
    return event_id


def confirmed_tickets(count: int, title: str) -> list[str]:
    """Register `count` distinct visitors for events that start soon; return their ticket codes.

    A person holds one active registration per event, so the tickets are spread over as many events as
    it takes.
    """
    people = visitors(user_count())
    codes: list[str] = []
    while len(codes) < count:
        event_id = event_now(f"{title} {len(codes) // len(people) + 1}")
        codes += _confirm(event_id, people[: count - len(codes)])
    return codes


def event_soon(title: str, *, capacity: int, holders: list[int]) -> int:
    """An event next week with registration open and `holders` already confirmed; return its id."""
    event_id = _insert_event(title, now() + timedelta(days=7), capacity=capacity)
    _confirm(event_id, holders)
    return event_id


def seat_invariants(event_ids: list[int], capacity: int) -> str:
    """Check the registration guarantees on events after the load: no overbooking, waitlists 1..N."""
    from anticafe.registrations.models import Registration

    problems = []
    rows = db.session.execute(select(Registration.event_id, Registration.user_id, Registration.status,
                                     Registration.waitlist_position)
                              .where(Registration.event_id.in_(event_ids))).all()
    by_event: dict[int, list] = {e: [] for e in event_ids}
    for row in rows:
        by_event[row.event_id].append(row)
    waiting_total = 0
    for event_id, regs in by_event.items():
        confirmed = sum(r.status == "confirmed" for r in regs)
        positions = sorted(r.waitlist_position for r in regs if r.status == "waitlisted")
        waiting_total += len(positions)
        active = [r.user_id for r in regs if r.status != "cancelled"]
        if confirmed > capacity:
            problems.append(f"event {event_id}: {confirmed} confirmed for {capacity} seats")
        if positions != list(range(1, len(positions) + 1)):
            problems.append(f"event {event_id}: waitlist positions {positions[:5]}...")
        if positions and confirmed < capacity:
            problems.append(f"event {event_id}: people waiting while {capacity - confirmed} seats are free")
        if len(active) != len(set(active)):
            problems.append(f"event {event_id}: someone registered twice")
    if problems:
        return "BROKEN: " + "; ".join(problems[:5])
    return (f"kept on all {len(event_ids)} events: never more than {capacity} confirmed, "
            f"{waiting_total} waitlisted with positions 1..N without gaps or duplicates, one registration per person")


def fill_feed(total: int) -> int:
    """Add published events after the next month until /calendar.ics (recent and later events) lists `total`."""
    from anticafe.events.models import Event

    listed = db.session.scalar(select(func.count()).select_from(Event).where(
        Event.published.is_(True), Event.starts_at >= now() - timedelta(days=30)))
    missing = max(total - listed, 0)
    first = now() + timedelta(days=60)
    titles = ["Турнир по мафии", "Вечер настольных игр", "Открытый микрофон", "Разговорный клуб английского",
              "Квиз «Оренбург знает»", "Кинопоказ и обсуждение", "Мастер-класс по монтажу видео"]
    for n in range(missing):
        day = first + timedelta(days=n * 365 // max(missing, 1))
        starts = day.replace(hour=13 + n % 3, minute=0, second=0, microsecond=0)  # 18:00–20:00 venue time
        _insert_event(f"{titles[n % len(titles)]} №{n + 1}", starts, capacity=30 + n % 20)
    return listed + missing


def etag_of(url: str) -> str:
    """Ask the served app once for `url` and return its ETag (for the 304 scenario)."""
    import urllib.request

    with urllib.request.urlopen(url, timeout=60) as answer:
        tag = answer.headers.get("ETag")
    if not tag:
        raise RuntimeError(f"{url} sent no ETag")
    return tag


def last_year() -> tuple[str, str]:
    """The whole year of seeded history: from 365 days ago to today (venue dates)."""
    from anticafe.timeutil import venue_today

    today = venue_today()
    return (today - timedelta(days=365)).isoformat(), today.isoformat()


def guest_cards(count: int) -> list[str]:
    """Card codes of visitors without an open visit (away from the people the board scenario lets in)."""
    return list(db.session.scalars(select(User.card_code).where(User.id.in_(visitors(count, offset=2000)))))


def people_inside(count: int) -> None:
    """Start `count` timed visits through the visits domain, as staff would: regulars with accounts,
    every fifth a walk-in without one, every tenth paused; they came in over the last few hours."""
    from anticafe.visits import clock as visits_clock
    from anticafe.visits.models import OPEN_STATUSES, Visit

    if db.session.scalar(select(func.count()).select_from(Visit).where(Visit.status.in_(OPEN_STATUSES))) >= count:
        return  # a database prepared before (`bench.profile` run again on it)
    staff = member("staff", 1)
    moment = now()
    for n, uid in enumerate(visitors(count, offset=1000)):
        if n % 5 == 0:
            visit = visits_clock.start_walk_in(name=f"Гость у стойки {n // 5 + 1}", phone=None, staff=staff)
        else:
            visit = visits_clock.start_visit(user=db.session.get(User, uid), staff=staff)
        started = moment - timedelta(minutes=10 + n * 5)
        visit.started_at = started
        visit.segments[0].started_at = started
        db.session.flush()
        if n % 10 == 3:
            visits_clock.pause_visit(visit, staff=staff, at=started + timedelta(minutes=5))
    db.session.commit()


def visits_going_on(cards: list[str], *, minutes: int) -> None:
    """Open a visit, started `minutes` ago, for each of these guest cards' people (bulk, like seed-scale)."""
    from anticafe.visits import tariffs as visits_tariffs
    from anticafe.visits.models import Visit, VisitSegment

    tariff = visits_tariffs.ensure_tariff()
    staff = member("staff", 1)
    started = now() - timedelta(minutes=minutes)
    people = db.session.execute(select(User.id, User.guest_category).where(User.card_code.in_(cards))).all()
    table = Visit.__table__
    for uid, category in people:
        visit_id = db.session.execute(insert(table).values(
            user_id=uid, guest_category=category or "standard", status="active", started_at=started,
            started_by_id=staff.id, tariff_id=tariff.id, needs_review=False).returning(table.c.id)).scalar_one()
        db.session.execute(insert(VisitSegment.__table__).values(visit_id=visit_id, started_at=started))
    db.session.commit()


def stop_visits_of_cards(cards: list[str]) -> None:
    """Stop the open visits of these guest cards' people and take their payments, as staff would."""
    from anticafe.visits import checkout as visits_checkout
    from anticafe.visits import clock as visits_clock
    from anticafe.visits.models import Visit

    staff = member("staff", 1)
    open_visits = db.session.scalars(select(Visit).join(User, User.id == Visit.user_id).where(
        User.card_code.in_(cards), Visit.status.in_(("active", "paused")))).all()
    for visit in open_visits:
        visits_clock.stop_visit(visit, staff=staff)
    unpaid = db.session.scalars(select(Visit).join(User, User.id == Visit.user_id).where(
        User.card_code.in_(cards), Visit.status == "stopped")).all()
    for visit in unpaid:
        visits_checkout.pay_visit(visit, staff=staff, method="card")
    db.session.commit()
