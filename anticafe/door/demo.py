"""Demo door traffic: check-ins, walk-ins and the scan log of the events that earlier steps created.

Works from what is in the database (events and registrations of the earlier demo steps): past events
get most of their confirmed people checked in (the rest are the no-shows), a few walk-ins, and a
believable scan log with repeats, typed codes and the odd unknown code; an event happening now is
half checked in.
"""

from datetime import timedelta

from sqlalchemy import select

from .. import codes
from ..accounts.models import User
from ..db import utcnow
from ..demo import DEMO_LOGINS
from ..events.models import Event, EventStatus
from ..extensions import db
from ..registrations import rows as seat_rows
from ..registrations.models import Registration, RegistrationStatus
from ..registrations.rows import registration_row
from .models import CheckIn, ScanLog, ScanSource

DEVICES = ["Телефон на входе 1", "Телефон на входе 2", "Планшет администратора"]
#: Share of confirmed people who come to a past event.
TURNOUT = 0.82


def seed(ctx) -> None:
    """Check people in to the past and current events, with their scan log."""
    rng = ctx.random
    now = utcnow()
    staff_emails = [email for role, email, _ in DEMO_LOGINS if role in ("staff", "admin")]
    staff = list(db.session.scalars(select(User).where(User.email.in_(staff_emails))))
    if not staff:
        return
    events = list(db.session.scalars(
        select(Event).where(Event.status == EventStatus.SCHEDULED, Event.starts_at <= now + timedelta(hours=1))
        .order_by(Event.starts_at)))
    visitors = ctx.data.get("visitors", [])
    checkins, logs = [], []
    for event in events:
        confirmed = list(db.session.scalars(select(Registration).where(
            Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED)))
        running = event.ends_at > now
        turnout = 0.5 if running else TURNOUT
        opens = event.starts_at - timedelta(minutes=45)
        latest = min(now, event.starts_at + timedelta(minutes=20))
        span = max(int((latest - opens).total_seconds()), 60)
        for registration in confirmed:
            if rng.random() > turnout:
                continue
            at = opens + timedelta(seconds=rng.randint(0, span))
            checkins.append(_check_in(rng, registration, at, staff, logs))
        if not running and visitors:
            seats = None if event.capacity is None else event.capacity - len(confirmed)
            taken = {r.user_id for r in confirmed}
            for _ in range(rng.randint(0, 2) if seats is None else min(seats, rng.randint(0, 2))):
                guest = rng.choice(visitors)
                if guest.id in taken:
                    continue
                taken.add(guest.id)
                registration = Registration(**registration_row(
                    event_id=event.id, user_id=guest.id, created_at=event.starts_at, source="walk_in",
                    created_by_id=staff[0].id, state=seat_rows.confirmed(event.starts_at)))
                db.session.add(registration)
                db.session.flush()
                checkins.append(_check_in(rng, registration, event.starts_at + timedelta(minutes=rng.randint(0, 25)),
                                          staff, logs, walk_in=True))
        for _ in range(rng.randint(0, 2)):  # a library card, a bus pass, a blurry photo...
            logs.append((ScanLog(at=event.starts_at - timedelta(minutes=rng.randint(0, 40)), staff_id=staff[0].id,
                                 device=DEVICES[0], raw=rng.choice(["4607012345678", "https://vk.com/anticafe",
                                                                    "WIFI:S:Anticafe;T:WPA;P:chai2026;;"]),
                                 result="unknown_code", event_id=event.id, source=ScanSource.CAMERA), None))
    db.session.flush()  # the check-ins get their ids
    for log, checkin in logs:
        log.checkin_id = checkin.id if checkin is not None else None
    db.session.add_all([log for log, _ in logs])


def _check_in(rng, registration: Registration, at, staff: list[User], logs: list, walk_in: bool = False) -> CheckIn:
    """Add a check-in and its scan-log entries ((entry, check-in) pairs: the ids come at the flush)."""
    member = rng.choice(staff)
    device = rng.choice(DEVICES[:2]) if not walk_in else DEVICES[2]
    checkin = CheckIn(registration_id=registration.id, event_id=registration.event_id, user_id=registration.user_id,
                      checked_in_at=at, staff_id=member.id, device=device, walk_in=walk_in)
    db.session.add(checkin)
    source = ScanSource.WALK_IN if walk_in else rng.choices([ScanSource.CAMERA, ScanSource.TYPED, ScanSource.MANUAL],
                                                            [88, 7, 5])[0]
    raw = {ScanSource.CAMERA: f"https://anticafe.demo/t/{registration.ticket_code}",
           ScanSource.TYPED: codes.group(registration.ticket_code or "").lower(),
           ScanSource.MANUAL: f"registration:{registration.id}",
           ScanSource.WALK_IN: f"walk-in:{registration.user_id}"}[source]
    entry = ScanLog(at=at, staff_id=member.id, device=device, raw=raw, result="checked_in",
                    event_id=registration.event_id, registration_id=registration.id, user_id=registration.user_id,
                    source=source)
    logs.append((entry, checkin))
    if source is ScanSource.CAMERA and rng.random() < 0.06:  # shown again to the other phone
        repeat = ScanLog(at=at + timedelta(seconds=rng.randint(5, 90)), staff_id=member.id, device=DEVICES[1],
                         raw=raw, result="already_checked_in", event_id=registration.event_id,
                         registration_id=registration.id, user_id=registration.user_id, source=ScanSource.CAMERA)
        logs.append((repeat, checkin))
    return checkin
