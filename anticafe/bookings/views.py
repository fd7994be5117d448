"""Visitors' booking pages: the zones, a zone's free times and the request form, my bookings;
also each zone's photo and the staff's secret calendar feed of a zone."""

from datetime import date, datetime, timedelta

from babel.dates import format_date
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_from_directory, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..auth import Access, check_access, require
from ..errors import DomainError, run_service, show_errors
from ..extensions import db
from ..ical import calendar_response
from ..inputs import query_date
from ..templating import template_helpers
from ..timeutil import venue_today
from ..urls import public_url
from ..venue.models import Zone
from . import availability, rules, services
from .forms import RequestForm
from .models import Booking
from .zones import all_zones, photo_dir, zone_by_feed_token

bp = Blueprint("bookings", __name__, url_prefix="/bookings")

#: How many days the day strip of a zone's page shows.
STRIP_DAYS = 14


def lazy_release() -> None:
    """Release no-shows before showing bookings (instead of a cron job)."""
    if services.release_no_shows():
        db.session.commit()


def parse_day(value: str | None, default: date) -> date:
    """Read ?date=YYYY-MM-DD, falling back to `default` (also for a date outside the app's window)."""
    return query_date(value, default)


def parse_hhmm(day: date, value: str) -> datetime:
    """Combine a day and "HH:MM" into a naive venue wall-clock time."""
    hours, minutes = value.split(":")
    return datetime(day.year, day.month, day.day, int(hours), int(minutes))


def photo_url(zone: Zone) -> str | None:
    """Return the URL of a zone's photo (versioned by file name, so it can be cached for long)."""
    if not zone.photo:
        return None
    return url_for("bookings.photo", zone_id=zone.id, v=zone.photo.rsplit("-", 1)[-1].split(".")[0])


def feed_url(zone: Zone) -> str | None:
    """Return the absolute URL of a zone's secret calendar feed."""
    if not zone.feed_token:
        return None
    return public_url("bookings.feed", zone_id=zone.id, token=zone.feed_token)


def booking_when(booking) -> str:
    """Format a booking's day and hours, e.g. "сб, 28 ноября, 15:00–17:00"."""
    return availability.format_when(booking)


def day_label(day: date, pattern: str = "EEE, d MMM") -> str:
    """Format a date for a day chip or heading in the current language."""
    return format_date(day, pattern, locale=get_locale())


@bp.route("/")
def index():
    """Show the zones one can book, with photos, sizes and prices."""
    lazy_release()
    mine = []
    if current_user.is_authenticated:
        mine = [b for b in services.my_bookings(current_user) if b.is_open]
    return render_template("bookings/index.html", zones=all_zones(bookable_only=True), mine=mine,
                           today=venue_today())


@bp.route("/zones/<int:zone_id>", methods=["GET", "POST"])
def zone(zone_id: int):
    """Show a zone's free and busy times on a day, and let a visitor ask for a free time."""
    if request.method == "POST":
        check_access(Access.USER)
    lazy_release()
    zone = db.session.get(Zone, zone_id)
    if zone is None or not zone.bookable:
        abort(404)
    today = venue_today()
    day = parse_day(request.args.get("date"), today)
    strip = [today + timedelta(days=n) for n in range(STRIP_DAYS)]
    grids = availability.availability_range(zone, sorted({*strip, day}))
    slots = grids[day]
    ends_by_start = rules.free_ends(slots)
    form = RequestForm()
    form.start.choices = [SelectChoice(f"{s:%H:%M}") for s in ends_by_start]
    form.end.choices = [SelectChoice(f"{e:%H:%M}") for e in sorted({e for ends in ends_by_start.values()
                                                                  for e in ends})]
    status = 200
    if request.method == "GET" and current_user.is_authenticated:
        form.contact.data = current_user.phone or ""
    if form.validate_on_submit():
        try:
            starts = availability.aware(parse_hhmm(day, form.start.data))
            ends = availability.aware(parse_hhmm(day, form.end.data))
        except ValueError:
            abort(400)
        try:
            booking = services.request_booking(current_user, services.BookingData(
                zone_id=zone.id, starts_at=starts, ends_at=ends, party_size=form.party_size.data,
                purpose=form.purpose.data or "", contact=form.contact.data or ""))
        except DomainError as error:
            db.session.rollback()
            show_errors(error, form, {"starts_at": "start", "ends_at": "end"})
            status = error.status
        else:
            db.session.commit()
            flash(_("Your request is sent. We will confirm it soon; you will get a notification."), "success")
            return redirect(url_for("bookings.mine", _anchor=f"booking-{booking.id}"))
    elif form.is_submitted():
        status = 422
    return render_template(
        "bookings/zone.html", zone=zone, day=day, today=today, slots=slots, form=form, strip=strip,
        free_by_day={d: sum(s.free for s in grids[d]) for d in strip}, horizon=availability.booking_horizon(),
        ends_by_start={f"{s:%H:%M}": [f"{e:%H:%M}" for e in ends] for s, ends in ends_by_start.items()},
        hours=services.venue.hours_on(day), prev_day=day - timedelta(days=1) if day > today else None,
        next_day=day + timedelta(days=1), free_count=sum(s.free for s in slots)), status


@bp.route("/mine")
@require(Access.USER)
def mine():
    """Show the visitor's bookings with their status and staff's messages."""
    lazy_release()
    bookings = services.my_bookings(current_user)
    return render_template("bookings/mine.html", bookings=bookings,
                           cancellable={b.id for b in bookings if services.may_cancel(b, current_user)},
                           cutoff_hours=f"{float(current_app.config['BOOKING_CANCEL_CUTOFF_HOURS']):g}")


@bp.route("/<int:booking_id>/cancel", methods=["POST"])
@require(Access.USER)
def cancel(booking_id: int):
    """Cancel one's own booking (until the cut-off)."""
    booking = db.session.get(Booking, booking_id)
    if booking is None or booking.user_id != current_user.id:
        abort(404)
    error = run_service(services.cancel, booking, current_user).error
    if not error:
        flash(_("Your booking is cancelled."), "success")
    return redirect(url_for("bookings.mine"))


@bp.route("/zones/<int:zone_id>/photo")
def photo(zone_id: int):
    """Send a zone's photo."""
    zone = db.session.get(Zone, zone_id)
    if zone is None or not zone.photo:
        abort(404)
    return send_from_directory(photo_dir(), zone.photo, mimetype="image/jpeg", max_age=86400)


@bp.route("/zones/<int:zone_id>/feed/<token>.ics")
def feed(zone_id: int, token: str):
    """The zone's confirmed bookings as an iCalendar feed, for staff calendars (secret URL)."""
    zone = zone_by_feed_token(zone_id, token)
    if zone is None:
        abort(404)
    name = f"{current_app.config['VENUE_NAME']}: {zone.name}"
    return calendar_response(availability.feed_items(zone), name=name, filename=f"zone-{zone.id}.ics")


template_helpers(bp, filters={"booking_when": booking_when, "day_label": day_label},
                 zone_photo_url=photo_url, booking_status_label=services.status_label,
                 booking_status_badges=services.STATUS_BADGES, closure_reasons=availability.CLOSURE_REASONS,
                 payment_labels=services.PAYMENT_METHODS)
