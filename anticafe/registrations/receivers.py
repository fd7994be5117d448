"""What registrations answer the events calendar: seats, the people holding them, and the events a
person holds a place at (see `anticafe.signals`)."""

from sqlalchemy import select

from ..accounts.models import User
from ..extensions import db
from . import services
from .models import Registration, RegistrationStatus

#: Who an event's news is for: everybody holding or waiting for a seat.
HOLDING = (RegistrationStatus.CONFIRMED.value, RegistrationStatus.WAITLISTED.value)


def event_counts(event_ids: tuple[int, ...], **_) -> dict[int, dict[str, int]]:
    """Answer `signals.event_counts`: each event's confirmed, waitlisted and cancelled registrations."""
    return {event_id: {"registered": seats.confirmed, "waitlisted": seats.waitlisted, "cancelled": seats.cancelled}
            for event_id, seats in services.counts_for(event_ids).items()}


def event_people(event, **_) -> list[User]:
    """Answer `signals.event_people`: everybody confirmed or waitlisted for the event, by id."""
    return list(db.session.scalars(
        select(User).join(Registration, Registration.user_id == User.id)
        .where(Registration.event_id == event.id, Registration.status.in_(HOLDING))
        .distinct().order_by(User.id)))


def held_events(user, **_):
    """Answer `signals.held_events`: the ids of the events the person holds a confirmed seat at."""
    return select(Registration.event_id).where(Registration.user_id == user.id,
                                               Registration.status == RegistrationStatus.CONFIRMED.value)


def connect() -> None:
    """Answer the events calendar, and move the waitlist up when an event's capacity is raised."""
    from .. import signals

    signals.event_counts.connect(event_counts)
    signals.event_people.connect(event_people)
    signals.held_events.connect(held_events)
    signals.capacity_raised.connect(services.promote_waitlist)
