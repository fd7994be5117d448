"""Writes and reads of timed visits: tariffs, the clock, checkout, corrections, occupancy, the shift report.

Services flush and leave the commit to the request (or the CLI command). The database decides
races: starts are serialized by a write lock on the current tariff row (so the capacity check and
the one-open-visit check read a settled state), the partial unique index "one open visit per
person" has the last word, and pause/resume/stop/pay lock the visit's row first.

Other domains call `start_visit`, `stop_visit`, `open_visit_for`, `scan_card` and `visit_json`.
Passes pay at checkout by answering `signals.prepaid_sources` with a `PrepaidSource`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Protocol

from flask import current_app, g, has_app_context, url_for
from flask_babel import get_locale, gettext, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from .. import codes, signals
from ..accounts import services as accounts
from ..accounts.models import User
from ..db import constant_in, utcnow
from ..errors import DomainError, ValidationFailed
from ..extensions import db
from ..i18n import rubles
from ..timeutil import from_venue, to_venue, venue_today, venue_tz
from ..venue import services as venue
from . import pricing, rules
from .models import (
    OPEN_STATUSES,
    Bill,
    GuestCategory,
    Holiday,
    PaymentMethod,
    Tariff,
    Visit,
    VisitCorrection,
    VisitSegment,
    VisitStatus,
)

CATEGORY_LABELS = {
    "standard": _l("Standard"),
    "schoolchild": _l("Schoolchild"),
    "student": _l("Student"),
}

METHOD_LABELS = {
    PaymentMethod.CASH: _l("Cash"),
    PaymentMethod.CARD: _l("Bank card"),
    PaymentMethod.TRANSFER: _l("Transfer"),
    PaymentMethod.SUBSIDISED: _l("Free / subsidised"),
}

STATUS_LABELS = {
    VisitStatus.ACTIVE: _l("inside"),
    VisitStatus.PAUSED: _l("paused"),
    VisitStatus.STOPPED: _l("awaiting payment"),
    VisitStatus.PAID: _l("paid"),
}

DAY_KIND_LABELS = {pricing.DayKind.WEEKDAY: _l("weekday"), pricing.DayKind.WEEKEND: _l("weekend or holiday")}

PROBLEM_MESSAGES = {
    "unit_range": _l("The billing unit is 1 to 60 minutes."),
    "grace_range": _l("The free minutes are 0 to 60."),
    "whole_rubles": _l("Enter a positive amount in whole rubles."),
    "tiers_required": _l("Give at least one rate."),
    "first_tier_starts_at_one": _l("The first rate must start at minute 1."),
    "tiers_out_of_order": _l("Each rate must start at a later minute than the one before."),
    "negative_rate": _l("A rate cannot be negative."),
    "minimum_above_cap": _l("The minimum charge cannot be above the cap."),
    "percent_range": _l("A discount is 0 to 100 %."),
}


def category_label(code: str | None) -> str:
    """Return the display name of a guest category."""
    code = code or "standard"
    if code in CATEGORY_LABELS:
        return str(CATEGORY_LABELS[code])
    row = db.session.get(GuestCategory, code)
    return row.name if row is not None else code


def method_label(method: str | None) -> str:
    return str(METHOD_LABELS.get(method, method or ""))


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


# ------------------------------------------------------------------------------------------------
# Tariff versions, categories and holidays


def current_tariff() -> Tariff | None:
    """Return the newest tariff version, or None on a fresh install (the default rules apply)."""
    return db.session.scalar(select(Tariff).order_by(Tariff.version.desc()).limit(1))


def current_rules() -> pricing.TariffRules:
    """Return the rules visits starting now are priced with."""
    tariff = current_tariff()
    return tariff.pricing_rules if tariff is not None else pricing.default_rules()


def ensure_tariff() -> Tariff:
    """Return the current tariff version, storing the default one on a fresh install."""
    tariff = current_tariff()
    if tariff is not None:
        return tariff
    try:
        with db.session.begin_nested():
            tariff = Tariff(version=1, rules=pricing.default_rules().to_dict(), note=gettext("Default tariff"))
            db.session.add(tariff)
    except IntegrityError:  # another request stored it at the same moment
        tariff = current_tariff()
    return tariff


def save_tariff(new_rules: pricing.TariffRules, *, staff: User | None, note: str | None = None) -> Tariff:
    """Store `new_rules` as a new tariff version; visits already started keep theirs."""
    problems = pricing.rules_problems(new_rules)
    known = set(category_codes())
    unknown = [code for code in new_rules.discounts if code not in known]
    if unknown:
        problems.setdefault("discounts", []).append("percent_range")
    if problems:
        raise ValidationFailed({name: [PROBLEM_MESSAGES.get(code, code) for code in found]
                                for name, found in problems.items()})
    latest = db.session.scalar(select(func.max(Tariff.version))) or 0
    tariff = Tariff(version=latest + 1, rules=new_rules.to_dict(), note=(note or "").strip()[:200] or None,
                    created_by_id=staff.id if staff is not None else None)
    try:
        with db.session.begin_nested():
            db.session.add(tariff)
    except IntegrityError:
        raise DomainError("tariff_changed", _l("Someone saved the tariff at the same moment. Please try again."),
                          status=409) from None
    return tariff


def tariff_versions(limit: int = 20) -> list[Tariff]:
    """Return the newest tariff versions first."""
    return list(db.session.scalars(select(Tariff).options(selectinload(Tariff.created_by))
                                   .order_by(Tariff.version.desc()).limit(limit)))


@dataclass(frozen=True)
class CategoryInfo:
    code: str
    name: str
    discount: Decimal
    builtin: bool


def category_codes() -> list[str]:
    """Return every guest category code: the built-in ones, then the admin's."""
    added = db.session.scalars(select(GuestCategory.code).order_by(GuestCategory.created_at, GuestCategory.code))
    return [*pricing.BUILTIN_CATEGORIES, *added]


def categories(tariff_rules: pricing.TariffRules | None = None) -> list[CategoryInfo]:
    """Return the guest categories with their current discounts."""
    tariff_rules = tariff_rules or current_rules()
    names = {row.code: row.name for row in db.session.scalars(select(GuestCategory))}
    return [CategoryInfo(code, str(CATEGORY_LABELS[code]) if code in CATEGORY_LABELS else names.get(code, code),
                         tariff_rules.discount(code), code in pricing.BUILTIN_CATEGORIES)
            for code in category_codes()]


_CODE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")


def add_category(*, code: str, name: str, discount: Decimal, staff: User | None) -> GuestCategory:
    """Add a guest category and a tariff version that gives it its discount."""
    code = (code or "").strip().lower()
    problems: dict[str, list] = {}
    if not _CODE.match(code):
        problems["code"] = [_l("Use 2 to 32 latin letters, digits or underscores, starting with a letter.")]
    elif code in category_codes():
        problems["code"] = [_l("This category exists already.")]
    if not (name or "").strip():
        problems["name"] = [_l("This field is required.")]
    if discount is None or not 0 <= discount <= 100:
        problems["discount"] = [PROBLEM_MESSAGES["percent_range"]]
    if problems:
        raise ValidationFailed(problems)
    row = GuestCategory(code=code, name=name.strip()[:80])
    db.session.add(row)
    db.session.flush()
    old = current_rules()
    save_tariff(pricing.TariffRules(
        weekday=old.weekday, weekend=old.weekend, unit_minutes=old.unit_minutes, grace_minutes=old.grace_minutes,
        minimum_charge=old.minimum_charge, discounts={**old.discounts, code: discount}),
        staff=staff, note=gettext("New guest category: %(name)s", name=row.name))
    return row


def holidays(since: date | None = None) -> list[Holiday]:
    """Return the holidays (from `since` on), earliest first."""
    stmt = select(Holiday).order_by(Holiday.day)
    if since is not None:
        stmt = stmt.where(Holiday.day >= since)
    return list(db.session.scalars(stmt))


def add_holiday(day: date, name: str) -> Holiday:
    """Add a date priced like a weekend (or rename it)."""
    if day is None:
        raise ValidationFailed({"day": [_l("This field is required.")]})
    row = db.session.get(Holiday, day) or Holiday(day=day)
    row.name = (name or "").strip()[:120]
    db.session.add(row)
    db.session.flush()
    return row


def remove_holiday(day: date) -> None:
    """Make a date an ordinary day again."""
    row = db.session.get(Holiday, day)
    if row is None:
        raise DomainError("not_found", _l("No such holiday."), status=404)
    db.session.delete(row)
    db.session.flush()


def day_kind_on(day: date) -> pricing.DayKind:
    """Tell whether a venue-local date is priced as a weekday or a weekend/holiday."""
    is_holiday = db.session.get(Holiday, day) is not None
    return pricing.day_kind(day, [day] if is_holiday else [])


# ------------------------------------------------------------------------------------------------
# Prepaid time (passes answer `signals.prepaid_sources`)


class PrepaidSource(Protocol):
    """Something that can pay for minutes of a visit: a package of hours, a membership, an allowance."""

    def offers(self, visit: Visit, *, day: date) -> list[pricing.Prepaid]:
        """Return what could pay for this visit, in the order to use it (no writes)."""

    def claim(self, visit: Visit, used: list[pricing.PrepaidUse]) -> None:
        """Spend what the visit's quote used (lock the balances; raise DomainError if they changed)."""

    def release(self, visit: Visit) -> None:
        """Give back what this visit spent (a correction re-prices it)."""


# ------------------------------------------------------------------------------------------------
# Pricing visits


class Pricer:
    """Price visits with their own tariff versions; caches tariffs and holidays for one request."""

    def __init__(self):
        self._rules: dict[int | None, pricing.TariffRules] = {}
        self._kinds: dict[date, pricing.DayKind] = {}

    def rules_for(self, visit: Visit) -> pricing.TariffRules:
        if visit.tariff_id not in self._rules:
            tariff = visit.tariff if visit.tariff_id else None
            self._rules[visit.tariff_id] = tariff.pricing_rules if tariff is not None else current_rules()
        return self._rules[visit.tariff_id]

    def day_kind(self, visit: Visit) -> pricing.DayKind:
        if visit.day_kind:
            return pricing.DayKind(visit.day_kind)
        day = to_venue(visit.started_at).date()
        if day not in self._kinds:
            self._kinds[day] = day_kind_on(day)
        return self._kinds[day]

    def live(self, visit: Visit, now: datetime | None = None) -> pricing.Quote:
        """Price an open visit as if it stopped `now` (passes are not spent)."""
        now = now or utcnow()
        return pricing.quote(self.rules_for(visit), visit.segment_spans(now), day=self.day_kind(visit),
                             category=visit.guest_category)

    def final(self, visit: Visit, *, claim: bool) -> pricing.Quote:
        """Price a stopped visit, using prepaid time when there is some; spend it if `claim`."""
        day = to_venue(visit.started_at).date()
        sources: list[PrepaidSource] = signals.answers(signals.prepaid_sources, visit)
        offers: list[pricing.Prepaid] = []
        for source in sources:
            offers.extend(source.offers(visit, day=day))
        result = pricing.quote(self.rules_for(visit), visit.segment_spans(visit.ended_at or utcnow()),
                               day=self.day_kind(visit), category=visit.guest_category, prepaid=offers)
        if claim and result.prepaid_used:
            for source in sources:
                source.claim(visit, list(result.prepaid_used))
        return result


def _apply_quote(visit: Visit, result: pricing.Quote) -> None:
    visit.billed_minutes = result.billed_minutes
    visit.amount = result.amount
    visit.day_kind = result.day_kind.value
    visit.breakdown = [line.to_dict() for line in result.lines]


def active_time(visit: Visit, now: datetime | None = None) -> timedelta:
    """Return the visit's active (billed) time so far."""
    return pricing.active_time(visit.segment_spans(now or visit.ended_at or utcnow()))


def describe_line(line: pricing.Line, result_cap: Decimal | None = None) -> str:
    """Say what one line of a bill is, in the current language."""
    if line.kind == "tier":
        if line.first_minute == line.last_minute:
            span = gettext("Minute %(n)s", n=line.first_minute)
        else:
            span = gettext("Minutes %(first)s–%(last)s", first=line.first_minute, last=line.last_minute)
        return gettext("%(span)s: %(count)s × %(rate)s", span=span, count=line.minutes, rate=rubles(line.rate))
    if line.kind == "grace":
        return ngettext("%(num)s minute: free (short visit)", "%(num)s minutes: free (short visit)", line.minutes)
    if line.kind == "prepaid":
        return ngettext("%(num)s minute paid by %(pass)s", "%(num)s minutes paid by %(pass)s", line.minutes,
                        **{"pass": line.label or ""})
    if line.kind == "minimum":
        return gettext("Minimum charge")
    if line.kind == "cap":
        return gettext("Cap per visit: the rest of the stay is free")
    if line.kind == "discount":
        return gettext("Discount «%(category)s» −%(percent)s %%", category=category_label(line.label),
                       percent=_percent(line.percent))
    if line.kind == "rounding":
        return gettext("Rounded to whole rubles")
    return line.kind


def _percent(value: Decimal | None) -> str:
    value = Decimal(value or 0)
    return str(value.quantize(Decimal(1))) if value == value.to_integral_value() else str(value.normalize())


def breakdown_rows(lines: list[pricing.Line]) -> list[dict]:
    """Return a bill's lines as {"kind", "text", "amount", ...} for pages and JSON."""
    # The board describes the same few lines (tiers, cap, discount) for every guest: say each once per request.
    texts = g.setdefault("bill_line_texts", {}) if has_app_context() else {}
    locale = str(get_locale())
    rows = []
    for line in lines:
        if (line, locale) not in texts:
            texts[line, locale] = describe_line(line)
        rows.append({**line.to_dict(), "text": texts[line, locale]})
    return rows


def stored_lines(visit: Visit) -> list[pricing.Line]:
    return [pricing.Line.from_dict(item) for item in (visit.breakdown or [])]


# ------------------------------------------------------------------------------------------------
# Occupancy


@dataclass
class Occupancy:
    """People inside now: open visits plus attendees of a free event in progress without a visit."""

    visits: int
    event_guests: int
    capacity: int
    #: user ids counted (visits and event guests)
    people_ids: set[int] = field(default_factory=set)

    @property
    def people(self) -> int:
        return self.visits + self.event_guests

    @property
    def full(self) -> bool:
        return self.people >= self.capacity

    @property
    def free(self) -> int:
        return max(self.capacity - self.people, 0)


def occupancy(now: datetime | None = None) -> Occupancy:
    """Count the people inside against `VENUE_CAPACITY`."""
    from ..door.models import CheckIn
    from ..events.models import Event

    now = now or utcnow()
    is_open = constant_in(Visit.status, OPEN_STATUSES)
    open_rows = db.session.execute(select(Visit.id, Visit.user_id).where(is_open)).all()
    visit_people = {row.user_id for row in open_rows if row.user_id is not None}
    open_users = select(Visit.user_id).where(constant_in(Visit.status, OPEN_STATUSES), Visit.user_id.is_not(None))
    guests = set(db.session.scalars(
        select(CheckIn.user_id).distinct().join(Event, Event.id == CheckIn.event_id).where(
            CheckIn.undone_at.is_(None), Event.entry == "free", Event.status == "scheduled",
            Event.starts_at <= now, Event.ends_at > now, CheckIn.user_id.not_in(open_users))))
    return Occupancy(visits=len(open_rows), event_guests=len(guests),
                     capacity=int(current_app.config["VENUE_CAPACITY"]), people_ids=visit_people | guests)


# ------------------------------------------------------------------------------------------------
# The clock


def open_visit_for(user: User) -> Visit | None:
    """Return the person's active or paused visit, if any."""
    if user is None or user.id is None:
        return None
    return db.session.scalar(select(Visit).where(Visit.user_id == user.id, constant_in(Visit.status, OPEN_STATUSES)))


def _check_category(code: str | None) -> str | None:
    if code is None or code == "":
        return None
    if code not in category_codes():
        raise ValidationFailed({"guest_category": [_l("Unknown guest category.")]})
    return code


def _lock_starts(tariff: Tariff) -> None:
    """Serialize visit starts: a write to the tariff row (a row lock; SQLite's write lock)."""
    db.session.execute(update(Tariff).where(Tariff.id == tariff.id).values(id=Tariff.id)
                       .execution_options(synchronize_session=False))


def _already_active(visit: Visit) -> DomainError:
    return DomainError("visit_already_active", _l("%(name)s is inside already (since %(time)s).",
                                                   name=visit.display_name,
                                                   time=to_venue(visit.started_at).strftime("%H:%M")),
                       status=409, extra={"visit_id": visit.id})


def start_visit(*, user: User, staff: User | None, override_reason: str | None = None, registration=None,
                category: str | None = None, at: datetime | None = None) -> Visit:
    """Start a person's timed visit; refuse a second open visit and, unless overridden, a full venue.

    `registration` links the visit to the check-in of a timed event; `category` (a staff choice)
    becomes the person's category from now on.
    """
    if user is None:
        raise DomainError("not_found", _l("No such person."), status=404)
    if not user.active:
        raise DomainError("account_inactive", _l("This account is switched off."), status=409)
    category = _check_category(category)
    tariff = ensure_tariff()
    db.session.flush()
    _lock_starts(tariff)
    existing = open_visit_for(user)
    if existing is not None:
        raise _already_active(existing)
    now = at or utcnow()
    override_reason = (override_reason or "").strip() or None
    inside = occupancy(now)
    if inside.full and user.id not in inside.people_ids and override_reason is None:
        raise DomainError("venue_full", _l("The café is full: %(people)s of %(capacity)s people are inside. "
                                           "Give a reason to let the guest in anyway.",
                                           people=inside.people, capacity=inside.capacity), status=409)
    if category is not None and category != user.guest_category:
        user.guest_category = category
    visit = Visit(user_id=user.id, guest_category=user.guest_category or "standard", status=VisitStatus.ACTIVE,
                  started_at=now, started_by_id=staff.id if staff is not None else None, tariff_id=tariff.id,
                  registration_id=registration.id if registration is not None else None,
                  override_reason=override_reason if inside.full else None)
    visit.segments.append(VisitSegment(started_at=now))
    try:
        with db.session.begin_nested():
            db.session.add(visit)
    except IntegrityError:
        existing = open_visit_for(user)
        if existing is not None:
            raise _already_active(existing) from None
        raise
    current_app.logger.info("visit %s started for user %s by %s", visit.id, user.id, staff.id if staff else None)
    return visit


def start_walk_in(*, name: str, phone: str | None, staff: User | None, birth_date: date | None = None,
                  category: str | None = None, override_reason: str | None = None) -> Visit:
    """Start the visit of a guest without an account: a guest profile is made so statistics count them."""
    category = _check_category(category)
    profile = accounts.create_guest_profile(name, phone, birth_date)
    if category:
        profile.guest_category = category
    visit = start_visit(user=profile, staff=staff, override_reason=override_reason)
    visit.guest_name = profile.name
    visit.guest_phone = profile.phone
    db.session.flush()
    return visit


def _lock_visit(visit_id: int) -> Visit:
    """Lock a visit's row for the rest of the transaction and return it freshly loaded."""
    db.session.flush()
    result = db.session.execute(update(Visit).where(Visit.id == visit_id).values(id=Visit.id)
                                .execution_options(synchronize_session=False))
    if not result.rowcount:
        raise DomainError("not_found", _l("No such visit."), status=404)
    db.session.expire_all()
    return db.session.scalars(select(Visit).where(Visit.id == visit_id).with_for_update()
                              .execution_options(populate_existing=True)).one()


def _running_segment(visit: Visit) -> VisitSegment | None:
    return next((s for s in visit.segments if s.ended_at is None), None)


def pause_visit(visit: Visit, *, staff: User | None, at: datetime | None = None) -> Visit:
    """Stop the clock while the guest steps out."""
    visit = _lock_visit(visit.id)
    if visit.status != VisitStatus.ACTIVE:
        raise DomainError("visit_not_active", _l("This visit is not running."), status=409)
    now = at or utcnow()
    segment = _running_segment(visit)
    if segment is not None:
        segment.ended_at = max(now, segment.started_at)
    visit.status = VisitStatus.PAUSED
    db.session.flush()
    return visit


def resume_visit(visit: Visit, *, staff: User | None, at: datetime | None = None) -> Visit:
    """Restart the clock when the guest comes back."""
    visit = _lock_visit(visit.id)
    if visit.status != VisitStatus.PAUSED:
        raise DomainError("visit_not_paused", _l("This visit is not paused."), status=409)
    now = at or utcnow()
    last_end = max((s.ended_at for s in visit.segments if s.ended_at), default=visit.started_at)
    visit.segments.append(VisitSegment(started_at=max(now, last_end)))
    visit.status = VisitStatus.ACTIVE
    db.session.flush()
    return visit


def _settle_free(visit: Visit, staff: User | None) -> None:
    """Close a visit that costs nothing (short, or all paid by passes): there is nothing to collect."""
    if visit.amount == 0:
        visit.status = VisitStatus.PAID
        visit.payment_method = PaymentMethod.CASH.value
        visit.paid_at = visit.ended_at


def stop_visit(visit: Visit, *, staff: User | None, at: datetime | None = None) -> Visit:
    """Stop the clock and price the visit; the amount is then due (a free visit is closed at once)."""
    visit = _lock_visit(visit.id)
    if not visit.is_open:
        raise DomainError("visit_not_open", _l("This visit has already stopped."), status=409)
    now = max(at or utcnow(), visit.started_at)
    segment = _running_segment(visit)
    if segment is not None:
        segment.ended_at = max(now, segment.started_at)
    visit.ended_at = max([now, *(s.ended_at for s in visit.segments if s.ended_at)])
    visit.status = VisitStatus.STOPPED
    visit.stopped_by_id = staff.id if staff is not None else None
    _apply_quote(visit, Pricer().final(visit, claim=True))
    _settle_free(visit, staff)
    db.session.flush()
    return visit


def scan_card(card_code: str, *, staff: User | None, device: str | None = None) -> tuple[str, Visit]:
    """Start the card owner's visit, or stop it if one is open: ("visit_started" | "visit_stopped", visit).

    A second scan right after the start (two phones, a double read) answers the running visit.
    """
    code = codes.normalize(card_code or "")
    user = db.session.scalar(select(User).where(User.card_code == code)) if code else None
    if user is None:
        raise DomainError("unknown_card", _l("No guest card has this code."), status=404)
    visit = open_visit_for(user)
    if visit is None:
        try:
            return "visit_started", start_visit(user=user, staff=staff)
        except DomainError as error:
            if error.code != "visit_already_active":
                raise
            visit = open_visit_for(user)
            return "visit_started", visit
    if rules.is_double_scan(visit.started_at, utcnow()):
        return "visit_started", visit
    try:
        return "visit_stopped", stop_visit(visit, staff=staff)
    except DomainError as error:
        if error.code != "visit_not_open":
            raise
        return "visit_stopped", db.session.get(Visit, visit.id)


def cancel_visit(visit: Visit, *, staff: User | None, reason: str) -> Visit:
    """Undo a visit started by mistake (e.g. a door check-in that was undone): no time, nothing to pay.

    The visit stays, stopped at its start and free, with the reason in its correction history.
    """
    visit = _lock_visit(visit.id)
    if not visit.is_open:
        raise DomainError("visit_not_open", _l("This visit has already stopped."), status=409)
    before = {"ended_at": None, "status": visit.status}
    for segment in list(visit.segments):
        visit.segments.remove(segment)
    visit.ended_at = visit.started_at
    visit.status = VisitStatus.STOPPED
    visit.stopped_by_id = staff.id if staff is not None else None
    db.session.flush()
    _apply_quote(visit, Pricer().final(visit, claim=False))
    _settle_free(visit, staff)
    db.session.add(VisitCorrection(visit=visit, staff_id=staff.id if staff is not None else None, reason=reason,
                                   changes={"ended_at": [None, _json_value(visit.ended_at)],
                                            "status": [before["status"], visit.status]},
                                   amount_before=None, amount_after=visit.amount, at=utcnow()))
    db.session.flush()
    return visit


# ------------------------------------------------------------------------------------------------
# The door (issue 5) calls these: a guest card scanned, a timed event's check-in made or undone


def card_scan_answer(code: str, *, staff: User | None, device: str | None = None) -> dict | None:
    """Answer a scanned guest card: {"result": "visit_started" | "visit_stopped", "visit", "message"}.

    None when the code is no guest card (the door then tries other handlers or says "unknown code").
    """
    normalized = codes.normalize(code or "")
    if not normalized or db.session.scalar(select(User.id).where(User.card_code == normalized)) is None:
        return None
    result, visit = scan_card(normalized, staff=staff, device=device)
    if result == "visit_started":
        message = gettext("Visit started: %(name)s, since %(time)s.", name=visit.display_name,
                          time=to_venue(visit.started_at).strftime("%H:%M"))
    else:
        message = gettext("Visit stopped: %(name)s, %(amount)s to pay.", name=visit.display_name,
                          amount=rubles(visit.amount or 0))
    return {"result": result, "visit": visit_json(visit), "message": message}


def timed_check_in(registration, *, staff: User | None) -> dict | None:
    """Start the paid visit of someone checked in to a `timed` event; {"visit": {...}} or None.

    Someone already inside keeps the visit they have. A full venue refuses (DomainError `venue_full`).
    """
    event = registration.event
    if event is None or event.entry != "timed":
        return None
    existing = open_visit_for(registration.user)
    if existing is not None:
        return {"visit": visit_json(existing)}
    visit = start_visit(user=registration.user, staff=staff, registration=registration)
    return {"visit": visit_json(visit)}


def timed_check_in_undone(registration_id: int, *, staff: User | None) -> Visit | None:
    """Cancel the open visit that a timed event's check-in started, when that check-in is undone."""
    visit = db.session.scalar(select(Visit).where(Visit.registration_id == registration_id,
                                                  constant_in(Visit.status, OPEN_STATUSES)))
    if visit is None:
        return None
    return cancel_visit(visit, staff=staff, reason=gettext("The door check-in was undone."))


# ------------------------------------------------------------------------------------------------
# Checkout


def _payment_problems(method: str, note: str | None) -> None:
    if method not in {m.value for m in PaymentMethod}:
        raise ValidationFailed({"payment_method": [_l("Choose how the guest pays.")]})
    if method == PaymentMethod.SUBSIDISED and not (note or "").strip():
        raise ValidationFailed({"note": [_l("Say why the time is free or subsidised.")]})


def pay_visit(visit: Visit, *, staff: User | None, method: str, note: str | None = None) -> Bill:
    """Mark a stopped visit paid and return its bill."""
    return pay_together([visit], staff=staff, method=method, note=note)


def pay_together(visits: list[Visit], *, staff: User | None, method: str, note: str | None = None) -> Bill:
    """One guest pays for several visits of their company: stop the open ones, bill them all at once.

    The first visit's guest is the payer; the receipt lists each visit.
    """
    _payment_problems(method, note)
    note = (note or "").strip() or None
    if not visits:
        raise ValidationFailed({"visit_ids": [_l("Choose the visits to pay for.")]})
    payer_id = visits[0].id
    locked = [_lock_visit(visit_id) for visit_id in sorted({v.id for v in visits})]
    for visit in locked:
        if visit.is_open:
            stop_visit(visit, staff=staff)
    locked = [_lock_visit(v.id) for v in locked]
    for visit in locked:
        if visit.status == VisitStatus.PAID:
            raise DomainError("visit_already_paid", _l("%(name)s's visit is paid already.", name=visit.display_name),
                              status=409)
    payer = next(v for v in locked if v.id == payer_id)
    now = utcnow()
    bill = Bill(payer_id=payer.user_id, payer_name=payer.display_name[:120], payment_method=method,
                total=sum((v.amount or Decimal(0) for v in locked), Decimal(0)), note=note, paid_at=now,
                staff_id=staff.id if staff is not None else None)
    db.session.add(bill)
    for visit in locked:
        visit.status = VisitStatus.PAID
        visit.payment_method = method
        visit.paid_at = now
        visit.note = note
        visit.bill = bill
    db.session.flush()
    return bill


#: Why a correction is refused (`rules.correction_problem`), in words a cashier understands.
CORRECTION_MESSAGES = {
    "end_not_after_start": _l("The end must be after the start."),
    "start_not_before_end": _l("The start must be before the end of the visit."),
    "no_billed_time": _l("With these times nothing of the visit is left to bill: the recorded time lies outside "
                         "them (or inside a pause). Move the start or the end so that they cover the guest's stay."),
}


def correct_visit(visit: Visit, *, staff: User | None, reason: str, started_at: datetime | None = None,
                  ended_at: datetime | None = None, category: str | None = None, reopen: bool = False
                  ) -> VisitCorrection:
    """Correct a visit (wrong start, forgotten stop, category, a stop by mistake) and keep the history.

    A stopped or paid visit is priced again with its own tariff version; a paid visit's bill follows
    the new amount (the difference is settled with the guest). `ended_at` on an open visit stops it
    at that moment; `reopen` undoes the stop of an unpaid visit.
    """
    if not (reason or "").strip():
        raise ValidationFailed({"reason": [_l("Give the reason for the correction.")]})
    category = _check_category(category)
    visit = _lock_visit(visit.id)
    now = utcnow()
    before = {"started_at": visit.started_at, "ended_at": visit.ended_at, "guest_category": visit.guest_category,
              "status": visit.status}
    amount_before = visit.amount
    new_start = started_at or visit.started_at
    if reopen:
        if visit.status != VisitStatus.STOPPED:
            raise DomainError("visit_not_stopped", _l("Only a stopped, unpaid visit can be reopened."), status=409)
        new_end = None
    elif ended_at is not None:
        new_end = ended_at
    else:
        new_end = visit.ended_at
    problems: dict[str, list] = {}
    if new_start > now:
        problems["started_at"] = [_l("The start cannot be in the future.")]
    if new_end is not None and new_end > now:
        problems["ended_at"] = [_l("The end cannot be in the future.")]
    if problems:
        raise ValidationFailed(problems)

    spans = [(s.started_at, s.ended_at) for s in visit.segments]
    if reopen:
        # The guest never left: the last stretch of time runs on.
        last = max(visit.segments, key=lambda s: s.started_at, default=None)
        reshaped = rules.reshape(spans, (visit.started_at, visit.ended_at), (new_start, visit.ended_at))
        if last is not None and reshaped:
            reshaped[-1] = (reshaped[-1][0], None)
        else:
            reshaped.append((visit.ended_at or now, None))
    else:
        reshaped = rules.reshape(spans, (visit.started_at, visit.ended_at), (new_start, new_end))
        problem = rules.correction_problem((visit.started_at, visit.ended_at), (new_start, new_end), reshaped)
        if problem is not None:
            field, code = problem
            raise ValidationFailed({field: [CORRECTION_MESSAGES[code]]}, code=code)
    for segment in list(visit.segments):
        visit.segments.remove(segment)
    db.session.flush()
    for seg_start, seg_end in reshaped:
        visit.segments.append(VisitSegment(started_at=seg_start, ended_at=seg_end))
    visit.started_at = new_start
    if category is not None:
        visit.guest_category = category

    if visit.status in (VisitStatus.STOPPED, VisitStatus.PAID):
        for source in signals.answers(signals.prepaid_sources, visit):
            source.release(visit)
    if reopen:
        visit.ended_at = None
        visit.status = VisitStatus.ACTIVE if reshaped[-1][1] is None else VisitStatus.PAUSED
        visit.billed_minutes = visit.amount = visit.breakdown = visit.day_kind = None
    elif visit.is_open and new_end is not None:
        visit.ended_at = new_end
        visit.status = VisitStatus.STOPPED
        visit.stopped_by_id = staff.id if staff is not None else None
    else:
        visit.ended_at = new_end
    if visit.status == VisitStatus.ACTIVE and not any(s.ended_at is None for s in visit.segments):
        visit.status = VisitStatus.PAUSED
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # reopened while the guest already has another open visit
        raise DomainError("visit_already_active", _l("This guest has another open visit."), status=409) from None
    if visit.status in (VisitStatus.STOPPED, VisitStatus.PAID):
        visit.day_kind = None  # a new start date may change the variant
        _apply_quote(visit, Pricer().final(visit, claim=True))
        if visit.status == VisitStatus.PAID and visit.bill is not None and amount_before is not None:
            visit.bill.total = visit.bill.total + (visit.amount - amount_before)
        elif visit.status == VisitStatus.STOPPED:
            _settle_free(visit, staff)
    visit.needs_review = False
    after = {"started_at": visit.started_at, "ended_at": visit.ended_at, "guest_category": visit.guest_category,
             "status": visit.status}
    changes = {key: [_json_value(before[key]), _json_value(after[key])] for key in before if before[key] != after[key]}
    correction = VisitCorrection(visit=visit, staff_id=staff.id if staff is not None else None,
                                 reason=reason.strip(), changes=changes, amount_before=amount_before,
                                 amount_after=visit.amount, at=now)
    db.session.add(correction)
    db.session.flush()
    return correction


def _json_value(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return value


def close_day(now: datetime | None = None) -> tuple[list[Visit], int]:
    """End every open visit at the closing time of the day it started and flag it for review.

    Returns (the visits closed, how many open visits were left because their closing time has not
    come yet).
    """
    now = now or utcnow()
    closed: list[Visit] = []
    waiting = 0
    ids = list(db.session.scalars(select(Visit.id).where(constant_in(Visit.status, OPEN_STATUSES)).order_by(Visit.id)))
    for visit_id in ids:
        visit = _lock_visit(visit_id)
        if not visit.is_open:
            continue
        start_local = to_venue(visit.started_at)
        closing_local = rules.closing_moment(start_local, venue.closing_at(start_local.date()))
        closing = closing_local.astimezone(UTC) if closing_local is not None else now
        if closing > now:
            waiting += 1
            continue
        end = max(closing, visit.started_at)
        reshaped = rules.reshape([(s.started_at, s.ended_at) for s in visit.segments],
                                 (visit.started_at, None), (visit.started_at, end))
        for segment in list(visit.segments):
            visit.segments.remove(segment)
        db.session.flush()
        for seg_start, seg_end in reshaped:
            visit.segments.append(VisitSegment(started_at=seg_start, ended_at=seg_end))
        visit.ended_at = end
        visit.status = VisitStatus.STOPPED
        visit.needs_review = True
        db.session.flush()
        _apply_quote(visit, Pricer().final(visit, claim=True))
        _settle_free(visit, None)
        closed.append(visit)
    db.session.flush()
    return closed, waiting


# ------------------------------------------------------------------------------------------------
# Reading: JSON, the board, the shift report, a person's visits


def _iso(moment: datetime | None) -> str | None:
    return to_venue(moment).isoformat() if moment is not None else None


def _age(visit: Visit, today: date) -> int | None:
    return visit.user.age_on(today) if visit.user is not None else None


def visit_json(visit: Visit, now: datetime | None = None, pricer: Pricer | None = None) -> dict:
    """Return a visit as the API shows it: times in venue time, money as strings like "240.00"."""
    now = now or utcnow()
    pricer = pricer or Pricer()
    today = to_venue(now).date()
    age = _age(visit, today)
    active = active_time(visit, now if visit.is_open else None)
    if visit.is_open:
        live = pricer.live(visit, now)
        amount_so_far = pricing.money(live.amount)
        lines = list(live.lines)
        capped, cap = live.capped, live.cap
    else:
        amount_so_far = pricing.money(visit.amount) if visit.amount is not None else None
        lines = stored_lines(visit)
        capped = any(line.kind == "cap" for line in lines)
        rules_ = pricer.rules_for(visit)
        cap = rules_.variant(pricing.DayKind(visit.day_kind or "weekday")).cap
    curfew = rules.parse_clock(current_app.config.get("MINORS_CURFEW", "22:00"))
    return {
        "id": visit.id,
        "user_id": visit.user_id,
        "name": visit.display_name,
        "guest_name": visit.guest_name,
        "guest_category": visit.guest_category,
        "category_label": category_label(visit.guest_category),
        "status": visit.status,
        "status_label": status_label(visit.status),
        "paused": visit.status == VisitStatus.PAUSED,
        "started_at": _iso(visit.started_at),
        "ended_at": _iso(visit.ended_at),
        "segments": [{"started_at": _iso(s.started_at), "ended_at": _iso(s.ended_at)} for s in visit.segments],
        "minutes_so_far": int(active.total_seconds() // 60),
        "amount_so_far": amount_so_far,
        "cap": pricing.money(cap) if cap is not None else None,
        "capped": capped,
        "billed_minutes": visit.billed_minutes,
        "amount": pricing.money(visit.amount) if visit.amount is not None else None,
        "breakdown": breakdown_rows(lines),
        "payment_method": visit.payment_method,
        "paid_at": _iso(visit.paid_at),
        "note": visit.note,
        "bill_id": visit.bill_id,
        "needs_review": visit.needs_review,
        "tariff_version": visit.tariff.version if visit.tariff is not None else None,
        "registration_id": visit.registration_id,
        "override_reason": visit.override_reason,
        "age": age,
        "minor": rules.is_minor(age),
        "minor_after_curfew": visit.is_open and rules.is_minor(age) and rules.after_curfew(to_venue(now), curfew),
    }


def _with_people(stmt):
    return stmt.options(selectinload(Visit.user), selectinload(Visit.segments), selectinload(Visit.tariff))


def list_visits(status: str | None = None, day: date | None = None, limit: int = 500) -> list[Visit]:
    """Return visits by status ("open" = active or paused) and/or venue-local start date, newest first."""
    stmt = _with_people(select(Visit)).limit(limit)
    if day is not None:
        start, end = rules.local_day_bounds(day, venue_tz())
        stmt = stmt.where(Visit.started_at >= start, Visit.started_at < end)
    if status == "open":
        # Ordered by status first so that SQLite reads the open visits through the (status, started_at)
        # index; ordered by start alone, it walks the start index through a year of closed visits.
        stmt = stmt.where(constant_in(Visit.status, OPEN_STATUSES)).order_by(Visit.status, Visit.started_at.desc())
        return sorted(db.session.scalars(stmt), key=lambda visit: visit.started_at, reverse=True)
    if status:
        stmt = stmt.where(Visit.status == status)
    return list(db.session.scalars(stmt.order_by(Visit.started_at.desc())))


def board(now: datetime | None = None) -> dict:
    """Return the live board: occupancy, the guests inside and the visits awaiting payment."""
    now = now or utcnow()
    pricer = Pricer()
    inside = sorted(list_visits("open"), key=lambda v: v.started_at)
    unpaid = sorted(list_visits(VisitStatus.STOPPED.value), key=lambda v: v.ended_at or v.started_at)
    place = occupancy(now)
    curfew_text = current_app.config.get("MINORS_CURFEW", "22:00")
    curfew = rules.parse_clock(curfew_text)
    return {
        "now": _iso(now),
        "occupancy": {"people": place.people, "visits": place.visits, "event_guests": place.event_guests,
                      "capacity": place.capacity, "full": place.full},
        "curfew": curfew_text,
        "after_curfew": rules.after_curfew(to_venue(now), curfew),
        "items": [visit_json(v, now, pricer) for v in inside],
        "unpaid": [visit_json(v, now, pricer) for v in unpaid],
    }


def visits_of(user: User, limit: int = 200) -> list[Visit]:
    """Return a person's visits, newest first."""
    return list(db.session.scalars(_with_people(select(Visit)).where(Visit.user_id == user.id)
                                   .order_by(Visit.started_at.desc()).limit(limit)))


def find_people(query: str, limit: int = 20) -> list[tuple[User, Visit | None]]:
    """Find people to start a visit for, with their open visit if they have one."""
    if len((query or "").strip()) < 2:
        return []
    people = [u for u in accounts.search_users(query, limit=limit) if u.active]
    code = codes.normalize(query)
    if code:
        by_card = db.session.scalar(select(User).where(User.card_code == code))
        if by_card is not None and by_card not in people:
            people.insert(0, by_card)
    open_by_user = {v.user_id: v for v in db.session.scalars(
        select(Visit).where(constant_in(Visit.status, OPEN_STATUSES), Visit.user_id.in_([p.id for p in people])))}
    return [(person, open_by_user.get(person.id)) for person in people]


def other_unsettled(visit: Visit) -> list[Visit]:
    """Return the other visits that could join this one's bill: open or awaiting payment."""
    stmt = _with_people(select(Visit)).where(
        Visit.id != visit.id, constant_in(Visit.status, [*OPEN_STATUSES, VisitStatus.STOPPED.value])
    ).order_by(Visit.started_at)
    return list(db.session.scalars(stmt))


@dataclass
class MethodTotal:
    method: str
    visits: int = 0
    amount: Decimal = Decimal(0)


@dataclass
class ShiftReport:
    """A day at the café: visits started that (venue-local) day, their minutes and money."""

    day: date
    visits: list[Visit]
    people: int
    minutes: int
    revenue: Decimal
    by_method: list[MethodTotal]
    subsidised: list[Visit]
    unpaid: list[Visit]
    still_open: list[Visit]
    needs_review: list[Visit]
    corrections: list[VisitCorrection]
    free_short: int


def shift_report(day: date) -> ShiftReport:
    """Sum up a day: visits, minutes, revenue by payment method, subsidised visits, corrections."""
    visits = sorted(list_visits(day=day, limit=5000), key=lambda v: v.started_at)
    now = utcnow()
    totals: dict[str, MethodTotal] = {m.value: MethodTotal(m.value) for m in PaymentMethod}
    minutes = 0
    free_short = 0
    for visit in visits:
        if visit.billed_minutes is not None:
            minutes += visit.billed_minutes
        else:
            minutes += int(active_time(visit, now).total_seconds() // 60)
        if visit.status == VisitStatus.PAID and visit.payment_method:
            total = totals[visit.payment_method]
            total.visits += 1
            total.amount += visit.amount or Decimal(0)
            if visit.amount == 0 and any(line.get("kind") == "grace" for line in visit.breakdown or []):
                free_short += 1
    start, end = rules.local_day_bounds(day, venue_tz())
    corrections = list(db.session.scalars(
        select(VisitCorrection).options(selectinload(VisitCorrection.visit).selectinload(Visit.user),
                                        selectinload(VisitCorrection.staff))
        .where(VisitCorrection.at >= start, VisitCorrection.at < end).order_by(VisitCorrection.at)))
    return ShiftReport(
        day=day, visits=visits, people=len({v.user_id or f"guest-{v.id}" for v in visits}), minutes=minutes,
        revenue=sum((t.amount for t in totals.values() if t.method != PaymentMethod.SUBSIDISED), Decimal(0)),
        by_method=list(totals.values()),
        subsidised=[v for v in visits if v.payment_method == PaymentMethod.SUBSIDISED],
        unpaid=[v for v in visits if v.status == VisitStatus.STOPPED],
        still_open=[v for v in visits if v.is_open],
        needs_review=[v for v in visits if v.needs_review],
        corrections=corrections, free_short=free_short)


def card_qr_url(user: User) -> str:
    """Return the absolute URL of a person's guest-card QR image."""
    base = current_app.config.get("PUBLIC_BASE_URL") or ""
    path = url_for("visits_api.card_qr", user_id=user.id)
    return base.rstrip("/") + path if base else url_for("visits_api.card_qr", user_id=user.id, _external=True)


# ------------------------------------------------------------------------------------------------
# Tariff in words (home page, API)


def tariff_words(tariff_rules: pricing.TariffRules | None = None) -> list[str]:
    """Describe the tariff in a few sentences of the current language."""
    r = tariff_rules or current_rules()
    sentences = []
    same_tiers = r.weekday.tiers == r.weekend.tiers

    def tiers_text(variant: pricing.Variant) -> str:
        parts = []
        for index, tier in enumerate(variant.tiers):
            nxt = variant.tiers[index + 1].first_minute - 1 if index + 1 < len(variant.tiers) else None
            if index == 0 and nxt is not None:
                parts.append(gettext("minutes 1–%(last)s cost %(rate)s a minute", last=nxt, rate=rubles(tier.rate)))
            elif nxt is not None:
                parts.append(gettext("minutes %(first)s–%(last)s cost %(rate)s a minute", first=tier.first_minute,
                                     last=nxt, rate=rubles(tier.rate)))
            elif index == 0:
                parts.append(gettext("every minute costs %(rate)s", rate=rubles(tier.rate)))
            else:
                parts.append(gettext("every later minute costs %(rate)s", rate=rubles(tier.rate)))
        return ", ".join(parts)

    if same_tiers:
        sentences.append(gettext("You pay for the time you stay: %(tiers)s.", tiers=tiers_text(r.weekday)))
    else:
        sentences.append(gettext("On weekdays %(tiers)s.", tiers=tiers_text(r.weekday)))
        sentences.append(gettext("At weekends and on holidays %(tiers)s.", tiers=tiers_text(r.weekend)))
    if r.unit_minutes == 1:
        sentences.append(gettext("Every started minute counts; pauses are not billed."))
    else:
        sentences.append(gettext("Time is billed by started %(n)s-minute periods; pauses are not billed.",
                                 n=r.unit_minutes))
    if r.grace_minutes:
        sentences.append(ngettext("A visit of up to %(num)s minute is free.",
                                  "A visit of up to %(num)s minutes is free.", r.grace_minutes))
    if r.minimum_charge:
        sentences.append(gettext("The minimum charge is %(amount)s.", amount=rubles(r.minimum_charge)))
    caps = (r.weekday.cap, r.weekend.cap)
    if caps[0] is not None and caps[0] == caps[1]:
        sentences.append(gettext("A visit never costs more than %(cap)s: the rest of the day is free.",
                                 cap=rubles(caps[0])))
    elif caps[0] is not None and caps[1] is not None:
        sentences.append(gettext("A visit never costs more than %(weekday)s on weekdays and %(weekend)s at weekends "
                                 "and on holidays.", weekday=rubles(caps[0]), weekend=rubles(caps[1])))
    elif caps[0] is not None:
        sentences.append(gettext("On weekdays a visit never costs more than %(cap)s.", cap=rubles(caps[0])))
    elif caps[1] is not None:
        sentences.append(gettext("At weekends and on holidays a visit never costs more than %(cap)s.",
                                 cap=rubles(caps[1])))
    discounts = [gettext("%(category)s −%(percent)s %%", category=info.name, percent=_percent(info.discount))
                 for info in categories(r) if info.discount]
    if discounts:
        sentences.append(gettext("Discounts: %(list)s.", list=", ".join(discounts)))
    return sentences


def quote_for(minutes: int, category: str | None, day: date | None) -> pricing.Quote:
    """Price a stay of `minutes` with the current tariff (the home page's calculator)."""
    day = day or venue_today()
    category = category if category in category_codes() else "standard"
    return pricing.quote_minutes(current_rules(), minutes, day=day_kind_on(day), category=category)


def parse_local(text: str | None) -> datetime | None:
    """Read a venue-local "YYYY-MM-DDTHH:MM" (a datetime-local input) as an aware UTC datetime."""
    if not text:
        return None
    try:
        naive = datetime.fromisoformat(text)
    except ValueError:
        return None
    if naive.tzinfo is not None:
        return naive.astimezone(UTC)
    return from_venue(naive)


def local_input(moment: datetime | None) -> str:
    """Format a moment for a datetime-local input in venue time."""
    return to_venue(moment).strftime("%Y-%m-%dT%H:%M") if moment else ""
