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
from anticafe.scale import EMAIL_DOMAIN, TICKET_BASE, random_code

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
    app = current_app._get_current_object()
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
    """A ticket code as the registrations domain makes them (random, typeable, 130 bits)."""
    return random_code(130)


def event_now(title: str, *, capacity: int | None = None, starts_in: timedelta = timedelta(minutes=50),
              hours: int = 3, entry: str = "free") -> int:
    """Insert a published event whose check-in window is open (it starts in 50 minutes); return its id."""
    from anticafe.events.models import Event

    starts = now() + starts_in
    values = {"title": title, "category": "tournament", "description": "Бенчмарк: очередь у входа.",
              "starts_at": starts, "ends_at": starts + timedelta(hours=hours), "capacity": capacity,
              "entry": entry, "status": "scheduled", "published": True, "organiser": "Антикафе",
              "created_at": starts - timedelta(days=10), "updated_at": starts - timedelta(days=10)}
    table = Event.__table__
    return db.session.execute(insert(table).values(**values).returning(table.c.id)).scalar_one()


def confirmed_tickets(count: int, title: str) -> list[str]:
    """Register `count` distinct visitors for events that start soon; return their ticket codes.

    A person holds one active registration per event, so the tickets are spread over as many events as
    it takes.
    """
    from anticafe.registrations.models import Registration

    people = visitors(user_count())
    codes: list[str] = []
    moment = now() - timedelta(days=1)
    while len(codes) < count:
        event_id = event_now(f"{title} {len(codes) // len(people) + 1}")
        rows = []
        for uid in people[: count - len(codes)]:
            code = new_ticket_code()
            codes.append(code)
            rows.append({"event_id": event_id, "user_id": uid, "status": "confirmed", "waitlist_position": None,
                         "source": "self", "ticket_code": code, "ticket_revoked_at": None, "created_at": moment,
                         "confirmed_at": moment, "cancelled_at": None, "created_by_id": None})
        for start in range(0, len(rows), 2000):
            db.session.execute(insert(Registration.__table__), rows[start:start + 2000])
    return codes
