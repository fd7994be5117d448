"""Demo registrations: full events with waitlists, cancellations, past events with their participants.

Uses the events of the "events" step (`ctx.data["events"]`) and the visitors of the "people" step.
The demo visitor login gets a ticket, a waitlist place and a past event to look at.
"""

from datetime import timedelta

from sqlalchemy import select

from ..accounts.models import User
from ..db import utcnow
from ..demo import DEMO_LOGINS
from ..extensions import db
from ..timeutil import to_venue
from . import rows as seat_rows
from .models import Registration, RegistrationStatus, Source
from .rules import age_refusal


def _login(role: str) -> User | None:
    email = next(e for r, e, _p in DEMO_LOGINS if r == role)
    return db.session.scalar(select(User).where(User.email == email))


def seed(ctx) -> None:
    """Register demo visitors for the demo events."""
    rng = ctx.random
    events = [e for e in ctx.data.get("events", []) if e.published]
    visitors = list(ctx.data.get("visitors", []))
    ctx.data["registrations"] = made = []
    if not events or not visitors:
        return
    staff = _login("staff")
    me = _login("visitor")
    mine = 0
    now = utcnow()
    events.sort(key=lambda e: e.starts_at)
    # Every third upcoming event with a seat limit is full, with a waitlist.
    limited = [e for e in events if e.ends_at > now and e.status == "scheduled" and e.capacity]
    full_ids = {e.id for i, e in enumerate(limited) if i % 3 == 0}

    for event in events:
        day = to_venue(event.starts_at).date()
        eligible = [v for v in visitors if age_refusal(v.birth_date, day, event.min_age, event.max_age) is None]
        rng.shuffle(eligible)
        past = event.ends_at <= now
        if event.capacity and event.id in full_ids:
            wanted = event.capacity + rng.randint(2, 6)
        elif event.capacity:
            wanted = round(event.capacity * (rng.uniform(0.6, 1.0) if past else rng.uniform(0.2, 0.85)))
        else:
            wanted = rng.randint(6, 25)
        people = eligible[:wanted]
        if me is not None and not past and mine < 4 and rng.random() < 0.3 and \
                age_refusal(me.birth_date, day, event.min_age, event.max_age) is None:
            people.append(me)  # the demo login's own tickets and waitlist places
            mine += 1
        made.extend(_registrations_for(event, people, rng=rng, now=now, staff=staff, keep=me))
    db.session.add_all(made)


def _registrations_for(event, people, *, rng, now, staff, keep) -> list[Registration]:
    """Register `people` in order, let about one in eight cancel, and promote the waitlist as the app would."""
    opened = min(event.created_at or now, event.starts_at - timedelta(days=5))
    until = min(event.starts_at, now)
    span = max((until - opened).total_seconds(), 3600)
    times = sorted(opened + timedelta(seconds=rng.uniform(0, span * 0.8)) for _ in people)
    rows: list[Registration] = []
    confirmed = 0
    queue: list[Registration] = []
    past = event.ends_at <= now
    for person, created in zip(people, times, strict=True):
        walk_in = past and rng.random() < 0.08
        by_staff = walk_in or rng.random() < 0.07
        registration = Registration(
            event_id=event.id, user_id=person.id, created_at=created,
            source=Source.WALK_IN if walk_in else (Source.STAFF if by_staff else Source.SELF),
            created_by_id=staff.id if by_staff and staff is not None else None)
        if event.capacity is None or confirmed < event.capacity:
            confirmed += 1
            _confirm(registration, created)
        else:
            queue.append(registration)
            _apply(registration, seat_rows.waitlisted(len(queue)))
        rows.append(registration)
    leaving = [r for r in rows if r.status == RegistrationStatus.CONFIRMED and r.user_id != getattr(keep, "id", None)]
    for registration in rng.sample(leaving, k=min(len(rows) // 8, 3, len(leaving))):
        moment = registration.created_at + (until - registration.created_at) * rng.uniform(0.1, 0.9)
        _apply(registration, seat_rows.cancelled(moment, confirmed_at=registration.confirmed_at,
                                                 ticket_code=registration.ticket_code))
        registration.cancelled_by_id = registration.user_id
        if queue:  # the first person waiting gets the seat
            promoted = queue.pop(0)
            _confirm(promoted, max(moment, promoted.created_at))
            for position, waiting in enumerate(queue, start=1):
                waiting.waitlist_position = position
    return rows


def _confirm(registration: Registration, moment) -> None:
    _apply(registration, seat_rows.confirmed(moment))


def _apply(registration: Registration, columns: dict) -> None:
    for column, value in columns.items():
        setattr(registration, column, value)
