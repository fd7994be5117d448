"""Taking and erasing personal data, and the retention job.

Erasing keeps the person's row and every row that counts in a statistic (registrations, check-ins,
visits, bills, passes), but removes everything that says who the person was. What the statistics
read from the person (the age on the day) is first written onto the rows as an age group, so that
every figure the committee sees stays the same.
"""

import io
import json
import secrets
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask import current_app, render_template
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update

from ..accounts import rules as account_rules
from ..accounts.access_log import log_access
from ..accounts.consent import Consent, GuardianLink
from ..accounts.models import ApiToken, LoginSession, PasswordReset, User
from ..auth import Role
from ..bookings.models import Booking, BookingStatus
from ..db import utcnow
from ..door.models import CheckIn, ScanLog
from ..errors import DomainError, ValidationFailed
from ..extensions import db
from ..notifications.models import ChannelPreference, Delivery, LinkToken, MessengerLink, Notification
from ..passes.models import Pass, PassUse
from ..registrations import services as registrations
from ..registrations.models import Registration, RegistrationStatus
from ..stats.rules import age_group
from ..timeutil import to_venue
from ..visits.models import Bill, Visit
from ..voice import contests
from ..voice import services as voice
from .models import Erasure

#: What an erased person's name becomes (the column is required; this names nobody).
ERASED_NAME = "—"
#: Free text about an erased person (staff's notes and reasons) is replaced by this.
ERASED_TEXT = "—"
#: The longest reason staff may give for an erasure.
REASON_MAX = 500


# ------------------------------------------------------------------------------------------------
# Take my data


def _value(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value


def _row(obj, *, skip: tuple = ()) -> dict:
    """Every column of a row as JSON values, except `skip`."""
    return {column.key: _value(getattr(obj, column.key)) for column in obj.__table__.columns
            if column.key not in skip}


#: Columns never exported: secrets (hashes, feed and card secrets stay on the pages that use them)
#: and the social category of an allowance (an admin's code, never in an export).
PROFILE_SKIP = ("password_hash", "feed_token")
PASS_SKIP = ("social_category",)


def export_data(user: User) -> dict:
    """Return everything held about `user` as one JSON-ready document."""
    def rows(model, *where, skip=()):
        return [_row(obj, skip=skip) for obj in db.session.scalars(select(model).where(*where).order_by(model.id))]

    visit_ids = select(Visit.id).where(Visit.user_id == user.id)
    pass_ids = select(Pass.id).where(Pass.user_id == user.id)
    return {
        "format": "anticafe-personal-data/1",
        "exported_at": utcnow().isoformat(),
        "venue": current_app.config["VENUE_NAME"],
        "profile": _row(user, skip=PROFILE_SKIP),
        "consents": rows(Consent, Consent.user_id == user.id),
        "registrations": rows(Registration, Registration.user_id == user.id),
        "checkins": rows(CheckIn, CheckIn.user_id == user.id),
        "visits": rows(Visit, Visit.user_id == user.id),
        "bills": rows(Bill, or_(Bill.payer_id == user.id, Bill.id.in_(
            select(Visit.bill_id).where(Visit.user_id == user.id, Visit.bill_id.is_not(None))))),
        "passes": rows(Pass, Pass.user_id == user.id, skip=PASS_SKIP),
        "pass_uses": rows(PassUse, or_(PassUse.pass_id.in_(pass_ids), PassUse.visit_id.in_(visit_ids))),
        "bookings": rows(Booking, Booking.user_id == user.id),
        "notifications": rows(Notification, Notification.user_id == user.id),
        "api_tokens": rows(ApiToken, ApiToken.user_id == user.id, skip=("token_hash",)),
        "messenger_links": rows(MessengerLink, MessengerLink.user_id == user.id),
        **{name: [{key: _value(value) for key, value in row.items()} for row in found]
           for name, found in (voice.exported(user.id) | contests.exported(user.id)).items()},
        "channel_preferences": [
            _row(choice) for choice in db.session.scalars(
                select(ChannelPreference).where(ChannelPreference.user_id == user.id)
                .order_by(ChannelPreference.topic, ChannelPreference.channel))],
    }


def export_zip(user: User) -> bytes:
    """Return a ZIP with the JSON document and a readable HTML summary of it."""
    data = export_data(user)
    text = json.dumps(data, ensure_ascii=False, indent=2)
    html = render_template("privacy/export.html", data=data)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("personal-data.json", text)
        archive.writestr("personal-data.html", html)
    return buffer.getvalue()


# ------------------------------------------------------------------------------------------------
# Erase me


@dataclass
class Erased:
    """What an erasure did (for the message, the command's output and the tests)."""

    user_id: int
    registrations_cancelled: int
    bookings_cancelled: int


def _band(birth_date: date | None, moment: datetime) -> str | None:
    """The age group of someone born on `birth_date` on the venue-local day of `moment`."""
    if birth_date is None:
        return None
    return age_group(account_rules.age_on(birth_date, to_venue(moment).date()))


def _keep_age_bands(user: User) -> None:
    """Write the person's age group on the day onto every row the statistics count."""
    birth = user.birth_date
    if birth is None:
        return
    for registration in db.session.scalars(select(Registration).where(Registration.user_id == user.id,
                                                                      Registration.age_band.is_(None))):
        registration.age_band = _band(birth, registration.event.starts_at)
    for checkin in db.session.scalars(select(CheckIn).where(CheckIn.user_id == user.id, CheckIn.age_band.is_(None))):
        checkin.age_band = _band(birth, checkin.event.starts_at)
    for visit in db.session.scalars(select(Visit).where(Visit.user_id == user.id, Visit.age_band.is_(None))):
        visit.age_band = _band(birth, visit.started_at)


def _cancel_future(user: User, by: User) -> tuple[int, int]:
    """Cancel the person's registrations for events not yet started (seats go to the waitlist) and
    their open bookings ahead; return how many of each."""
    now = utcnow()
    from ..events.models import Event

    active = db.session.scalars(
        select(Registration).join(Event, Event.id == Registration.event_id)
        .where(Registration.user_id == user.id, Event.starts_at > now,
               Registration.status.in_((RegistrationStatus.CONFIRMED.value, RegistrationStatus.WAITLISTED.value)))
        .order_by(Registration.id)).all()
    for registration in active:
        event = registrations.lock_event(registration.event_id)
        db.session.refresh(registration)
        if registration.is_cancelled:
            continue
        was_confirmed = registration.is_confirmed
        registration.status = RegistrationStatus.CANCELLED
        registration.waitlist_position = None
        registration.cancelled_at = now
        registration.cancelled_by_id = by.id
        if registration.ticket_code is not None:
            registration.ticket_revoked_at = now
        db.session.flush()
        if was_confirmed:
            registrations.promote_waitlist(event)
        else:
            registrations.renumber_waitlist(event.id)
    bookings = db.session.scalars(select(Booking).where(
        Booking.user_id == user.id, Booking.starts_at > now,
        Booking.status.in_((BookingStatus.REQUESTED.value, BookingStatus.CONFIRMED.value)))).all()
    for booking in bookings:
        booking.status = BookingStatus.CANCELLED.value
        booking.cancelled_at, booking.cancelled_by_id = now, by.id
        booking.sequence += 1
    return len(active), len(bookings)


def _scrub(user: User) -> None:
    """Remove every trace of who the person was; keep the anonymous row and its counted facts."""
    uid = user.id
    user.name = ERASED_NAME
    user.email = None
    user.phone = None
    user.birth_date = None
    user.guardian_name = user.guardian_phone = user.guardian_email = None
    user.password_hash = None
    user.locale = None
    user.email_notifications = False
    user.consent_pending = False
    user.active = False
    user.erased_at = utcnow()
    # Fresh secrets: an old card or feed URL opens nothing.
    user.card_code = "X" + secrets.token_hex(15)
    user.feed_token = secrets.token_urlsafe(24)
    db.session.execute(ApiToken.__table__.delete().where(ApiToken.user_id == uid))
    db.session.execute(LoginSession.__table__.delete().where(LoginSession.user_id == uid))
    db.session.execute(PasswordReset.__table__.delete().where(PasswordReset.user_id == uid))
    # Messages on their way go first (they name the person's chat), then the chats themselves.
    db.session.execute(Delivery.__table__.delete().where(
        Delivery.notification_id.in_(select(Notification.id).where(Notification.user_id == uid))))
    db.session.execute(Notification.__table__.delete().where(Notification.user_id == uid))
    db.session.execute(MessengerLink.__table__.delete().where(MessengerLink.user_id == uid))
    db.session.execute(LinkToken.__table__.delete().where(LinkToken.user_id == uid))
    db.session.execute(ChannelPreference.__table__.delete().where(ChannelPreference.user_id == uid))
    db.session.execute(GuardianLink.__table__.delete().where(GuardianLink.user_id == uid))
    voice.forget(uid)  # ratings, votes and ideas stay as anonymous counts; comments go
    contests.forget(uid)  # votes stay as counts, approved entries stay in the results without their entrant
    db.session.execute(update(Consent).where(Consent.user_id == uid)
                       .values(guardian_name=None, withdrawn_at=func.coalesce(Consent.withdrawn_at, utcnow())))
    db.session.execute(update(Visit).where(Visit.user_id == uid).values(guest_name=None, guest_phone=None))
    db.session.execute(update(Visit).where(Visit.user_id == uid, Visit.note.is_not(None)).values(note=ERASED_TEXT))
    db.session.execute(update(Visit).where(Visit.user_id == uid, Visit.override_reason.is_not(None))
                       .values(override_reason=ERASED_TEXT))
    db.session.execute(update(Bill).where(Bill.payer_id == uid).values(payer_name=ERASED_NAME))
    db.session.execute(update(Bill).where(Bill.payer_id == uid, Bill.note.is_not(None)).values(note=ERASED_TEXT))
    db.session.execute(update(Pass).where(Pass.user_id == uid, Pass.reason.is_not(None)).values(reason=ERASED_TEXT))
    db.session.execute(update(Pass).where(Pass.user_id == uid).values(social_category=None))
    db.session.execute(update(Pass).where(Pass.user_id == uid, Pass.cancel_reason.is_not(None))
                       .values(cancel_reason=ERASED_TEXT))
    db.session.execute(update(CheckIn).where(CheckIn.user_id == uid, CheckIn.override_reason.is_not(None))
                       .values(override_reason=ERASED_TEXT))
    db.session.execute(update(Booking).where(Booking.user_id == uid)
                       .values(booker_name=ERASED_NAME, contact="", purpose=""))
    own_registrations = select(Registration.id).where(Registration.user_id == uid)
    scans = or_(ScanLog.user_id == uid, ScanLog.registration_id.in_(own_registrations))
    db.session.execute(update(ScanLog).where(scans).values(response=None, note=None))


def erase(user: User, *, by: User | None, kind: str, reason: str = "") -> Erased:
    """Erase a person's identity; cancel what lies ahead; keep every statistic as it is."""
    if user.erased_at is not None:
        raise DomainError("already_erased", _l("This person's data is already erased."), status=409)
    if user.role != Role.VISITOR.value:
        raise DomainError("not_a_visitor", _l("Staff, committee and admin accounts are switched off by an admin, "
                                              "not erased."), status=409)
    actor = by or user
    _keep_age_bands(user)
    cancelled, bookings = _cancel_future(user, actor)
    _scrub(user)
    db.session.add(Erasure(user_id=user.id, kind=kind, at=utcnow(), by_id=by.id if by is not None else None,
                           reason=(reason or "").strip()[:REASON_MAX], registrations_cancelled=cancelled))
    if by is not None and by.id != user.id:
        log_access("erase_person", where="privacy.erase", subject_id=user.id, actor=by)
    db.session.flush()
    current_app.logger.info("identity of user %s erased (%s)", user.id, kind)
    return Erased(user_id=user.id, registrations_cancelled=cancelled, bookings_cancelled=bookings)


def erase_self(user: User, password: str) -> Erased:
    """The person erases their own account after confirming their password."""
    if not user.check_password(password or ""):
        raise ValidationFailed({"password": [_l("The password is not correct.")]}, code="wrong_password")
    return erase(user, by=None, kind="self")


def erase_by_staff(user: User, *, by: User, reason: str) -> Erased:
    """Staff erase a person (a walk-in without email, a child on the guardian's request) with a reason."""
    if not by.is_staff:
        raise DomainError("forbidden", _l("Only staff may erase a person's data."), status=403)
    if by.id == user.id:
        raise DomainError("not_yourself", _l("Erase your own account from your profile."), status=409)
    if not (reason or "").strip():
        raise ValidationFailed({"reason": [_l("Say why the data is erased (e.g. the guardian's written request).")]})
    if len(reason.strip()) > REASON_MAX:
        raise ValidationFailed({"reason": [_l("At most %(n)s characters.", n=REASON_MAX)]})
    return erase(user, by=by, kind="staff", reason=reason)


def withdraw_consent(user: User, password: str) -> Erased:
    """Withdraw the consent to processing: the data has no purpose any more and is erased."""
    if not user.check_password(password or ""):
        raise ValidationFailed({"password": [_l("The password is not correct.")]}, code="wrong_password")
    return erase(user, by=None, kind="withdrawn", reason="consent withdrawn")


# ------------------------------------------------------------------------------------------------
# Retention


def last_activity() -> dict[int, datetime]:
    """{user id: the latest moment the person did anything} for visitors not yet erased."""
    from ..events.models import Event

    sources = [
        select(User.id.label("uid"), User.created_at.label("at")),
        select(Registration.user_id, Registration.created_at),
        select(CheckIn.user_id, CheckIn.checked_in_at),
        select(Visit.user_id, func.coalesce(Visit.ended_at, Visit.started_at)).where(Visit.user_id.is_not(None)),
        select(Booking.user_id, Booking.starts_at).where(Booking.user_id.is_not(None)),
        select(Pass.user_id, Pass.issued_at),
        select(ApiToken.user_id, func.coalesce(ApiToken.last_used_at, ApiToken.created_at)),
        select(Registration.user_id, Event.ends_at).join(Event, Event.id == Registration.event_id),
    ]
    from sqlalchemy import union_all

    everything = union_all(*sources).subquery("activity")
    stmt = (select(everything.c.uid, func.max(everything.c.at))
            .join(User, User.id == everything.c.uid)
            .where(User.erased_at.is_(None), User.role == Role.VISITOR.value)
            .group_by(everything.c.uid))
    return {uid: at for uid, at in db.session.execute(stmt)}


def inactive_people(years: int, now: datetime | None = None) -> list[User]:
    """Visitors and guest profiles with no activity for `years` years (oldest activity first)."""
    now = now or utcnow()
    cutoff = now - timedelta(days=round(365.25 * years))
    found = sorted((at, uid) for uid, at in last_activity().items() if _aware(at) < cutoff)
    return [db.session.get(User, uid) for _, uid in found]


def _aware(moment: datetime) -> datetime:
    from datetime import UTC

    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def purge_inactive(years: int, *, dry_run: bool = False, now: datetime | None = None) -> list[int]:
    """Erase everyone inactive for `years` years (nothing with `dry_run`); return their ids."""
    people = inactive_people(years, now=now)
    if not dry_run:
        for person in people:
            erase(person, by=None, kind="retention", reason=f"no activity for {years} years")
    return [p.id for p in people]
