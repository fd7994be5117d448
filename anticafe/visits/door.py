"""Where timed visits meet the door: a guest card starts or stops a visit, a `timed` event's check-in
starts one, and undoing that check-in cancels it. `connect` hooks them to the door's signals."""

from .. import signals
from . import services


def card_code_handler(code: str, *, staff, device, event_id, log, **_) -> dict | None:
    """Answer a scanned guest card (None when the code is not a card)."""
    answer = services.card_scan_answer(code, staff=staff, device=device)
    if answer is not None:
        log.user_id = answer["visit"]["user_id"]
    return answer


def after_check_in(checkin, *, ticket, staff, **_) -> dict | None:
    """A check-in to a timed event starts the visitor's paid visit."""
    return services.timed_check_in(ticket.registration, staff=staff)


def after_undo(checkin, *, staff, **_) -> None:
    """Undoing such a check-in cancels the visit it started (kept in the visit's history)."""
    services.timed_check_in_undone(checkin.registration_id, staff=staff)


def connect() -> None:
    """Hear the door: guest cards, and check-ins to `timed` events."""
    signals.code_scanned.connect(card_code_handler)
    signals.checked_in.connect(after_check_in)
    signals.check_in_undone.connect(after_undo)
