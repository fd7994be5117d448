"""Passes API: my passes; staff sell and grant; admins define pass types."""

from decimal import Decimal

from flask import abort
from flask_login import current_user

from ..accounts.models import User
from ..api.spec import api_blueprint, endpoint
from ..auth import Access
from ..extensions import db
from ..timeutil import to_venue, venue_today
from . import services
from .models import Pass, PassType
from .schemas import (
    CancelIn,
    IssuedOut,
    IssueIn,
    PassListOut,
    PassOut,
    PassTypeIn,
    PassTypeListOut,
    PassTypeOut,
)

bp = api_blueprint("passes_api", __name__)


def money(value: Decimal) -> str:
    return f"{Decimal(value).quantize(Decimal('0.01'))}"


def pass_out(held: Pass, today) -> PassOut:
    status = held.status(today)
    return PassOut(
        id=held.id, type_id=held.type_id, name=held.name, kind=held.kind, kind_label=services.kind_label(held.kind),
        status=status.value, status_label=services.status_label(status), starts_on=held.starts_on,
        ends_on=held.ends_on, weekdays_only=held.weekdays_only, minutes_total=held.minutes_total,
        minutes_remaining=held.minutes_remaining, minutes_used=held.minutes_used, price=money(held.price),
        payment_method=held.payment_method, reason=held.reason, issued_at=to_venue(held.issued_at).isoformat(),
        issued_by=held.issued_by.name if held.issued_by is not None else None,
        cancelled_at=to_venue(held.cancelled_at).isoformat() if held.cancelled_at else None,
        cancel_reason=held.cancel_reason)


def pass_list(user: User) -> PassListOut:
    today = venue_today()
    held = services.passes_of(user, today=today)
    balance = services.balance_of(held, today)
    return PassListOut(items=[pass_out(p, today) for p in held], minutes_available=balance.minutes,
                       membership_until=balance.membership_until)


def type_out(pass_type: PassType) -> PassTypeOut:
    return PassTypeOut(id=pass_type.id, name=pass_type.name, kind=pass_type.kind,
                       kind_label=services.kind_label(pass_type.kind), minutes=pass_type.minutes,
                       validity_days=pass_type.validity_days, weekdays_only=pass_type.weekdays_only,
                       price=money(pass_type.price), staff_may_issue=pass_type.staff_may_issue,
                       committee_may_issue=pass_type.committee_may_issue, active=pass_type.active,
                       description=pass_type.description)


def type_data(body: PassTypeIn) -> services.PassTypeData:
    return services.PassTypeData(**body.model_dump())


@endpoint(bp, "/me/passes", summary="My passes", access=Access.USER, response=PassListOut)
def my_passes():
    """Return the current user's passes with balance and expiry (expired ones too)."""
    return pass_list(current_user)


@endpoint(bp, "/users/<int:user_id>/passes", summary="A person's passes", access=Access.STAFF,
          response=PassListOut, errors=[(404, "not_found", "no such person")])
def user_passes(user_id: int):
    """Return a person's passes, usable ones first."""
    return pass_list(db.session.get(User, user_id) or abort(404))


@endpoint(bp, "/users/<int:user_id>/passes", "POST", summary="Sell or grant a pass", access=Access.STAFF,
          body=IssueIn, response=IssuedOut, status=201,
          errors=[(404, "not_found", "no such person or pass type"),
                  (403, "not_allowed", "this role may not issue this pass type"),
                  (409, "account_inactive", "the account is switched off")])
def issue(user_id: int, body: IssueIn):
    """Sell a paid pass (give `payment_method`) or grant a free one (give `reason`).

    An allowance for several `months` is one pass per calendar month (unused minutes are not carried over).
    """
    holder = db.session.get(User, user_id) or abort(404)
    pass_type = services.get_type(body.pass_type_id)
    issued = services.issue_pass(holder=holder, pass_type=pass_type, by=current_user,
                                 payment_method=body.payment_method, reason=body.reason, starts_on=body.starts_on,
                                 months=body.months, social_category=body.social_category)
    db.session.commit()
    today = venue_today()
    return IssuedOut(items=[pass_out(p, today) for p in issued])


@endpoint(bp, "/passes/<int:pass_id>/cancel", "POST", summary="Cancel a pass", access=Access.STAFF, body=CancelIn,
          response=PassOut, errors=[(404, "not_found", "no such pass"), (409, "pass_cancelled", "already cancelled")])
def cancel(pass_id: int, body: CancelIn):
    """Cancel a pass issued by mistake: it stops applying; minutes already used stay used."""
    held = services.cancel_pass(services.get_pass(pass_id), by=current_user, reason=body.reason)
    db.session.commit()
    return pass_out(held, venue_today())


@endpoint(bp, "/pass-types", summary="Passes on sale", access=Access.PUBLIC, response=PassTypeListOut)
def list_types():
    """Return the pass types on sale or granted now."""
    return PassTypeListOut(items=[type_out(t) for t in services.pass_types(active_only=True)])


@endpoint(bp, "/pass-types", "POST", summary="Define a pass type", access=Access.ADMIN, body=PassTypeIn,
          response=PassTypeOut, status=201)
def create_type(body: PassTypeIn):
    """Add a pass type (a package of minutes, a membership or a monthly allowance)."""
    pass_type = services.save_pass_type(type_data(body))
    db.session.commit()
    return type_out(pass_type)


@endpoint(bp, "/pass-types/<int:type_id>", "PUT", summary="Change a pass type", access=Access.ADMIN,
          body=PassTypeIn, response=PassTypeOut, errors=[(404, "not_found", "no such pass type")])
def update_type(type_id: int, body: PassTypeIn):
    """Replace a pass type's terms; passes already held keep theirs."""
    pass_type = services.save_pass_type(type_data(body), services.get_type(type_id))
    db.session.commit()
    return type_out(pass_type)


@endpoint(bp, "/pass-types/<int:type_id>", "DELETE", summary="Delete a pass type", access=Access.ADMIN,
          response={"type": "object"},
          errors=[(404, "not_found", "no such pass type"), (409, "pass_type_in_use", "passes of it were issued")])
def delete_type(type_id: int):
    """Delete a type nobody holds (take a used one off sale with `active: false` instead)."""
    services.delete_pass_type(services.get_type(type_id))
    db.session.commit()
    return {"deleted": type_id}
