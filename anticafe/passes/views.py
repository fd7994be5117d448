"""Pages: staff sell and grant passes, the committee runs its programmes in counts, admins define
pass types, visitors see their own passes.

Who may do what:
- **admins** define pass types and may sell, grant and cancel every type;
- **staff** sell packages and memberships (the payment method is recorded) and grant the types
  marked "staff may grant" (allowances, free passes with a reason);
- the **youth committee** runs allowances as programmes: it sets their minutes a month, places and
  qualifying social categories and sees their use in counts; it never sees or picks named people;
- **visitors** see their passes, balances and expiry.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..accounts import services as accounts
from ..accounts.access_log import log_search, log_view
from ..accounts.models import User
from ..auth import Access, require
from ..errors import run_service
from ..extensions import db
from ..inputs import query_month
from ..templating import template_helpers
from ..timeutil import venue_today
from ..visits.tariffs import method_label
from . import checkout, rules, services
from .forms import CancelForm, IssueForm, PassTypeForm, ProgrammeForm
from .models import PassType
from .rules import PassKind, PassStatus

bp = Blueprint("passes", __name__)

def pass_minutes(minutes: int | None) -> str:
    """Show minutes as hours and minutes: "7 h 30 min"."""
    if minutes is None:
        return "—"
    hours, rest = divmod(int(minutes), 60)
    if hours and rest:
        return _("%(h)s h %(m)s min", h=hours, m=rest)
    if hours:
        return _("%(h)s h", h=hours)
    return _("%(m)s min", m=rest)


def pass_date(day: date) -> str:
    """Show a date as "15 January 2027"."""
    return format_date(day, "d MMMM y")


def pass_month(day: date) -> str:
    """Show a month as "November 2026"."""
    return format_date(day, "LLLL y").capitalize()


def parse_decimal(text: str | None) -> Decimal | None:
    """Read a typed number ("7,5" too); None if empty or not a number."""
    if text is None or not text.strip():
        return None
    try:
        value = Decimal(text.strip().replace(",", ".").replace("\u00a0", "").replace(" ", ""))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _person(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


def _issued_message(issued) -> str:
    first = issued[0]
    if first.kind == PassKind.ALLOWANCE:
        return ngettext("%(name)s: an allowance for %(num)s month is granted.",
                        "%(name)s: an allowance for %(num)s months is granted.", len(issued), name=first.name)
    if first.price > 0:
        return _("%(name)s is sold.", name=first.name)
    return _("%(name)s is granted.", name=first.name)


def _issue(form: IssueForm, holder: User, types: list[PassType]) -> bool:
    """Sell or grant from a submitted form; return True when done (and committed)."""
    pass_type = next((t for t in types if t.id == form.pass_type.data), None)
    if pass_type is None:
        form.pass_type.errors = [_("Choose a pass.")]
        return False
    issued, error = run_service(services.issue_pass, holder=holder, pass_type=pass_type, by=current_user,
                                payment_method=form.payment_method.data, reason=form.reason.data,
                                starts_on=form.starts_on.data, months=form.months.data or 1,
                                social_category=form.social_category.data, form=form)
    if error:
        return False
    flash(_issued_message(issued), "success")
    return True


def _issue_form(types: list[PassType]) -> IssueForm:
    form = IssueForm()
    form.pass_type.choices = [SelectChoice(t.id, t.name) for t in types]
    form.social_category.choices = [("", "—")] + [(code, services.category_label(code))
                                                  for code in rules.SOCIAL_CATEGORIES]
    if not form.is_submitted():
        form.starts_on.data = venue_today()
        if types:
            form.pass_type.data = types[0].id
    return form


def _person_page(user_id: int, *, endpoint: str, mode: str, kinds):
    """A person's passes (of `kinds`, None: all) with the form to sell or grant one (staff and admins)."""
    holder = _person(user_id)
    if request.method == "GET":
        log_view(holder.id, endpoint)
    types = services.issuable_types(current_user, kinds=kinds)
    form = _issue_form(types)
    if form.validate_on_submit() and _issue(form, holder, types):
        return redirect(url_for(endpoint, user_id=holder.id))
    status = 422 if form.is_submitted() else 200
    return render_template("passes/person.html", holder=holder, form=form, types=types, mode=mode,
                           **_holder_context(holder, kinds)), status


# ------------------------------------------------------------------------------------------------
# Staff


@bp.route("/passes/")
@require(Access.STAFF)
def index():
    """Find a person to sell a pass to; the passes sold and granted lately."""
    query = request.args.get("q", "")
    people = accounts.search_users(query, limit=30) if len(query.strip()) >= 2 else []
    if query.strip():
        log_search(len(people), "passes.index")
    return render_template("passes/index.html", q=query, people=people, recent=services.recent_passes(30),
                           balances=services.balances_for([p.id for p in people]),
                           types=services.issuable_types(current_user), today=venue_today())


@bp.route("/passes/people/<int:user_id>", methods=["GET", "POST"])
@require(Access.STAFF)
def person(user_id: int):
    """Show a person's passes with balance and expiry; sell or grant one."""
    return _person_page(user_id, endpoint="passes.person", mode="staff", kinds=None)


@bp.route("/passes/<int:pass_id>/cancel", methods=["POST"])
@require(Access.STAFF)
def cancel(pass_id: int):
    """Cancel a pass sold or granted by mistake."""
    return _cancel(pass_id, "passes.person", kinds=None)


def _cancel(pass_id: int, back: str, kinds: set[str] | None):
    held = services.get_pass(pass_id)
    if kinds is not None and held.kind not in kinds:
        abort(404)
    form = CancelForm()
    if not form.validate_on_submit():
        flash(_("Say why the pass is cancelled."), "error")
        return redirect(url_for(back, user_id=held.user_id))
    error = run_service(services.cancel_pass, held, by=current_user, reason=form.cancel_reason.data).error
    if not error:
        flash(_("The pass is cancelled."), "success")
    return redirect(url_for(back, user_id=held.user_id))


def _holder_context(holder: User, kinds: set[str] | None = None) -> dict:
    today = venue_today()
    held = services.passes_of(holder, today=today)
    if kinds is not None:
        held = [p for p in held if p.kind in kinds]
    return {"passes": held, "balance": services.balance_of(held, today), "today": today,
            "uses": {p.id: services.uses_of(p) for p in held}, "cancel_form": CancelForm()}


# ------------------------------------------------------------------------------------------------
# The youth committee


def _month_arg() -> date:
    return query_month(request.args.get("month"), rules.month_start(venue_today()))


@bp.route("/committee/allowances")
@require(Access.COMMITTEE)
def committee_index():
    """The social programmes: their terms, and how many people use them and how much, in counts only."""
    month = _month_arg()
    figures = services.programme_figures(month)
    forms = {f.pass_type.id: _programme_form(f.pass_type) for f in figures}
    return render_template("passes/committee.html", month=month, figures=figures, forms=forms,
                           previous=rules.add_months(month, -1), following=rules.add_months(month, 1),
                           today=venue_today())


def _programme_form(pass_type: PassType, formdata=None) -> ProgrammeForm:
    form = ProgrammeForm(formdata=formdata, prefix=f"p{pass_type.id}")
    form.categories.choices = [(code, services.category_label(code)) for code in rules.SOCIAL_CATEGORIES]
    if formdata is None:
        form.hours.data = _hours_text(pass_type.minutes)
        form.places.data = pass_type.places
        form.categories.data = list(rules.parse_categories(pass_type.categories))
    return form


@bp.route("/committee/allowances/<int:type_id>", methods=["POST"])
@require(Access.COMMITTEE)
def committee_programme(type_id: int):
    """Change a programme's terms: minutes a month, places, the social categories that qualify."""
    pass_type = db.session.get(PassType, type_id) or abort(404)
    form = _programme_form(pass_type, formdata=request.form)
    hours = parse_decimal(form.hours.data)
    minutes = int(hours * 60) if hours is not None and hours * 60 == int(hours * 60) else None
    if form.validate_on_submit():
        error = run_service(services.update_programme, pass_type, minutes=minutes, places=form.places.data,
                            categories=form.categories.data or [], by=current_user).error
        if not error:
            flash(_("The terms of “%(name)s” are saved; they apply to allowances granted from now on.",
                    name=pass_type.name), "success")
    else:
        flash(_("Please correct the marked fields."), "error")
    return redirect(url_for("passes.committee_index", month=request.args.get("month")))


# ------------------------------------------------------------------------------------------------
# Admins: pass types


@bp.route("/admin/pass-types")
@require(Access.ADMIN)
def types():
    """List the pass types: what is on sale and what is archived."""
    return render_template("passes/types.html", types=services.pass_types(), counts=services.issued_counts())


def _type_data(form: PassTypeForm) -> services.PassTypeData | None:
    hours = parse_decimal(form.hours.data)
    # An allowance is free; its price field is hidden, so whatever it holds is ignored.
    free = form.kind.data == PassKind.ALLOWANCE or not form.price.data
    price = Decimal(0) if free else parse_decimal(form.price.data)
    ok = True
    if form.hours.data and hours is None:
        form.hours.errors = [_("Enter a number of hours, e.g. 10 or 7,5.")]
        ok = False
    minutes = None
    if hours is not None:
        minutes_exact = hours * 60
        if minutes_exact != minutes_exact.to_integral_value():
            form.hours.errors = [_("Give hours in whole minutes, e.g. 7,5 or 1,25.")]
            ok = False
        else:
            minutes = int(minutes_exact)
    if price is None:
        form.price.errors = [_("Enter a price in rubles, e.g. 1500.")]
        ok = False
    if not ok:
        return None
    return services.PassTypeData(
        name=form.name.data, kind=form.kind.data, minutes=minutes, validity_days=form.validity_days.data,
        price=price, weekdays_only=form.weekdays_only.data, staff_may_issue=form.staff_may_issue.data,
        committee_may_issue=form.committee_may_issue.data, active=form.active.data,
        description=form.description.data or "")


def _edit_type(pass_type: PassType | None):
    form = PassTypeForm(obj=pass_type)
    form.kind.choices = [SelectChoice(kind.value, services.kind_label(kind)) for kind in PassKind]
    if pass_type is not None and not form.is_submitted():
        form.hours.data = _hours_text(pass_type.minutes)
        form.price.data = f"{pass_type.price.normalize():f}" if pass_type.price else "0"
    if form.validate_on_submit():
        data = _type_data(form)
        if data is not None:
            saved, error = run_service(services.save_pass_type, data, pass_type, form=form)
            if not error:
                flash(_("The pass type “%(name)s” is saved.", name=saved.name), "success")
                return redirect(url_for("passes.types"))
    status = 422 if form.is_submitted() else 200
    issued = services.issued_counts().get(pass_type.id, 0) if pass_type is not None else 0
    return render_template("passes/type_form.html", form=form, pass_type=pass_type, issued=issued), status


def _hours_text(minutes: int | None) -> str:
    if minutes is None:
        return ""
    value = (Decimal(minutes) / 60).normalize()
    return f"{value:f}".replace(".", ",")


@bp.route("/admin/pass-types/new", methods=["GET", "POST"])
@require(Access.ADMIN)
def new_type():
    """Define a new pass type."""
    return _edit_type(None)


@bp.route("/admin/pass-types/<int:type_id>", methods=["GET", "POST"])
@require(Access.ADMIN)
def edit_type(type_id: int):
    """Change a pass type; passes already held keep their terms."""
    return _edit_type(db.session.get(PassType, type_id) or abort(404))


@bp.route("/admin/pass-types/<int:type_id>/delete", methods=["POST"])
@require(Access.ADMIN)
def delete_type(type_id: int):
    """Delete a pass type nobody holds."""
    pass_type = db.session.get(PassType, type_id) or abort(404)
    error = run_service(services.delete_pass_type, pass_type).error
    if error:
        return redirect(url_for("passes.edit_type", type_id=type_id))
    flash(_("The pass type is deleted."), "success")
    return redirect(url_for("passes.types"))


# ------------------------------------------------------------------------------------------------
# Visitors


@bp.route("/me/passes")
@require(Access.USER)
def mine():
    """Show my passes: balance, expiry, and what each paid for."""
    return render_template("passes/mine.html", **_holder_context(current_user))


def my_passes_context(user: User) -> dict:
    """Return what the "My card" partial `passes/_my_passes.html` needs."""
    today = venue_today()
    current = services.passes_of(user, today=today, current_only=True)
    return {"my_passes": current, "my_balance": services.balance_of(current, today), "today": today}


def passes_home_section(app, **_) -> dict:
    """Home page for a logged-in visitor: the balances of their current passes."""
    if not current_user.is_authenticated or current_user.role != "visitor":
        return {}
    return {"my_passes_home": my_passes_context(current_user)}


template_helpers(bp, filters={"pass_minutes": pass_minutes, "pass_date": pass_date, "pass_month": pass_month},
                 pass_kind_label=services.kind_label, pass_status_label=services.status_label,
                 pass_method_label=method_label, PassStatus=PassStatus, pass_category_label=services.category_label,
                 pass_shift_minutes=checkout.shift_minutes)
