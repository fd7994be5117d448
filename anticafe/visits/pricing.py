"""Pricing a timed visit. Pure: no Flask, no database; values in, values out.

A tariff (`TariffRules`) prices the *total active time* of a visit (the sum of its segments; pauses
are not billed), so the bill never depends on how the time was split:

1. Active time is rounded up to the billing unit (by started minute when the unit is 1).
2. A visit of `grace_minutes` or less is free.
3. Minutes already paid by passes (`Prepaid`) cover the *first* minutes of the stay, the dearest
   ones; the rest is priced by the tiers ("minutes 1–60 at 3 ₽, later minutes at 2 ₽").
4. The minimum charge lifts a small non-zero charge (not when a pass paid part of the visit).
5. The cap per visit (the "stop-check") limits the charge; the rest of the stay is free.
6. The guest category's discount applies to the capped charge.
7. The result is rounded to whole rubles (half up) at the very end.

Weekday or weekend: a visit is priced entirely by the variant of the venue-local *date it started
on*; a Saturday or Sunday or a holiday from the admin's list is a weekend day. A stay that crosses
midnight (rare: the café closes at 23:00 by default) therefore keeps the variant and the single cap
it started with; splitting one stay into two caps would let the stop-check be charged twice.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from itertools import pairwise

ONE_RUBLE = Decimal("1")
HUNDRED = Decimal("100")


class DayKind(enum.StrEnum):
    WEEKDAY = "weekday"
    #: Saturday, Sunday or a holiday
    WEEKEND = "weekend"


def day_kind(day: date, holidays: Iterable[date] = ()) -> DayKind:
    """Tell whether `day` is priced as a weekday or as a weekend/holiday."""
    if day.weekday() >= 5 or day in set(holidays):
        return DayKind.WEEKEND
    return DayKind.WEEKDAY


@dataclass(frozen=True)
class Tier:
    """A per-minute rate from minute `first_minute` (1-based) of the stay until the next tier starts."""

    first_minute: int
    rate: Decimal


@dataclass(frozen=True)
class Variant:
    """The tiers and the cap of weekdays, or of weekends and holidays."""

    tiers: tuple[Tier, ...]
    #: the most a visit costs before the discount; None = no cap
    cap: Decimal | None = None


@dataclass(frozen=True)
class TariffRules:
    """Everything that prices a visit; stored as JSON in each tariff version."""

    weekday: Variant
    weekend: Variant
    #: bill by started unit of this many minutes
    unit_minutes: int = 1
    #: a visit of this many minutes or fewer is free
    grace_minutes: int = 0
    minimum_charge: Decimal = Decimal(0)
    #: guest category code -> discount in percent
    discounts: Mapping[str, Decimal] = field(default_factory=dict)

    def variant(self, kind: DayKind) -> Variant:
        return self.weekend if kind == DayKind.WEEKEND else self.weekday

    def discount(self, category: str | None) -> Decimal:
        """Return the discount in percent of a guest category (0 for unknown ones)."""
        return Decimal(self.discounts.get(category or "", 0))

    # JSON ---------------------------------------------------------------------------------------

    def to_dict(self) -> dict:
        """Return a JSON-ready dict (money and rates as strings)."""

        def variant(v: Variant) -> dict:
            return {"tiers": [{"first_minute": t.first_minute, "rate": str(t.rate)} for t in v.tiers],
                    "cap": None if v.cap is None else str(v.cap)}

        return {"weekday": variant(self.weekday), "weekend": variant(self.weekend),
                "unit_minutes": self.unit_minutes, "grace_minutes": self.grace_minutes,
                "minimum_charge": str(self.minimum_charge),
                "discounts": {code: str(pct) for code, pct in self.discounts.items()}}

    @classmethod
    def from_dict(cls, data: Mapping) -> TariffRules:
        """Read the dict written by `to_dict`."""

        def variant(v: Mapping) -> Variant:
            tiers = tuple(Tier(int(t["first_minute"]), Decimal(str(t["rate"]))) for t in v["tiers"])
            cap = v.get("cap")
            return Variant(tiers=tiers, cap=None if cap in (None, "") else Decimal(str(cap)))

        return cls(weekday=variant(data["weekday"]), weekend=variant(data["weekend"]),
                   unit_minutes=int(data.get("unit_minutes", 1)), grace_minutes=int(data.get("grace_minutes", 0)),
                   minimum_charge=Decimal(str(data.get("minimum_charge") or 0)),
                   discounts={code: Decimal(str(pct)) for code, pct in (data.get("discounts") or {}).items()})


#: Categories every install has; admins may add more.
BUILTIN_CATEGORIES = ("standard", "schoolchild", "student")


def default_rules() -> TariffRules:
    """Return the tariff of a fresh install.

    Minutes 1–60 at 3 ₽, later minutes at 2 ₽; by started minute; up to 5 minutes free; no minimum;
    cap 600 ₽ on weekdays and 700 ₽ at weekends and holidays; schoolchildren and students −20 %.
    """
    tiers = (Tier(1, Decimal(3)), Tier(61, Decimal(2)))
    return TariffRules(weekday=Variant(tiers, Decimal(600)), weekend=Variant(tiers, Decimal(700)),
                       unit_minutes=1, grace_minutes=5, minimum_charge=Decimal(0),
                       discounts={"standard": Decimal(0), "schoolchild": Decimal(20), "student": Decimal(20)})


def rules_problems(rules: TariffRules) -> dict[str, list[str]]:
    """Check a tariff; return {field: [problem codes]} (empty when it can price visits)."""
    problems: dict[str, list[str]] = {}

    def add(name: str, code: str) -> None:
        problems.setdefault(name, []).append(code)

    if not 1 <= rules.unit_minutes <= 60:
        add("unit_minutes", "unit_range")
    if not 0 <= rules.grace_minutes <= 60:
        add("grace_minutes", "grace_range")
    if rules.minimum_charge < 0 or rules.minimum_charge != rules.minimum_charge.to_integral_value():
        add("minimum_charge", "whole_rubles")
    for name in ("weekday", "weekend"):
        variant: Variant = getattr(rules, name)
        if not variant.tiers:
            add(f"{name}_tiers", "tiers_required")
        else:
            if variant.tiers[0].first_minute != 1:
                add(f"{name}_tiers", "first_tier_starts_at_one")
            starts = [t.first_minute for t in variant.tiers]
            if any(b <= a for a, b in pairwise(starts)):
                add(f"{name}_tiers", "tiers_out_of_order")
            if any(t.rate < 0 for t in variant.tiers):
                add(f"{name}_tiers", "negative_rate")
        if variant.cap is not None:
            if variant.cap <= 0 or variant.cap != variant.cap.to_integral_value():
                add(f"{name}_cap", "whole_rubles")
            elif rules.minimum_charge > variant.cap:
                add("minimum_charge", "minimum_above_cap")
    for code, pct in rules.discounts.items():
        if not 0 <= pct <= 100:
            add(f"discount_{code}", "percent_range")
    return problems


# ------------------------------------------------------------------------------------------------
# Quotes


@dataclass(frozen=True)
class Prepaid:
    """Minutes a pass can pay for; `minutes=None` covers the whole visit (a membership)."""

    key: str
    label: str
    minutes: int | None


@dataclass(frozen=True)
class PrepaidUse:
    """How many minutes of a visit a pass paid for."""

    key: str
    label: str
    minutes: int


@dataclass(frozen=True)
class Line:
    """One line of a bill. `amount` is what the line adds (negative for cap and discount)."""

    #: tier, grace, prepaid, minimum, cap, discount, rounding
    kind: str
    amount: Decimal
    minutes: int = 0
    rate: Decimal | None = None
    first_minute: int | None = None
    last_minute: int | None = None
    percent: Decimal | None = None
    #: the category code of a discount, the pass of a prepaid line
    label: str | None = None

    def to_dict(self) -> dict:
        return {"kind": self.kind, "amount": money(self.amount), "minutes": self.minutes,
                "rate": None if self.rate is None else money(self.rate), "first_minute": self.first_minute,
                "last_minute": self.last_minute, "percent": None if self.percent is None else str(self.percent),
                "label": self.label}

    @classmethod
    def from_dict(cls, data: Mapping) -> Line:
        def dec(value):
            return None if value is None else Decimal(str(value))

        return cls(kind=data["kind"], amount=Decimal(str(data["amount"])), minutes=int(data.get("minutes") or 0),
                   rate=dec(data.get("rate")), first_minute=data.get("first_minute"),
                   last_minute=data.get("last_minute"), percent=dec(data.get("percent")), label=data.get("label"))


@dataclass(frozen=True)
class Quote:
    """The price of a stay and how it was reached."""

    active: timedelta
    billed_minutes: int
    day_kind: DayKind
    category: str
    #: the tiered charge after the minimum, before the cap
    charge: Decimal
    cap: Decimal | None
    capped: bool
    discount_percent: Decimal
    #: whole rubles (quantized to kopecks for storage and JSON)
    amount: Decimal
    lines: tuple[Line, ...]
    prepaid_used: tuple[PrepaidUse, ...] = ()

    @property
    def free(self) -> bool:
        return self.amount == 0


def money(value: Decimal) -> str:
    """Format an amount the API's way: "240.00"."""
    return f"{Decimal(value).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}"


def active_time(segments: Iterable[tuple[datetime, datetime]]) -> timedelta:
    """Return the total length of `(start, end)` segments (a reversed segment is an error)."""
    total = timedelta(0)
    for start, end in segments:
        if end < start:
            raise ValueError("a segment ends before it starts")
        total += end - start
    return total


def billed_minutes(rules: TariffRules, active: timedelta) -> int:
    """Round active time up to whole billing units and return it in minutes."""
    if active <= timedelta(0):
        return 0
    unit = timedelta(minutes=rules.unit_minutes)
    units = -(-active // unit)  # ceiling division of timedeltas
    return units * rules.unit_minutes


def quote(rules: TariffRules, segments: Iterable[tuple[datetime, datetime]], *, day: DayKind,
          category: str = "standard", prepaid: Sequence[Prepaid] = ()) -> Quote:
    """Price the active `segments` of a visit."""
    return quote_active(rules, active_time(segments), day=day, category=category, prepaid=prepaid)


def quote_minutes(rules: TariffRules, minutes: int, *, day: DayKind, category: str = "standard") -> Quote:
    """Price a stay of `minutes` (the price calculator)."""
    return quote_active(rules, timedelta(minutes=minutes), day=day, category=category)


def quote_active(rules: TariffRules, active: timedelta, *, day: DayKind, category: str = "standard",
                 prepaid: Sequence[Prepaid] = ()) -> Quote:
    """Price `active` time (see the module's docstring for the order of the steps)."""
    variant = rules.variant(day)
    minutes = billed_minutes(rules, active)
    percent = rules.discount(category)
    lines: list[Line] = []

    def result(charge: Decimal, amount: Decimal, capped: bool = False, used: Sequence[PrepaidUse] = ()) -> Quote:
        return Quote(active=active, billed_minutes=minutes, day_kind=day, category=category, charge=charge,
                     cap=variant.cap, capped=capped, discount_percent=percent,
                     amount=amount.quantize(Decimal("0.01")), lines=tuple(lines), prepaid_used=tuple(used))

    if active <= timedelta(minutes=rules.grace_minutes):
        if minutes:
            lines.append(Line("grace", Decimal(0), minutes=minutes))
        return result(Decimal(0), Decimal(0))

    covered = 0
    used: list[PrepaidUse] = []
    for offer in prepaid:
        if covered >= minutes:
            break
        take = minutes - covered if offer.minutes is None else min(max(offer.minutes, 0), minutes - covered)
        if take <= 0:
            continue
        used.append(PrepaidUse(offer.key, offer.label, take))
        lines.append(Line("prepaid", Decimal(0), minutes=take, first_minute=covered + 1,
                          last_minute=covered + take, label=offer.label))
        covered += take

    charge = Decimal(0)
    for index, tier in enumerate(variant.tiers):
        tier_last = variant.tiers[index + 1].first_minute - 1 if index + 1 < len(variant.tiers) else minutes
        first, last = max(tier.first_minute, covered + 1), min(tier_last, minutes)
        if last < first:
            continue
        count = last - first + 1
        amount = tier.rate * count
        lines.append(Line("tier", amount, minutes=count, rate=tier.rate, first_minute=first, last_minute=last))
        charge += amount

    if covered == 0 and 0 < charge < rules.minimum_charge:
        lines.append(Line("minimum", rules.minimum_charge - charge))
        charge = rules.minimum_charge

    due = charge
    capped = variant.cap is not None and due > variant.cap
    if capped:
        lines.append(Line("cap", variant.cap - due))
        due = variant.cap

    if percent and due:
        discount = (due * percent / HUNDRED)
        lines.append(Line("discount", -discount, percent=percent, label=category))
        due -= discount

    rounded = due.quantize(ONE_RUBLE, rounding=ROUND_HALF_UP)
    if rounded != due:
        lines.append(Line("rounding", rounded - due))
    return result(charge, rounded, capped, used)


def live_amount(rules: TariffRules, active: timedelta, *, day: DayKind,
                category: str = "standard") -> tuple[Decimal, Decimal | None, bool]:
    """Return `(amount, cap, capped)` of `quote_active` without prepaid time and without the bill's lines.

    The same steps as `quote_active`, plain arithmetic: the live board prices every guest inside on
    every poll and shows only the amount and the cap (`test_pricing` checks the two agree)."""
    variant = rules.variant(day)
    if active <= timedelta(minutes=rules.grace_minutes):
        return Decimal("0.00"), variant.cap, False
    minutes = billed_minutes(rules, active)
    tiers = variant.tiers
    charge = Decimal(0)
    for index, tier in enumerate(tiers):
        last = tiers[index + 1].first_minute - 1 if index + 1 < len(tiers) else minutes
        if last > minutes:
            last = minutes
        if last >= tier.first_minute:
            charge += tier.rate * (last - tier.first_minute + 1)
    if 0 < charge < rules.minimum_charge:
        charge = rules.minimum_charge
    capped = variant.cap is not None and charge > variant.cap
    due = variant.cap if capped else charge
    percent = rules.discount(category)
    if percent and due:
        due -= due * percent / HUNDRED
    return due.quantize(ONE_RUBLE, rounding=ROUND_HALF_UP).quantize(Decimal("0.01")), variant.cap, capped


def parse_decimal(text) -> Decimal | None:
    """Read a user-typed number ("2,5" too); None if it is not one."""
    if text is None:
        return None
    try:
        value = Decimal(str(text).strip().replace(",", ".").replace("\u00a0", "").replace(" ", ""))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None
