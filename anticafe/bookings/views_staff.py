"""Staff's booking pages: requests to answer, today's parties, day and week grids, booking directly
(also weekly), the booking card with check-in, release and the bill, and zone closures."""

from datetime import datetime, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..auth import Access, guard_blueprint
from ..errors import DomainError, run_service, show_errors
from ..extensions import db
from ..inputs import clean_next
from ..templating import template_helpers
from ..timeutil import venue_today
from ..venue.models import Closure
from ..visits.board import visit_json
from . import availability, services
from . import party as parties
from .forms import CheckInForm, ClosureForm, DecisionForm, PaymentForm, StaffBookingForm
from .models import OPEN, Booking, BookingSeries, BookingStatus
from .views import feed_url, lazy_release, parse_day
from .zones import all_zones

bp = Blueprint("bookings_staff", __name__, url_prefix="/staff/bookings")
guard_blueprint(bp, Access.STAFF)


def back(default: str) -> str:
    """Return the form's `next` if it points inside this site, else `default`."""
    return clean_next(request.form.get("next") or request.args.get("next"), default)


def annotate(cells: list) -> list[tuple]:
    """Pair each grid cell with whether its occupant starts there (the name is shown once)."""
    out, previous = [], None
    for cell in cells:
        out.append((cell, cell.occupant is not None and cell.occupant is not previous))
        previous = cell.occupant
    return out


def occupant_kind(occupant) -> str:
    """Tell what holds a grid cell: "booking", "event" or "closure"."""
    if isinstance(occupant, Booking):
        return "booking"
    if isinstance(occupant, Closure):
        return "closure"
    return "event"


def load(booking_id: int) -> Booking:
    return db.session.get(Booking, booking_id) or abort(404)


@bp.route("/")
def index():
    """Requests waiting for an answer, today's parties and what is coming up."""
    lazy_release()
    today = venue_today()
    start, end = availability.day_bounds(today)
    pending = services.pending_requests()
    clashes = {b.id: availability.clash(b.zone_id, b.starts_at, b.ends_at, exclude_booking_id=b.id) for b in pending}
    todays = services.bookings_between(start, end, statuses=(*OPEN, BookingStatus.RELEASED.value))
    upcoming = [b for b in services.bookings_between(end, end + timedelta(days=14),
                                                     statuses=(BookingStatus.CONFIRMED.value,))]
    zones = all_zones()
    return render_template("bookings/staff/index.html", pending=pending, clashes=clashes, todays=todays,
                           upcoming=upcoming, today=today, form=DecisionForm(), zones=zones,
                           feeds={z.id: feed_url(z) for z in zones})


@bp.route("/day")
def day():
    """Every zone side by side for one day: who holds which slot."""
    lazy_release()
    the_day = parse_day(request.args.get("date"), venue_today())
    zones = all_zones()
    grids = [annotate(availability.zone_grid(zone, the_day)) for zone in zones]
    rows = list(zip(*grids, strict=True)) if grids else []
    return render_template("bookings/staff/day.html", day=the_day, zones=zones, rows=rows,
                           hours=services.venue.hours_on(the_day), prev_day=the_day - timedelta(days=1),
                           next_day=the_day + timedelta(days=1), today=venue_today())


@bp.route("/week")
def week():
    """One zone's week, Monday to Sunday: who holds which slot."""
    lazy_release()
    zones = all_zones()
    if not zones:
        return render_template("bookings/staff/week.html", zones=[], zone=None, days=[], rows=[])
    zone_id = request.args.get("zone", type=int)
    zone = next((z for z in zones if z.id == zone_id), None) or next((z for z in zones if z.bookable), zones[0])
    the_day = parse_day(request.args.get("date"), venue_today())
    days = availability.week_days(the_day)
    by_time: dict = {}
    for index, day in enumerate(days):
        for cell, first in annotate(availability.zone_grid(zone, day)):
            by_time.setdefault(cell.start.time(), [None] * 7)[index] = (cell, first)
    rows = sorted(by_time.items())
    return render_template("bookings/staff/week.html", zones=zones, zone=zone, days=days, rows=rows,
                           prev_week=days[0] - timedelta(days=7), next_week=days[0] + timedelta(days=7),
                           today=venue_today())


@bp.route("/new", methods=["GET", "POST"])
def new():
    """Book a zone directly (confirmed at once), once or every week."""
    form = StaffBookingForm()
    zones = all_zones(bookable_only=True)
    form.zone.choices = [SelectChoice(z.id, f"{z.name} ({z.capacity})") for z in zones]
    if request.method == "GET":
        form.zone.data = request.args.get("zone", type=int)
        form.day.data = parse_day(request.args.get("date"), venue_today())
        if request.args.get("start"):
            try:
                form.start.data = datetime.strptime(request.args["start"], "%H:%M").time()
                form.end.data = (datetime.strptime(request.args["start"], "%H:%M") + timedelta(hours=1)).time()
            except ValueError:
                pass
    status = 200
    if form.validate_on_submit():
        booker = None
        if form.account.data:
            booker = services.find_person(form.account.data)
            if booker is None:
                form.account.errors = [_("Nobody with this email or phone has an account.")]
        if not form.account.errors:
            starts = availability.aware(datetime.combine(form.day.data, form.start.data))
            ends = availability.aware(datetime.combine(form.day.data, form.end.data))
            data = services.BookingData(zone_id=form.zone.data, starts_at=starts, ends_at=ends,
                                        party_size=form.party_size.data, purpose=form.purpose.data or "",
                                        contact=form.contact.data or "", booker_name=form.booker_name.data)
            try:
                result = services.book_weekly(current_user, data, form.weeks.data, booker=booker,
                                              skip_conflicts=form.skip_conflicts.data, message=form.message.data)
            except DomainError as error:
                db.session.rollback()
                show_errors(error, form, {"starts_at": "start", "ends_at": "end"})
                status = error.status
            else:
                db.session.commit()
                if len(result.created) > 1:
                    flash(ngettext("Booked %(num)s week.", "Booked %(num)s weeks.", len(result.created)), "success")
                else:
                    flash(_("Booked."), "success")
                if result.skipped:
                    flash(_("Skipped, because taken or closed: %(dates)s.",
                            dates=", ".join(f"{d:%d.%m}" for d in result.skipped)), "warning")
                return redirect(url_for("bookings_staff.detail", booking_id=result.created[0].id))
        else:
            status = 422
    elif form.is_submitted():
        status = 422
    return render_template("bookings/staff/new.html", form=form, zones=zones), status


@bp.route("/<int:booking_id>")
def detail(booking_id: int):
    """A booking's card: who, when, what for; the actions that fit its status."""
    lazy_release()
    booking = load(booking_id)
    clash = None
    if booking.status == BookingStatus.REQUESTED:
        clash = availability.clash(booking.zone_id, booking.starts_at, booking.ends_at, exclude_booking_id=booking.id)
    party = [visit_json(visit) for visit in parties.party_visits(booking)]
    return render_template("bookings/staff/detail.html", booking=booking, form=DecisionForm(),
                           payment_form=PaymentForm(), clash=clash,
                           check_in_form=CheckInForm(guests=booking.party_size),
                           party=party, party_unpaid=sum(v["status"] != "paid" for v in party),
                           party_bill=parties.party_bill(booking),
                           can_cancel=services.may_cancel(booking, current_user),
                           can_release=services.may_release(booking))


def _act(booking_id: int, action, done_message: str):
    """Run one action on a booking and come back with its outcome."""
    booking = load(booking_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        flash(_("The message is too long."), "error")
        return redirect(back(url_for("bookings_staff.detail", booking_id=booking.id)))
    error = run_service(action, booking, form.message.data).error
    if not error:
        flash(done_message, "success")
    return redirect(back(url_for("bookings_staff.detail", booking_id=booking.id)))


@bp.route("/<int:booking_id>/confirm", methods=["POST"])
def confirm(booking_id: int):
    """Confirm a request; the booker is notified."""
    return _act(booking_id, lambda b, m: services.confirm(b, current_user, m), _("Confirmed; the booker is notified."))


@bp.route("/<int:booking_id>/decline", methods=["POST"])
def decline(booking_id: int):
    """Decline a request with a message; the booker is notified."""
    return _act(booking_id, lambda b, m: services.decline(b, current_user, m), _("Declined; the booker is notified."))


@bp.route("/<int:booking_id>/cancel", methods=["POST"])
def cancel(booking_id: int):
    """Cancel a booking; a booker with an account is notified."""
    return _act(booking_id, lambda b, m: services.cancel(b, current_user, m), _("The booking is cancelled."))


@bp.route("/<int:booking_id>/check-in", methods=["POST"])
def check_in(booking_id: int):
    """Let the party in: a fixed-price booking gets its bill, otherwise the party's timed visits start."""
    booking = load(booking_id)
    form = CheckInForm()
    if not form.validate_on_submit():
        flash(_("Say how many people came (at most %(n)s).", n=booking.zone.capacity), "error")
        return redirect(back(url_for("bookings_staff.detail", booking_id=booking.id)))
    try:
        parties.check_in(booking, current_user, guests=form.guests.data)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message) if not error.fields else " ".join(str(m) for ms in error.fields.values()
                                                                   for m in ms), "error")
    else:
        db.session.commit()
        if booking.price_per_hour is None:
            flash(ngettext("Checked in: %(num)s timed visit started.", "Checked in: %(num)s timed visits started.",
                           len(booking.party)), "success")
        else:
            flash(_("Checked in. Have a good time!"), "success")
    return redirect(back(url_for("bookings_staff.detail", booking_id=booking.id)))


@bp.route("/<int:booking_id>/guests", methods=["POST"])
def add_guest(booking_id: int):
    """Start the visit of a guest of the party who came later."""
    booking = load(booking_id)
    if not DecisionForm().validate_on_submit():
        abort(400)
    visit, error = run_service(parties.add_party_guest, booking, current_user)
    if not error:
        flash(_("%(name)s's visit has started.", name=visit.display_name), "success")
    return redirect(url_for("bookings_staff.detail", booking_id=booking.id))


@bp.route("/<int:booking_id>/release", methods=["POST"])
def release(booking_id: int):
    """Release a booking nobody came for."""
    return _act(booking_id, lambda b, m: services.release(b, current_user), _("Released; the zone is free again."))


@bp.route("/<int:booking_id>/pay", methods=["POST"])
def pay(booking_id: int):
    """Record the payment: a fixed-price booking's bill, or the party's visits on one group bill."""
    booking = load(booking_id)
    form = PaymentForm()
    if form.validate_on_submit():
        try:
            if booking.price_per_hour is None:
                bill = parties.pay_party(booking, current_user, form.method.data)
            else:
                parties.mark_paid(booking, current_user, form.method.data)
        except DomainError as error:
            db.session.rollback()
            show_errors(error)
        else:
            db.session.commit()
            if booking.price_per_hour is None and bill is None:
                flash(_("Nothing to pay: the party's visits were short enough to be free."), "success")
            else:
                flash(_("The payment is recorded."), "success")
            if booking.price_per_hour is None and bill is not None:
                return redirect(url_for("visits.receipt", bill_id=bill.id))
    return redirect(url_for("bookings_staff.detail", booking_id=booking.id))


@bp.route("/<int:booking_id>/bill")
def bill(booking_id: int):
    """The booker's bill of a fixed-price booking, printable."""
    booking = load(booking_id)
    if booking.amount is None:
        abort(404)
    return render_template("bookings/staff/bill.html", booking=booking, hours=booking.duration_minutes / 60)


@bp.route("/series/<int:series_id>/cancel", methods=["POST"])
def cancel_series(series_id: int):
    """Cancel the rest of a weekly series."""
    series = db.session.get(BookingSeries, series_id) or abort(404)
    count = services.cancel_series(series, current_user)
    db.session.commit()
    flash(_("Cancelled the coming bookings of the series: %(n)s.", n=count), "success")
    return redirect(back(url_for("bookings_staff.index")))


@bp.route("/closures", methods=["GET", "POST"])
def closures():
    """Block a zone or the whole café (holidays, maintenance); list what is blocked."""
    form = ClosureForm()
    zones = all_zones()
    form.zone.choices = [SelectChoice("", _("The whole café"))] + [SelectChoice(str(z.id), z.name) for z in zones]
    status = 200
    if request.method == "GET":
        form.zone.data = request.args.get("zone", "")
    if form.validate_on_submit():
        zone_id = int(form.zone.data) if form.zone.data else None
        try:
            availability.add_closure(current_user, zone_id, availability.aware(form.starts_at.data),
                                 availability.aware(form.ends_at.data), form.reason.data, form.note.data or "")
        except DomainError as error:
            db.session.rollback()
            show_errors(error, form)
            status = error.status
        else:
            db.session.commit()
            flash(_("The time is blocked."), "success")
            return redirect(url_for("bookings_staff.closures"))
    elif form.is_submitted():
        status = 422
    return render_template("bookings/staff/closures.html", form=form, closures=availability.upcoming_closures(),
                           reasons=availability.CLOSURE_REASONS), status


@bp.route("/closures/<int:closure_id>/delete", methods=["POST"])
def delete_closure(closure_id: int):
    """Lift a closure."""
    closure = db.session.get(Closure, closure_id) or abort(404)
    availability.delete_closure(closure)
    db.session.commit()
    flash(_("The closure is lifted."), "success")
    return redirect(url_for("bookings_staff.closures"))


template_helpers(bp, occupant_kind=occupant_kind)
