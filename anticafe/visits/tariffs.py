"""Tariff versions, guest categories, holidays, and the tariff in words (the home page, receipts)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask import g, has_app_context
from flask_babel import get_locale, gettext, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..errors import DomainError, ValidationFailed
from ..extensions import db
from ..i18n import rubles
from ..memo import Memo
from ..payments import PaymentMethod
from ..timeutil import venue_today
from . import pricing
from .models import GuestCategory, Holiday, Tariff, Visit, VisitStatus

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
    PaymentMethod.PASS: _l("Pass"),
    PaymentMethod.FREE: _l("Free (nothing due)"),
}


STATUS_LABELS = {
    VisitStatus.ACTIVE: _l("inside"),
    VisitStatus.PAUSED: _l("paused"),
    VisitStatus.STOPPED: _l("awaiting payment"),
    VisitStatus.PAID: _l("paid"),
}


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
    """Return the display name of a guest category (said once per request: the board asks per guest)."""
    code = code or "standard"
    said = g.setdefault("category_labels", {}) if has_app_context() else {}
    key = (code, str(get_locale()))
    if key not in said:
        if code in CATEGORY_LABELS:
            said[key] = str(CATEGORY_LABELS[code])
        else:
            row = db.session.get(GuestCategory, code)
            said[key] = row.name if row is not None else code
    return said[key]


def method_label(method: str | None) -> str:
    return str(METHOD_LABELS.get(method, method or ""))


def status_label(status: str) -> str:
    return _said(STATUS_LABELS, status)


def _said(labels: dict, code: str) -> str:
    """Return `labels[code]` in the current language, said once per request and language."""
    said = g.setdefault("visit_labels", {}) if has_app_context() else {}
    key = (id(labels), code, str(get_locale()))
    if key not in said:
        said[key] = str(labels.get(code, code))
    return said[key]


def current_tariff() -> Tariff | None:
    """Return the newest tariff version, or None on a fresh install (the default rules apply)."""
    return db.session.scalar(_CURRENT_TARIFF)


_CURRENT_TARIFF = select(Tariff).order_by(Tariff.version.desc()).limit(1)


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
    # A line's text depends on the line and the language only (the catalogs do not change while the
    # process runs), except a discount's, which names a guest category an admin may rename: those are
    # said once per request, the others kept per process.
    texts = g.setdefault("bill_line_texts", {}) if has_app_context() else {}
    locale = str(get_locale())
    rows = []
    for line in lines:
        key = (line, locale)
        text = texts.get(key) or (_line_texts.get(key) if line.kind != "discount" else None)
        if text is None:
            text = describe_line(line)
            if line.kind != "discount":
                _line_texts.put(key, text)
        texts[key] = text
        rows.append({**line.to_dict(), "text": text})
    return rows


#: Texts of bill lines by (line, language): the board describes every guest's tiers on each poll.
_line_texts = Memo(size=4096)


def stored_lines(visit: Visit) -> list[pricing.Line]:
    return [pricing.Line.from_dict(item) for item in (visit.breakdown or [])]


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
