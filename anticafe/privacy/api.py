"""Privacy API: take my data, erase me; staff record paper consents and erase on request; admins read
the access log."""

from flask import Response
from flask_login import current_user, logout_user
from pydantic import BaseModel, Field
from sqlalchemy import select

from ..accounts import consent
from ..accounts.access_log import AccessEntry
from ..accounts.models import User
from ..api.spec import api_blueprint, endpoint
from ..auth import Access
from ..errors import DomainError
from ..extensions import db
from . import services
from .schemas import AccessEntryOut, ConsentOut, DeleteMeIn, ErasedOut, EraseIn, PaperConsentIn

bp = api_blueprint("privacy_api", __name__)


def _iso(moment):
    return moment.isoformat() if moment is not None else None


def _consent(c) -> ConsentOut:
    return ConsentOut(id=c.id, purpose=c.purpose, text_version=c.text_version, given_at=_iso(c.given_at),
                      given_by=c.given_by, method=c.method, recorded_by_id=c.recorded_by_id,
                      withdrawn_at=_iso(c.withdrawn_at))


def _person(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise DomainError("not_found", "No such person.", status=404)
    return user


@endpoint(bp, "/me/export", summary="Everything held about me", response={"type": "object"})
def export_me():
    """The profile, consents, registrations and tickets, check-ins, visits and bills, passes and their
    ledger, bookings, notifications and API tokens (without secrets) of the caller, as one document."""
    return services.export_data(current_user)


@endpoint(bp, "/me", "DELETE", summary="Erase my account", body=DeleteMeIn, status=204,
          errors=[(422, "wrong_password", "the password is not correct"),
                  (409, "not_a_visitor", "staff, committee and admin accounts are switched off by an admin")])
def delete_me(body: DeleteMeIn):
    """Erase the caller's identity: future registrations are cancelled, statistics keep their counts."""
    services.erase_self(current_user, body.password)
    db.session.commit()
    logout_user()
    return Response(status=204)


@endpoint(bp, "/me/consents", summary="My consents", response=[ConsentOut])
def my_consents():
    """Each consent: the text's version, when, for what purpose, who gave it."""
    return [_consent(c) for c in consent.consents_of(current_user)]


@endpoint(bp, "/users/<int:user_id>/erase", "POST", summary="Erase a person on request", access=Access.STAFF,
          body=EraseIn, response=ErasedOut,
          errors=[(404, "not_found", "no such person"), (409, "already_erased", "already erased"),
                  (409, "not_yourself", "erase your own account from your profile")])
def erase_person(user_id: int, body: EraseIn):
    """For a person without an email (a walk-in, a child on the guardian's request); the reason is kept."""
    done = services.erase_by_staff(_person(user_id), by=current_user, reason=body.reason)
    db.session.commit()
    return ErasedOut(**done.__dict__)


@endpoint(bp, "/users/<int:user_id>/paper-consent", "POST", summary="Record a guardian's signed paper form",
          access=Access.STAFF, body=PaperConsentIn, response=ConsentOut, status=201,
          errors=[(404, "not_found", "no such person")])
def paper_consent(user_id: int, body: PaperConsentIn):
    """The child's account stops waiting for a guardian's consent; the record keeps who entered it and when."""
    person = _person(user_id)
    if person.erased_at is not None:
        raise DomainError("not_found", "No such person.", status=404)
    record = consent.confirm_on_paper(person, guardian_name=body.guardian_name, by=current_user)
    db.session.commit()
    return _consent(record)


class LogQuery(BaseModel):
    actor: int | None = Field(default=None, ge=1)
    subject: int | None = Field(default=None, ge=1)
    limit: int = Field(default=100, ge=1, le=1000)


@endpoint(bp, "/access-log", summary="Who looked at personal data", access=Access.ADMIN, query=LogQuery,
          response=[AccessEntryOut])
def access_log(query: LogQuery):
    """Newest first; ids only."""
    stmt = select(AccessEntry).order_by(AccessEntry.at.desc(), AccessEntry.id.desc()).limit(query.limit)
    if query.actor:
        stmt = stmt.where(AccessEntry.actor_id == query.actor)
    if query.subject:
        stmt = stmt.where(AccessEntry.subject_id == query.subject)
    return [AccessEntryOut(id=e.id, at=_iso(e.at), actor_id=e.actor_id, action=e.action, subject_id=e.subject_id,
                           event_id=e.event_id, count=e.count, where=e.where) for e in db.session.scalars(stmt)]
