"""Passes as values: which passes pay for a visit, validity windows, who may issue what.

Pure: no Flask, no database; values in, values out.

Three kinds of pass:

- a **package** of prepaid minutes valid for some days (e.g. 10 hours for 60 days);
- a **membership**: unlimited visits for a period, optionally on weekdays only;
- an **allowance**: subsidised minutes for one calendar month, granted by the youth committee or staff.
  An allowance granted for several months is one pass per month, so unused minutes are never carried
  over: March's pass simply stops applying on 1 April, and April's has its own balance.

Expiry needs no job: a pass applies on the days of its window (`starts_on`..`ends_on`, both
included, venue-local dates) and on no other day.

How a visit is paid (`allocate`)
--------------------------------
The visit has `M` billable minutes and started on a venue-local `day`. The tariff is a callback
`price(k)`: what the guest pays in money when the first `k` billable minutes are paid by passes
(`price(0)` is the tariff-only price). The tariff prices the rest, so its grace period, cap
("stop-check") and discounts still apply; `price` must not rise as `k` grows.

1. A visit the tariff charges nothing for (`M == 0` or `price(0) == 0`, e.g. within the grace
   period) uses no pass.
2. A membership that applies that day covers the whole visit (the one ending first, if several).
3. Otherwise packages and allowances pay, earliest expiry first (on the same day an allowance before
   a package, since its minutes lapse at the month's end; then the older pass). Each pays as many
   minutes as it holds, but **only minutes that lower the bill**: with `K = min(M, minutes held)`
   the passes cover the least `k <= K` for which `price(k) == price(K)`. Minutes past the cap are
   free under the tariff, so a pass never pays for them (a 10-hour stay with a 200-minute balance
   costs the cap either way, and the balance is kept).
4. The guest never pays more than the tariff alone: if a callback ever priced the covered visit
   above `price(0)`, no pass is used.
"""

from __future__ import annotations

import calendar
import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from ..payments import MONEY


class PassKind(enum.StrEnum):
    PACKAGE = "package"
    MEMBERSHIP = "membership"
    ALLOWANCE = "allowance"


#: Kinds whose pass holds a balance of minutes.
MINUTE_KINDS = frozenset({PassKind.PACKAGE, PassKind.ALLOWANCE})


class PassStatus(enum.StrEnum):
    ACTIVE = "active"
    #: its window has not begun (next month's allowance)
    UPCOMING = "upcoming"
    EXPIRED = "expired"
    #: a package or allowance with no minutes left
    USED_UP = "used_up"
    CANCELLED = "cancelled"


#: How a sold pass may be paid (a pass given for free carries a reason instead).
PAYMENT_METHODS = tuple(method.value for method in MONEY)

MAX_MONTHS = 12
MAX_VALIDITY_DAYS = 3660
MAX_MINUTES = 100_000

#: price(k): money due when the first k billable minutes are prepaid.
Price = Callable[[int], Decimal]


@dataclass(frozen=True)
class Holding:
    """A pass a person holds, as the rules see it."""

    id: int
    kind: PassKind
    starts_on: date
    ends_on: date
    #: None for a membership
    minutes_remaining: int | None = None
    weekdays_only: bool = False
    cancelled: bool = False
    label: str = ""

    def applies_on(self, day: date, *, holiday: bool = False) -> bool:
        """Tell whether the pass can pay for a visit on `day` (ignoring its balance)."""
        if self.cancelled or not self.starts_on <= day <= self.ends_on:
            return False
        return not (self.weekdays_only and (day.weekday() >= 5 or holiday))

    def usable_on(self, day: date, *, holiday: bool = False) -> bool:
        """Tell whether the pass applies on `day` and still has something to give."""
        if not self.applies_on(day, holiday=holiday):
            return False
        return self.kind == PassKind.MEMBERSHIP or (self.minutes_remaining or 0) > 0

    def status(self, today: date) -> PassStatus:
        """Describe the pass on `today` (expired packages keep their unused minutes to show)."""
        if self.cancelled:
            return PassStatus.CANCELLED
        if today > self.ends_on:
            return PassStatus.EXPIRED
        if today < self.starts_on:
            return PassStatus.UPCOMING
        if self.kind in MINUTE_KINDS and (self.minutes_remaining or 0) <= 0:
            return PassStatus.USED_UP
        return PassStatus.ACTIVE


@dataclass(frozen=True)
class VisitFacts:
    """What the rules need to know about a visit."""

    #: the venue-local date the visit started on
    day: date
    billable_minutes: int
    #: a public holiday (weekday-only passes do not apply)
    holiday: bool = False


@dataclass(frozen=True)
class Use:
    """Minutes of a visit paid by one pass."""

    pass_id: int
    kind: PassKind
    minutes: int
    label: str = ""


@dataclass(frozen=True)
class Allocation:
    """Which passes pay for a visit, and what the guest still pays."""

    uses: tuple[Use, ...]
    billable_minutes: int
    #: the tariff-only price, price(0)
    tariff_only: Decimal
    #: what the guest pays in money, price(covered)
    due: Decimal

    @property
    def covered(self) -> int:
        """Billable minutes paid by passes."""
        return sum(use.minutes for use in self.uses)

    @property
    def saved(self) -> Decimal:
        return self.tariff_only - self.due

    def minutes_of(self, pass_id: int) -> int:
        return sum(use.minutes for use in self.uses if use.pass_id == pass_id)


def _kind_order(kind: PassKind) -> int:
    return 0 if kind == PassKind.ALLOWANCE else 1


def usable_passes(holdings: Iterable[Holding], day: date, *, holiday: bool = False) -> list[Holding]:
    """Return the passes usable on `day` in the order they pay: memberships, then by expiry."""
    usable = [h for h in holdings if h.usable_on(day, holiday=holiday)]
    memberships = sorted((h for h in usable if h.kind == PassKind.MEMBERSHIP), key=lambda h: (h.ends_on, h.id))
    minutes = sorted((h for h in usable if h.kind in MINUTE_KINDS),
                     key=lambda h: (h.ends_on, _kind_order(h.kind), h.id))
    return memberships + minutes


def least_covering(price: Price, most: int) -> int:
    """Return the least k in [0, most] with price(k) <= price(most), for a price that never rises."""
    target = price(most)
    low, high = 0, most
    while low < high:
        middle = (low + high) // 2
        if price(middle) <= target:
            high = middle
        else:
            low = middle + 1
    return low


def allocate(visit: VisitFacts, holdings: Sequence[Holding], price: Price) -> Allocation:
    """Decide which passes pay how many minutes of a visit (see the module docstring)."""
    minutes = max(visit.billable_minutes, 0)
    tariff_only = price(0)

    def result(uses: list[Use], due: Decimal) -> Allocation:
        return Allocation(uses=tuple(uses), billable_minutes=minutes, tariff_only=tariff_only, due=due)

    if minutes == 0 or tariff_only <= 0:
        return result([], tariff_only)
    ordered = usable_passes(holdings, visit.day, holiday=visit.holiday)
    if not ordered:
        return result([], tariff_only)
    first = ordered[0]
    if first.kind == PassKind.MEMBERSHIP:
        due = price(minutes)
        if due > tariff_only:
            return result([], tariff_only)
        return result([Use(first.id, first.kind, minutes, first.label)], due)

    held = sum(h.minutes_remaining or 0 for h in ordered)
    covered = least_covering(price, min(minutes, held))
    due = price(covered)
    if covered == 0 or due > tariff_only:
        return result([], tariff_only)
    uses: list[Use] = []
    left = covered
    for holding in ordered:
        if left <= 0:
            break
        take = min(holding.minutes_remaining or 0, left)
        if take > 0:
            uses.append(Use(holding.id, holding.kind, take, holding.label))
            left -= take
    return result(uses, due)


# ------------------------------------------------------------------------------------------------
# Validity windows


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: date, months: int) -> date:
    """Return the first day of the month `months` after `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_window(starts_on: date, validity_days: int) -> tuple[date, date]:
    """Return the (first, last) day of a package or membership valid for `validity_days` days."""
    return starts_on, starts_on + timedelta(days=validity_days - 1)


def allowance_windows(today: date, first_month: date, months: int) -> list[tuple[date, date]]:
    """Return one (first, last) day per calendar month of an allowance, from `first_month` on.

    The current month's allowance applies from today (it is not granted for the past).
    """
    windows = []
    for offset in range(months):
        start = add_months(first_month, offset)
        windows.append((max(start, today), month_end(start)))
    return windows


# ------------------------------------------------------------------------------------------------
# Checks (problem codes per field; the caller translates them)


def may_issue(role: str, *, staff_may_issue: bool, committee_may_issue: bool) -> bool:
    """Tell whether a person with `role` may sell or grant passes of a type.

    Admins may issue every type; staff the types marked for staff; committee members the
    allowances marked for the committee (the committee grants subsidised time, it takes no money).
    """
    if role == "admin":
        return True
    if role == "staff":
        return staff_may_issue
    # The committee decides a programme's terms and sees its use in counts; it never picks named
    # people (it would see who they are and why), so it grants nothing itself.
    return False


def pass_type_problems(*, name: str | None, kind: str | None, minutes: int | None, validity_days: int | None,
                       price: Decimal | None, committee_may_issue: bool) -> dict[str, list[str]]:
    """Check a pass type the admin defines."""
    problems: dict[str, list[str]] = {}

    def add(field: str, code: str) -> None:
        problems.setdefault(field, []).append(code)

    if not (name or "").strip():
        add("name", "required")
    if kind not in set(PassKind):
        add("kind", "unknown_kind")
        return problems
    if kind in MINUTE_KINDS:
        if minutes is None:
            add("hours", "required")
        elif not 0 < minutes <= MAX_MINUTES:
            add("hours", "minutes_range")
    if kind != PassKind.ALLOWANCE:
        if validity_days is None:
            add("validity_days", "required")
        elif not 0 < validity_days <= MAX_VALIDITY_DAYS:
            add("validity_days", "validity_range")
    if price is None:
        add("price", "required")
    elif price < 0 or price != price.quantize(Decimal("0.01")):
        add("price", "price_invalid")
    elif kind == PassKind.ALLOWANCE and price != 0:
        add("price", "allowance_is_free")
    if committee_may_issue and kind != PassKind.ALLOWANCE:
        add("committee_may_issue", "committee_grants_allowances")
    return problems


#: Social categories that may qualify for a programme's allowance. Stored as these codes on the
#: pass, shown to admins only, never in an export or on a page the committee reaches.
SOCIAL_CATEGORIES = ("large_family", "low_income", "disability", "orphan", "social_service", "hard_situation")


def parse_categories(text: str | None) -> tuple[str, ...]:
    """Read a comma-separated list of category codes, keeping the known ones in their order."""
    given = {part.strip() for part in (text or "").split(",")}
    return tuple(code for code in SOCIAL_CATEGORIES if code in given)


def issue_problems(kind: str, price: Decimal, *, payment_method: str | None, reason: str | None,
                   months: int | None, social_category: str | None = None,
                   categories: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """Check a sale or grant: a paid pass needs a payment method, a free one a reason, an allowance a
    social category its programme admits."""
    problems: dict[str, list[str]] = {}
    if price > 0:
        if payment_method not in PAYMENT_METHODS:
            problems["payment_method"] = ["payment_required"]
    elif kind == PassKind.ALLOWANCE:
        if social_category not in (categories or SOCIAL_CATEGORIES):
            problems["social_category"] = ["category_required"]
    elif not (reason or "").strip():
        problems["reason"] = ["reason_required"]
    if kind == PassKind.ALLOWANCE and (months is None or not 1 <= months <= MAX_MONTHS):
        problems["months"] = ["months_range"]
    return problems
