"""Checkout and corrections: paying for one visit or a company's visits together, and correcting a visit."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from .. import signals
from ..accounts.models import User
from ..db import utcnow
from ..errors import DomainError, ValidationFailed
from ..extensions import db
from ..payments import PaymentMethod
from . import rules
from .billing import Pricer, apply_quote, lock_visit, replace_segments
from .clock import check_category, json_value, settle_free, stop_visit
from .models import Bill, Visit, VisitCorrection, VisitStatus


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
    locked = [lock_visit(visit_id) for visit_id in sorted({v.id for v in visits})]
    for visit in locked:
        if visit.is_open:
            stop_visit(visit, staff=staff)
    locked = [lock_visit(v.id) for v in locked]
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
    category = check_category(category)
    visit = lock_visit(visit.id)
    now = utcnow()
    before, amount_before = _facts(visit), visit.amount
    new_start, new_end = _corrected_times(visit, started_at, ended_at, reopen=reopen, now=now)
    reshaped = _corrected_segments(visit, new_start, new_end, reopen=reopen, now=now)
    replace_segments(visit, reshaped)
    visit.started_at = new_start
    if category is not None:
        visit.guest_category = category
    if visit.status in (VisitStatus.STOPPED, VisitStatus.PAID):
        for source in signals.answers(signals.prepaid_sources, visit):
            source.release(visit)
    _corrected_status(visit, new_end, reopen=reopen, running=reshaped[-1][1] is None, staff=staff)
    _reprice(visit, amount_before, staff)
    visit.needs_review = False
    changes = {key: [json_value(value), json_value(_facts(visit)[key])] for key, value in before.items()
               if value != _facts(visit)[key]}
    correction = VisitCorrection(visit=visit, staff_id=staff.id if staff is not None else None,
                                 reason=reason.strip(), changes=changes, amount_before=amount_before,
                                 amount_after=visit.amount, at=now)
    db.session.add(correction)
    db.session.flush()
    return correction


def _facts(visit: Visit) -> dict:
    """What a correction records before and after."""
    return {"started_at": visit.started_at, "ended_at": visit.ended_at, "guest_category": visit.guest_category,
            "status": visit.status}


def _corrected_times(visit: Visit, started_at: datetime | None, ended_at: datetime | None, *, reopen: bool,
                     now: datetime) -> tuple[datetime, datetime | None]:
    """Return the visit's new start and end (None: it runs on); refuse times in the future or reversed."""
    new_start = started_at or visit.started_at
    if reopen:
        if visit.status != VisitStatus.STOPPED:
            raise DomainError("visit_not_stopped", _l("Only a stopped, unpaid visit can be reopened."), status=409)
        new_end = None
    else:
        new_end = ended_at if ended_at is not None else visit.ended_at
    problems: dict[str, list] = {}
    if new_start > now:
        problems["started_at"] = [_l("The start cannot be in the future.")]
    if new_end is not None and new_end > now:
        problems["ended_at"] = [_l("The end cannot be in the future.")]
    if problems:
        raise ValidationFailed(problems)
    return new_start, new_end


def _corrected_segments(visit: Visit, new_start: datetime, new_end: datetime | None, *, reopen: bool,
                        now: datetime) -> list[tuple[datetime, datetime | None]]:
    """Return the visit's stretches of time fitted to the new start and end."""
    spans = [(s.started_at, s.ended_at) for s in visit.segments]
    if not reopen:
        reshaped = rules.reshape(spans, (visit.started_at, visit.ended_at), (new_start, new_end))
        problem = rules.correction_problem((visit.started_at, visit.ended_at), (new_start, new_end), reshaped)
        if problem is not None:
            field, code = problem
            raise ValidationFailed({field: [CORRECTION_MESSAGES[code]]}, code=code)
        return reshaped
    # The guest never left: the last stretch of time runs on.
    last = max(visit.segments, key=lambda s: s.started_at, default=None)
    reshaped = rules.reshape(spans, (visit.started_at, visit.ended_at), (new_start, visit.ended_at))
    if last is not None and reshaped:
        reshaped[-1] = (reshaped[-1][0], None)
    else:
        reshaped.append((visit.ended_at or now, None))
    return reshaped


def _corrected_status(visit: Visit, new_end: datetime | None, *, reopen: bool, running: bool,
                      staff: User | None) -> None:
    """Open, stop or keep the visit as the corrected times say; a reopened guest has no second open visit."""
    if reopen:
        visit.ended_at = None
        visit.status = VisitStatus.ACTIVE if running else VisitStatus.PAUSED
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


def _reprice(visit: Visit, amount_before, staff: User | None) -> None:
    """Price a stopped or paid visit again; a paid visit's bill follows the new amount."""
    if visit.status not in (VisitStatus.STOPPED, VisitStatus.PAID):
        return
    visit.day_kind = None  # a new start date may change the variant
    apply_quote(visit, Pricer().final(visit, claim=True))
    if visit.status == VisitStatus.PAID and visit.bill is not None and amount_before is not None:
        visit.bill.total = visit.bill.total + (visit.amount - amount_before)
    elif visit.status == VisitStatus.STOPPED:
        settle_free(visit, staff)
