"""Pages: the live board, checkout, corrections, receipts, the shift report, "My card", "My visits",
the admin's tariff editor, and the prices on the home page."""

import re
from datetime import date, datetime, time, timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, pgettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from .. import codes, signals, versions
from ..accounts.access_log import log_search
from ..accounts.models import User
from ..auth import Access, require
from ..errors import DomainError, ValidationFailed, run_service, show_errors
from ..extensions import db
from ..i18n import rubles
from ..inputs import clean_next, query_date
from ..memo import Memo
from ..templating import template_helpers
from ..timeutil import from_venue, to_venue, venue_now, venue_today
from ..venue import services as venue
from . import billing, clock, pricing, tariffs
from . import board as visits_board
from . import checkout as visits_checkout
from .forms import (
    TIER_ROWS,
    CategoryForm,
    CorrectionForm,
    HolidayForm,
    PayForm,
    StartForm,
    TariffForm,
    WalkInForm,
)
from .models import Bill, GuestCategory, Visit, VisitStatus

bp = Blueprint("visits", __name__)

def visit_time(value) -> str:
    """Format a stored ISO time (a correction's before/after) in venue time."""
    try:
        return to_venue(datetime.fromisoformat(value)).strftime("%d.%m %H:%M")
    except (TypeError, ValueError):
        return str(value)


def visit_category_name(code: str) -> str:
    return tariffs.category_label(code)


def visit_status_name(status: str) -> str:
    return tariffs.status_label(status)


#: The guest categories to choose from by database, language and data version (the board's page asks on
#: every load; an added category bumps the statistics' version, `anticafe.versions`).
_choices = Memo(size=8)


def category_choices() -> list[tuple[str, str]]:
    """The guest categories to choose from, (code, name): the built-in ones, then the admin's (one query,
    or none when this worker has them for the current data version)."""
    key = (str(db.engine.url), str(get_locale()), versions.stats_version())
    found = _choices.get(key)
    if found is None:
        found = _category_choices()
        if not versions.unsettled(db.session):
            _choices.put(key, found)
    return list(found)


def _category_choices() -> tuple[tuple[str, str], ...]:
    added = db.session.execute(select(GuestCategory.code, GuestCategory.name)
                               .order_by(GuestCategory.created_at, GuestCategory.code))
    return (*((code, str(tariffs.CATEGORY_LABELS[code])) for code in pricing.BUILTIN_CATEGORIES),
            *((code, name) for code, name in added))


def _back(default: str) -> str:
    return clean_next(request.form.get("next"), default)


# ------------------------------------------------------------------------------------------------
# The live board


#: The visit id the board's row template holds in its links, replaced by each row's (as visits.js does).
ROW_ID = "999999999"

#: One row of the live board. Every element is always there and toggled with `hidden`, so that visits.js
#: redraws rows from the API with a clone of the same markup (the page's `#board-row-template`).
#: `{{name}}` is a text said once per page; `[name]` a value of the row (both escaped).
_ROW_MARKUP = """<tr data-visit-id="[id]" class="[row_class]">
  <td data-label="{{guest}}">
    <a href="{{checkout}}" data-field="name">[name]</a>
    <span class="badge[walk_in_hidden]" data-field="walk-in">{{walk_in}}</span>
    <span class="badge warn[paused_hidden]" data-field="paused">{{paused}}</span>
    <span class="badge[minor_class]" data-field="minor">{{under_16}}<span data-field="curfew"[curfew_class]>
      · {{curfew}}</span></span>
    <small class="muted[category_hidden]" data-field="category">[category_label]</small>
  </td>
  <td data-label="{{since}}" data-field="since">[since]</td>
  <td data-label="{{time}}" data-field="time">[time]</td>
  <td data-label="{{so_far}}"><span class="amount-cell"><strong data-field="amount">[amount]</strong>
    <small class="muted cap-note" data-field="cap">[cap]</small></span>
  </td>
  <td class="row-actions">
    <form method="post" action="{{resume}}" class="inline-form[resume_hidden]" data-action="resume"
          data-api="{{api_resume}}">
      <input type="hidden" name="csrf_token" value="{{csrf}}">
      <button type="submit" class="secondary outline">{{resume_label}}</button>
    </form>
    <form method="post" action="{{pause}}" class="inline-form[pause_hidden]" data-action="pause"
          data-api="{{api_pause}}">
      <input type="hidden" name="csrf_token" value="{{csrf}}">
      <button type="submit" class="secondary outline">{{pause_label}}</button>
    </form>
    <form method="post" action="{{stop}}" class="inline-form" data-action="stop" data-confirm="{{stop_confirm}}"
          data-api="{{api_stop}}" data-then="{{checkout}}">
      <input type="hidden" name="csrf_token" value="{{csrf}}">
      <button type="submit">{{stop_label}}</button>
    </form>
  </td>
</tr>"""

_PIECE = re.compile(r"\{\{(\w+)\}\}|\[(\w+)\]")
_HIDDEN = " hidden"


class BoardRows:
    """The board's rows as HTML, the texts, links and CSRF token said once per page instead of once per
    guest (a Jinja macro per row cost more than the rest of the page): the markup is cut once per worker
    and language into a format string of constant text and the row's values, and a row is one
    `format_map` of it."""

    #: (format string, texts, formatted amounts) by language and script root: the texts and links are the
    #: same on every page (the CSRF token is a value of the row)
    _shapes = Memo(size=16)

    def __init__(self):
        key = (str(get_locale()), request.script_root)
        shape = self._shapes.get(key)
        if shape is None:
            shape = self._shape()
            self._shapes.put(key, shape)
        self.format, texts, self.amounts = shape
        self.cap_reached, self.cap, self.minutes, self.hours = texts
        self.csrf = str(escape(generate_csrf()))
        self.template = Markup(self.row({"id": int(ROW_ID), "name": "", "guest_name": None, "paused": False,
                                         "minor": False, "minor_after_curfew": False, "guest_category": "standard",
                                         "category_label": "", "started_at": None, "minutes_so_far": 0,
                                         "amount_so_far": "0.00", "capped": False, "cap": None}))

    @staticmethod
    def _shape() -> tuple[str, tuple[str, str, str, str], dict[str, str]]:
        urls = {name: url_for(endpoint, visit_id=int(ROW_ID)) for name, endpoint in (
            ("checkout", "visits.checkout"), ("resume", "visits.resume"), ("pause", "visits.pause"),
            ("stop", "visits.stop"), ("api_resume", "visits_api.resume"), ("api_pause", "visits_api.pause"),
            ("api_stop", "visits_api.stop"))}
        texts = {
            **urls,
            "guest": _("Guest"), "walk_in": pgettext("guest", "walk-in"), "paused": _("paused"),
            "under_16": _("under 16"), "curfew": _("curfew"), "since": _("Since"), "time": _("Time"),
            "so_far": _("So far"), "resume_label": _("Resume"), "pause_label": _("Pause"), "stop_label": _("Stop"),
            "stop_confirm": _("Stop the clock for %(name)s?", name="{name}"),
        }
        # Constant text (braces doubled) and the row's values as `{name}` fields; a link's id is a value too.
        parts: list[str] = []
        position = 0
        for found in _PIECE.finditer(_ROW_MARKUP):
            parts.append(_ROW_MARKUP[position:found.start()].replace("{", "{{").replace("}", "}}"))
            position = found.end()
            if found.group(1) == "csrf":
                parts.append("{csrf}")
            elif found.group(1):
                said = str(escape(texts[found.group(1)])).replace("{", "{{").replace("}", "}}")
                parts.append(said.replace(ROW_ID, "{id}"))
            else:
                parts.append("{" + found.group(2) + "}")
        parts.append(_ROW_MARKUP[position:].replace("{", "{{").replace("}", "}}"))
        said = (str(escape(_("cap reached"))), _("cap %(cap)s", cap="{cap}"),
                _("%(minutes)s min", minutes="{minutes}"),
                _("%(hours)s h %(minutes)s min", hours="{hours}", minutes="{minutes}"))
        return "".join(parts), said, {}

    def duration(self, minutes: int) -> str:
        if minutes < 60:
            return self.minutes.replace("{minutes}", str(minutes))
        return self.hours.replace("{hours}", str(minutes // 60)).replace("{minutes}", f"{minutes % 60:02d}")

    def money(self, amount: str) -> str:
        said = self.amounts.get(amount)
        if said is None:
            if len(self.amounts) > 4096:  # amounts repeat; a bound all the same
                self.amounts.clear()
            said = self.amounts[amount] = rubles(amount)
        return said

    def row(self, item: dict) -> str:
        paused, minor, late = item["paused"], item["minor"], item["minor_after_curfew"]
        if item["capped"]:
            cap = self.cap_reached
        elif item["cap"]:
            cap = str(escape(self.cap.replace("{cap}", self.money(item["cap"]))))
        else:
            cap = ""
        return self.format.format_map({
            "id": item["id"],
            "csrf": self.csrf,
            "row_class": ("is-paused" if paused else "") + (" is-curfew" if late else ""),
            "name": escape(item["name"]),
            "walk_in_hidden": "" if item["guest_name"] else _HIDDEN,
            "paused_hidden": "" if paused else _HIDDEN,
            "minor_class": (" bad" if late else "") + ("" if minor else _HIDDEN),
            "curfew_class": "" if late else ' class="hidden"',
            "category_hidden": _HIDDEN if item["guest_category"] == "standard" else "",
            "category_label": escape(item["category_label"]),
            "since": item["started_at"][11:16] if item["started_at"] else "—",
            "time": escape(self.duration(item["minutes_so_far"])),
            "amount": escape(self.money(item["amount_so_far"])),
            "cap": cap,
            "resume_hidden": "" if paused else _HIDDEN,
            "pause_hidden": _HIDDEN if paused else "",
        })

    def html(self, items: list[dict]) -> Markup:
        return Markup("\n".join([self.row(item) for item in items]))


#: The walk-in form as the board shows it before anything is typed, by database, language, data version
#: (its categories), script root and whether the capacity override shows: rendered once per worker, the
#: CSRF token's place cut out (its WTForms fields through the `field` macro cost ~1 ms per page).
_blank_walk_ins = Memo(size=16)
_TOKEN = "\x00csrf\x00"


def _walk_in_html(form: WalkInForm | None, choices: list[tuple[str, str]], show_override: bool) -> Markup:
    template = current_app.jinja_env.get_template("visits/_walk_in.html")
    if form is not None:  # a refused submission: what was typed, and the errors
        form.guest_category.choices = [SelectChoice(code, name) for code, name in choices]
        return Markup(template.render(walk_in=form, show_override=show_override, csrf=generate_csrf()))
    key = (str(db.engine.url), str(get_locale()), versions.stats_version(), request.script_root, show_override)
    parts = _blank_walk_ins.get(key)
    if parts is None:
        blank = WalkInForm(formdata=None, meta={"csrf": False})
        blank.guest_category.choices = [SelectChoice(code, name) for code, name in choices]
        blank.guest_category.data = "standard"
        parts = tuple(template.render(walk_in=blank, show_override=show_override, csrf=_TOKEN).split(_TOKEN))
        if not versions.unsettled(db.session):
            _blank_walk_ins.put(key, parts)
    return Markup(str(escape(generate_csrf())).join(parts))


def _render_board(walk_in: WalkInForm | None = None, status: int = 200):
    data = visits_board.board()
    query = request.args.get("q", "").strip()
    found = visits_board.find_people(query) if query else []
    if query:
        log_search(len(found), "visits.board")
    choices = category_choices()
    if walk_in is not None and not walk_in.guest_category.data:
        walk_in.guest_category.data = "standard"
    show_override = data["occupancy"]["full"] or request.args.get("full") == "1"
    rows = BoardRows()
    return render_template("visits/board.html", board=data, q=query, found=found,
                           walk_in_html=_walk_in_html(walk_in, choices, show_override),
                           categories=choices, rows_html=rows.html(data["items"]), row_template=rows.template,
                           show_override=show_override, today=venue_today()), status


def _warn_after_closing() -> None:
    if not venue.is_open_at(venue_now().replace(tzinfo=None)):
        flash(_("Started while the café is closed: check that this visit is meant."), "warning")


@bp.route("/visits/")
@require(Access.STAFF)
def board():
    """Show who is inside, since when, the running amounts, and start new visits."""
    return _render_board()


@bp.route("/visits/start", methods=["POST"])
@require(Access.STAFF)
def start():
    """Start the visit of a person found by the search."""
    form = StartForm()
    query = request.form.get("q", "")
    user = None
    if form.validate_on_submit() and form.user_id.data.isdigit():
        user = db.session.get(User, int(form.user_id.data))
    if user is None:
        flash(_("Choose a person to start the visit for."), "error")
        return redirect(url_for("visits.board", q=query or None))
    visit, error = run_service(clock.start_visit, user=user, staff=current_user,
                               category=form.guest_category.data or None, override_reason=form.override_reason.data)
    if error:
        return redirect(url_for("visits.board", q=query or None,
                                full="1" if error.code == "venue_full" else None))
    flash(_("%(name)s: the visit started at %(time)s.", name=visit.display_name,
            time=to_venue(visit.started_at).strftime("%H:%M")), "success")
    _warn_after_closing()
    return redirect(url_for("visits.board"))


@bp.route("/visits/walk-in", methods=["POST"])
@require(Access.STAFF)
def walk_in():
    """Start the visit of a guest without an account."""
    form = WalkInForm()
    form.guest_category.choices = [SelectChoice(code, name) for code, name in category_choices()]
    if not form.validate_on_submit():
        return _render_board(form, 422)
    visit, error = run_service(clock.start_walk_in, name=form.name.data, phone=form.phone.data,
                               birth_date=form.birth_date.data, staff=current_user,
                               category=form.guest_category.data or None, override_reason=form.override_reason.data,
                               form=form)
    if error:
        return _render_board(form, error.status)
    flash(_("%(name)s: the visit started at %(time)s.", name=visit.display_name,
            time=to_venue(visit.started_at).strftime("%H:%M")), "success")
    _warn_after_closing()
    return redirect(url_for("visits.board"))


def _visit_or_404(visit_id: int) -> Visit:
    return db.session.get(Visit, visit_id) or abort(404)


def _clock_action(visit_id: int, action, message: str):
    visit = _visit_or_404(visit_id)
    visit, error = run_service(action, visit, staff=current_user)
    if error:
        return None
    flash(message % {"name": visit.display_name}, "success")
    return visit


@bp.route("/visits/<int:visit_id>/pause", methods=["POST"])
@require(Access.STAFF)
def pause(visit_id: int):
    """Pause the clock (the guest steps out)."""
    _clock_action(visit_id, clock.pause_visit, _("%(name)s: paused."))
    return redirect(_back(url_for("visits.board")))


@bp.route("/visits/<int:visit_id>/resume", methods=["POST"])
@require(Access.STAFF)
def resume(visit_id: int):
    """Restart the clock (the guest is back)."""
    _clock_action(visit_id, clock.resume_visit, _("%(name)s: the clock runs again."))
    return redirect(_back(url_for("visits.board")))


@bp.route("/visits/<int:visit_id>/stop", methods=["POST"])
@require(Access.STAFF)
def stop(visit_id: int):
    """Stop the clock and go to the checkout."""
    visit = _clock_action(visit_id, clock.stop_visit, _("%(name)s: the visit is stopped."))
    if visit is None:
        return redirect(_back(url_for("visits.board")))
    return redirect(url_for("visits.checkout", visit_id=visit_id))


# ------------------------------------------------------------------------------------------------
# Checkout, corrections, receipts


def _chosen(values) -> tuple[int, ...]:
    return tuple(int(v) for v in values[:50] if v.isdigit() and len(v) < 12)


def _checkout_context(visit: Visit, pay_form: PayForm | None = None, correction: CorrectionForm | None = None,
                      company_query: str = "", chosen: tuple[int, ...] = ()):
    data = visits_board.visit_json(visit)
    pricer = billing.Pricer()
    company = None
    if visit.status == VisitStatus.STOPPED:
        found = visits_board.company_of(visit, company_query, chosen)
        company = {"together": [visits_board.visit_json(v, pricer=pricer) for v in found.together],
                   "found": [visits_board.visit_json(v, pricer=pricer) for v in found.found],
                   "others": found.others, "query": company_query, "chosen": set(chosen)}
    pay_form = pay_form or PayForm(formdata=None)
    if not pay_form.payment_method.data:
        pay_form.payment_method.data = "cash"
    correction = correction or CorrectionForm(formdata=None)
    correction.guest_category.choices = [SelectChoice(code, name) for code, name in category_choices()]
    if correction.started_at.data is None and not correction.errors:
        correction.started_at.data = to_venue(visit.started_at).replace(tzinfo=None, second=0, microsecond=0)
        if visit.ended_at is not None:
            correction.ended_at.data = to_venue(visit.ended_at).replace(tzinfo=None, second=0, microsecond=0)
        correction.guest_category.data = visit.guest_category
    active = billing.active_time(visit)
    return {"visit": visit, "data": data, "company": company, "pay_form": pay_form, "correction": correction,
            "active_minutes": int(active.total_seconds() // 60), "method_label": tariffs.method_label}


@bp.route("/visits/<int:visit_id>")
@require(Access.STAFF)
def checkout(visit_id: int):
    """Show a visit: its time, the bill's lines and the payment, corrections and their history."""
    visit = db.session.scalar(select(Visit).options(selectinload(Visit.segments), selectinload(Visit.corrections))
                              .where(Visit.id == visit_id)) or abort(404)
    query = request.args.get("with", "").strip()[:100]
    return render_template("visits/checkout.html", **_checkout_context(
        visit, company_query=query, chosen=_chosen(request.args.getlist("visit_ids"))))


@bp.route("/visits/<int:visit_id>/pay", methods=["POST"])
@require(Access.STAFF)
def pay(visit_id: int):
    """Record the payment of a visit, and of the company's visits ticked with it (a group bill)."""
    visit = _visit_or_404(visit_id)
    form = PayForm()
    chosen = _chosen(request.form.getlist("visit_ids"))
    if not form.validate_on_submit():
        return render_template("visits/checkout.html", **_checkout_context(visit, pay_form=form, chosen=chosen)), 422
    others = [i for i in chosen if i != visit.id]
    companions = [v for v in (db.session.get(Visit, i) for i in others) if v is not None]
    try:
        bill = visits_checkout.pay_together([visit, *companions], staff=current_user, method=form.payment_method.data,
                                     note=form.note.data)
    except DomainError as error:
        db.session.rollback()
        visit = _visit_or_404(visit_id)
        show_errors(error, form)
        return (render_template("visits/checkout.html", **_checkout_context(visit, pay_form=form, chosen=chosen)),
                error.status)
    db.session.commit()
    flash(_("Paid: %(amount)s.", amount=rubles(bill.total)), "success")
    return redirect(url_for("visits.receipt", bill_id=bill.id))


@bp.route("/visits/<int:visit_id>/correct", methods=["POST"])
@require(Access.STAFF)
def correct(visit_id: int):
    """Correct a visit's times or category with a reason (kept in its history)."""
    visit = _visit_or_404(visit_id)
    form = CorrectionForm()
    form.guest_category.choices = [SelectChoice(code, name) for code, name in category_choices()]
    if not form.validate_on_submit():
        return render_template("visits/checkout.html", **_checkout_context(visit, correction=form)), 422
    started = from_venue(form.started_at.data) if form.started_at.data else None
    ended = from_venue(form.ended_at.data) if form.ended_at.data and not form.reopen.data else None
    if ended is not None and visit.ended_at is not None and abs((ended - visit.ended_at).total_seconds()) < 60:
        ended = None  # the form shows minutes; an untouched end keeps its seconds
    if started is not None and abs((started - visit.started_at).total_seconds()) < 60:
        started = None
    try:
        visits_checkout.correct_visit(visit, staff=current_user, reason=form.reason.data, started_at=started,
                                      ended_at=ended, category=form.guest_category.data or None,
                                      reopen=form.reopen.data)
    except DomainError as error:
        db.session.rollback()
        visit = _visit_or_404(visit_id)
        show_errors(error, form)
        return render_template("visits/checkout.html", **_checkout_context(visit, correction=form)), error.status
    db.session.commit()
    flash(_("The visit is corrected."), "success")
    return redirect(url_for("visits.checkout", visit_id=visit_id))


@bp.route("/visits/bills/<int:bill_id>")
@require(Access.STAFF)
def receipt(bill_id: int):
    """Show a receipt: the payer, the method and each visit it paid."""
    bill = db.session.scalar(select(Bill).options(selectinload(Bill.visits).selectinload(Visit.segments))
                             .where(Bill.id == bill_id)) or abort(404)
    rows = [(v, int(billing.active_time(v).total_seconds() // 60)) for v in bill.visits]
    return render_template("visits/receipt.html", bill=bill, rows=rows, method_label=tariffs.method_label)


# ------------------------------------------------------------------------------------------------
# The shift report


@bp.route("/visits/shift")
@require(Access.STAFF)
def shift():
    """Sum up a day: visits, minutes, revenue by payment method, subsidised visits, corrections."""
    day = query_date(request.args.get("day"), venue_today())
    report = visits_board.shift_report(day)
    pricer = billing.Pricer()
    minutes = {v.id: int(billing.active_time(v).total_seconds() // 60) for v in report.visits}
    live = {v.id: pricer.live(v).amount for v in report.still_open}
    return render_template("visits/shift.html", report=report, minutes=minutes, live=live,
                           method_label=tariffs.method_label, status_label=tariffs.status_label,
                           category_label=tariffs.category_label, today=venue_today())


# ------------------------------------------------------------------------------------------------
# The visitor's pages


@bp.route("/my/card")
@require(Access.USER)
def my_card():
    """Show one's guest card: the code to type and its QR to scan."""
    sections = signals.answers(signals.my_card_sections, current_user._get_current_object())
    return render_template("visits/my_card.html", grouped=codes.group(current_user.card_code),
                           qr_url=url_for("visits_api.card_qr", user_id=current_user.id),
                           category=tariffs.category_label(current_user.guest_category),
                           open_visit=clock.open_visit_for(current_user), sections=sections)


@bp.route("/my/visits")
@require(Access.USER)
def my_visits():
    """List one's visits: date, duration and amount."""
    visits = visits_board.visits_of(current_user)
    pricer = billing.Pricer()
    rows = []
    for visit in visits:
        minutes = int(billing.active_time(visit).total_seconds() // 60)
        amount = visit.amount if not visit.is_open else pricer.live(visit).amount
        rows.append({"visit": visit, "minutes": minutes, "amount": amount})
    total = sum((r["amount"] for r in rows if r["visit"].status == VisitStatus.PAID and r["amount"] is not None
                 and r["visit"].payment_method != "subsidised"), start=pricing.Decimal(0))
    return render_template("visits/my_visits.html", rows=rows, total=total, status_label=tariffs.status_label)


# ------------------------------------------------------------------------------------------------
# The admin's tariff editor


def _fill_tariff_form(form: TariffForm, rules: pricing.TariffRules) -> None:
    form.unit_minutes.data = rules.unit_minutes
    form.grace_minutes.data = rules.grace_minutes
    form.minimum_charge.data = rules.minimum_charge
    form.weekday_cap.data = rules.weekday.cap
    form.weekend_cap.data = rules.weekend.cap
    form.weekend_same.data = rules.weekday.tiers == rules.weekend.tiers
    for rows, tiers in ((form.weekday_tiers, rules.weekday.tiers), (form.weekend_tiers, rules.weekend.tiers)):
        for index, entry in enumerate(rows):
            tier = tiers[index] if index < len(tiers) else None
            entry.form.first_minute.data = tier.first_minute if tier else None
            entry.form.rate.data = tier.rate if tier else None
    while len(form.discounts):
        form.discounts.pop_entry()
    for info in tariffs.categories(rules):
        form.discounts.append_entry({"code": info.code, "percent": info.discount})


def _tiers_from(rows) -> tuple[tuple[pricing.Tier, ...], bool]:
    tiers, incomplete = [], False
    for entry in rows:
        first, rate = entry.form.first_minute.data, entry.form.rate.data
        if first is None and rate is None:
            continue
        if first is None or rate is None:
            incomplete = True
            continue
        tiers.append(pricing.Tier(int(first), rate))
    return tuple(tiers), incomplete


def _rules_from_form(form: TariffForm) -> pricing.TariffRules:
    weekday, weekday_incomplete = _tiers_from(form.weekday_tiers)
    weekend, weekend_incomplete = (weekday, False) if form.weekend_same.data else _tiers_from(form.weekend_tiers)
    if weekday_incomplete or weekend_incomplete:
        name = "weekday_tiers" if weekday_incomplete else "weekend_tiers"
        raise ValidationFailed({name: [_("Fill in both the minute and the rate of each row.")]})
    discounts = {}
    for entry in form.discounts:
        percent = entry.form.percent.data
        discounts[entry.form.code.data] = percent if percent is not None else pricing.Decimal(0)
    return pricing.TariffRules(
        weekday=pricing.Variant(weekday, form.weekday_cap.data),
        weekend=pricing.Variant(weekend, form.weekend_cap.data),
        unit_minutes=form.unit_minutes.data, grace_minutes=form.grace_minutes.data,
        minimum_charge=form.minimum_charge.data or pricing.Decimal(0), discounts=discounts)


def _render_tariff(form: TariffForm | None = None, category_form: CategoryForm | None = None,
                   holiday_form: HolidayForm | None = None, errors: dict | None = None, status: int = 200):
    rules = tariffs.current_rules()
    if form is None:
        form = TariffForm(formdata=None)
        _fill_tariff_form(form, rules)
    names = {info.code: info.name for info in tariffs.categories(rules)}
    return render_template("visits/tariff.html", form=form, category_form=category_form or CategoryForm(formdata=None),
                           holiday_form=holiday_form or HolidayForm(formdata=None), names=names,
                           errors=errors or {}, versions=tariffs.tariff_versions(),
                           holidays=tariffs.holidays(since=date(venue_today().year - 1, 1, 1)),
                           words=tariffs.tariff_words(rules), tier_rows=TIER_ROWS, current=tariffs.current_tariff()
                           ), status


@bp.route("/admin/tariff", methods=["GET", "POST"])
@require(Access.ADMIN)
def tariff():
    """Edit the tariff: saving adds a new version; visits keep the version they started with."""
    if request.method == "GET":
        return _render_tariff()
    form = TariffForm()
    if not form.validate_on_submit():
        return _render_tariff(form=form, status=422)
    try:
        version = tariffs.save_tariff(_rules_from_form(form), staff=current_user, note=form.note.data)
    except DomainError as error:
        db.session.rollback()
        return _render_tariff(form=form, errors={k: [str(m) for m in v] for k, v in error.fields.items()} or
                              {"form": [str(error.message)]}, status=error.status)
    db.session.commit()
    flash(_("The tariff is saved as version %(n)s.", n=version.version), "success")
    return redirect(url_for("visits.tariff"))


@bp.route("/admin/tariff/categories", methods=["POST"])
@require(Access.ADMIN)
def add_category():
    """Add a guest category with its discount (a new tariff version)."""
    form = CategoryForm()
    if not form.validate_on_submit():
        return _render_tariff(category_form=form, status=422)
    row, error = run_service(tariffs.add_category, code=form.code.data, name=form.name.data,
                             discount=form.discount.data or pricing.Decimal(0), staff=current_user, form=form)
    if error:
        return _render_tariff(category_form=form, status=error.status)
    flash(_("The category «%(name)s» is added.", name=row.name), "success")
    return redirect(url_for("visits.tariff"))


@bp.route("/admin/tariff/holidays", methods=["POST"])
@require(Access.ADMIN)
def add_holiday():
    """Add a holiday (priced like a weekend)."""
    form = HolidayForm()
    if not form.validate_on_submit():
        return _render_tariff(holiday_form=form, status=422)
    tariffs.add_holiday(form.day.data, form.name.data)
    db.session.commit()
    flash(_("%(day)s is priced like a weekend now.", day=form.day.data.strftime("%d.%m.%Y")), "success")
    return redirect(url_for("visits.tariff"))


@bp.route("/admin/tariff/holidays/<day>/delete", methods=["POST"])
@require(Access.ADMIN)
def remove_holiday(day: str):
    """Make a holiday an ordinary day again."""
    try:
        tariffs.remove_holiday(date.fromisoformat(day))
    except (ValueError, DomainError):
        db.session.rollback()
        abort(404)
    db.session.commit()
    flash(_("The holiday is removed."), "success")
    return redirect(url_for("visits.tariff"))


# ------------------------------------------------------------------------------------------------
# The home page: the tariff in words and the price calculator


#: What the price calculator says for an empty, negative or too long stay.
CALCULATOR_ERROR = _l("Enter the minutes as a whole number from 0 to 1440 (a whole day).")


#: The home page's prices by question, language and data version: every home page asks the same few
#: questions (the tariff, its categories and holidays bump the statistics' version, `anticafe.versions`).
_prices = Memo(size=64)


def prices_section(app, **_) -> dict:
    """Home page: the current tariff in words, the categories and the calculator (works without JS)."""
    minutes = request.args.get("minutes", "90")[:12]
    category = request.args.get("category", "standard")[:40]
    today = venue_today()
    day = query_date(request.args.get("date"), today)
    key = (str(db.engine.url), str(get_locale()), minutes, category, day, versions.stats_version())
    prices = _prices.get(key)
    if prices is None:
        prices = _prices_of(minutes, category, day)
        _prices.put(key, prices)
    # The calculator prices today unless asked for a date: tomorrow it shows tomorrow.
    return {"prices": dict(prices), "valid_until": from_venue(datetime.combine(today + timedelta(days=1), time()))}


def _prices_of(minutes: str, category: str, day: date) -> dict:
    rules = tariffs.current_rules()
    choices = [(c.code, c.name) for c in tariffs.categories(rules)]
    words = tariffs.tariff_words(rules)
    if not (minutes.isdigit() and int(minutes) <= 24 * 60):
        # Say what is wrong instead of quietly pricing something else (the old price would mislead).
        return {"words": words, "categories": choices, "minutes": minutes, "category": category,
                "day": day, "quote": None, "lines": [], "error": CALCULATOR_ERROR}
    result = tariffs.quote_for(int(minutes), category, day)
    return {"words": words, "categories": choices, "minutes": minutes, "category": category, "day": day,
            "quote": result, "lines": tariffs.breakdown_rows(list(result.lines))}


template_helpers(bp, filters={"visit_time": visit_time}, visit_category_name=visit_category_name,
                 visit_status_name=visit_status_name)
