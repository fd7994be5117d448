"""The door's pages for staff: the scanner, an event's attendance, and the scan log."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth import Access, guard_blueprint
from ..db import utcnow
from ..errors import DomainError
from ..events.models import Event
from ..extensions import db
from . import attendance, labels, services
from .forms import UndoForm, WindowForm

bp = Blueprint("door", __name__, url_prefix="/door")
guard_blueprint(bp, Access.STAFF)

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
    return render_template("door/scanner.html", events=events, selected=selected, strings=scanner_strings())


@bp.route("/events/<int:event_id>")
def event_attendance(event_id: int):
    """Show an event's numbers, its check-ins (with undo), its no-shows and its check-in window."""
    data = attendance.attendance(event_id)
    own = data.own_window
    form = WindowForm(data={
        "opens_minutes_before": own.opens_minutes_before if own else int(
            (data.event.starts_at - data.window.opens_at).total_seconds() // 60),
        "closes_minutes_after": own.closes_minutes_after if own else int(
            (data.window.closes_at - data.event.ends_at).total_seconds() // 60)})
    return render_template("door/attendance.html", data=data, form=form, undo_form=UndoForm(),
                           window_labels=labels.WINDOW_LABELS, status_labels=labels.REGISTRATION_STATUS_LABELS)


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
    data = attendance.attendance(event_id)
    return render_template("door/attendance.html", data=data, form=form, undo_form=UndoForm(),
                           window_labels=labels.WINDOW_LABELS, status_labels=labels.REGISTRATION_STATUS_LABELS), 422


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
