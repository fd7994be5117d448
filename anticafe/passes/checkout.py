"""Passes at the visits checkout, on "My card" and in the shift report.

Timed visits ask the sources answering `signals.prepaid_sources` what could pay for a stopped
visit (`offers`), price the visit with it, then let the source spend what the quote used (`claim`);
a correction gives it back first (`release`). This module is that source for passes, and adds the
visitor's passes to "My card" (`signals.my_card_sections`).

The decision itself is the pure `rules.allocate`, fed with the visit's own tariff version as the
price callback, so what the passes pay and what the bill shows are one computation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .. import signals
from ..db import utcnow
from ..payments import PaymentMethod
from ..visits import billing as visits_billing
from ..visits import pricing
from ..visits.models import Visit
from . import rules, services

#: Prepaid keys of passes in a visit's quote: "pass:<id>".
KEY_PREFIX = "pass:"


def price_callback(visit: Visit, pricer: visits_billing.Pricer | None = None,
                   ) -> tuple[int, pricing.DayKind, rules.Price]:
    """Return (billable minutes, day kind, price(k)) of a stopped visit under its own tariff version."""
    pricer = pricer or visits_billing.Pricer()
    tariff = pricer.rules_for(visit)
    kind = pricer.day_kind(visit)
    active = pricing.active_time(visit.segment_spans(visit.ended_at or utcnow()))

    def price(covered: int):
        prepaid = [pricing.Prepaid("covered", "", covered)] if covered else []
        return pricing.quote_active(tariff, active, day=kind, category=visit.guest_category, prepaid=prepaid).amount

    return pricing.billed_minutes(tariff, active), kind, price


class PassesSource:
    """The visitor's passes as a source of prepaid minutes for the visits checkout."""

    def offers(self, visit: Visit, *, day: date) -> list[pricing.Prepaid]:
        """Lock the visitor's passes and return what they pay for this visit, in order.

        Locking here (not only in `claim`) keeps the balances the quote is built on unchanged until
        the checkout commits: a second checkout for the same passes waits for this one.
        """
        if visit.user_id is None:
            return []
        held = services.lock_passes(visit.user_id)
        if not held:  # most visitors: nothing to price the visit against
            return []
        minutes, kind, price = price_callback(visit)
        holiday = kind == pricing.DayKind.WEEKEND and day.weekday() < 5
        allocation = services.plan_passes(visit.user, minutes, day=day, price=price, holiday=holiday, held=held)
        return [pricing.Prepaid(f"{KEY_PREFIX}{use.pass_id}", use.label, use.minutes) for use in allocation.uses]

    def claim(self, visit: Visit, used: list[pricing.PrepaidUse]) -> None:
        """Spend what the visit's quote used from the passes."""
        mine = [(int(use.key.removeprefix(KEY_PREFIX)), use.minutes) for use in used
                if use.key.startswith(KEY_PREFIX)]
        if mine:
            services.spend(visit.id, mine)

    def release(self, visit: Visit) -> None:
        """Give back what the visit spent (a correction re-prices it, or reopens it)."""
        services.restore_passes(visit.id)


#: The one source: it keeps no state of its own.
PASSES = PassesSource()


def passes_source(visit: Visit, **_) -> PassesSource:
    """Answer `signals.prepaid_sources`: the visitor's passes can pay."""
    return PASSES


def my_card_section(user, **_) -> tuple[str, dict]:
    """"My card": the visitor's current passes, balances and expiry."""
    from .views import my_passes_context

    return "passes/_my_passes.html", my_passes_context(user)


@dataclass
class ShiftMinutes:
    """The minutes of a day's visits by who paid for them."""

    total: int
    #: paid in money at the tariff (or still to pay, or free short visits)
    tariff: int
    #: paid by packages and memberships
    prepaid: int
    #: paid by allowances, or marked free/subsidised at the till
    subsidised: int


def shift_minutes(visit_list: list[Visit], total: int) -> ShiftMinutes:
    """Split a shift's `total` minutes into paid at the tariff, paid by passes, and subsidised."""
    uses = services.uses_for_visits([v.id for v in visit_list])
    prepaid = subsidised = 0
    for visit in visit_list:
        by_pass = 0
        for use in uses.get(visit.id, []):
            by_pass += use.minutes
            if use.pass_.kind == rules.PassKind.ALLOWANCE:
                subsidised += use.minutes
            else:
                prepaid += use.minutes
        if visit.payment_method == PaymentMethod.SUBSIDISED and visit.billed_minutes:
            subsidised += max(visit.billed_minutes - by_pass, 0)
    return ShiftMinutes(total=total, tariff=max(total - prepaid - subsidised, 0), prepaid=prepaid,
                        subsidised=subsidised)


def connect() -> None:
    """Pay at the visits checkout, and show on "My card"."""
    signals.prepaid_sources.connect(passes_source)
    signals.my_card_sections.connect(my_card_section)
