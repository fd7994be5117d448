"""The door's pages for staff: the scanner, an event's attendance, and the scan log."""

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth import Access, guard_blueprint
from ..db import utcnow
from ..errors import DomainError
from ..events.models import Event
from ..extensions import db
from ..registrations.models import Registration
from ..templating import template_helpers
from ..timeutil import to_venue
from . import attendance, labels, offline, services
from .forms import UndoForm, WindowForm
from .tickets import standing_of

bp = Blueprint("door", __name__, url_prefix="/door")
guard_blueprint(bp, Access.STAFF)

#: The scanner as an installable web app: its service worker and manifest hold nothing private, and the
#: browser fetches them without asking anyone to log in, so they live outside the staff-only blueprint.
app_bp = Blueprint("door_app", __name__, url_prefix="/door")

#: The service worker's scope: the door's pages (the ticket pages have their own worker).
SW_SCOPE = "/door"

LOG_PAGE_SIZE = 100


def scanner_strings() -> dict:
    """Return the words the scanner's script shows, in the request's language."""
    return {
        "results": {code: str(label) for code, label in labels.RESULT_LABELS.items()},
        "statuses": {code: str(label) for code, label in labels.REGISTRATION_STATUS_LABELS.items()},
        "tones": labels.RESULT_TONES,
        "age": _("%(age)s y.o."),
        "noAge": _("age unknown"),
        "networkError": _("No connection: the answer did not arrive. Scan again."),
        "serverError": _("Something went wrong on our side."),
        "retrying": _("No connection, retrying…"),
        "cameraStarting": _("Starting the camera…"),
        "cameraOn": _("Point the camera at a ticket's QR code."),
        "cameraOff": _("The camera is not available here. Take a photo of the ticket or type its code."),
        "cameraStopped": _("Camera stopped."),
        "cameraStart": _("Start the camera"),
        "cameraStop": _("Stop the camera"),
        "photoNoCode": _("No QR code found in this photo. Try again closer and sharper."),
        "checkIn": _("Check in"),
        "letIn": _("Let in"),
        "undo": _("Undo"),
        "undoConfirm": _("Undo this check-in?"),
        "undone": _("undone"),
        "checkedInAt": _("checked in at %(time)s"),
        "nothingFound": _("Nobody found."),
        "nobodyYet": _("Nobody yet."),
        "override": _("Let in anyway"),
        "reasonRequired": _("Give a reason to let them in anyway."),
        "by": _("by %(name)s"),
        "walkIn": _("walk-in"),
        "offline": _("offline"),
        "offlineAlready": _("This phone or the list says: already here since %(time)s."),
        "offlineAdmitted": _("Decided on this phone without network; it will be uploaded."),
        "offlineUnknown": _("Not in this phone's offline list (guest cards need the network)."),
        "offlineWrongEvent": _("This ticket is for another event: %(title)s."),
        "offlineNoList": _("No offline list on this phone for this event yet."),
        "waiting": _("Waiting to upload: %(n)s"),
        "refreshedAt": _("List refreshed at %(time)s"),
        "neverRefreshed": _("The list has not been downloaded yet"),
        "listOld": _("The offline list is older than the event's start: changes since then are missing."),
        "sessionExpired": _("Log in again: the offline list cannot be refreshed and scans cannot be uploaded."),
        "uploadConflicts": _("Conflicts after upload: %(n)s (see the attendance page)."),
        "ageBands": {"under_14": _("under 14"), "14_17": _("14–17"), "18_plus": _("18+"), "unknown": _("age unknown")},
    }


@bp.route("")
def scanner():
    """Scan tickets with the phone camera, search registrations, register walk-ins, watch the numbers."""
    now = utcnow()
    events = attendance.door_events(now)
    selected = None
    wanted = request.args.get("event", type=int)
    if wanted is not None:
        selected = next((e for e in events if e.id == wanted), None) or db.session.get(Event, wanted)
        if selected is not None and selected not in events:
            events = [selected, *events]
    if selected is None:
        selected = attendance.default_event(events, now)
    return render_template("door/scanner.html", events=events, selected=selected, strings=scanner_strings(),
                           sw_scope=SW_SCOPE)


@bp.route("/events/<int:event_id>")
def event_attendance(event_id: int):
    """Show an event's numbers, its check-ins (with undo), its no-shows and its check-in window."""
    data = attendance.attendance(event_id, page=True)
    own = data.own_window
    form = WindowForm(data={
        "opens_minutes_before": own.opens_minutes_before if own else int(
            (data.event.starts_at - data.window.opens_at).total_seconds() // 60),
        "closes_minutes_after": own.closes_minutes_after if own else int(
            (data.window.closes_at - data.event.ends_at).total_seconds() // 60)})
    return render_template("door/attendance.html", data=data, form=form, undo_form=UndoForm(),
                           window_labels=labels.WINDOW_LABELS, status_labels=labels.REGISTRATION_STATUS_LABELS,
                           conflicts=offline.offline_conflicts(event_id), labels=labels)


@bp.route("/events/<int:event_id>/window", methods=["POST"])
def set_window(event_id: int):
    """Give the event its own check-in window."""
    form = WindowForm()
    if form.validate_on_submit():
        services.set_window(event_id, opens_minutes_before=form.opens_minutes_before.data,
                            closes_minutes_after=form.closes_minutes_after.data)
        db.session.commit()
        flash(_("The check-in window is saved."), "success")
        return redirect(url_for("door.event_attendance", event_id=event_id))
    data = attendance.attendance(event_id, page=True)
    return render_template("door/attendance.html", data=data, form=form, undo_form=UndoForm(),
                           window_labels=labels.WINDOW_LABELS, status_labels=labels.REGISTRATION_STATUS_LABELS,
                           conflicts=offline.offline_conflicts(event_id), labels=labels), 422


@bp.route("/checkins/<int:checkin_id>/undo", methods=["POST"])
def undo(checkin_id: int):
    """Undo a check-in from the attendance page (kept in the list and the log)."""
    form = UndoForm()
    if not form.validate_on_submit():
        flash(_("The form has expired; please try again."), "error")
        return redirect(request.referrer or url_for("door.scanner"))
    outcome = services.undo_check_in(checkin_id, staff=current_user)
    db.session.commit()
    if not outcome.ok:
        raise DomainError(outcome.body["error"]["code"], outcome.body["error"]["message"], status=outcome.status)
    flash(outcome.body["message"], "success")
    return redirect(url_for("door.event_attendance", event_id=outcome.body["checkin"]["event_id"]))


@bp.route("/registrations/<int:registration_id>/check-in", methods=["POST"])
def check_in(registration_id: int):
    """Check in the holder of a ticket a staff member opened (a phone's own camera opens the ticket page)."""
    form = UndoForm()
    if not form.validate_on_submit():
        flash(_("The form has expired; please try again."), "error")
        return redirect(request.referrer or url_for("door.scanner"))
    registration = db.session.get(Registration, registration_id)
    if registration is None:
        raise DomainError("registration_not_found", _("No such registration."), status=404)
    code = registration.ticket_code
    outcome = services.manual_check_in(registration_id, staff=current_user, device=None)
    db.session.commit()
    if outcome.ok:
        flash(outcome.body["message"], "success")
    else:
        flash(outcome.body["error"]["message"], "error")
    if code is None:
        return redirect(url_for("door.scanner"))
    return redirect(url_for("registrations.ticket", code=code))


def ticket_standing(registration: Registration) -> dict | None:
    """Return the standing check-in of a registration as the ticket page shows it to staff (or None)."""
    standing = standing_of(registration.id)
    if standing is None:
        return None
    return {"at": to_venue(standing.checked_in_at), "staff": standing.staff_name, "device": standing.device}


template_helpers(bp, door_ticket_standing=ticket_standing, door_checkin_form=UndoForm)


@bp.route("/log")
def log():
    """Show the scan log, newest first: every scan, typed code, manual check-in, walk-in and undo."""
    event_id = request.args.get("event", type=int)
    result = request.args.get("result") or None
    if result and result not in labels.RESULT_LABELS:
        result = None
    before = request.args.get("before", type=int)
    entries = attendance.scan_log(event_id=event_id, result=result, before_id=before, limit=LOG_PAGE_SIZE + 1)
    more = len(entries) > LOG_PAGE_SIZE
    entries = entries[:LOG_PAGE_SIZE]
    event = db.session.get(Event, event_id) if event_id else None
    return render_template("door/log.html", entries=entries, more=more, event=event, result=result,
                           labels=labels, events=attendance.door_events())



@app_bp.route("/sw.js")
def service_worker():
    """Serve the scanner's service worker: it keeps the page and its files so the door opens without network."""
    assets = [url_for("static", filename=name) for name in (
        "vendor/pico.min.css", "css/app.css", "css/door.css", "favicon.svg", "js/app.js",
        "vendor/zxing-browser.min.js", "js/door-rules.js", "js/door-offline.js", "js/door.js",
        "img/door-192.png", "img/door-512.png")]
    body = render_template("door/sw.js", assets=assets, page=url_for("door.scanner"), scope=SW_SCOPE,
                           manifest=url_for("door_app.manifest"))
    response = make_response(body)
    response.mimetype = "text/javascript"
    response.headers["Service-Worker-Allowed"] = SW_SCOPE
    response.headers["Cache-Control"] = "no-cache"
    return response


@app_bp.route("/manifest.webmanifest")
def manifest():
    """Describe the scanner as an app a phone can install on its home screen."""
    response = make_response({
        "name": _("Door scanner"), "short_name": _("Door"), "start_url": url_for("door.scanner"),
        "scope": SW_SCOPE, "display": "standalone", "background_color": "#1f2937", "theme_color": "#1f2937",
        "icons": [{"src": url_for("static", filename=f"img/door-{size}.png"), "sizes": f"{size}x{size}",
                   "type": "image/png", "purpose": "any"} for size in (192, 512)]})
    response.mimetype = "application/manifest+json"
    return response
