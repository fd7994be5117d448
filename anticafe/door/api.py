"""The door's JSON API: scan, manual check-in, undo, walk-ins, attendance and the searches the scanner uses."""

from flask_login import current_user

from ..accounts.access_log import log_access, log_search
from ..api.spec import api_blueprint, endpoint
from ..auth import Access
from ..extensions import db
from . import attendance as door_attendance
from . import offline, services, tickets
from .schemas import (
    AttendanceOut,
    AttendanceQuery,
    AttendeesOut,
    CheckInIn,
    CheckInOut,
    ManualCheckInIn,
    OfflineListOut,
    PeopleOut,
    SearchQuery,
    UndoIn,
    UndoOut,
    WalkInIn,
)

bp = api_blueprint("door_api", __name__)

REFUSALS = [
    (404, "unknown_code", "the code matches no ticket (or guest card)"),
    (409, "registration_cancelled", "the registration was cancelled"),
    (409, "ticket_revoked", "the ticket was revoked"),
    (409, "waitlisted", "the person is on the waitlist"),
    (409, "event_cancelled", "the event is cancelled"),
    (409, "outside_checkin_window", "wrong day, check-in not open yet, or the event is over (see error.window)"),
    (409, "wrong_event", "the ticket is for another event than event_id"),
]


def answer(outcome: tickets.Outcome):
    """Commit the door action and answer its JSON (a result or an error, with the first answer's status)."""
    db.session.commit()
    return outcome.body, outcome.status


@endpoint(bp, "/checkin", "POST", access=Access.STAFF, body=CheckInIn, response=CheckInOut,
          summary="Check in by what the QR holds",
          errors=[*REFUSALS, (422, "scanned_at_in_future", "an offline scan's scanned_at is later than now")])
def check_in(body: CheckInIn):
    """Check a ticket in (or start/stop a timed visit for a guest card).

    A second scan of the same ticket answers 200 `already_checked_in` with the first check-in's time,
    staff and device. Refusals carry the registration, event and person in `error` when the code was a
    ticket. A retry with the same `nonce` answers exactly what the first request answered.

    A scan decided offline is uploaded with `offline: true`, `scanned_at` and `offline_result`: it is
    judged and recorded at `scanned_at`. When two phones let the same ticket in offline, the first to
    reach the server is kept; the other answers `already_checked_in` with `conflict: true`, and the scan
    log and the event's attendance page list the conflict.
    """
    offline_scan = services.OfflineScan(body.scanned_at, body.offline_result) if body.offline else None
    return answer(services.scan(body.code, staff=current_user, device=body.device, event_id=body.event_id,
                                nonce=body.nonce, source=body.source, offline=offline_scan))


@endpoint(bp, "/checkins", "POST", access=Access.STAFF, body=ManualCheckInIn, response=CheckInOut,
          summary="Check in a registration found by search",
          errors=[(404, "registration_not_found", "no such registration"), *REFUSALS[1:]])
def manual_check_in(body: ManualCheckInIn):
    """Check in a registration the staff found by name, phone or email (same rules as a scan)."""
    return answer(services.manual_check_in(body.registration_id, staff=current_user, device=body.device,
                                           nonce=body.nonce))


@endpoint(bp, "/checkins/<int:checkin_id>", "DELETE", access=Access.STAFF, body=UndoIn, response=UndoOut,
          summary="Undo a check-in", errors=[(404, "checkin_not_found", "no such check-in")])
def undo_check_in(checkin_id: int, body: UndoIn):
    """Undo a check-in made by mistake; it stays listed (with `undone_at`) and the undo is logged."""
    return answer(services.undo_check_in(checkin_id, staff=current_user, device=body.device))


@endpoint(bp, "/events/<int:event_id>/attendance", access=Access.STAFF, query=AttendanceQuery,
          response=AttendanceOut, summary="An event's attendance",
          errors=[(404, "event_not_found", "no such event")])
def attendance(event_id: int, query: AttendanceQuery):
    """Count checked-in, confirmed and waitlisted people and people inside now; list the check-ins."""
    return door_attendance.attendance(event_id, limit=query.limit).payload()


@endpoint(bp, "/events/<int:event_id>/attendees", access=Access.STAFF, query=SearchQuery, response=AttendeesOut,
          summary="Search an event's registrations")
def attendees(event_id: int, query: SearchQuery):
    """Find an event's registrations by name, phone or email, with their check-in (confirmed first)."""
    found = [a.payload() for a in door_attendance.search_attendees(event_id, query.q)]
    log_access("export_attendees", where="door_api.attendees", event_id=event_id, count=len(found))
    db.session.commit()
    return {"items": found}


@endpoint(bp, "/events/<int:event_id>/walk-ins", "POST", access=Access.STAFF, body=WalkInIn, response=CheckInOut,
          status=201, summary="Register someone on the spot and check them in",
          errors=[(404, "event_not_found", "no such event"), (404, "person_not_found", "no such person"),
                  (409, "event_full", "no seat left; send override_reason to let them in anyway"),
                  (422, "age_restricted", "outside the event's age limits; override_reason lets them in"),
                  (409, "event_cancelled", "the event is cancelled"),
                  (409, "outside_checkin_window", "check-in is not open"),
                  (409, "already_registered", "registered a moment ago by someone else")])
def walk_in(event_id: int, body: WalkInIn):
    """Register an existing person (`user_id`) or a new guest profile (`name`, `phone`, `birth_date`).

    A person already confirmed is simply checked in; one on the waitlist is confirmed in place. The
    capacity is checked under the event's row lock; staff may override it with a reason, kept in the log.
    """
    data = services.WalkIn(event_id=event_id, user_id=body.user_id, name=body.name, phone=body.phone,
                           birth_date=body.birth_date, override_reason=body.override_reason)
    return answer(services.walk_in(data, staff=current_user, device=body.device, nonce=body.nonce))


@endpoint(bp, "/door/people", access=Access.STAFF, query=SearchQuery, response=PeopleOut,
          summary="Find people for a walk-in")
def people(query: SearchQuery):
    """Find accounts and guest profiles by name, phone or email, with their registration for `event_id`."""
    found = door_attendance.search_people(query.q, event_id=query.event_id)
    log_search(len(found), "door_api.people")
    return {"items": found}



@endpoint(bp, "/events/<int:event_id>/offline-list", access=Access.STAFF, response=OfflineListOut,
          summary="What a door phone keeps to check an event in offline",
          errors=[(404, "event_not_found", "no such event")])
def offline_list(event_id: int):
    """Return the event's tickets as hashes of their codes (never the codes), with first name and initial,
    age band, status, revocation and check-in time; the scanner page refreshes it every minute while online.
    """
    return offline.offline_list(event_id)
