"""Writes and reads of passes: pass types, sales and grants, spending at checkout, restoring.

Services flush and leave the commit to the request (or the CLI command / the checkout that calls
them). The database keeps the balances honest: a CHECK constraint forbids a negative balance, a
partial unique index lets a visit spend a pass only once, and spending or restoring locks the
person's pass rows first, so two checkouts racing for one package are served one after the other.

Other domains call:
- `apply_passes(visit_id, user, minutes, day=..., price=..., holiday=False) -> rules.Allocation`
  inside their checkout transaction, after locking the visit;
- `restore_passes(visit_id) -> int` when a checkout is cancelled or re-priced;
- `uses_for_visits(visit_ids)` / `minutes_by_kind(visit_ids)` for receipts and reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_babel import pgettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..db import lock, lock_returning, lock_row, utcnow
from ..errors import DomainError, ValidationFailed, in_words
from ..extensions import db
from ..timeutil import venue_today
from . import rules
from .models import Pass, PassType, PassUse
from .rules import PassKind, PassStatus

PROBLEM_MESSAGES = {
    "required": _l("This field is required."),
    "unknown_kind": _l("Choose the kind of pass."),
    "minutes_range": _l("Give a positive number of whole minutes (at most 100 000)."),
    "validity_range": _l("A pass lasts 1 to 3660 days."),
    "price_invalid": _l("Enter a price in rubles, not negative."),
    "allowance_is_free": _l("A subsidised allowance is free: its price is 0."),
    "committee_grants_allowances": _l("The youth committee grants only subsidised allowances."),
    "payment_required": _l("Choose how the visitor paid."),
    "reason_required": _l("Say why the pass is given for free (e.g. the committee's decision)."),
    "months_range": _l("An allowance is granted for 1 to 12 months."),
    "name_taken": _l("A pass type with this name exists."),
    "first_month_past": _l("The first month cannot be in the past."),
    "category_required": _l("Choose the social category the programme admits the visitor under."),
}

#: Social categories in words (admins and the granting desk only; everywhere else the code stays inside).
CATEGORY_LABELS = {
    "large_family": _l("Large family"),
    "low_income": _l("Low-income family"),
    "disability": _l("Disability"),
    "orphan": _l("Orphan or without parental care"),
    "social_service": _l("Referred by the social services"),
    "hard_situation": _l("Difficult life situation"),
}


def category_label(code: str | None) -> str:
    return str(CATEGORY_LABELS.get(code, code or "—"))



def kind_label(kind: str) -> str:
    """Name a kind of pass in the current language."""
    labels = {
        PassKind.PACKAGE: pgettext("pass kind", "Package of hours"),
        PassKind.MEMBERSHIP: pgettext("pass kind", "Membership"),
        PassKind.ALLOWANCE: pgettext("pass kind", "Subsidised time"),
    }
    return labels.get(kind, kind)


def status_label(status: str) -> str:
    """Name a pass's status in the current language."""
    labels = {
        PassStatus.ACTIVE: pgettext("pass status", "active"),
        PassStatus.UPCOMING: pgettext("pass status", "not started yet"),
        PassStatus.EXPIRED: pgettext("pass status", "expired"),
        PassStatus.USED_UP: pgettext("pass status", "used up"),
        PassStatus.CANCELLED: pgettext("pass status", "cancelled"),
    }
    return labels.get(status, status)



# ------------------------------------------------------------------------------------------------
# Pass types (the admin's list)


@dataclass
class PassTypeData:
    """What the admin gives for a pass type (from the form or the API)."""

    name: str
    kind: str
    minutes: int | None
    validity_days: int | None
    price: Decimal
    weekdays_only: bool = False
    staff_may_issue: bool = True
    committee_may_issue: bool = False
    active: bool = True
    description: str = ""


#: The order the kinds are offered in: what the desk sells most first.
KIND_ORDER = {PassKind.PACKAGE: 0, PassKind.MEMBERSHIP: 1, PassKind.ALLOWANCE: 2}


def pass_types(*, active_only: bool = False) -> list[PassType]:
    """Return the pass types: on sale first, then packages, memberships, allowances, by price."""
    stmt = select(PassType)
    if active_only:
        stmt = stmt.where(PassType.active.is_(True))
    found = db.session.scalars(stmt)
    return sorted(found, key=lambda t: (not t.active, KIND_ORDER.get(t.kind, 9), t.price, t.name))


def get_type(type_id: int) -> PassType:
    pass_type = db.session.get(PassType, type_id)
    if pass_type is None:
        raise DomainError("not_found", _l("No such pass type."), status=404)
    return pass_type


def save_pass_type(data: PassTypeData, pass_type: PassType | None = None) -> PassType:
    """Create a pass type, or change one (passes already held keep their terms)."""
    kind = data.kind
    minutes = data.minutes if kind in rules.MINUTE_KINDS else None
    validity = data.validity_days if kind != PassKind.ALLOWANCE else None
    problems = rules.pass_type_problems(name=data.name, kind=kind, minutes=minutes, validity_days=validity,
                                        price=data.price, committee_may_issue=data.committee_may_issue)
    if problems:
        raise ValidationFailed(in_words(problems, PROBLEM_MESSAGES))
    name = data.name.strip()
    clash = db.session.scalar(select(PassType).where(func.lower(PassType.name) == name.lower()))
    if clash is not None and clash is not pass_type:
        raise ValidationFailed(in_words({"name": ["name_taken"]}, PROBLEM_MESSAGES))
    if pass_type is None:
        pass_type = PassType()
        db.session.add(pass_type)
    pass_type.name = name
    pass_type.kind = kind
    pass_type.minutes = minutes
    pass_type.validity_days = validity
    pass_type.price = data.price
    pass_type.weekdays_only = data.weekdays_only
    pass_type.staff_may_issue = data.staff_may_issue
    pass_type.committee_may_issue = data.committee_may_issue
    pass_type.active = data.active
    pass_type.description = (data.description or "").strip()
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # the same name saved at the same moment
        raise ValidationFailed(in_words({"name": ["name_taken"]}, PROBLEM_MESSAGES)) from None
    return pass_type


def delete_pass_type(pass_type: PassType) -> None:
    """Delete a type nobody holds; a type with passes can only be archived."""
    if db.session.scalar(select(func.count()).select_from(Pass).where(Pass.type_id == pass_type.id)):
        raise DomainError("pass_type_in_use",
                          _l("Passes of this type have been issued: take it off sale instead of deleting it."),
                          status=409)
    db.session.delete(pass_type)
    db.session.flush()


def issued_counts() -> dict[int, int]:
    """Return how many passes of each type have been issued."""
    return dict(db.session.execute(select(Pass.type_id, func.count()).group_by(Pass.type_id)).all())


def may_issue(user: User, pass_type: PassType) -> bool:
    """Tell whether `user` may sell or grant passes of this type."""
    return pass_type.active and rules.may_issue(user.role, staff_may_issue=pass_type.staff_may_issue,
                                                committee_may_issue=pass_type.committee_may_issue)


def issuable_types(user: User, *, kinds: set[str] | None = None) -> list[PassType]:
    """Return the types `user` may sell or grant (optionally only some kinds)."""
    return [t for t in pass_types(active_only=True) if may_issue(user, t) and (kinds is None or t.kind in kinds)]


# ------------------------------------------------------------------------------------------------
# Selling and granting


def holders_in_month(pass_type: PassType, day: date, *, excluding: int | None = None) -> int:
    """How many people hold a live allowance of this programme in `day`'s month."""
    first, last = rules.month_start(day), rules.month_end(day)
    stmt = select(func.count(func.distinct(Pass.user_id))).where(
        Pass.type_id == pass_type.id, Pass.cancelled_at.is_(None), Pass.starts_on <= last, Pass.ends_on >= first)
    if excluding is not None:
        stmt = stmt.where(Pass.user_id != excluding)
    return db.session.scalar(stmt) or 0


def _check_places(pass_type: PassType, holder: User, windows) -> None:
    """Refuse an allowance for a month whose places are all taken (the programme's row is locked first)."""
    lock_row(PassType, pass_type.id)
    for start, _end in windows:
        if holders_in_month(pass_type, start, excluding=holder.id) >= pass_type.places:
            raise DomainError("no_places", _l("All %(n)s places of the programme are taken in %(month)s.",
                                              n=pass_type.places, month=start.strftime("%m.%Y")), status=409)


def issue_pass(*, holder: User, pass_type: PassType, by: User, payment_method: str | None = None,
               reason: str | None = None, starts_on: date | None = None, months: int = 1,
               social_category: str | None = None) -> list[Pass]:
    """Sell a pass (paid: a payment method) or grant one (free: a reason) to `holder`.

    A package or membership starts on `starts_on` (today by default) and lasts the type's days. An
    allowance is one pass per calendar month for `months` months from `starts_on`'s month; the
    current month's applies from today.
    """
    if holder.id == by.id:
        raise DomainError("not_yourself", _l("Nobody sells or grants a pass to themselves: ask a colleague."),
                          status=403)
    if not may_issue(by, pass_type):
        raise DomainError("not_allowed", _l("You may not sell or grant this pass."), status=403)
    if not holder.active:
        raise DomainError("account_inactive", _l("This account is switched off."), status=409)
    kind = PassKind(pass_type.kind)
    payment_method = (payment_method or "").strip() or None
    reason = (reason or "").strip() or None
    social_category = (social_category or "").strip() or None
    problems = rules.issue_problems(kind, pass_type.price, payment_method=payment_method, reason=reason,
                                    months=months, social_category=social_category,
                                    categories=rules.parse_categories(pass_type.categories))
    if kind == PassKind.ALLOWANCE:
        # The programme's name is the reason: no free text about a person's circumstances.
        reason = pass_type.name
    else:
        social_category = None
    today = venue_today()
    first = starts_on or today
    if first < today or (kind == PassKind.ALLOWANCE and rules.month_start(first) < rules.month_start(today)):
        problems.setdefault("starts_on", []).append("first_month_past")
    if problems:
        raise ValidationFailed(in_words(problems, PROBLEM_MESSAGES))
    if pass_type.price > 0:
        reason = None
    else:
        payment_method = None
    if kind == PassKind.ALLOWANCE:
        windows = rules.allowance_windows(today, first, months)
    else:
        windows = [rules.period_window(first, pass_type.validity_days)]
    if kind == PassKind.ALLOWANCE and pass_type.places is not None:
        _check_places(pass_type, holder, windows)
    issued = []
    for start, end in windows:
        minutes = pass_type.minutes if kind in rules.MINUTE_KINDS else None
        held = Pass(type=pass_type, user_id=holder.id, kind=kind.value, name=pass_type.name,
                    weekdays_only=pass_type.weekdays_only, starts_on=start, ends_on=end, minutes_total=minutes,
                    minutes_remaining=minutes, price=pass_type.price, payment_method=payment_method,
                    reason=reason, social_category=social_category, issued_by_id=by.id, issued_at=utcnow())
        db.session.add(held)
        issued.append(held)
    db.session.flush()
    return issued


def get_pass(pass_id: int) -> Pass:
    held = db.session.get(Pass, pass_id)
    if held is None:
        raise DomainError("not_found", _l("No such pass."), status=404)
    return held


def cancel_pass(held: Pass, *, by: User, reason: str) -> Pass:
    """Cancel a pass sold or granted by mistake: it stops applying; minutes already used stay used.

    Whoever may issue the type may cancel it (a refund, if any, is settled at the till).
    """
    if not rules.may_issue(by.role, staff_may_issue=held.type.staff_may_issue,
                           committee_may_issue=held.type.committee_may_issue):
        raise DomainError("not_allowed", _l("You may not cancel this pass."), status=403)
    if not (reason or "").strip():
        raise ValidationFailed({"cancel_reason": [_l("Say why the pass is cancelled.")]})
    _lock_rows([held.id])
    db.session.refresh(held)
    if held.cancelled_at is not None:
        raise DomainError("pass_cancelled", _l("This pass is already cancelled."), status=409)
    held.cancelled_at = utcnow()
    held.cancelled_by_id = by.id
    held.cancel_reason = reason.strip()
    db.session.flush()
    return held


# ------------------------------------------------------------------------------------------------
# Reading a person's passes


def _status_order(held: Pass, today: date) -> tuple:
    status = held.status(today)
    rank = {PassStatus.ACTIVE: 0, PassStatus.UPCOMING: 1}.get(status, 2)
    if rank < 2:
        return (rank, held.ends_on.toordinal(), held.id)
    return (rank, -held.ends_on.toordinal(), -held.id)


def passes_of(user: User | int, *, today: date | None = None, current_only: bool = False) -> list[Pass]:
    """Return a person's passes: usable ones first (soonest to expire first), then past ones.

    `current_only` leaves out expired, used-up and cancelled passes.
    """
    today = today or venue_today()
    user_id = user if isinstance(user, int) else user.id
    found = list(db.session.scalars(select(Pass).options(selectinload(Pass.issued_by))
                                    .where(Pass.user_id == user_id)))
    if current_only:
        found = [p for p in found if p.status(today) in (PassStatus.ACTIVE, PassStatus.UPCOMING)]
    return sorted(found, key=lambda p: _status_order(p, today))


@dataclass
class Balance:
    """What a person can still use today: minutes on packages and allowances, a membership's end."""

    minutes: int
    membership_until: date | None
    weekdays_only_membership: bool


def balance_of(passes: list[Pass], today: date) -> Balance:
    active = [p for p in passes if p.status(today) == PassStatus.ACTIVE]
    memberships = [p for p in active if p.kind == PassKind.MEMBERSHIP]
    best = max(memberships, key=lambda p: (not p.weekdays_only, p.ends_on), default=None)
    return Balance(minutes=sum(p.minutes_remaining or 0 for p in active if p.holds_minutes),
                   membership_until=best.ends_on if best else None,
                   weekdays_only_membership=bool(best and best.weekdays_only))


def balances_for(user_ids: list[int], today: date | None = None) -> dict[int, Balance]:
    """Return the balance today of each person who holds a usable pass (search results at the desk)."""
    today = today or venue_today()
    if not user_ids:
        return {}
    held: dict[int, list[Pass]] = {}
    for found in db.session.scalars(select(Pass).where(Pass.user_id.in_(user_ids), Pass.ends_on >= today,
                                                       Pass.cancelled_at.is_(None))):
        held.setdefault(found.user_id, []).append(found)
    balances = {user_id: balance_of(found, today) for user_id, found in held.items()}
    return {user_id: b for user_id, b in balances.items() if b.minutes or b.membership_until}


def recent_passes(limit: int = 30, kinds: set[str] | None = None) -> list[Pass]:
    """Return the passes issued most recently (the staff's and the committee's overview)."""
    stmt = (select(Pass).options(selectinload(Pass.user), selectinload(Pass.issued_by))
            .order_by(Pass.issued_at.desc(), Pass.id.desc()).limit(limit))
    if kinds:
        stmt = stmt.where(Pass.kind.in_(kinds))
    return list(db.session.scalars(stmt))


def allowances_in_month(day: date) -> list[Pass]:
    """Return the allowances of `day`'s month (the committee's overview of its programme)."""
    first, last = rules.month_start(day), rules.month_end(day)
    return list(db.session.scalars(
        select(Pass).options(selectinload(Pass.user), selectinload(Pass.issued_by))
        .where(Pass.kind == PassKind.ALLOWANCE.value, Pass.starts_on <= last, Pass.ends_on >= first)
        .order_by(Pass.cancelled_at.is_not(None), Pass.starts_on, Pass.id)))


def uses_of(held: Pass) -> list[PassUse]:
    return list(db.session.scalars(select(PassUse).where(PassUse.pass_id == held.id)
                                   .order_by(PassUse.created_at.desc(), PassUse.id.desc())))


# ------------------------------------------------------------------------------------------------
# Spending at checkout and restoring


def _lock_rows(pass_ids: list[int]) -> None:
    """Lock pass rows for the rest of the transaction (`db.lock`)."""
    if pass_ids:
        lock(Pass, Pass.id.in_(pass_ids))


def lock_passes(user_id: int) -> list[Pass]:
    """Lock and return a person's passes (fresh from the database): one `UPDATE … RETURNING`, which
    every stopped visit runs under the visit's lock, for people with passes or without."""
    return sorted(lock_returning(Pass, "user_id", user_id), key=lambda held: held.id)


def active_uses(visit_id: int) -> list[PassUse]:
    """Return the uses of a visit that are in effect (not reversed), oldest first."""
    return list(db.session.scalars(select(PassUse).options(selectinload(PassUse.pass_))
                                   .where(PassUse.visit_id == visit_id, PassUse.reversed_at.is_(None))
                                   .order_by(PassUse.id)))


def plan_passes(user: User | None, minutes: int, *, day: date, price: rules.Price,
                holiday: bool = False, held: list[Pass] | None = None) -> rules.Allocation:
    """Lock the person's passes and decide what they pay for a visit (no writes yet). `held`: the
    passes, when the caller has locked them already (`lock_passes`)."""
    if user is None:
        return rules.allocate(rules.VisitFacts(day, minutes, holiday), [], price)
    held = lock_passes(user.id) if held is None else held
    return rules.allocate(rules.VisitFacts(day, minutes, holiday), [p.holding() for p in held], price)


def spend(visit_id: int, uses: list[tuple[int, int]]) -> list[PassUse]:
    """Record what passes paid for a visit, as (pass id, minutes), and lower their balances.

    The pass rows must be locked (`plan_passes` or `lock_passes`). Raises DomainError if the visit
    already spent passes, or a pass no longer covers its share (nothing is then spent).
    """
    if active_uses(visit_id):
        raise DomainError("passes_already_applied", _l("Passes have already paid for this visit."), status=409)
    by_id = {p.id: p for p in db.session.scalars(
        select(Pass).where(Pass.id.in_([pass_id for pass_id, _ in uses])).execution_options(populate_existing=True))}
    recorded = []
    now = utcnow()
    for pass_id, minutes in uses:
        held = by_id.get(pass_id)
        if held is None or held.cancelled_at is not None:
            raise DomainError("pass_changed", _l("A pass changed during checkout; try again."), status=409)
        if held.holds_minutes:
            if (held.minutes_remaining or 0) < minutes:
                raise DomainError("pass_changed", _l("A pass changed during checkout; try again."), status=409)
            held.minutes_remaining -= minutes
        row = PassUse(pass_id=held.id, visit_id=visit_id, minutes=minutes, created_at=now)
        db.session.add(row)
        recorded.append(row)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # the unique index or the balance CHECK said no: nothing was spent
        raise DomainError("pass_changed", _l("A pass changed during checkout; try again."), status=409) from None
    return recorded


def apply_passes(visit_id: int, user: User | None, minutes: int, *, day: date, price: rules.Price,
                 holiday: bool = False) -> rules.Allocation:
    """Let the person's passes pay for a visit and record it; return the allocation.

    Call it inside the checkout transaction, after the visit's row is locked. `minutes` are the
    visit's billable minutes, `day` the venue-local date it started, `price(k)` what the guest pays
    when passes pay the first `k` minutes. The person's pass rows stay locked until the commit.
    """
    allocation = plan_passes(user, minutes, day=day, price=price, holiday=holiday)
    if allocation.uses:
        spend(visit_id, [(use.pass_id, use.minutes) for use in allocation.uses])
    return allocation


def restore_passes(visit_id: int) -> int:
    """Undo what passes paid for a visit (a cancelled checkout); return the minutes given back.

    Each use is marked reversed (the ledger keeps it) and a package's or allowance's minutes go
    back exactly. A pass that expired meanwhile gets its minutes back but still does not apply.
    """
    pass_ids = list(db.session.scalars(select(PassUse.pass_id).where(PassUse.visit_id == visit_id,
                                                                    PassUse.reversed_at.is_(None))))
    if not pass_ids:
        return 0
    _lock_rows(sorted(set(pass_ids)))
    lock(PassUse, PassUse.visit_id == visit_id, PassUse.reversed_at.is_(None))
    uses = list(db.session.scalars(select(PassUse).where(PassUse.visit_id == visit_id, PassUse.reversed_at.is_(None))
                                   .execution_options(populate_existing=True)))
    held = {p.id: p for p in db.session.scalars(select(Pass).where(Pass.id.in_([u.pass_id for u in uses]))
                                                .execution_options(populate_existing=True))}
    now = utcnow()
    restored = 0
    for use in uses:
        use.reversed_at = now
        owner = held[use.pass_id]
        if owner.holds_minutes:
            owner.minutes_remaining += use.minutes
            restored += use.minutes
    db.session.flush()
    return restored


# ------------------------------------------------------------------------------------------------
# Reports


def uses_for_visits(visit_ids: list[int]) -> dict[int, list[PassUse]]:
    """Return the uses in effect of each visit (with their passes loaded)."""
    found: dict[int, list[PassUse]] = {}
    if not visit_ids:
        return found
    for use in db.session.scalars(select(PassUse).options(selectinload(PassUse.pass_))
                                  .where(PassUse.visit_id.in_(visit_ids), PassUse.reversed_at.is_(None))
                                  .order_by(PassUse.id)):
        found.setdefault(use.visit_id, []).append(use)
    return found


@dataclass
class PassMinutes:
    """Minutes of visits paid by passes: bought ones (packages, memberships) and subsidised ones."""

    prepaid: int = 0
    subsidised: int = 0

    @property
    def total(self) -> int:
        return self.prepaid + self.subsidised


def minutes_by_kind(visit_ids: list[int]) -> PassMinutes:
    """Sum the pass-paid minutes of some visits: prepaid (package, membership) vs subsidised (allowance)."""
    totals = PassMinutes()
    if not visit_ids:
        return totals
    rows = db.session.execute(
        select(Pass.kind, func.coalesce(func.sum(PassUse.minutes), 0))
        .join(Pass, Pass.id == PassUse.pass_id)
        .where(PassUse.visit_id.in_(visit_ids), PassUse.reversed_at.is_(None))
        .group_by(Pass.kind))
    for kind, minutes in rows:
        if kind == PassKind.ALLOWANCE:
            totals.subsidised += int(minutes)
        else:
            totals.prepaid += int(minutes)
    return totals


# ------------------------------------------------------------------------------------------------
# The youth committee's programme: terms it decides, use it sees in counts


@dataclass
class ProgrammeFigures:
    """One programme in one month, in counts only."""

    pass_type: PassType
    people: int
    granted_minutes: int
    used_minutes: int

    @property
    def places_left(self) -> int | None:
        return None if self.pass_type.places is None else max(0, self.pass_type.places - self.people)


def programmes() -> list[PassType]:
    """The allowances the committee runs as programmes."""
    return [t for t in pass_types() if t.kind == PassKind.ALLOWANCE.value and t.committee_may_issue]


def programme_figures(day: date) -> list[ProgrammeFigures]:
    """Each programme's use in `day`'s month: people holding it, minutes granted and used (no names)."""
    first, last = rules.month_start(day), rules.month_end(day)
    rows = db.session.execute(
        select(Pass.type_id, func.count(func.distinct(Pass.user_id)), func.coalesce(func.sum(Pass.minutes_total), 0),
               func.coalesce(func.sum(Pass.minutes_total - Pass.minutes_remaining), 0))
        .where(Pass.kind == PassKind.ALLOWANCE.value, Pass.cancelled_at.is_(None), Pass.starts_on <= last,
               Pass.ends_on >= first)
        .group_by(Pass.type_id)).all()
    found = {type_id: (people, int(granted), int(used)) for type_id, people, granted, used in rows}
    return [ProgrammeFigures(t, *found.get(t.id, (0, 0, 0))) for t in programmes()]


def update_programme(pass_type: PassType, *, minutes: int | None, places: int | None,
                     categories: list[str], by: User) -> PassType:
    """The committee (or an admin) sets a programme's minutes a month, places and qualifying categories."""
    if not (by.is_committee and pass_type.kind == PassKind.ALLOWANCE.value and pass_type.committee_may_issue):
        raise DomainError("not_allowed", _l("Only the youth committee sets the terms of its programmes."), status=403)
    problems: dict[str, list] = {}
    if minutes is None or not 1 <= minutes <= 100_000:
        problems["minutes"] = [PROBLEM_MESSAGES["minutes_range"]]
    if places is not None and not 1 <= places <= 10_000:
        problems["places"] = [_l("Give 1 to 10 000 places, or leave it empty for no limit.")]
    chosen = rules.parse_categories(",".join(categories))
    if not chosen:
        problems["categories"] = [_l("Choose at least one social category.")]
    if problems:
        raise ValidationFailed(problems)
    pass_type.minutes = minutes
    pass_type.places = places
    pass_type.categories = ",".join(chosen)
    db.session.flush()
    return pass_type
