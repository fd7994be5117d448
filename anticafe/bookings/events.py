"""Where bookings meet the events calendar: staff cannot place an event in a zone that a confirmed
booking (with its cleaning buffer) or a closure holds then. Connected through the events domain's
`ZONE_CHECKS` hook at import time (the factory imports this module once); the other way round,
`services.clash` already counts the events placed in a zone."""

from ..events import services as events
from . import services

events.ZONE_CHECKS.append(services.event_zone_check)
