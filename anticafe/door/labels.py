"""Words for the door's results and sources, shared by the pages, the scanner's script and the log."""

from flask_babel import lazy_gettext as _l

#: Headline of each answer (results and refusal codes).
RESULT_LABELS = {
    "checked_in": _l("Checked in"),
    "already_checked_in": _l("Already checked in"),
    "undone": _l("Check-in undone"),
    "visit_started": _l("Visit started"),
    "visit_stopped": _l("Visit stopped"),
    "unknown_code": _l("Unknown code"),
    "registration_cancelled": _l("Registration cancelled"),
    "ticket_revoked": _l("Ticket revoked"),
    "waitlisted": _l("On the waitlist"),
    "event_cancelled": _l("Event cancelled"),
    "outside_checkin_window": _l("Check-in closed"),
    "wrong_event": _l("Another event"),
    "event_full": _l("The event is full"),
    "age_restricted": _l("Age limit"),
    "already_registered": _l("Already registered"),
    "registration_not_found": _l("Not found"),
    "checkin_not_found": _l("Not found"),
    "person_not_found": _l("Not found"),
    "event_not_found": _l("Not found"),
    "validation_error": _l("Check the input"),
    "scanned_at_in_future": _l("Wrong time on the phone"),
}

#: The colour of each answer: ok (green), warn (amber), bad (red, the default).
RESULT_TONES = {
    "checked_in": "ok",
    "visit_started": "ok",
    "visit_stopped": "ok",
    "already_checked_in": "warn",
    "undone": "warn",
}

SOURCE_LABELS = {
    "camera": _l("Camera"),
    "photo": _l("Photo"),
    "typed": _l("Typed"),
    "manual": _l("Search"),
    "walk_in": _l("Walk-in"),
    "undo": _l("Undo"),
    "api": _l("API"),
}

REGISTRATION_STATUS_LABELS = {
    "confirmed": _l("Confirmed"),
    "waitlisted": _l("On the waitlist"),
    "cancelled": _l("Cancelled"),
}

WINDOW_LABELS = {
    "open": _l("Check-in is open"),
    "wrong_day": _l("Check-in is not today"),
    "not_open_yet": _l("Check-in is not open yet"),
    "over": _l("Check-in is over"),
}


def result_label(result: str) -> str:
    """Return the words for a result or refusal code (the code itself when unknown)."""
    label = RESULT_LABELS.get(result)
    return str(label) if label is not None else result


def result_tone(result: str) -> str:
    return RESULT_TONES.get(result, "bad")
