"""Where bookings meet the events calendar and the till: staff cannot place an event in a zone that a confirmed
booking (with its cleaning buffer) or a closure holds then. `connect` hooks this to the events
domain's `signals.zone_check`; the other way round, `availability.clash` already counts the events
placed in a zone. The till asks (`signals.visit_company`) which visits came with one: a booking's party.
"""

from sqlalchemy import select

from .. import signals
from ..extensions import db
from . import availability
from .models import PartyVisit


def zone_taken(zone_id: int, *, starts, ends, **_):
    """Answer `signals.zone_check`: why the zone is not free for an event then, or None."""
    return availability.event_zone_check(zone_id, starts, ends)


def party_of(visit, **_):
    """Answer `signals.visit_company`: the other visits of the booking's party this visit belongs to."""
    booking_id = db.session.scalar(select(PartyVisit.booking_id).where(PartyVisit.visit_id == visit.id))
    if booking_id is None:
        return None
    return list(db.session.scalars(select(PartyVisit.visit_id).where(PartyVisit.booking_id == booking_id,
                                                                     PartyVisit.visit_id != visit.id)))


def connect() -> None:
    """Hear the events calendar asking about a zone, and the till asking who came with a visit."""
    signals.zone_check.connect(zone_taken)
    signals.visit_company.connect(party_of)
