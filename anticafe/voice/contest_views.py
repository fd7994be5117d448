"""Pages of contests: everybody sees a contest and its results (entry titles, never who entered or voted),
participants enter and vote, staff set one up on an event and approve, order and judge the entries."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..auth import Access, has_role, require
from ..errors import run_service
from ..events.models import Event
from ..extensions import db
from ..templating import template_helpers
from ..timeutil import to_venue
from . import contests as services
from . import rules
from .forms import ButtonForm, ContestForm, DecisionForm, EntryForm
from .views import _upcoming_events

bp = Blueprint("contests", __name__)

def venue_time(moment) -> str:
    """Show a stored moment as the venue's day and time."""
    return f"{to_venue(moment):%d.%m.%Y %H:%M}"


template_helpers(bp, contest_kind=services.kind_label, contest_phase=services.phase_label,
                 entry_status=services.entry_status_label, contest_time=venue_time)


def _kinds(form: ContestForm) -> None:
    form.kind.choices = [SelectChoice(kind, services.kind_label(kind)) for kind in rules.CONTEST_KINDS]


@bp.route("/contests/")
def index():
    """List the contests, the latest voting window first; staff may set up a new one."""
    found = services.contests()
    return render_template("voice/contests.html", contests=found,
                           phases={c.id: services.phase(c) for c in found},
                           staff=has_role(*Access.STAFF.value))


@bp.route("/contests/<int:contest_id>")
def contest(contest_id: int):
    """Show a contest: its rules, window, approved entries in the running order, and the visitor's entry
    and vote buttons while voting is open."""
    found = services.get_contest(contest_id)
    phase = services.phase(found)
    refusal = None
    if phase == "voting" and current_user.is_authenticated:
        problem = services.may_vote(found, current_user)
        refusal = services.REFUSALS[problem][1] if problem else None
    return render_template("voice/contest.html", contest=found, phase=phase, entries=services.entries(found),
                           mine=services.entry_of(found, current_user), voted=services.vote_of(found, current_user),
                           refusal=refusal, button=ButtonForm(), staff=has_role(*Access.STAFF.value))


@bp.route("/contests/<int:contest_id>/enter", methods=["GET", "POST"])
@require(Access.USER)
def enter(contest_id: int):
    """Submit your one entry: a title and, for a video contest, the link on VK Video, Rutube or YouTube."""
    found = services.get_contest(contest_id)
    mine = services.entry_of(found, current_user)
    if mine is not None:
        return redirect(url_for("contests.contest", contest_id=found.id))
    form = EntryForm()
    if form.validate_on_submit():
        if not run_service(services.submit, found, current_user, title=form.title.data,
                           video_url=form.video_url.data, form=form).error:
            flash(_("Your entry is sent. Staff will approve it before it is shown."), "success")
            return redirect(url_for("contests.contest", contest_id=found.id))
    closed = services.phase(found) != "entries"
    status = 409 if closed and request.method == "POST" else 422 if form.errors else 200
    return render_template("voice/contest_enter.html", contest=found, form=form, closed=closed), status


@bp.route("/contests/<int:contest_id>/vote", methods=["POST"])
@require(Access.USER)
def vote(contest_id: int):
    """Give your one vote to an entry (the button carries its id)."""
    found = services.get_contest(contest_id)
    form = ButtonForm()
    if form.validate_on_submit() and (form.value.data or "").isdigit():
        entry = services.get_entry(found, int(form.value.data))
        if not run_service(services.vote, found, entry, current_user).error:
            flash(_("Your vote is counted. Thank you!"), "success")
    return redirect(url_for("contests.contest", contest_id=found.id))


@bp.route("/contests/<int:contest_id>/results")
def results(contest_id: int):
    """Show the places once voting has closed (entry titles, votes, jury score and the final score)."""
    found = services.get_contest(contest_id)
    closed = services.phase(found) == "closed"
    return render_template("voice/contest_results.html", contest=found, closed=closed,
                           results=services.results(found) if closed else [],
                           votes=services.votes_total(found.id))


def _form_data(contest) -> dict:
    return {"title": contest.title, "kind": contest.kind, "opens_at": to_venue(contest.opens_at).replace(tzinfo=None),
            "closes_at": to_venue(contest.closes_at).replace(tzinfo=None), "jury_weight": contest.jury_weight,
            "rules": contest.rules or "", "event_id": str(contest.event_id)}


def _save(form: ContestForm, event: Event):
    return run_service(services.save_contest, event, title=form.title.data, kind=form.kind.data,
                       opens_at=form.opens_at.data, closes_at=form.closes_at.data, jury_weight=form.jury_weight.data,
                       rules_text=form.rules.data, form=form)


@bp.route("/staff/contests/new", methods=["GET", "POST"])
@require(Access.STAFF)
def new():
    """Set up a contest on an event: its kind (the vote rule), the voting window and the jury's weight."""
    form = ContestForm()
    _kinds(form)
    form.event_id.choices = _upcoming_events()
    if form.validate_on_submit():
        event = db.session.get(Event, int(form.event_id.data)) if (form.event_id.data or "").isdigit() else None
        if event is None:
            form.event_id.errors = [_("Choose the event.")]
        else:
            made, error = _save(form, event)
            if not error:
                flash(_("The contest is set up."), "success")
                return redirect(url_for("contests.manage", contest_id=made[0].id))
    return render_template("voice/contest_form.html", form=form, contest=None), 422 if form.errors else 200


@bp.route("/staff/contests/<int:contest_id>", methods=["GET", "POST"])
@require(Access.STAFF)
def manage(contest_id: int):
    """Change a contest's settings and decide its entries (approve, slot, jury score); staff see entrants."""
    found = services.get_contest(contest_id)
    form = ContestForm(data=_form_data(found) if request.method == "GET" else None)
    _kinds(form)
    form.event_id.choices = [SelectChoice(str(found.event_id), found.event.title)]
    if request.method == "POST" and form.validate_on_submit():
        if not _save(form, found.event).error:
            flash(_("The contest is saved."), "success")
            return redirect(url_for("contests.manage", contest_id=found.id))
    decisions = {}
    for entry in services.entries(found, approved_only=False):
        decision = DecisionForm(prefix=f"entry-{entry.id}", data={"status": entry.status,
                                                                  "running_order": entry.running_order,
                                                                  "jury_score": entry.jury_score})
        decision.status.choices = [SelectChoice(s, services.entry_status_label(s)) for s in rules.ENTRY_STATUSES]
        decisions[entry] = decision
    return render_template("voice/contest_manage.html", contest=found, form=form, decisions=decisions,
                           phase=services.phase(found), counts=services.vote_counts(found.id)), \
        422 if form.errors else 200


@bp.route("/staff/contests/<int:contest_id>/entries/<int:entry_id>", methods=["POST"])
@require(Access.STAFF)
def decide(contest_id: int, entry_id: int):
    """Approve or reject an entry, set its slot in the running order and its jury score."""
    found = services.get_contest(contest_id)
    entry = services.get_entry(found, entry_id)
    form = DecisionForm(prefix=f"entry-{entry.id}")
    form.status.choices = [SelectChoice(s, services.entry_status_label(s)) for s in rules.ENTRY_STATUSES]
    if form.validate_on_submit():
        if not run_service(services.decide, found, entry, status=form.status.data,
                           running_order=form.running_order.data, jury_score=form.jury_score.data).error:
            flash(_("“%(title)s”: %(status)s.", title=entry.title, status=services.entry_status_label(entry.status)),
                  "success")
    else:
        flash(_("Please correct the marked fields."), "error")
    return redirect(url_for("contests.manage", contest_id=found.id) + f"#entry-{entry.id}")

