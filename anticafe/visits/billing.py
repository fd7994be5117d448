"""Pricing visits with their own tariff versions, and the prepaid sources that can pay for them."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Protocol

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from .. import signals
from ..accounts.models import User
from ..db import lock_row, utcnow
from ..errors import DomainError
from ..extensions import db
from ..timeutil import to_venue
from . import pricing
from .models import Tariff, Visit, VisitSegment
from .tariffs import current_rules, day_kind_on


class PrepaidSource(Protocol):
    """Something that can pay for minutes of a visit: a package of hours, a membership, an allowance."""

    def offers(self, visit: Visit, *, day: date) -> list[pricing.Prepaid]:
        """Return what could pay for this visit, in the order to use it (no writes)."""

    def claim(self, visit: Visit, used: list[pricing.PrepaidUse]) -> None:
        """Spend what the visit's quote used (lock the balances; raise DomainError if they changed)."""

    def release(self, visit: Visit) -> None:
        """Give back what this visit spent (a correction re-prices it)."""


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

    def know_day(self, day: date, *, holiday: bool) -> None:
        """Take a day's holiday flag read by another statement (a start's headcount asks it too)."""
        self._kinds[day] = pricing.day_kind(day, [day] if holiday else [])

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


def quote_values(result: pricing.Quote) -> dict:
    """A visit's columns that a price fills in."""
    return {"billed_minutes": result.billed_minutes, "amount": result.amount, "day_kind": result.day_kind.value,
            "breakdown": [line.to_dict() for line in result.lines]}


def apply_quote(visit: Visit, result: pricing.Quote) -> None:
    for key, value in quote_values(result).items():
        setattr(visit, key, value)


def replace_segments(visit: Visit, spans: list[tuple[datetime, datetime | None]]) -> None:
    """Give a visit new stretches of time (a correction, or the end of the day), the old ones deleted first."""
    for segment in list(visit.segments):
        visit.segments.remove(segment)
    db.session.flush()
    for started_at, ended_at in spans:
        visit.segments.append(VisitSegment(started_at=started_at, ended_at=ended_at))


def active_time(visit: Visit, now: datetime | None = None) -> timedelta:
    """Return the visit's active (billed) time so far."""
    return pricing.active_time(visit.segment_spans(now or visit.ended_at or utcnow()))


def lock_visit(visit_id: int) -> Visit:
    """Lock a visit's row for the rest of the transaction and return it freshly loaded."""
    db.session.flush()
    if not lock_row(Visit, visit_id):
        raise DomainError("not_found", _l("No such visit."), status=404)
    # What was read before the lock may be stale: load it again. People and tariff versions are
    # kept (a visit's clock does not depend on them changing meanwhile, and reloading the staff and
    # the visitor cost two statements on every stop); the segments and tariff come with the visit.
    for instance in list(db.session.identity_map.values()):
        if not isinstance(instance, User | Tariff):
            db.session.expire(instance)
    return db.session.scalars(_LOCKED_VISIT, {"visit_id": visit_id}).unique().one()


#: The locked visit's reload, built once per process: every stop runs it under the visit's lock, and
#: building a select with two joined loads cost more than running it.
_LOCKED_VISIT = (select(Visit).where(Visit.id == bindparam("visit_id"))
                 .options(joinedload(Visit.segments), joinedload(Visit.tariff))
                 .execution_options(populate_existing=True))
