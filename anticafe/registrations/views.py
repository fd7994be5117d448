"""Registration pages: the one-tap register action, tickets, "My events" and the staff list of an event."""

from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_from_directory, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import codes
from ..accounts.access_log import log_access
from ..accounts.models import User
from ..accounts.services import search_users
from ..accounts.views import safe_next
from ..auth import Access, require
from ..db import utcnow
from ..errors import run_service
from ..events.models import Event
from ..extensions import db
from ..qr import qr_response
from ..templating import template_helpers
from ..timeutil import venue_today
from . import rules, services
from .forms import WalkInForm
from .models import Registration, RegistrationStatus

bp = Blueprint("registrations", __name__)

STATUS_LABELS = {
    RegistrationStatus.CONFIRMED: _l("Registered"),
    RegistrationStatus.WAITLISTED: _l("On the waitlist"),
    RegistrationStatus.CANCELLED: _l("Cancelled"),
}
SOURCE_LABELS = {"self": _l("by themselves"), "staff": _l("by staff"), "walk_in": _l("walk-in")}


def registration_box(event: Event):
    """Return the register box's state for an event, as the current person sees it."""
    return services.box_state(event, current_user)


def _visible_event(event_id: int) -> Event:
    """Load an event the current person may see (drafts only for staff) or answer 404."""
    event = db.session.get(Event, event_id)
    if event is None or (not event.published and not current_user.is_staff):
        abort(404)
    return event


def _registration_for(registration_id: int) -> Registration:
    """Load a registration of the current person (any, for staff) or answer 404."""
    registration = db.session.get(Registration, registration_id)
    if registration is None or not services.may_see(registration, current_user):
        abort(404)
    return registration


@bp.route("/events/<int:event_id>/register", methods=["GET", "POST"])
@require(Access.USER)
def register(event_id: int):
    """Register the current person in one tap (POST); GET shows the event's register box."""
    event = _visible_event(event_id)
    if request.method == "GET":
        return render_template("registrations/register.html", event=event,
                               age_limits=services.age_limits(event))
    back = safe_next(url_for("registrations.register", event_id=event.id))
    registration, error = run_service(services.register, event, current_user._get_current_object())
    if error:
        return redirect(back)
    if registration.is_confirmed:
        flash(_("You are registered for “%(title)s”. Here is your ticket: show the QR code at the door.",
                title=event.title), "success")
        return redirect(url_for("registrations.ticket", code=registration.ticket_code))
    flash(_("All seats are taken, so you are on the waitlist: number %(n)s. We will let you know as soon as a "
            "seat frees up.", n=registration.waitlist_position), "warning")
    return redirect(back)


@bp.route("/registrations/<int:registration_id>/cancel", methods=["POST"])
@require(Access.USER)
def cancel(registration_id: int):
    """Cancel a registration (its owner until the cut-off, staff at any time)."""
    registration = _registration_for(registration_id)
    back = safe_next(url_for("registrations.my_events"))
    was_waitlisted = registration.is_waitlisted
    error = run_service(services.cancel, registration, by=current_user._get_current_object()).error
    if error:
        return redirect(back)
    if registration.user_id != current_user.id:
        flash(_("The registration of %(name)s is cancelled.", name=registration.user.name), "success")
    elif was_waitlisted:
        flash(_("You have left the waitlist for “%(title)s”.", title=registration.event.title), "success")
    else:
        flash(_("Your registration for “%(title)s” is cancelled. Thank you for freeing the seat!",
                title=registration.event.title), "success")
    return redirect(back)


@bp.route("/registrations/<int:registration_id>/reissue", methods=["POST"])
@require(Access.USER)
def reissue(registration_id: int):
    """Replace a ticket's code (when a photo of it went around); the old QR stops working."""
    registration = _registration_for(registration_id)
    error = run_service(services.reissue_ticket, registration, by=current_user._get_current_object()).error
    if error:
        return redirect(url_for("registrations.my_events"))
    flash(_("The ticket has a new code; the old QR code no longer works."), "success")
    return redirect(url_for("registrations.ticket", code=registration.ticket_code))


@bp.route("/t/sw.js")
def ticket_worker():
    """Serve the tickets' service worker from /t/ so that its scope covers ticket pages only."""
    response = send_from_directory(Path(current_app.static_folder, "js"), "ticket-sw.js", mimetype="text/javascript",
                                   max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/t/<code>")
def ticket(code: str):
    """Show a ticket: anyone holding the URL sees the event and whether it is valid; owner and staff see it all.

    The code in the URL is the secret (a phone camera opens this page from the QR); the person's name,
    the QR image and the actions appear only for the owner and staff.
    """
    registration = services.find_by_ticket_code(code)
    if registration is None:
        abort(404)
    if code != registration.ticket_code:  # typed in lower case or with dashes: go to the canonical URL
        return redirect(url_for("registrations.ticket", code=registration.ticket_code), 301)
    event = registration.event
    full = services.may_see(registration, current_user)
    now = utcnow()
    may_cancel = full and (current_user.is_staff or rules.visitor_may_cancel(
        status=registration.status, now=now, starts_at=event.starts_at, ends_at=event.ends_at,
        cutoff=services.cancel_cutoff()))
    response = render_template(
        "registrations/ticket.html", registration=registration, event=event, full=full, may_cancel=may_cancel,
        grouped_code=codes.group(registration.ticket_code),
        age=registration.user.age_on(services.event_day(event)), age_limits=services.age_limits(event),
        is_past=event.ends_at <= now)
    return response, 200, {"Cache-Control": "private, no-store", "X-Robots-Tag": "noindex, nofollow"}


@bp.route("/registrations/<int:registration_id>/qr.<any(png, svg):fmt>")
@require(Access.USER)
def qr(registration_id: int, fmt: str):
    """Answer the ticket's QR image (PNG or SVG, with an ETag) to its owner and to staff."""
    registration = _registration_for(registration_id)
    url = services.ticket_url(registration)
    if url is None:
        abort(404)
    return qr_response(url, fmt)


@bp.route("/me/events")
@require(Access.USER)
def my_events():
    """Show the person's upcoming and past registrations with tickets and cancel buttons."""
    now = utcnow()
    upcoming, past = services.split_upcoming(services.user_registrations(current_user), now)
    cutoff = services.cancel_cutoff()
    cancellable = {r.id for r in upcoming if rules.visitor_may_cancel(
        status=r.status, now=now, starts_at=r.event.starts_at, ends_at=r.event.ends_at, cutoff=cutoff)}
    return render_template("registrations/my_events.html", upcoming=upcoming, past=past, cancellable=cancellable,
                           now=now)


# ------------------------------------------------------------------------------------------------
# Staff

@bp.route("/events/<int:event_id>/registrations")
@require(Access.STAFF)
def event_registrations(event_id: int):
    """Show staff an event's registrations, find a person to register, or add a walk-in guest."""
    event = db.session.get(Event, event_id) or abort(404)
    return _staff_page(event, WalkInForm(prefix="guest"))


def _staff_page(event: Event, walk_in_form: WalkInForm, status: int = 200):
    query = request.args.get("q", "").strip()
    found = search_users(query, limit=20) if query else []
    registrations = services.event_registrations(event.id)
    log_access("export_attendees", where="registrations.event_registrations", event_id=event.id,
               count=len(registrations))
    if query:
        log_access("search_people", where="registrations.event_registrations", count=len(found))
    db.session.commit()
    active = {r.user_id: r for r in registrations if not r.is_cancelled}
    seats = services.counts(event.id)
    return render_template(
        "registrations/event_registrations.html", event=event, registrations=registrations, q=query, found=found,
        active=active, counts=seats, seats_left=rules.free_seats(event.capacity, seats.confirmed),
        form=walk_in_form, day=services.event_day(event), age_limits=services.age_limits(event),
        today=venue_today()), status


def _staff_registered(registration: Registration) -> None:
    name = registration.user.name
    if registration.is_confirmed:
        flash(_("%(name)s is registered.", name=name), "success")
    else:
        flash(_("The event is full: %(name)s is on the waitlist, number %(n)s.", name=name,
                n=registration.waitlist_position), "warning")


@bp.route("/events/<int:event_id>/registrations", methods=["POST"])
@require(Access.STAFF)
def staff_register(event_id: int):
    """Register an existing person (found by the search) for the event."""
    event = db.session.get(Event, event_id) or abort(404)
    back = url_for("registrations.event_registrations", event_id=event.id)
    user = db.session.get(User, request.form.get("user_id", type=int) or 0)
    if user is None:
        flash(_("No such person."), "error")
        return redirect(back)
    registration, error = run_service(services.register, event, user, by=current_user._get_current_object())
    if error:
        return redirect(back)
    _staff_registered(registration)
    return redirect(back)


@bp.route("/events/<int:event_id>/registrations/walk-in", methods=["POST"])
@require(Access.STAFF)
def walk_in(event_id: int):
    """Create a guest profile (name, phone, birth date) on the spot and register it."""
    event = db.session.get(Event, event_id) or abort(404)
    form = WalkInForm(prefix="guest")
    if not form.validate_on_submit():
        return _staff_page(event, form, 422)
    registration, error = run_service(services.register_guest, event, name=form.name.data, phone=form.phone.data,
                                      birth_date=form.birth_date.data, by=current_user._get_current_object(), form=form)
    if error:
        return _staff_page(event, form, 422)
    _staff_registered(registration)
    return redirect(url_for("registrations.event_registrations", event_id=event.id))


def my_next_section(app, **_) -> dict:
    """Home page for a logged-in person: the next ticket (its QR one tap away) and waitlist places."""
    if not current_user.is_authenticated:
        return {}
    upcoming, _past = services.split_upcoming(services.user_registrations(current_user, include_cancelled=False),
                                              utcnow())
    live = [r for r in upcoming if not r.event.is_cancelled]
    ticket = next((r for r in live if r.is_confirmed), None)
    return {"my_next": {"ticket": ticket, "waitlisted": [r for r in live if r.is_waitlisted]}}


template_helpers(bp, registration_box=registration_box, registration_status_labels=STATUS_LABELS,
                 registration_source_labels=SOURCE_LABELS, registration_event_path=services.event_path,
                 registration_ics_path=services.event_ics_path)
