"""Pages: my data (download, withdraw consent, delete), the guardian's confirmation, staff's privacy
card of a person (paper consent, erasure), and the admins' access log."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, logout_user
from sqlalchemy import func, select
from wtforms import PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..accounts import consent
from ..accounts.access_log import AccessEntry, log_view
from ..accounts.models import User
from ..auth import Access, require
from ..db import utcnow
from ..errors import DomainError, show_errors
from ..extensions import db
from ..inputs import AppForm
from ..timeutil import venue_today
from . import services
from .models import Erasure

bp = Blueprint("privacy", __name__)

#: Entries per page of the access log.
LOG_PAGE = 100


class PasswordConfirmForm(AppForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=200)])


class GuardianForm(AppForm):
    guardian_name = StringField(_l("Your name (parent or guardian)"), validators=[DataRequired(), Length(max=120)])


class EraseForm(AppForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=services.REASON_MAX)])


# ------------------------------------------------------------------------------------------------
# My data


@bp.route("/me/data")
@login_required
def mine():
    """Show what is held about me and how to take it, withdraw consent or delete the account."""
    return render_template("privacy/mine.html", consents=consent.consents_of(current_user),
                           delete_form=PasswordConfirmForm(prefix="delete"),
                           withdraw_form=PasswordConfirmForm(prefix="withdraw"))


@bp.route("/me/data.zip")
@login_required
def download():
    """Download everything held about me: the JSON document and a readable HTML summary in a ZIP."""
    payload = services.export_zip(current_user)
    name = f"anticafe-data-{current_user.id}-{venue_today().isoformat()}.zip"
    return current_app.response_class(payload, mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


def _erase_mine(prefix: str, action):
    form = PasswordConfirmForm(prefix=prefix)
    if form.validate_on_submit():
        try:
            action(current_user, form.password.data)
        except DomainError as error:
            db.session.rollback()
            show_errors(error, form)
        else:
            db.session.commit()
            logout_user()
            flash(_("Your account and your personal data are erased. Thank you for coming!"), "success")
            return redirect(url_for("main.home"))
    forms = {"delete_form": PasswordConfirmForm(prefix="delete"),
             "withdraw_form": PasswordConfirmForm(prefix="withdraw")}
    forms[f"{prefix}_form"] = form
    return render_template("privacy/mine.html", consents=consent.consents_of(current_user), **forms), 422


@bp.route("/me/data/delete", methods=["POST"])
@login_required
def delete_mine():
    """Erase my account after I confirm with my password."""
    return _erase_mine("delete", services.erase_self)


@bp.route("/me/data/withdraw", methods=["POST"])
@login_required
def withdraw():
    """Withdraw my consent: the data has no purpose any more, so the account is erased."""
    return _erase_mine("withdraw", services.withdraw_consent)


@bp.route("/me/data/guardian-link", methods=["POST"])
@login_required
def resend_guardian_link():
    """Send my guardian a fresh consent link."""
    if not current_user.consent_pending:
        flash(_("Your consent is in order: nothing to send."), "info")
    elif consent.send_guardian_link(current_user):
        flash(_("We emailed your parent or guardian a new link."), "success")
    else:
        flash(_("We could not email your parent or guardian. Bring the consent form signed by them to the café."),
              "warning")
    return redirect(url_for("privacy.mine"))


# ------------------------------------------------------------------------------------------------
# The guardian's link


@bp.route("/guardian/<token>", methods=["GET", "POST"])
def guardian(token: str):
    """Let a parent or guardian read what is kept about their child and confirm their consent."""
    if len(token) > 100:
        abort(404)
    try:
        link = consent.find_link(token)
    except DomainError:
        return render_template("privacy/guardian.html", invalid=True, form=None, child=None), 404
    child = db.session.get(User, link.user_id)
    form = GuardianForm()
    if not form.is_submitted():
        form.guardian_name.data = child.guardian_name or ""
    if form.validate_on_submit():
        try:
            consent.confirm_by_link(token, form.guardian_name.data)
        except DomainError as error:
            db.session.rollback()
            show_errors(error, form)
        else:
            db.session.commit()
            return render_template("privacy/guardian.html", done=True, form=None, child=child, invalid=False)
    status = 422 if form.errors else 200
    return render_template("privacy/guardian.html", form=form, child=child, invalid=False), status


# ------------------------------------------------------------------------------------------------
# Staff: a person's consent and erasure


def _person(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


@bp.route("/staff/people/<int:user_id>/privacy")
@require(Access.STAFF)
def person(user_id: int):
    """Show a person's consent state; record a paper form; erase on request."""
    person = _person(user_id)
    log_view(person.id, "privacy.person")
    return render_template("privacy/person.html", person=person, consents=consent.consents_of(person),
                           guardian_form=GuardianForm(prefix="paper"), erase_form=EraseForm(prefix="erase"),
                           erasure=db.session.scalar(select(Erasure).where(Erasure.user_id == person.id)))


@bp.route("/staff/people/<int:user_id>/paper-consent", methods=["POST"])
@require(Access.STAFF)
def paper_consent(user_id: int):
    """Record a guardian's signed paper consent form."""
    person = _person(user_id)
    form = GuardianForm(prefix="paper")
    if person.erased_at is not None:
        abort(404)
    if form.validate_on_submit():
        consent.confirm_on_paper(person, guardian_name=form.guardian_name.data, by=current_user)
        db.session.commit()
        flash(_("The signed consent form is recorded."), "success")
    else:
        flash(_("Write the name of the parent or guardian who signed."), "error")
    return redirect(url_for("privacy.person", user_id=person.id))


@bp.route("/staff/people/<int:user_id>/erase", methods=["POST"])
@require(Access.STAFF)
def erase(user_id: int):
    """Erase a person's identity on request (a walk-in, a child on the guardian's request), with a reason."""
    person = _person(user_id)
    form = EraseForm(prefix="erase")
    if not form.validate_on_submit():
        flash(_("Say why the data is erased (e.g. the guardian's written request)."), "error")
        return redirect(url_for("privacy.person", user_id=person.id))
    try:
        done = services.erase_by_staff(person, by=current_user, reason=form.reason.data)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        db.session.commit()
        flash(_("The person's data is erased; %(n)s future registrations were cancelled.",
                n=done.registrations_cancelled), "success")
    return redirect(url_for("privacy.person", user_id=person.id))


# ------------------------------------------------------------------------------------------------
# Admins: who looked


@bp.route("/admin/access-log")
@require(Access.ADMIN)
def access_log():
    """Who opened whose card, searched people or exported lists, newest first."""
    actor = request.args.get("actor", type=int)
    subject = request.args.get("subject", type=int)
    page = max(1, min(request.args.get("page", 1, type=int), 10_000))
    stmt = select(AccessEntry)
    if actor:
        stmt = stmt.where(AccessEntry.actor_id == actor)
    if subject:
        stmt = stmt.where(AccessEntry.subject_id == subject)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    entries = db.session.scalars(stmt.order_by(AccessEntry.at.desc(), AccessEntry.id.desc())
                                 .offset((page - 1) * LOG_PAGE).limit(LOG_PAGE)).all()
    return render_template("privacy/access_log.html", entries=entries, actor=actor, subject=subject, page=page,
                           pages=max(1, -(-total // LOG_PAGE)), total=total, now=utcnow())

