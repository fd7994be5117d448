"""Visits API: start, pause, resume, stop and pay visits; the board; the tariff and its price calculator."""

from datetime import UTC
from typing import Literal

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..api.spec import api_blueprint, endpoint
from ..auth import Access
from ..errors import DomainError
from ..extensions import db
from ..qr import qr_response
from ..timeutil import from_venue, to_venue, venue_today
from . import billing, checkout, clock, pricing, tariffs
from . import board as visits_board
from .models import Bill, Visit
from .schemas import (
    BillIn,
    BillOut,
    BoardOut,
    CompanyOut,
    CompanyQuery,
    CorrectedVisitOut,
    CorrectionIn,
    PayIn,
    QuoteOut,
    QuoteQuery,
    TariffOut,
    VisitIn,
    VisitListOut,
    VisitOut,
    VisitsQuery,
)

bp = api_blueprint("visits_api", __name__)

NOT_FOUND = (404, "not_found", "no such visit")


def _visit(visit_id: int) -> Visit:
    visit = db.session.get(Visit, visit_id)
    if visit is None:
        raise DomainError("not_found", _l("No such visit."), status=404)
    return visit


def _aware(moment):
    if moment is None:
        return None
    return from_venue(moment) if moment.tzinfo is None else moment.astimezone(UTC)


def visit_with_history(visit: Visit) -> dict:
    """A visit with its corrections (for the checkout and the correction endpoint)."""
    data = visits_board.visit_json(visit)
    data["corrections"] = [{
        "id": c.id, "at": to_venue(c.at).isoformat(), "reason": c.reason,
        "staff": c.staff.name if c.staff is not None else None, "changes": c.changes,
        "amount_before": pricing.money(c.amount_before) if c.amount_before is not None else None,
        "amount_after": pricing.money(c.amount_after) if c.amount_after is not None else None,
    } for c in visit.corrections]
    return data


def bill_json(bill: Bill) -> dict:
    return {"id": bill.id, "payer_name": bill.payer_name, "payer_id": bill.payer_id,
            "payment_method": bill.payment_method, "total": pricing.money(bill.total), "note": bill.note,
            "paid_at": to_venue(bill.paid_at).isoformat(), "visits": [visits_board.visit_json(v) for v in bill.visits]}


@endpoint(bp, "/visits", "POST", summary="Start a timed visit", access=Access.STAFF, body=VisitIn,
          response=VisitOut, status=201,
          errors=[(409, "visit_already_active", "the person has an open visit"),
                  (409, "venue_full", "the venue is at capacity; send override_reason to let the guest in"),
                  (404, "unknown_card", "no guest card has this code"), (404, "not_found", "no such person")])
def start(body: VisitIn):
    """Start a visit for a person (`user_id`), a card (`card_code`) or a walk-in guest (`guest_name`)."""
    if body.guest_name:
        visit = clock.start_walk_in(name=body.guest_name, phone=body.guest_phone, birth_date=body.birth_date,
                                       staff=current_user, category=body.guest_category,
                                       override_reason=body.override_reason)
    else:
        if body.card_code:
            from .. import codes

            code = codes.normalize(body.card_code)
            user = db.session.scalar(select(User).where(User.card_code == code)) if code else None
            if user is None:
                raise DomainError("unknown_card", _l("No guest card has this code."), status=404)
        else:
            user = db.session.get(User, body.user_id)
        visit = clock.start_visit(user=user, staff=current_user, category=body.guest_category,
                                     override_reason=body.override_reason)
    db.session.commit()
    return visits_board.visit_json(visit), 201


@endpoint(bp, "/visits", summary="Visits by status or day", access=Access.STAFF, query=VisitsQuery,
          response=VisitListOut)
def list_visits(query: VisitsQuery):
    """List visits, newest first; open ones carry `minutes_so_far` and `amount_so_far`."""
    pricer = billing.Pricer()
    visits = visits_board.list_visits(query.status, query.date)
    return {"items": [visits_board.visit_json(v, pricer=pricer) for v in visits]}


@endpoint(bp, "/visits/board", summary="The live board", access=Access.STAFF, response=BoardOut)
def board():
    """Return who is inside (with running time and amounts), who awaits payment, and the occupancy: each
    guest a lean row of what the board shows. A visit's bill lines and corrections: `GET /visits/{id}`."""
    return visits_board.board()


@endpoint(bp, "/visits/<int:visit_id>", summary="One visit with its corrections", access=Access.STAFF,
          response=CorrectedVisitOut, errors=[NOT_FOUND])
def get_visit(visit_id: int):
    """Return a visit, its bill lines and its correction history."""
    return visit_with_history(_visit(visit_id))


def _action(name: str, summary: str, doc: str, errors):
    def view(visit_id: int):
        visit = _visit(visit_id)
        action = getattr(clock, f"{name}_visit")
        visit = action(visit, staff=current_user)
        db.session.commit()
        return visits_board.visit_json(visit)

    view.__name__ = name
    view.__doc__ = doc
    return endpoint(bp, f"/visits/<int:visit_id>/{name}", "POST", summary=summary, access=Access.STAFF,
                    response=VisitOut, errors=[NOT_FOUND, *errors])(view)


pause = _action("pause", "Pause a visit", "Stop the clock while the guest steps out.",
                [(409, "visit_not_active", "the visit is not running")])
resume = _action("resume", "Resume a paused visit", "Restart the clock.",
                 [(409, "visit_not_paused", "the visit is not paused")])
stop = _action("stop", "Stop a visit", "Stop the clock and price the visit: `ended_at`, `billed_minutes`, `amount`, "
               "`breakdown`. A free visit is closed at once (status paid).",
               [(409, "visit_not_open", "the visit has stopped already")])


@endpoint(bp, "/visits/<int:visit_id>/pay", "POST", summary="Mark a stopped visit paid", access=Access.STAFF,
          body=PayIn, response=VisitOut,
          errors=[NOT_FOUND, (409, "visit_already_paid", "the visit is paid"),
                  (409, "visit_not_stopped", "stop the visit first"),
                  (422, "validation_error", "subsidised without a reason in `note`")])
def pay(visit_id: int, body: PayIn):
    """Record the payment (cash, card, transfer, or subsidised with the reason in `note`)."""
    visit = _visit(visit_id)
    if visit.is_open:
        raise DomainError("visit_not_stopped", _l("Stop the visit first."), status=409)
    checkout.pay_visit(visit, staff=current_user, method=body.payment_method, note=body.note)
    db.session.commit()
    return visits_board.visit_json(visit)


@endpoint(bp, "/visits/<int:visit_id>/company", summary="Whom a visit's group bill may include",
          access=Access.STAFF, query=CompanyQuery, response=CompanyOut, errors=[NOT_FOUND])
def company(visit_id: int, query: CompanyQuery):
    """Offer the open or unpaid visits that came with this one, and those whose name matches `q`."""
    found = visits_board.company_of(_visit(visit_id), query.q)
    pricer = billing.Pricer()
    return {"together": [visits_board.visit_json(v, pricer=pricer) for v in found.together],
            "found": [visits_board.visit_json(v, pricer=pricer) for v in found.found], "others": found.others}


@endpoint(bp, "/bills", "POST", summary="Pay several visits together (a group bill)", access=Access.STAFF,
          body=BillIn, response=BillOut, status=201,
          errors=[NOT_FOUND, (409, "visit_already_paid", "one of the visits is paid")])
def create_bill(body: BillIn):
    """One guest pays for the visits of their company; open visits among them are stopped first."""
    visits = [_visit(visit_id) for visit_id in body.visit_ids]
    bill = checkout.pay_together(visits, staff=current_user, method=body.payment_method, note=body.note)
    db.session.commit()
    return bill_json(bill), 201


@endpoint(bp, "/bills/<int:bill_id>", summary="A bill and the visits it paid", access=Access.STAFF,
          response=BillOut, errors=[(404, "not_found", "no such bill")])
def get_bill(bill_id: int):
    """Return a receipt: the payer, the method and each visit."""
    bill = db.session.scalar(select(Bill).options(selectinload(Bill.visits)).where(Bill.id == bill_id))
    if bill is None:
        raise DomainError("not_found", _l("No such bill."), status=404)
    return bill_json(bill)


@endpoint(bp, "/visits/<int:visit_id>/corrections", "POST", summary="Correct a visit", access=Access.STAFF,
          body=CorrectionIn, response=CorrectedVisitOut,
          errors=[NOT_FOUND, (409, "visit_not_stopped", "only a stopped, unpaid visit can be reopened")])
def correct(visit_id: int, body: CorrectionIn):
    """Change the start or end, the category, or reopen a visit stopped by mistake; the reason is kept."""
    visit = _visit(visit_id)
    checkout.correct_visit(visit, staff=current_user, reason=body.reason, started_at=_aware(body.started_at),
                           ended_at=_aware(body.ended_at), category=body.guest_category, reopen=body.reopen)
    db.session.commit()
    return visit_with_history(db.session.get(Visit, visit_id))


@endpoint(bp, "/me/visits", summary="My visits", response=VisitListOut)
def my_visits():
    """Return the current user's own visits, newest first."""
    pricer = billing.Pricer()
    return {"items": [visits_board.visit_json(v, pricer=pricer) for v in visits_board.visits_of(current_user)]}


class CardQuery(BaseModel):
    """Which picture of the card: PNG (default) or SVG."""

    format: Literal["png", "svg"] = "png"


@endpoint(bp, "/users/<int:user_id>/card.png", summary="A guest card's QR code (PNG; ?format=svg for SVG)",
          query=CardQuery, response={"type": "string", "format": "binary"},
          media_types=("image/png", "image/svg+xml"), errors=[(404, "not_found", "not your card")])
def card_qr(user_id: int, query: CardQuery):
    """Return the QR of a guest card: for its owner and for staff (session or bearer token)."""
    if user_id != current_user.id and not current_user.is_staff:
        abort(404)
    user = db.session.get(User, user_id) or abort(404)
    return qr_response(user.card_code, query.format)


def tariff_json() -> dict:
    tariff = tariffs.current_tariff()
    rules = tariff.pricing_rules if tariff is not None else pricing.default_rules()
    data = rules.to_dict()
    return {
        "version": tariff.version if tariff is not None else None,
        "since": to_venue(tariff.created_at).isoformat() if tariff is not None else None,
        "weekday": {"tiers": data["weekday"]["tiers"], "cap": _money_or_none(rules.weekday.cap)},
        "weekend": {"tiers": data["weekend"]["tiers"], "cap": _money_or_none(rules.weekend.cap)},
        "unit_minutes": rules.unit_minutes, "grace_minutes": rules.grace_minutes,
        "minimum_charge": pricing.money(rules.minimum_charge),
        "categories": [{"code": c.code, "name": c.name, "discount_percent": str(c.discount)}
                       for c in tariffs.categories(rules)],
        "holidays": [{"date": h.day, "name": h.name} for h in tariffs.holidays(since=venue_today())],
        "words": tariffs.tariff_words(rules),
    }


def _money_or_none(value):
    return pricing.money(value) if value is not None else None


@endpoint(bp, "/tariff", summary="The current tariff", access=Access.PUBLIC, response=TariffOut)
def get_tariff():
    """Return the tariff visits starting now are priced with, its categories and upcoming holidays."""
    return tariff_json()


@endpoint(bp, "/tariff/quote", summary="Price a stay (the price calculator)", access=Access.PUBLIC,
          query=QuoteQuery, response=QuoteOut)
def quote(query: QuoteQuery):
    """Price `minutes` of stay for a guest category on a date with the current tariff."""
    result = tariffs.quote_for(query.minutes, query.category, query.date)
    return {"amount": pricing.money(result.amount), "minutes": query.minutes, "billed_minutes": result.billed_minutes,
            "day_kind": result.day_kind.value, "category": result.category, "capped": result.capped,
            "breakdown": tariffs.breakdown_rows(list(result.lines))}


def me_card(user, **_) -> dict:
    """Add the guest card to `GET /api/v1/me`."""
    return {"card_code": user.card_code, "card_qr_url": visits_board.card_qr_url(user)}

