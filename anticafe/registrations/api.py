"""Registrations API: register, see and cancel registrations; the staff list of an event."""

from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..accounts.access_log import log_access
from ..accounts.models import User
from ..api.spec import api_blueprint, endpoint
from ..auth import Access
from ..errors import DomainError
from ..events.models import Event
from ..extensions import db
from ..timeutil import to_venue
from . import rules, services
from .models import Registration
from .schemas import EventBrief, EventRegistrations, PersonBrief, RegisterIn, RegistrationList, RegistrationOut

bp = api_blueprint("registrations_api", __name__)

REGISTER_ERRORS = [
    (403, "forbidden", "a visitor sent another person's user_id"),
    (404, "not_found", "no such event (or person)"),
    (409, "already_registered", "the person has an active registration for this event"),
    (422, "age_restricted", "the person's age on the event's day is outside its limits, or unknown"),
    (422, "registration_closed", "outside the registration window, not published, or over"),
    (422, "event_cancelled", "the event is cancelled"),
]


def registration_out(registration: Registration) -> RegistrationOut:
    """Return the JSON shape of a registration (times in venue time)."""
    event, user = registration.event, registration.user
    return RegistrationOut(
        id=registration.id, event_id=registration.event_id, user_id=registration.user_id,
        status=registration.status, waitlist_position=registration.waitlist_position,
        ticket_url=services.ticket_url(registration), qr_png_url=services.qr_url(registration, "png"),
        qr_svg_url=services.qr_url(registration, "svg"), source=registration.source,
        created_at=to_venue(registration.created_at),
        confirmed_at=to_venue(registration.confirmed_at) if registration.confirmed_at else None,
        cancelled_at=to_venue(registration.cancelled_at) if registration.cancelled_at else None,
        event=EventBrief(id=event.id, title=event.title, starts_at=to_venue(event.starts_at),
                         ends_at=to_venue(event.ends_at), status=event.status),
        user=PersonBrief(id=user.id, name=user.name, age=user.age_on(services.event_day(event))))


def _event_for(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None or (not event.published and not current_user.is_staff):
        raise DomainError("not_found", _l("No such event."), status=404)
    return event


def _own_registration(registration_id: int) -> Registration:
    registration = db.session.get(Registration, registration_id)
    if registration is None or not services.may_see(registration, current_user):
        raise DomainError("not_found", _l("No such registration."), status=404)
    return registration


@endpoint(bp, "/events/<int:event_id>/registrations", "POST", summary="Register for an event", body=RegisterIn,
          response=RegistrationOut, status=201, errors=REGISTER_ERRORS)
def register(event_id: int, body: RegisterIn):
    """Register yourself in one call; staff may send `{"user_id": N}` to register another person.

    Confirmed (with a ticket) while seats last, then `waitlisted` with a position; a waitlisted person
    is promoted automatically when a seat frees up.
    """
    user = current_user
    if body.user_id is not None and body.user_id != current_user.id:
        if not current_user.is_staff:
            raise DomainError("forbidden", _l("Only staff can register other people."), status=403)
        user = db.session.get(User, body.user_id)
        if user is None:
            raise DomainError("not_found", _l("No such person."), status=404)
    event = _event_for(event_id)
    registration = services.register(event, user, by=current_user)
    answer = registration_out(registration)  # before the commit expires (and would reload) the three rows
    db.session.commit()
    return answer, 201


@endpoint(bp, "/registrations/<int:registration_id>", summary="One registration", response=RegistrationOut,
          errors=[(404, "not_found", "no such registration, or not yours")])
def get_registration(registration_id: int):
    """Return a registration to its owner or to staff."""
    return registration_out(_own_registration(registration_id))


@endpoint(bp, "/registrations/<int:registration_id>", "DELETE", summary="Cancel a registration",
          response=RegistrationOut,
          errors=[(404, "not_found", "no such registration, or not yours"),
                  (422, "cancellation_closed", "a visitor's cut-off has passed (default: the event's start)")])
def cancel_registration(registration_id: int):
    """Cancel: the ticket is revoked, the seat goes to the first person on the waitlist. Repeating is harmless."""
    registration = _own_registration(registration_id)
    services.cancel(registration, by=current_user)
    db.session.commit()
    return registration_out(registration)


@endpoint(bp, "/me/registrations", summary="My registrations", response=RegistrationList)
def my_registrations():
    """Return the current person's registrations, soonest event first (cancelled ones included)."""
    return RegistrationList(items=[registration_out(r) for r in services.user_registrations(current_user)])


@endpoint(bp, "/events/<int:event_id>/registrations", summary="An event's registrations", access=Access.STAFF,
          response=EventRegistrations, errors=[(404, "not_found", "no such event")])
def event_registrations(event_id: int):
    """List an event's registrations for staff: confirmed, the waitlist in order, then cancelled."""
    event = _event_for(event_id)
    seats = services.counts(event.id)
    items = [registration_out(r) for r in services.event_registrations(event.id)]
    log_access("export_attendees", where="registrations_api.event_registrations", event_id=event.id, count=len(items))
    db.session.commit()
    return EventRegistrations(
        event_id=event.id, capacity=event.capacity, confirmed=seats.confirmed, waitlisted=seats.waitlisted,
        seats_left=rules.free_seats(event.capacity, seats.confirmed), items=items)
