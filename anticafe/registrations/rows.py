"""A registration's columns in each state, as the services leave them (plain Python).

The one place these invariants are written: the services apply them (`services._confirm`), and
whatever makes registrations in bulk without the services (the demo data, the benchmark's year in
`bench/scale.py`, the statistics tests) builds its rows here. A confirmed registration holds a ticket
and its confirmation time; a waitlisted one a position and no ticket; a cancelled one its time, and a
ticket it had is revoked then.
"""

from datetime import datetime

from .. import codes

#: Bits of randomness in a ticket code (26 characters of the typeable alphabet).
TICKET_BITS = 128


#: Length of a door code: 31**6 ≈ 887 million codes, so a free one is found at the first try.
DOOR_CODE_LENGTH = 6
#: The longest text the door tries as a door code (longer codes are tickets or guest cards).
MAX_DOOR_CODE_LENGTH = 8


def new_door_code(taken: set[str] | frozenset[str] = frozenset()) -> str:
    """Return a short door code not in `taken` (the codes already used by the same event)."""
    while True:
        code = "".join(codes.random_choice(DOOR_CODE_LENGTH))
        if code not in taken:
            return code


def new_ticket_code() -> str:
    """Return a fresh, unguessable ticket code."""
    return codes.random_code(TICKET_BITS)


def confirmed(at: datetime, ticket_code: str | None = None) -> dict:
    """Return the columns of a seat confirmed at `at` (with a new ticket unless one is given)."""
    return {"status": "confirmed", "waitlist_position": None, "confirmed_at": at,
            "ticket_code": ticket_code or new_ticket_code(), "ticket_revoked_at": None}


def waitlisted(position: int) -> dict:
    """Return the columns of a place on the waitlist (1 is next)."""
    return {"status": "waitlisted", "waitlist_position": position, "confirmed_at": None, "ticket_code": None,
            "ticket_revoked_at": None}


def cancelled(at: datetime, *, confirmed_at: datetime | None = None, ticket_code: str | None = None) -> dict:
    """Return the columns of a registration given up at `at`; a seat it held keeps its (revoked) ticket."""
    held = confirmed_at is not None
    return {"status": "cancelled", "waitlist_position": None, "cancelled_at": at, "confirmed_at": confirmed_at,
            "ticket_code": (ticket_code or new_ticket_code()) if held else None,
            "ticket_revoked_at": at if held else None}


def registration_row(*, event_id: int, user_id: int, created_at: datetime, state: dict, source: str = "self",
                     created_by_id: int | None = None) -> dict:
    """Return every column of a new registration in `state` (one of `confirmed`, `waitlisted`, `cancelled`)."""
    return {"event_id": event_id, "user_id": user_id, "created_at": created_at, "source": source,
            "created_by_id": created_by_id, "confirmed_at": None, "cancelled_at": None, **state}
