"""Bookings API: zones, availability, bookings and their decisions, closures."""

from datetime import UTC, datetime

from flask import abort, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..accounts.models import User
from ..api.spec import api_blueprint, endpoint
from ..auth import Access
from ..errors import DomainError
from ..extensions import db
from ..timeutil import from_venue, to_venue, venue_today
from ..venue.models import Closure, Zone
from . import availability as zone_slots
from . import party as parties
from . import services
from .models import Booking
from .schemas import (
    AvailabilityOut,
    AvailabilityQuery,
    BookingCreated,
    BookingIn,
    BookingList,
    BookingOut,
    BookingsQuery,
    CheckInIn,
    ClosureIn,
    ClosureList,
    ClosureOut,
    DecisionIn,
    PaymentIn,
    SlotOut,
    ZoneIn,
    ZoneList,
    ZoneOut,
    ZonePatch,
)
from .zones import ZoneData, all_zones, get_zone, save_zone

bp = api_blueprint("bookings_api", __name__)

NO_BOOKING = _l("No such booking.")

BOOKING_ERRORS = [
    (404, "not_found", "no such zone"),
    (409, "slot_taken", "the time (with the cleaning buffer) overlaps a confirmed booking or an event"),
    (409, "zone_closed", "the zone or the café is closed then"),
    (409, "already_requested", "the same person already asked for this zone at this time"),
    (409, "too_many_open_requests", "the visitor has too many requests waiting for an answer"),
    (422, "outside_opening_hours", "the café is not open for the whole time"),
    (422, "party_too_large", "more people than the zone holds"),
    (422, "in_the_past", "the time has already begun"),
    (422, "too_far_ahead", "visitors may book only BOOKING_MAX_DAYS_AHEAD days ahead"),
    (422, "zone_not_bookable", "the zone cannot be booked"),
]


def money(value) -> str | None:
    return None if value is None else f"{value:.2f}"


def venue_time(moment: datetime) -> datetime:
    return to_venue(moment)


def as_utc(moment: datetime) -> datetime:
    """Read an API time: with an offset as given, without one as venue wall-clock time."""
    if moment.tzinfo is None:
        return from_venue(moment)
    return moment.astimezone(UTC)


def zone_out(zone: Zone) -> ZoneOut:
    photo = url_for("bookings.photo", zone_id=zone.id) if zone.photo else None
    return ZoneOut(id=zone.id, name=zone.name, description=zone.description, capacity=zone.capacity,
                   bookable=zone.bookable, price_per_hour=money(zone.price_per_hour), photo_url=photo)


def booking_out(booking: Booking, model=BookingOut, **extra) -> BookingOut:
    return model(
        id=booking.id, zone_id=booking.zone_id, zone_name=booking.zone.name, user_id=booking.user_id,
        booker_name=booking.booker_name, contact=booking.contact, party_size=booking.party_size,
        purpose=booking.purpose, starts_at=venue_time(booking.starts_at), ends_at=venue_time(booking.ends_at),
        status=booking.status, staff_message=booking.staff_message, price_per_hour=money(booking.price_per_hour),
        amount=money(booking.amount), paid=_paid(booking), series_id=booking.series_id,
        visit_ids=[link.visit_id for link in booking.party],
        bill_id=bill.id if (bill := parties.party_bill(booking)) is not None else None,
        can_cancel=services.may_cancel(booking, current_user), created_at=venue_time(booking.created_at), **extra)


def _paid(booking: Booking) -> bool:
    if booking.price_per_hour is not None:
        return booking.paid_at is not None
    return bool(booking.party) and all(link.visit.status == "paid" for link in booking.party)


def visible_booking(booking_id: int) -> Booking:
    """Return a booking its booker or staff may see; 404 for anyone else."""
    booking = db.session.get(Booking, booking_id)
    if booking is None or not (current_user.is_staff or booking.user_id == current_user.id):
        raise DomainError("not_found", NO_BOOKING, status=404)
    return booking


def staff_booking(booking_id: int) -> Booking:
    booking = db.session.get(Booking, booking_id)
    if booking is None:
        raise DomainError("not_found", NO_BOOKING, status=404)
    return booking


@endpoint(bp, "/zones", summary="The café's zones", access=Access.PUBLIC, response=ZoneList)
def list_zones():
    """Return every zone with its capacity, whether it can be booked and its price per hour."""
    return ZoneList(items=[zone_out(z) for z in all_zones()])


@endpoint(bp, "/zones", "POST", summary="Add a zone", access=Access.ADMIN, body=ZoneIn, response=ZoneOut,
          status=201)
def create_zone(body: ZoneIn):
    """Create a zone (admins)."""
    zone = save_zone(None, ZoneData(**body.model_dump()))
    db.session.commit()
    return zone_out(zone), 201


@endpoint(bp, "/zones/<int:zone_id>", "PATCH", summary="Change a zone", access=Access.ADMIN, body=ZonePatch,
          response=ZoneOut, errors=[(404, "not_found", "no such zone")])
def update_zone(zone_id: int, body: ZonePatch):
    """Change the members given (admins)."""
    zone = get_zone(zone_id)
    current = ZoneData(name=zone.name, capacity=zone.capacity, bookable=zone.bookable,
                                description=zone.description, price_per_hour=zone.price_per_hour)
    for key, value in body.model_dump(exclude_unset=True).items():
        if value is not None or key == "price_per_hour":
            setattr(current, key, value)
    save_zone(zone, current)
    db.session.commit()
    return zone_out(zone)


@endpoint(bp, "/zones/<int:zone_id>/availability", summary="A zone's free and busy slots on a day",
          access=Access.PUBLIC, query=AvailabilityQuery, response=AvailabilityOut,
          errors=[(404, "not_found", "no such zone")])
def availability(zone_id: int, query: AvailabilityQuery):
    """Return the day's slot grid; a slot is free when a booking of it would be accepted now."""
    if services.release_no_shows():
        db.session.commit()
    zone = get_zone(zone_id)
    slots = zone_slots.availability(zone, query.date) if zone.bookable else []
    return AvailabilityOut(zone_id=zone.id, date=query.date, slots=[
        SlotOut(start=venue_time(zone_slots.aware(s.start)), end=venue_time(zone_slots.aware(s.end)), free=s.free,
                past=s.past)
        for s in slots])


@endpoint(bp, "/bookings", "POST", summary="Ask for (visitors) or make (staff) a booking", access=Access.USER,
          body=BookingIn, response=BookingCreated, status=201, errors=BOOKING_ERRORS)
def create_booking(body: BookingIn):
    """A visitor's booking is `requested` until staff confirm it; a staff member's is `confirmed` at once."""
    data = services.BookingData(zone_id=body.zone_id, starts_at=as_utc(body.starts_at), ends_at=as_utc(body.ends_at),
                                party_size=body.party_size, purpose=body.purpose, contact=body.contact,
                                booker_name=body.booker_name)
    if not current_user.is_staff:
        booking = services.request_booking(current_user, data)
        db.session.commit()
        return booking_out(booking, BookingCreated), 201
    booker = None
    if body.user_id is not None:
        booker = db.session.get(User, body.user_id)
        if booker is None:
            raise DomainError("not_found", _l("No such person."), status=404)
    elif not body.booker_name:
        data.booker_name = current_user.name
    result = services.book_weekly(current_user, data, body.repeat_weeks, booker=booker,
                                  skip_conflicts=body.skip_conflicts, message=body.message)
    db.session.commit()
    return booking_out(result.created[0], BookingCreated, occurrences=len(result.created),
                       skipped_dates=result.skipped), 201


@endpoint(bp, "/bookings", summary="Bookings of a day (staff)", access=Access.STAFF, query=BookingsQuery,
          response=BookingList)
def list_bookings(query: BookingsQuery):
    """Return the bookings overlapping a venue-local day, optionally of one zone and one status."""
    if services.release_no_shows():
        db.session.commit()
    start, end = zone_slots.day_bounds(query.date or venue_today())
    statuses = (query.status,) if query.status else tuple(s.value for s in services.BookingStatus)
    found = services.bookings_between(start, end, statuses=statuses, zone_id=query.zone_id)
    return BookingList(items=[booking_out(b) for b in found])


@endpoint(bp, "/me/bookings", summary="My bookings", access=Access.USER, response=BookingList)
def my_bookings():
    """Return the current person's bookings of the last 90 days and the future: coming soonest first, then past."""
    if services.release_no_shows():
        db.session.commit()
    return BookingList(items=[booking_out(b) for b in services.my_bookings(current_user)])


@endpoint(bp, "/bookings/<int:booking_id>", summary="One booking", access=Access.USER, response=BookingOut,
          errors=[(404, "not_found", "no such booking, or not yours")])
def get_booking(booking_id: int):
    """Return a booking to its booker or to staff."""
    return booking_out(visible_booking(booking_id))


def _decide(booking_id: int, action) -> BookingOut:
    booking = staff_booking(booking_id)
    action(booking)
    db.session.commit()
    return booking_out(booking)


STATE_ERRORS = [(404, "not_found", "no such booking"), (409, "wrong_status", "not possible in this status")]


@endpoint(bp, "/bookings/<int:booking_id>/confirm", "POST", summary="Confirm a request (staff)",
          access=Access.STAFF, body=DecisionIn, response=BookingOut,
          errors=[*STATE_ERRORS, (409, "slot_taken", "another booking or an event holds the time now"),
                  (409, "zone_closed", "the zone is closed then"), (422, "in_the_past", "the time has begun")])
def confirm(booking_id: int, body: DecisionIn):
    """Confirm a requested booking, with an optional message; the booker is notified."""
    return _decide(booking_id, lambda b: services.confirm(b, current_user, body.message))


@endpoint(bp, "/bookings/<int:booking_id>/decline", "POST", summary="Decline a request (staff)",
          access=Access.STAFF, body=DecisionIn, response=BookingOut, errors=STATE_ERRORS)
def decline(booking_id: int, body: DecisionIn):
    """Decline a requested booking, with a message; the booker is notified."""
    return _decide(booking_id, lambda b: services.decline(b, current_user, body.message))


@endpoint(bp, "/bookings/<int:booking_id>/cancel", "POST", summary="Cancel a booking", access=Access.USER,
          body=DecisionIn, response=BookingOut,
          errors=[*STATE_ERRORS, (409, "cancel_too_late", "past the visitor's cut-off before the start")])
def cancel(booking_id: int, body: DecisionIn):
    """The booker may cancel until the cut-off (BOOKING_CANCEL_CUTOFF_HOURS before the start); staff any time."""
    booking = visible_booking(booking_id)
    services.cancel(booking, current_user, body.message if current_user.is_staff else None)
    db.session.commit()
    return booking_out(booking)


@endpoint(bp, "/bookings/<int:booking_id>/check-in", "POST", summary="Check a party in (staff)",
          access=Access.STAFF, body=CheckInIn, response=BookingOut,
          errors=[*STATE_ERRORS, (409, "too_early", "more than 30 minutes before the start"),
                  (409, "booking_over", "the booking has ended"),
                  (409, "venue_full", "starting the party's visits would exceed VENUE_CAPACITY")])
def check_in(booking_id: int, body: CheckInIn):
    """Mark the booking started. A fixed-price booking gets its `amount` (price per hour × hours); in a
    zone without a price, `guests` timed visits start (the booker's first), listed in `visit_ids`."""
    return _decide(booking_id, lambda b: parties.check_in(b, current_user, guests=body.guests))


@endpoint(bp, "/bookings/<int:booking_id>/release", "POST", summary="Release a no-show (staff)",
          access=Access.STAFF, response=BookingOut,
          errors=[*STATE_ERRORS, (409, "too_early_to_release", "the grace period after the start has not passed")])
def release(booking_id: int):
    """Free the zone of a confirmed booking nobody checked in within the grace period."""
    return _decide(booking_id, lambda b: services.release(b, current_user))


@endpoint(bp, "/bookings/<int:booking_id>/pay", "POST", summary="The booker pays (staff)",
          access=Access.STAFF, body=PaymentIn, response=BookingOut,
          errors=[(404, "not_found", "no such booking"), (409, "nothing_to_pay", "no bill"),
                  (409, "already_paid", "paid before")])
def pay(booking_id: int, body: PaymentIn):
    """Record the payment by cash, card or transfer: a fixed-price booking's bill, or, in a zone without a
    price, every unpaid visit of the party on one group bill in the booker's name (`bill_id`)."""

    def settle(booking: Booking) -> None:
        if booking.price_per_hour is None:
            parties.pay_party(booking, current_user, body.method)
        else:
            parties.mark_paid(booking, current_user, body.method)

    return _decide(booking_id, settle)


def closure_out(closure: Closure) -> ClosureOut:
    return ClosureOut(id=closure.id, zone_id=closure.zone_id, starts_at=venue_time(closure.starts_at),
                      ends_at=venue_time(closure.ends_at), reason=closure.reason, note=closure.note)


@endpoint(bp, "/closures", summary="Closures that have not ended (staff)", access=Access.STAFF,
          response=ClosureList)
def list_closures():
    """Return the coming and current closures, soonest first."""
    return ClosureList(items=[closure_out(c) for c in zone_slots.upcoming_closures()])


@endpoint(bp, "/closures", "POST", summary="Block a zone or the whole café (staff)", access=Access.STAFF,
          body=ClosureIn, response=ClosureOut, status=201,
          errors=[(409, "bookings_in_the_way", "confirmed bookings fall in the time; cancel them first")])
def create_closure(body: ClosureIn):
    """Close a zone (or with `zone_id` null the whole café) for holidays, maintenance or a private function."""
    if body.zone_id is not None:
        get_zone(body.zone_id)
    closure = zone_slots.add_closure(current_user, body.zone_id, as_utc(body.starts_at), as_utc(body.ends_at),
                                   body.reason, body.note)
    db.session.commit()
    return closure_out(closure), 201


@endpoint(bp, "/closures/<int:closure_id>", "DELETE", summary="Lift a closure (staff)", access=Access.STAFF,
          response={"type": "object"}, errors=[(404, "not_found", "no such closure")])
def delete_closure(closure_id: int):
    """Reopen what a closure blocked."""
    closure = db.session.get(Closure, closure_id) or abort(404)
    zone_slots.delete_closure(closure)
    db.session.commit()
    return {"deleted": closure_id}
