"""Registration rules: who may register when, seats and the waitlist, cancellation cut-off, tickets.

Pure module: no Flask, no database. Values in, values out; the services hold the lock and the data.
"""

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ..accounts.rules import age_on

#: A ticket's path; its absolute URL (the QR's content) is PUBLIC_BASE_URL or the request's host + this.
TICKET_PREFIX = "/t/"


class Refusal(enum.StrEnum):
    """Why a person cannot register now. Each maps to one API error code (see `API_CODES`)."""

    EVENT_CANCELLED = "event_cancelled"
    NOT_PUBLISHED = "not_published"
    NOT_OPEN_YET = "not_open_yet"
    CLOSED = "closed"
    EVENT_OVER = "event_over"
    BIRTH_DATE_REQUIRED = "birth_date_required"
    TOO_YOUNG = "too_young"
    TOO_OLD = "too_old"


#: The API's error code for each refusal (the issue's contract: three codes, details in the message).
API_CODES = {
    Refusal.EVENT_CANCELLED: "event_cancelled",
    Refusal.NOT_PUBLISHED: "registration_closed",
    Refusal.NOT_OPEN_YET: "registration_closed",
    Refusal.CLOSED: "registration_closed",
    Refusal.EVENT_OVER: "registration_closed",
    Refusal.BIRTH_DATE_REQUIRED: "age_restricted",
    Refusal.TOO_YOUNG: "age_restricted",
    Refusal.TOO_OLD: "age_restricted",
}


@dataclass(frozen=True)
class EventFacts:
    """What the rules need to know about an event (aware datetimes)."""

    starts_at: datetime
    ends_at: datetime
    cancelled: bool = False
    published: bool = True
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    min_age: int | None = None
    max_age: int | None = None
    capacity: int | None = None


def registration_window(event: EventFacts) -> tuple[datetime | None, datetime]:
    """Return (opens, closes): by default open from publication (None) until the start."""
    return event.registration_opens_at, event.registration_closes_at or event.starts_at


def window_refusal(event: EventFacts, now: datetime, *, staff: bool = False) -> Refusal | None:
    """Tell why registration is not possible at `now`, or None.

    Staff may register people outside the visitors' window (walk-ins at the door), but never for a
    cancelled, unpublished or finished event.
    """
    if event.cancelled:
        return Refusal.EVENT_CANCELLED
    if not event.published:
        return Refusal.NOT_PUBLISHED
    if now >= event.ends_at:
        return Refusal.EVENT_OVER
    if staff:
        return None
    opens, closes = registration_window(event)
    if opens is not None and now < opens:
        return Refusal.NOT_OPEN_YET
    if now >= closes:
        return Refusal.CLOSED
    return None


def age_refusal(birth_date: date | None, event_day: date, min_age: int | None, max_age: int | None) -> Refusal | None:
    """Check the age on the event's day against the limits; an unknown birth date fails any limit."""
    if min_age is None and max_age is None:
        return None
    if birth_date is None:
        return Refusal.BIRTH_DATE_REQUIRED
    age = age_on(birth_date, event_day)
    if min_age is not None and age < min_age:
        return Refusal.TOO_YOUNG
    if max_age is not None and age > max_age:
        return Refusal.TOO_OLD
    return None


def registration_refusal(event: EventFacts, *, birth_date: date | None, event_day: date, now: datetime,
                         staff: bool = False) -> Refusal | None:
    """Return the first reason a person cannot register, in the order that explains best."""
    return (window_refusal(event, now, staff=staff)
            or age_refusal(birth_date, event_day, event.min_age, event.max_age))


# ------------------------------------------------------------------------------------------------
# Seats and the waitlist

def free_seats(capacity: int | None, confirmed: int) -> int | None:
    """Return how many seats are left (never negative), or None when the event is unlimited."""
    if capacity is None:
        return None
    return max(capacity - confirmed, 0)


def has_seat(capacity: int | None, confirmed: int) -> bool:
    """Tell whether one more person can be confirmed."""
    seats = free_seats(capacity, confirmed)
    return seats is None or seats > 0


def seats_to_fill(capacity: int | None, confirmed: int, waiting: int) -> int:
    """Return how many people move from the waitlist to confirmed."""
    seats = free_seats(capacity, confirmed)
    return waiting if seats is None else min(seats, waiting)


def renumber(queue: Iterable[tuple[int, int | None]]) -> dict[int, int]:
    """Give a queue of (id, position) the positions 1..N in its current order.

    Order is by position, then id (a registration that somehow lost its position goes last, in
    arrival order). Returns {id: new position} only for the entries that change.
    """
    ordered = sorted(queue, key=lambda item: (item[1] is None, item[1] or 0, item[0]))
    return {rid: index for index, (rid, position) in enumerate(ordered, start=1) if position != index}


# ------------------------------------------------------------------------------------------------
# Cancellation

def cancel_deadline(starts_at: datetime, cutoff: timedelta = timedelta(0)) -> datetime:
    """Return the last moment a visitor may give up a confirmed seat themselves (default: the start)."""
    return starts_at - cutoff


def visitor_may_cancel(*, status: str, now: datetime, starts_at: datetime, ends_at: datetime,
                       cutoff: timedelta = timedelta(0)) -> bool:
    """Tell whether a visitor may cancel their own registration now (staff always may).

    A confirmed seat can be given up until the cut-off; leaving the waitlist is possible until the
    event ends, since it takes nothing from anyone.
    """
    if status == "confirmed":
        return now < cancel_deadline(starts_at, cutoff)
    if status == "waitlisted":
        return now < ends_at
    return False


# ------------------------------------------------------------------------------------------------
# Reminders and tickets



def ticket_path(code: str) -> str:
    """Return the path of a ticket's page (the QR holds the absolute URL of this path)."""
    return TICKET_PREFIX + code
