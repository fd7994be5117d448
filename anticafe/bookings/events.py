"""Where bookings meet the events calendar: staff cannot place an event in a zone that a confirmed
booking (with its cleaning buffer) or a closure holds then. `connect` hooks this to the events
domain's `signals.zone_check`; the other way round, `availability.clash` already counts the events
placed in a zone."""

from .. import signals
from . import availability


def zone_taken(zone_id: int, *, starts, ends, **_):
    """Answer `signals.zone_check`: why the zone is not free for an event then, or None."""
    return availability.event_zone_check(zone_id, starts, ends)


def connect() -> None:
    """Hear the events calendar asking about a zone."""
    signals.zone_check.connect(zone_taken)
