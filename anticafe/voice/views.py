"""Pages of youth voice: rate an event you attended, propose and support ideas, staff read comments and
decide ideas, the committee sees the counts (never a person; comments without authors)."""

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from ..auth import Access, has_role, require
from ..db import utcnow
from ..errors import ValidationFailed, run_service
from ..events.models import Category, Event
from ..extensions import db
from ..stats import services as stats_services
from ..templating import template_helpers
from ..timeutil import to_venue, venue_today
from . import rules, services
from .forms import ButtonForm, IdeaForm, MoveForm, RateForm

bp = Blueprint("voice", __name__)


def category_label(key: str) -> str:
    from ..stats.reports import CATEGORY_LABELS

    return str(CATEGORY_LABELS.get(key, key))


template_helpers(bp, voice_status=services.status_label, voice_ages=services.ages_label,
                 voice_category=category_label)


def _event(event_id: int) -> Event:
    return db.session.get(Event, event_id) or abort(404)


@bp.route("/events/<int:event_id>/rate", methods=["GET", "POST"])
@require(Access.USER)
def rate(event_id: int):
    """Rate an event you were checked in to, 1 to 5, with an optional comment; change it within a week."""
    event = _event(event_id)
    mine = services.feedback_of(event, current_user)
    form = RateForm(data={"rating": str(mine.rating), "comment": mine.comment or ""} if mine else None)
    problem = services.may_rate(event, current_user)
    if form.validate_on_submit() and not problem:
        if not run_service(services.rate, event, current_user, int(form.rating.data), form.comment.data,
                           form=form).error:
            flash(_("Thank you! Your rating is saved."), "success")
            return redirect(url_for("voice.rate", event_id=event.id))
    if problem:  # refused (a POST too): 403 for a non-attendee, 409 before the end or once closed
        status = services.FEEDBACK_REFUSALS[problem][0] if request.method == "POST" or problem == "not_attended" \
            else 200
    else:
        status = 422 if form.errors else 200
    return render_template("voice/rate.html", event=event, form=form, mine=mine, problem=problem,
                           refusal=services.FEEDBACK_REFUSALS.get(problem, (None, None))[1],
                           comments=services.visible_comments(event.id, 20),
                           ratings=services.event_ratings(event.id)), status


@bp.route("/my/ratings")
@require(Access.USER)
def to_rate():
    """List the events you attended lately and have not rated yet."""
    return render_template("voice/to_rate.html", events=services.pending_ratings(current_user))


def _choices(form: IdeaForm) -> None:
    form.category.choices = [SelectChoice(c.value, category_label(c.value)) for c in Category]
    form.ages.choices = [SelectChoice(key, str(label)) for key, label in services.AGES_LABELS.items()]


@bp.route("/ideas/")
def ideas():
    """List the ideas for events, the most supported first; filter by status."""
    status = request.args.get("status")
    if status not in rules.IDEA_STATUSES:
        status = None
    found = services.ideas(status)
    ids = [idea.id for idea in found]
    return render_template("voice/ideas.html", ideas=found, status=status, votes=services.vote_counts(ids),
                           mine=services.voted_by(current_user, ids), button=ButtonForm())


@bp.route("/ideas/new", methods=["GET", "POST"])
@require(Access.USER)
def new_idea():
    """Propose an event: title, what happens, category and for which ages."""
    form = IdeaForm()
    _choices(form)
    if form.validate_on_submit():
        idea, error = run_service(services.propose, current_user, title=form.title.data,
                                  description=form.description.data, category=form.category.data,
                                  ages=form.ages.data, form=form)
        if not error:
            flash(_("Your idea is published. Ask friends to support it!"), "success")
            return redirect(url_for("voice.idea", idea_id=idea.id))
    return render_template("voice/idea_form.html", form=form), 422 if form.errors else 200


def _upcoming_events() -> list[SelectChoice]:
    """The events an idea may have become: from a month ago on, soonest first."""
    since = utcnow() - timedelta(days=31)
    rows = db.session.scalars(select(Event).where(Event.starts_at >= since).order_by(Event.starts_at).limit(200))
    return [SelectChoice("", "—")] + [SelectChoice(str(e.id), f"{to_venue(e.starts_at):%d.%m.%Y} · {e.title}")
                                      for e in rows]


@bp.route("/ideas/<int:idea_id>")
def idea(idea_id: int):
    """Show one idea, its support and what became of it."""
    found = services.get_idea(idea_id)
    move_form = None
    if has_role(*Access.STAFF.value):
        move_form = MoveForm()
        move_form.status.choices = [SelectChoice(s, services.status_label(s))
                                    for s in rules.TRANSITIONS[found.status]]
        move_form.event_id.choices = _upcoming_events()
    return render_template("voice/idea.html", idea=found, votes=services.votes_for(found.id),
                           mine=found.id in services.voted_by(current_user, [found.id]), button=ButtonForm(),
                           move_form=move_form)


@bp.route("/ideas/<int:idea_id>/vote", methods=["POST"])
@require(Access.USER)
def vote(idea_id: int):
    """Support an idea (one vote per person)."""
    found = services.get_idea(idea_id)
    if ButtonForm().validate_on_submit() and not run_service(services.vote, found, current_user).error:
        flash(_("Thank you for your support!"), "success")
    return redirect(request.form.get("next") if request.form.get("next", "").startswith("/ideas")
                    else url_for("voice.idea", idea_id=found.id))


@bp.route("/ideas/<int:idea_id>/unvote", methods=["POST"])
@require(Access.USER)
def unvote(idea_id: int):
    """Withdraw your vote."""
    found = services.get_idea(idea_id)
    if ButtonForm().validate_on_submit() and not run_service(services.unvote, found, current_user).error:
        flash(_("Your vote is withdrawn."), "info")
    return redirect(url_for("voice.idea", idea_id=found.id))


@bp.route("/ideas/<int:idea_id>/status", methods=["POST"])
@require(Access.STAFF)
def move(idea_id: int):
    """Move an idea on: being considered, planned (with its event) or declined (with a reason)."""
    found = services.get_idea(idea_id)
    form = MoveForm()
    form.status.choices = [SelectChoice(s, services.status_label(s)) for s in rules.IDEA_STATUSES]
    if form.validate_on_submit():
        event_id = int(form.event_id.data) if (form.event_id.data or "").isdigit() else None
        if not run_service(services.move, found, current_user, status=form.status.data, event_id=event_id,
                           reason=form.reason.data).error:
            flash(_("The idea is now: %(status)s.", status=services.status_label(found.status)), "success")
    else:
        flash(_("Please correct the marked fields."), "error")
    return redirect(url_for("voice.idea", idea_id=found.id))


@bp.route("/staff/feedback")
@require(Access.STAFF)
def comments():
    """Read the latest comments on events and hide abusive ones."""
    return render_template("voice/comments.html", comments=services.comments(limit=200), button=ButtonForm())


@bp.route("/staff/feedback/<int:feedback_id>/hide", methods=["POST"])
@require(Access.STAFF)
def hide(feedback_id: int):
    """Hide an abusive comment (value=1) or show it again (value=0)."""
    feedback = services.get_feedback(feedback_id)
    form = ButtonForm()
    if form.validate_on_submit():
        hidden = form.value.data != "0"
        if not run_service(services.set_hidden, feedback, current_user, hidden).error:
            flash(_("The comment is hidden.") if hidden else _("The comment is shown again."), "success")
    return redirect(url_for("voice.comments"))


@bp.route("/stats/voice")
@require(Access.COMMITTEE)
def committee():
    """Ratings of a period per event, category and age group, with comments without authors."""
    errors = {}
    try:
        period = stats_services.read_period(request.args.get("from"), request.args.get("to"))
    except ValidationFailed as error:  # show it and fall back to the default period
        errors = error.fields
        period = stats_services.read_period(None, None)
    events = services.feedback_rows(period, "event")
    shown = {row.key: services.visible_comments(row.key, 10) for row in events}
    return render_template("voice/committee.html", period=period, events=events, comments=shown,
                           categories=services.feedback_rows(period, "category"),
                           ages=services.feedback_rows(period, "age_group"), errors=errors,
                           today=venue_today()), 422 if errors else 200
