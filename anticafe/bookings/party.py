"""The party at the door: checking a booking in starts the timed visits of its party (zones without a
fixed price) on the booker's group bill, or bills the fixed price; guests may join later."""


from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import select

from ..accounts.models import User
from ..db import utcnow
from ..errors import DomainError, ValidationFailed
from ..extensions import db
from ..payments import PaymentMethod
from ..visits import checkout as visits_checkout
from ..visits import clock as visits_clock
from . import rules
from .models import Booking, BookingStatus, PartyVisit
from .services import CHECK_IN_EARLY, locked, touch, wrong_state


def check_in(booking: Booking, staff: User, guests: int | None = None) -> Booking:
    """Let the party in: the booking starts.

    A fixed-price booking gets its bill (price per hour × hours). In a zone without a price the
    party's timed visits start, `guests` of them (the party size by default), the booker's first:
    they are paid later on one group bill (`pay_party`).
    """
    locked(booking)
    if booking.status != BookingStatus.CONFIRMED:
        raise wrong_state(booking)
    now = utcnow()
    if now < booking.starts_at - CHECK_IN_EARLY:
        raise DomainError("too_early", lazy_ngettext("Check-in opens %(num)s minute before the start.",
                                                     "Check-in opens %(num)s minutes before the start.",
                                                     int(CHECK_IN_EARLY.total_seconds() // 60)))
    if now >= booking.ends_at:
        raise DomainError("booking_over", _l("This booking has already ended."))
    count = booking.party_size if guests is None else guests
    if booking.price_per_hour is None and not 1 <= count <= booking.zone.capacity:
        raise ValidationFailed({"guests": [_l("Between 1 and %(n)s people.", n=booking.zone.capacity)]})
    booking.status = BookingStatus.CHECKED_IN.value
    booking.checked_in_at, booking.checked_in_by_id = now, staff.id
    if booking.price_per_hour is not None:
        booking.amount = rules.price_for(booking.price_per_hour, booking.starts_at, booking.ends_at)
    touch(booking)
    db.session.flush()
    if booking.price_per_hour is None:
        _start_booker_visit(booking, staff)
        for _ in range(count - 1):
            _start_guest_visit(booking, staff)
    return booking


def _link(booking: Booking, visit) -> None:
    if db.session.scalar(select(PartyVisit).where(PartyVisit.visit_id == visit.id)) is not None:
        return  # the booker came in with another booking's party already; that bill covers them
    position = max((link.position for link in booking.party), default=0) + 1
    booking.party.append(PartyVisit(visit_id=visit.id, position=position))
    db.session.flush()


def _start_booker_visit(booking: Booking, staff: User) -> None:
    """Start the booker's visit (or take the one already running: they may have come in by card)."""
    if booking.user is None:
        _link(booking, visits_clock.start_walk_in(name=booking.booker_name[:120], phone=None, staff=staff))
        return
    try:
        visit = visits_clock.start_visit(user=booking.user, staff=staff)
    except DomainError as error:
        if error.code != "visit_already_active":
            raise
        visit = visits_clock.open_visit_for(booking.user)
    _link(booking, visit)


def _start_guest_visit(booking: Booking, staff: User):
    """Start one more guest's visit in the party: a walk-in named after the booker ("Маша Орлова +2")."""
    number = len(booking.party)
    visit = visits_clock.start_walk_in(name=f"{booking.booker_name[:110]} +{number}", phone=None, staff=staff)
    _link(booking, visit)
    return visit


def add_party_guest(booking: Booking, staff: User):
    """Start the visit of a guest of the party who came later; return it."""
    locked(booking)
    if booking.status != BookingStatus.CHECKED_IN or booking.price_per_hour is not None:
        raise wrong_state(booking)
    if len(booking.party) >= booking.zone.capacity:
        raise DomainError("zone_full", _l("The zone holds at most %(n)s people.", n=booking.zone.capacity))
    return _start_guest_visit(booking, staff)


def party_visits(booking: Booking) -> list:
    """Return the party's visits, the booker's first."""
    return [link.visit for link in booking.party]


def party_bill(booking: Booking):
    """Return the group bill the party's visits were paid with (the booker's), or None."""
    return next((link.visit.bill for link in booking.party if link.visit.bill is not None), None)


def pay_party(booking: Booking, staff: User, method: str, note: str | None = None):
    """The booker pays for the whole party at once: stop the visits still running and put the unpaid
    ones on one group bill, the booker's visit first (so the booker is the payer). Return the bill, or
    None when every visit turned out free (the grace period)."""
    locked(booking)
    party = party_visits(booking)
    if not party or all(visit.status == "paid" for visit in party):
        raise DomainError("nothing_to_pay", _l("This booking has no bill to pay."))
    for visit in party:
        if visit.is_open:
            visits_clock.stop_visit(visit, staff=staff)
    for visit in party:
        db.session.refresh(visit)
    unpaid = [visit for visit in party if visit.status != "paid"]
    return visits_checkout.pay_together(unpaid, staff=staff, method=method, note=note) if unpaid else None


def mark_paid(booking: Booking, staff: User, method: str) -> Booking:
    """Record the payment of a fixed-price booking's bill."""
    locked(booking)
    if booking.amount is None:
        raise DomainError("nothing_to_pay", _l("This booking has no bill to pay."))
    if booking.paid_at is not None:
        raise DomainError("already_paid", _l("This bill is already paid."))
    booking.payment_method = PaymentMethod(method).value
    booking.paid_at = utcnow()
    touch(booking)
    db.session.flush()
    return booking
