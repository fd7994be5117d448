"""Door rules: what a scanned text is, whether check-in is open, why a ticket is refused.

Pure module: no Flask, no database. Values in, values out.
"""

import enum
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from urllib.parse import unquote, urlsplit

from .. import codes
from ..registrations.rows import TICKET_BITS

#: Check-in opens this long before an event starts (unless the event has its own window).
DEFAULT_OPENS_BEFORE = timedelta(minutes=60)
#: ... and closes this long after it ends.
DEFAULT_CLOSES_AFTER = timedelta(minutes=0)

#: Longest text a scanner may send; a QR with more is not one of ours.
MAX_RAW_LENGTH = 500
#: A link that is not a ticket link offers its last path segment as a code only if it is this long
#: (our codes carry 50 bits or more; "/t/" or "/about" are not codes).
MIN_LINKED_CODE_LENGTH = 8

_TICKET_PATH = re.compile(r"^/t/([^/?#]+)/?$")


class CodeKind(enum.StrEnum):
    #: a ticket URL (`https://<host>/t/<code>`): only a ticket can match
    TICKET = "ticket"
    #: a bare typed or scanned code: a ticket code or a guest-card code
    CODE = "code"


@dataclass(frozen=True)
class ScannedCode:
    """What the scanner read, reduced to a canonical code and where it can belong."""

    kind: CodeKind
    code: str


def parse_code(raw: str | None) -> ScannedCode | None:
    """Read a ticket URL (any host), a bare code (any case, dashes and spaces forgiven) or None.

    A URL whose path is `/t/<code>` is a ticket; any other http(s) URL offers its last path segment
    as a code when it is long enough (a guest card's QR may hold a link); text that is not a code at
    all gives None.
    """
    text = (raw or "").strip()
    if not text or len(text) > MAX_RAW_LENGTH:
        return None
    if "://" in text:
        try:
            parts = urlsplit(text)
        except ValueError:  # e.g. a broken IPv6 host
            return None
        if parts.scheme.lower() not in ("http", "https"):
            return None
        path = unquote(parts.path)
        match = _TICKET_PATH.match(path)
        if match:
            code = codes.normalize(match.group(1))
            return ScannedCode(CodeKind.TICKET, code) if code else None
        segment = path.rstrip("/").rsplit("/", 1)[-1]
        code = codes.normalize(segment)
        return ScannedCode(CodeKind.CODE, code) if code and len(code) >= MIN_LINKED_CODE_LENGTH else None
    code = codes.normalize(text)
    return ScannedCode(CodeKind.CODE, code) if code else None


#: A short door code (printed next to the QR) is 6 to 8 characters and unique only within its event.
DOOR_CODE_LENGTHS = range(6, 9)


def may_be_door_code(scanned: ScannedCode | None, event_id: int | None) -> bool:
    """Tell whether a typed code may be a short door code: the right length, and the event is known."""
    return (scanned is not None and event_id is not None and scanned.kind is CodeKind.CODE
            and len(scanned.code) in DOOR_CODE_LENGTHS)


#: The length of a ticket code (`registrations.rows.TICKET_BITS` in the typeable alphabet).
TICKET_CODE_LENGTH = codes.length(TICKET_BITS)


def ticket_first(scanned: ScannedCode | None, event_id: int | None) -> bool:
    """Tell whether the door looks a scanned code up as a ticket before offering it to the other domains
    (guest cards): a ticket URL, a code of a ticket's length, or a door code's with the event known.

    Any other code (a guest card's is shorter) is offered first and then still tried as a ticket, so a
    ticket code of another length is found all the same; a card scan no longer pays a ticket lookup.
    """
    return (scanned is None or scanned.kind is CodeKind.TICKET or len(scanned.code) == TICKET_CODE_LENGTH
            or may_be_door_code(scanned, event_id))


class Window(enum.StrEnum):
    """Where a moment falls relative to an event's check-in window."""

    OPEN = "open"
    #: another day than the event's (before it)
    WRONG_DAY = "wrong_day"
    #: the event's day, but the window has not opened yet
    NOT_OPEN_YET = "not_open_yet"
    #: the window has closed
    OVER = "over"


@dataclass(frozen=True)
class CheckInWindowTimes:
    """When check-in for an event opens and closes (aware datetimes)."""

    opens_at: datetime
    closes_at: datetime


def window_times(starts_at: datetime, ends_at: datetime, *, opens_before: timedelta | None = None,
                 closes_after: timedelta | None = None) -> CheckInWindowTimes:
    """Return an event's check-in window from its times and the (optional) per-event offsets."""
    before = DEFAULT_OPENS_BEFORE if opens_before is None else opens_before
    after = DEFAULT_CLOSES_AFTER if closes_after is None else closes_after
    return CheckInWindowTimes(opens_at=starts_at - before, closes_at=ends_at + after)


def window_state(now: datetime, window: CheckInWindowTimes, *, starts_at: datetime, tz: tzinfo) -> Window:
    """Tell whether check-in is open at `now`; if not, say why (wrong day, not yet, over)."""
    if now > window.closes_at:
        return Window.OVER
    if now >= window.opens_at:
        return Window.OPEN
    if now.astimezone(tz).date() != starts_at.astimezone(tz).date():
        return Window.WRONG_DAY
    return Window.NOT_OPEN_YET


class Refusal(enum.StrEnum):
    """Why a ticket does not let its holder in (the API's error codes)."""

    REGISTRATION_CANCELLED = "registration_cancelled"
    TICKET_REVOKED = "ticket_revoked"
    WAITLISTED = "waitlisted"
    EVENT_CANCELLED = "event_cancelled"
    OUTSIDE_CHECKIN_WINDOW = "outside_checkin_window"


def refusal(*, registration_status: str, ticket_revoked: bool, event_cancelled: bool,
            window: Window) -> Refusal | None:
    """Return why a registration may not be checked in now, or None when it may.

    The order is the one that explains best: a cancelled registration says more than a closed window.
    """
    if registration_status == "cancelled":
        return Refusal.REGISTRATION_CANCELLED
    if ticket_revoked:
        return Refusal.TICKET_REVOKED
    if registration_status == "waitlisted":
        return Refusal.WAITLISTED
    if event_cancelled:
        return Refusal.EVENT_CANCELLED
    if window is not Window.OPEN:
        return Refusal.OUTSIDE_CHECKIN_WINDOW
    return None






def age_outside_limits(age: int | None, min_age: int | None, max_age: int | None) -> bool:
    """Tell whether a known age breaks an event's age limits (an unknown age never does)."""
    if age is None:
        return False
    return (min_age is not None and age < min_age) or (max_age is not None and age > max_age)


# ------------------------------------------------------------------------------------------------
# Offline scanning: the phone decides from a downloaded list with these same rules
# (anticafe/static/js/door-rules.js is their JavaScript twin; tests/unit/door_rules_cases.json is
# the one table of cases both must agree on).

#: The offline list keeps a hash of each ticket code, never the code: SHA-256 of this prefix + the code.
OFFLINE_HASH_PREFIX = "anticafe-ticket:"
#: The phone deletes an event's list this long after check-in closes.
OFFLINE_KEEP_AFTER = timedelta(hours=6)
#: A phone's clock may run this much ahead of the server's before its `scanned_at` counts as "in the future".
SCANNED_AT_CLOCK_SKEW = timedelta(minutes=2)

#: Age bands the door shows offline (the list carries a band, not the birth date or age).
AGE_BANDS = (("under_14", None, 13), ("14_17", 14, 17), ("18_plus", 18, None))
UNKNOWN_AGE_BAND = "unknown"


def offline_hash(code: str) -> str:
    """Return the hash the offline list keeps for a canonical ticket code (hex SHA-256)."""
    return hashlib.sha256((OFFLINE_HASH_PREFIX + code).encode()).hexdigest()


def age_band(age: int | None) -> str:
    """Return the age band of a known age ("unknown" when there is none)."""
    if age is None:
        return UNKNOWN_AGE_BAND
    for key, low, high in AGE_BANDS:
        if (low is None or age >= low) and (high is None or age <= high):
            return key
    raise AssertionError("age bands must cover every age")


def short_name(name: str) -> str:
    """Return a first name and the initial of the last word: "Алина Морозова" -> "Алина М."."""
    words = (name or "").split()
    if not words:
        return ""
    if len(words) == 1:
        return words[0]
    return f"{words[0]} {words[-1][0]}."


def scan_decision(*, found: bool, ticket_event_id: int | None = None, event_id: int | None = None,
                  checked_in: bool = False, registration_status: str = "confirmed", ticket_revoked: bool = False,
                  event_cancelled: bool = False, window: Window = Window.OPEN) -> str:
    """Return what a scanned ticket comes to: checked_in, already_checked_in, or the refusal's code.

    The server's order: an unknown code; a cancelled registration (said as such, whatever event is
    being checked in); a ticket for another event than the one being checked in; a standing check-in
    (even if the registration changed since); then `refusal`.
    """
    if not found:
        return "unknown_code"
    if registration_status == "cancelled" and not checked_in:
        return Refusal.REGISTRATION_CANCELLED.value
    if event_id is not None and ticket_event_id != event_id:
        return "wrong_event"
    if checked_in:
        return "already_checked_in"
    reason = refusal(registration_status=registration_status, ticket_revoked=ticket_revoked,
                     event_cancelled=event_cancelled, window=window)
    return reason.value if reason is not None else "checked_in"


class ScannedAtProblem(enum.StrEnum):
    """Why an offline scan's moment cannot be taken as it is."""

    IN_FUTURE = "scanned_at_in_future"


def scanned_at_problem(scanned_at: datetime, now: datetime) -> ScannedAtProblem | None:
    """Tell whether an offline scan's moment is impossible (later than now beyond the clock skew).

    A moment before the event's window is no problem of its own: the window refuses it like any scan.
    """
    if scanned_at > now + SCANNED_AT_CLOCK_SKEW:
        return ScannedAtProblem.IN_FUTURE
    return None
