"""Writes and reads for the event calendar.

Every change of an event goes through `update_event()` (publishing, cancelling and cover pictures
included): it validates, bumps the iCalendar SEQUENCE, tells the registrants about a cancellation or
a new time or place, and runs the capacity hooks. Services flush; the view, API or CLI commits.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for
from flask_babel import format_datetime, gettext, lazy_ngettext, pgettext
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import bindparam, event, func, select, text
from sqlalchemy.orm import Session, load_only

from .. import signals
from ..accounts.models import User
from ..accounts.services import new_feed_token
from ..db import constant_in, utcnow
from ..door.models import CheckIn
from ..errors import DomainError, ValidationFailed
from ..extensions import db
from ..ical import CalendarItem
from ..memo import Memo
from ..notifications.services import notify
from ..registrations.models import Registration, RegistrationStatus
from ..timeutil import from_venue, to_venue, venue_tz
from ..venue.models import Zone
from . import images, recurrence, rules
from .models import Category, Entry, Event, EventSeries, EventStatus

CATEGORY_LABELS = {
    Category.TOURNAMENT: _l("Tournament"),
    Category.TALK_SHOW: _l("Talk show"),
    Category.PARTY: _l("Party"),
    Category.CONTEST: _l("Contest"),
    Category.TRAINING: _l("Training"),
    Category.KIDS: _l("For kids"),
    Category.OTHER: _l("Other"),
}
ENTRY_LABELS = {
    Entry.FREE: _l("Free entry"),
    Entry.TIMED: _l("Timed visit: you pay for your time at the café"),
}

#: Fields staff edit; `update_event` also takes "published", "status" and "cancel_reason".
EDITABLE = ("title", "category", "description", "starts_at", "ends_at", "capacity", "min_age", "max_age",
            "registration_opens_at", "registration_closes_at", "entry", "organiser", "zone_id", "cover_image")
_STATE_FIELDS = ("published", "status", "cancel_reason")
#: A change of one of these makes calendar apps update their copy (iCalendar SEQUENCE grows).
CALENDAR_FIELDS = {"title", "description", "starts_at", "ends_at", "zone_id", "status"}
#: A change of one of these is told to everybody registered.
MOVE_FIELDS = {"starts_at", "ends_at", "zone_id"}
#: Fields that follow the occurrence's own start when "this and the following" is edited.
_TIMED_FIELDS = ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at")
SCOPES = ("this", "following")

#: /calendar.ics lists published events from this many days back, and every later one.
RECENT_DAYS = 30
#: A personal feed keeps a longer history of the person's own events.
PERSONAL_RECENT_DAYS = 180

PROBLEM_MESSAGES = {
    "required": _l("This field is required."),
    "too_long": _l("The title is too long (at most 200 characters)."),
    "unknown_category": _l("Choose a category from the list."),
    "unknown_entry": _l("Choose free entry or a timed visit."),
    "ends_before_start": _l("An event must end after it starts."),
    "too_long_event": _l("An event cannot last longer than 48 hours."),
    "negative": _l("The number of seats cannot be negative."),
    "age_range": _l("Enter an age from 0 to 100."),
    "ages_reversed": _l("The upper age limit cannot be below the lower one."),
    "window_reversed": _l("Registration must close after it opens."),
    "closes_after_end": _l("Registration cannot close after the event ends."),
    "unknown_zone": _l("Choose a zone from the list."),
    "interval_range": _l("Repeat every 1 to %(n)s weeks.", n=recurrence.MAX_INTERVAL_WEEKS),
    "end_required": _l("Say until when the event repeats: a last date or a number of times."),
    "one_end_only": _l("Give either a last date or a number of times, not both."),
    "count_range": _l("A series has from 2 to %(n)s events.", n=recurrence.MAX_OCCURRENCES),
    "until_not_after_start": _l("The last date must be after the first event."),
    "too_many": _l("That would make more than %(n)s events; choose an earlier last date.",
                   n=recurrence.MAX_OCCURRENCES),
    "too_big": _l("The picture is larger than 5 MB."),
    "empty": _l("The file is empty."),
    "not_an_image": _l("This file is not a JPEG, PNG, WebP or GIF picture."),
    "too_many_pixels": _l("The picture has too many pixels; please use a smaller one."),
}


def _message(code: str, confirmed: int = 0):
    if code == "below_confirmed":
        return lazy_ngettext("%(num)s person is already confirmed, so there must be at least %(num)s seat.",
                   "%(num)s people are already confirmed, so there must be at least %(num)s seats.", confirmed)
    return PROBLEM_MESSAGES.get(code, code)


def translate(problems: dict[str, list[str]]) -> dict[str, list]:
    """Turn {field: [codes]} into {field: [translated messages]}."""
    return {field: [_message(code) for code in codes] for field, codes in problems.items()}


# ------------------------------------------------------------------------------------------------
# Links and places

def site_path(endpoint: str, **values) -> str:
    """Return the path of a page, also outside a request (CLI commands, background work)."""
    if has_request_context():
        return url_for(endpoint, **values)
    return current_app.url_map.bind("localhost").build(endpoint, values)


def public_url(endpoint: str, **values) -> str:
    """Return an absolute URL: PUBLIC_BASE_URL when set, else the request's host."""
    base = current_app.config.get("PUBLIC_BASE_URL") or ""
    if base:
        return base.rstrip("/") + site_path(endpoint, **values)
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    return "http://127.0.0.1:5000" + site_path(endpoint, **values)


def uid_host() -> str:
    """Return the host part of iCalendar UIDs: stable, so it does not follow the request's host."""
    return urlsplit(current_app.config.get("PUBLIC_BASE_URL") or "").hostname or "anticafe"


def event_uid(event: Event) -> str:
    """Return the event's iCalendar UID, the same in every feed and forever."""
    return f"event-{event.id}@{uid_host()}"


def place_text(event: Event) -> str:
    """Return where the event takes place: the zone (if any), the café and its address."""
    parts = [event.zone.name] if event.zone is not None else []
    parts += [current_app.config["VENUE_NAME"], current_app.config["VENUE_ADDRESS"]]
    return ", ".join(parts)


def age_limits(event: Event) -> str:
    """Return the age limits in short ("12+", "12–18", "up to 10"), or "" without limits."""
    if event.min_age is not None and event.max_age is not None:
        return f"{event.min_age}–{event.max_age}"
    if event.min_age is not None:
        return f"{event.min_age}+"
    if event.max_age is not None:
        return gettext("up to %(n)s", n=event.max_age)
    return ""


def local_day(event: Event) -> date:
    """Return the event's date at the venue."""
    return to_venue(event.starts_at).date()


def age_at(user, event: Event) -> int | None:
    """Return a person's age on the event's date (None for anonymous people or an unknown birth date)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.birth_date:
        return None
    return user.age_on(local_day(event))


# ------------------------------------------------------------------------------------------------
# Validation

def _problems(values: dict) -> dict[str, list[str]]:
    problems = rules.event_problems(
        title=values.get("title"), category=values.get("category"), categories={c.value for c in Category},
        entry=values.get("entry"), entries={e.value for e in Entry}, starts_at=values.get("starts_at"),
        ends_at=values.get("ends_at"), capacity=values.get("capacity"), min_age=values.get("min_age"),
        max_age=values.get("max_age"), opens=values.get("registration_opens_at"),
        closes=values.get("registration_closes_at"))
    zone_id = values.get("zone_id")
    if zone_id is not None and db.session.get(Zone, zone_id) is None:
        problems.setdefault("zone_id", []).append("unknown_zone")
    return problems


def _zone_conflicts(zone_id: int, slots: list[tuple[datetime, datetime]], exclude_ids: list[int],
                    dated: bool = False) -> list:
    """Return messages for slots that overlap another scheduled event in the zone, or that `signals.zone_check` refuses.

    The zone's row is locked first, so two requests cannot place overlapping events at once.
    """
    db.session.execute(text("UPDATE zones SET id = id WHERE id = :id"), {"id": zone_id})
    messages = []
    for starts, ends in slots:
        found = []
        clash = db.session.scalar(
            select(Event).where(Event.zone_id == zone_id, Event.status == EventStatus.SCHEDULED.value,
                                Event.starts_at < ends, Event.ends_at > starts, Event.id.not_in(exclude_ids or [0]))
            .order_by(Event.starts_at).limit(1))
        if clash is not None:
            found.append(_l("The zone is taken then by “%(title)s” (%(when)s).", title=clash.title,
                            when=_when(clash.starts_at)))
        found += signals.answers(signals.zone_check, zone_id, starts=starts, ends=ends)
        if dated:
            found = [_l("%(date)s: %(message)s", date=format_datetime(starts, "d MMMM"), message=m) for m in found]
        messages += found
    return messages


def _clean(data: dict) -> dict:
    """Normalize text fields: stripped, empty optional text as None."""
    out = dict(data)
    if isinstance(out.get("title"), str):
        out["title"] = out["title"].strip()
    if "organiser" in out:
        out["organiser"] = (out["organiser"] or "").strip() or None
    if "description" in out:
        out["description"] = (out["description"] or "").strip()
    if "cancel_reason" in out:
        out["cancel_reason"] = (out["cancel_reason"] or "").strip() or None
    for key in _TIMED_FIELDS:
        value = out.get(key)
        if isinstance(value, datetime) and value.tzinfo is None:
            out[key] = from_venue(value)
    return out


def confirmed_counts(event_ids) -> dict[int, int]:
    """Return {event_id: confirmed registrations} for the given events."""
    return {event_id: counts.registered for event_id, counts in counts_for(event_ids).items()}


def _lock(event_ids: list[int]) -> None:
    """Lock the events' rows for the rest of the transaction (works on SQLite and PostgreSQL)."""
    if event_ids:
        db.session.execute(text("UPDATE events SET id = id WHERE id IN :ids")
                           .bindparams(bindparam("ids", expanding=True)), {"ids": list(event_ids)})


# ------------------------------------------------------------------------------------------------
# Cover pictures

def uploads_dir() -> Path:
    """Return the folder of cover pictures (instance/uploads/events unless EVENT_UPLOADS_DIR says)."""
    configured = current_app.config.get("EVENT_UPLOADS_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "uploads" / "events"


def prepare_cover(stream) -> bytes:
    """Read an upload and return it as a checked, resized JPEG; raise ValidationFailed({"cover": ...})."""
    try:
        return images.process_cover(images.read_limited(stream))
    except images.CoverRejected as rejected:
        raise ValidationFailed({"cover": [_message(rejected.code)]}) from None


def _store_cover(data: bytes) -> str:
    folder = uploads_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = images.new_cover_name()
    (folder / name).write_bytes(data)
    db.session.info.setdefault("event_new_covers", set()).add(name)
    return name


def _forget_cover_later(name: str | None) -> None:
    """Note a cover that an event stopped showing; see `_drop_unused_covers`."""
    if name:
        db.session.info.setdefault("event_old_covers", set()).add(name)


def _drop_unused_covers() -> None:
    """After a flush: covers no event shows any more are deleted from disk once the change commits."""
    old = db.session.info.pop("event_old_covers", set())
    if old:
        used = set(db.session.scalars(select(Event.cover_image).where(Event.cover_image.in_(old))))
        db.session.info.setdefault("event_unused_covers", set()).update(old - used)


@event.listens_for(Session, "after_commit")
def _delete_unused_covers(session) -> None:
    if session.in_nested_transaction():  # only a savepoint was released; wait for the real commit
        return
    session.info.pop("event_new_covers", None)
    unused = session.info.pop("event_unused_covers", set())
    for name in unused:
        (uploads_dir() / name).unlink(missing_ok=True)


@event.listens_for(Session, "after_rollback")
def _delete_orphan_covers(session) -> None:
    if session.in_nested_transaction():  # a savepoint rolled back; the change itself goes on
        return
    session.info.pop("event_old_covers", None)
    session.info.pop("event_unused_covers", None)
    for name in session.info.pop("event_new_covers", set()):
        (uploads_dir() / name).unlink(missing_ok=True)


def cover_path(name: str) -> Path | None:
    """Return the file of a stored cover, or None for a name that is not one of ours."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    path = uploads_dir() / name
    return path if path.is_file() else None


# ------------------------------------------------------------------------------------------------
# Creating

DEFAULTS = {"category": Category.OTHER.value, "description": "", "capacity": None, "min_age": None,
            "max_age": None, "registration_opens_at": None, "registration_closes_at": None,
            "entry": Entry.FREE.value, "organiser": None, "zone_id": None, "cover_image": None}


def create_event(data: dict, *, published: bool = False, repeat: recurrence.SeriesRule | None = None,
                 cover: bytes | None = None) -> Event:
    """Create an event (or a whole series when `repeat` is given) and return it (the first occurrence).

    Times are aware datetimes (naive ones are read as venue time). Occurrences of a series keep the
    wall-clock time of the first one; an explicit registration window moves along with each.
    """
    values = {**DEFAULTS, **_clean({k: v for k, v in data.items() if k in EDITABLE})}
    problems = _problems(values)
    if repeat is not None and values.get("starts_at") is not None:
        for field, codes in recurrence.rule_problems(repeat, to_venue(values["starts_at"]).date()).items():
            problems.setdefault(field, []).extend(codes)
    if problems:
        raise ValidationFailed(translate(problems))
    first_start = values["starts_at"]
    starts = [first_start] if repeat is None else [
        from_venue(local) for local in recurrence.occurrences(to_venue(first_start).replace(tzinfo=None), repeat)]
    if values["zone_id"] is not None:
        length = values["ends_at"] - first_start
        taken = _zone_conflicts(values["zone_id"], [(start, start + length) for start in starts], [],
                                dated=repeat is not None)
        if taken:
            raise ValidationFailed({"zone_id": taken})
    if cover is not None:
        values["cover_image"] = _store_cover(cover)
    now = utcnow()
    state = {"published": published, "published_at": now if published else None,
             "status": EventStatus.SCHEDULED.value, "sequence": 0}
    if repeat is None:
        event_ = Event(**values, **state)
        db.session.add(event_)
        db.session.flush()
        return event_
    series = EventSeries(title=values["title"], interval_weeks=repeat.interval_weeks, until=repeat.until,
                         count=repeat.count)
    db.session.add(series)
    created = [Event(**_moved(values, first_start, start), **state, series=series) for start in starts]
    db.session.add_all(created)
    db.session.flush()
    return created[0]


def _moved(values: dict, old_start: datetime, new_start: datetime) -> dict:
    """Return `values` with every time moved by (new_start - old_start)."""
    shift = new_start - old_start
    out = dict(values)
    for key in _TIMED_FIELDS:
        if out.get(key) is not None:
            out[key] = out[key] + shift
    return out


def duplicate_event(source: Event) -> Event:
    """Copy an event as a new draft, a week later (or the first such week still ahead)."""
    values = {key: getattr(source, key) for key in EDITABLE}
    weeks = 1
    now = utcnow()
    while source.starts_at + timedelta(weeks=weeks) < now:
        weeks += 1
    local_start = to_venue(source.starts_at).replace(tzinfo=None) + timedelta(weeks=weeks)
    return create_event(_moved(values, source.starts_at, from_venue(local_start)), published=False)


# ------------------------------------------------------------------------------------------------
# Changing: the one place

def update_event(event_: Event, data: dict, *, scope: str = "this", cover: bytes | None = None) -> list[Event]:
    """Change an event, or it and the later occurrences of its series; return the events changed.

    `data` holds new values for any of EDITABLE, "published", "status" and "cancel_reason"; values
    equal to the current ones are ignored. With scope "following", later scheduled occurrences of the
    series get the same changes, their times shifted the way this one's moved, and the series is
    split there so that each part keeps a true rule. Validation covers every event touched (end
    after start, capacity not below the confirmed registrations, ...) before anything is written.
    """
    unknown = set(data) - set(EDITABLE) - set(_STATE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    if scope not in SCOPES:
        raise ValidationFailed({"scope": [_l("Choose this event or this and the following ones.")]})
    data = _clean(data)
    if cover is not None:
        data["cover_image"] = _store_cover(cover)
    targets = [event_]
    later: list[Event] = []
    earlier: list[Event] = []
    if scope == "following" and event_.series_id is not None:
        siblings = list(db.session.scalars(select(Event).where(Event.series_id == event_.series_id,
                                                               Event.id != event_.id)
                                           .order_by(Event.starts_at, Event.id)))
        later = [e for e in siblings if e.starts_at >= event_.starts_at]
        earlier = [e for e in siblings if e.starts_at < event_.starts_at]
        targets += [e for e in later if e.status == EventStatus.SCHEDULED.value]
    _lock([t.id for t in targets])
    changes = {key: value for key, value in data.items() if getattr(event_, key) != value}
    if event_.is_cancelled and changes.get("status") == EventStatus.SCHEDULED.value:
        raise DomainError("event_cancelled", _l("A cancelled event cannot be brought back; duplicate it instead."))
    plans = [(target, _changes_for(target, event_, changes)) for target in targets]
    plans = [(target, new) for target, new in plans if new]
    if not plans:
        return []
    _validate(event_, plans)

    now = utcnow()
    raised = []
    for target, new in plans:
        old_capacity = target.capacity
        if "cover_image" in new:
            _forget_cover_later(target.cover_image)
        for key, value in new.items():
            setattr(target, key, value)
        if new.get("published") and target.published_at is None:
            target.published_at = now
        if new.get("status") == EventStatus.CANCELLED.value:
            target.cancelled_at = now
        if CALENDAR_FIELDS & new.keys():
            target.sequence += 1
        target.updated_at = now
        if "capacity" in new and (target.capacity is None or (old_capacity is not None
                                                              and target.capacity > old_capacity)):
            raised.append(target)
    if scope == "following" and event_.series_id is not None and changes.keys() - set(_STATE_FIELDS):
        _split_series(event_, earlier, [event_, *later])
    db.session.flush()
    _drop_unused_covers()

    for target, new in plans:
        if new.get("status") == EventStatus.CANCELLED.value:
            _tell_registrants(target, "event_cancelled")
        elif MOVE_FIELDS & new.keys() and not target.is_cancelled:
            _tell_registrants(target, "event_changed")
    for target in raised:
        _capacity_raised(target)
    return [target for target, _ in plans]


def _changes_for(target: Event, edited: Event, changes: dict) -> dict:
    """Return what to change on `target` when `changes` were made to `edited` (maybe the same event)."""
    if target is edited:
        return dict(changes)
    new = {key: value for key, value in changes.items() if key not in _TIMED_FIELDS}
    if "starts_at" in changes or "ends_at" in changes:
        old_anchor = to_venue(edited.starts_at).replace(tzinfo=None)
        new_anchor = to_venue(changes.get("starts_at", edited.starts_at)).replace(tzinfo=None)
        local = recurrence.shifted(to_venue(target.starts_at).replace(tzinfo=None), old_anchor, new_anchor)
        duration = changes.get("ends_at", edited.ends_at) - changes.get("starts_at", edited.starts_at)
        new["starts_at"] = from_venue(local)
        new["ends_at"] = new["starts_at"] + duration
    edited_start = changes.get("starts_at", edited.starts_at)
    target_start = new.get("starts_at", target.starts_at)
    for key in ("registration_opens_at", "registration_closes_at"):
        if key in changes:
            new[key] = None if changes[key] is None else changes[key] - edited_start + target_start
    return {key: value for key, value in new.items() if getattr(target, key) != value}


def _validate(edited: Event, plans: list[tuple[Event, dict]]) -> None:
    """Check every planned change; raise ValidationFailed with all problems (others' prefixed by date)."""
    confirmed = confirmed_counts([t.id for t, new in plans if "capacity" in new or new.get("published") is False])
    messages: dict[str, list] = {}
    for target, new in plans:
        if new.get("published") is False and (confirmed.get(target.id) or _has_waitlist(target)):
            raise DomainError("has_registrations", _l("People are registered for this event: cancel it instead "
                                                      "of hiding it."))
        values = {key: new.get(key, getattr(target, key)) for key in EDITABLE}
        problems = _problems(values) if new.keys() & set(EDITABLE) else {}
        found = {field: [_message(code) for code in codes] for field, codes in problems.items()}
        if "capacity" in new:
            count = confirmed.get(target.id, 0)
            if rules.capacity_problem(new["capacity"], count):
                found.setdefault("capacity", []).append(_message("below_confirmed", count))
        moved = new.keys() & {"zone_id", "starts_at", "ends_at"}
        if not found and moved and values["zone_id"] is not None and \
                new.get("status", target.status) == EventStatus.SCHEDULED.value:
            taken = _zone_conflicts(values["zone_id"], [(values["starts_at"], values["ends_at"])],
                                    [t.id for t, _ in plans])
            if taken:
                found["zone_id"] = taken
        for field, texts in found.items():
            if target is not edited:
                when = format_datetime(target.starts_at, "d MMMM")
                texts = [_l("%(date)s: %(message)s", date=when, message=t) for t in texts]
            messages.setdefault(field, []).extend(texts)
    if messages:
        raise ValidationFailed(messages)


def _has_waitlist(target: Event) -> bool:
    return bool(db.session.scalar(select(func.count(Registration.id)).where(
        Registration.event_id == target.id, Registration.status == RegistrationStatus.WAITLISTED.value)))


def _split_series(edited: Event, earlier: list[Event], following: list[Event]) -> None:
    """Give the edited occurrence and the later ones their own series, unless it starts the series."""
    series = edited.series
    if not earlier:
        series.title = edited.title
        return
    rule = recurrence.SeriesRule(series.interval_weeks, until=series.until, count=series.count)
    before_rule, after_rule = recurrence.split_rule(rule, [local_day(e) for e in earlier],
                                                    [local_day(e) for e in following])
    series.until, series.count = before_rule.until, before_rule.count
    rest = EventSeries(title=edited.title, interval_weeks=series.interval_weeks, until=after_rule.until,
                       count=after_rule.count)
    db.session.add(rest)
    for item in following:
        item.series = rest


def _capacity_raised(event_: Event) -> None:
    """A change raised the capacity (or lifted it): registrations move the waitlist up."""
    signals.capacity_raised.send(event_)


def _when(moment: datetime) -> LazyString:
    """A date and time written in the language of whoever reads it."""
    return LazyString(lambda: format_datetime(moment, "EEEE d MMMM, HH:mm"))


def _tell_registrants(event_: Event, kind: str) -> None:
    """Write to everybody confirmed or waitlisted for the event, each in their own language."""
    people = db.session.scalars(
        select(User).join(Registration, Registration.user_id == User.id)
        .where(Registration.event_id == event_.id,
               Registration.status.in_([RegistrationStatus.CONFIRMED.value, RegistrationStatus.WAITLISTED.value]))
        .distinct().order_by(User.id)).all()
    if not people:
        return
    link = site_path("events.detail", event_id=event_.id)
    when = _when(event_.starts_at)
    if kind == "event_cancelled":
        subject = _l("Cancelled: %(title)s", title=event_.title)
        if event_.cancel_reason:
            body = _l("Unfortunately, “%(title)s” on %(when)s is cancelled. Reason: %(reason)s",
                      title=event_.title, when=when, reason=event_.cancel_reason)
        else:
            body = _l("Unfortunately, “%(title)s” on %(when)s is cancelled.", title=event_.title, when=when)
    else:
        subject = _l("Changed: %(title)s", title=event_.title)
        body = _l("“%(title)s” now takes place on %(when)s, %(place)s. Your registration stays as it was.",
                  title=event_.title, when=when, place=place_text(event_))
    for person in people:
        notify(person, kind, subject, body, link)


def publish_event(event_: Event) -> list[Event]:
    """Make an event visible to visitors (registration opens now unless set otherwise)."""
    return update_event(event_, {"published": True})


def unpublish_event(event_: Event) -> list[Event]:
    """Turn an event back into a draft (refused while people are registered)."""
    return update_event(event_, {"published": False})


def cancel_event(event_: Event, reason: str | None = None, *, scope: str = "this") -> list[Event]:
    """Cancel an event (or it and the later ones of its series); it stays visible, marked cancelled."""
    if event_.is_cancelled:
        raise DomainError("already_cancelled", _l("This event is already cancelled."))
    return update_event(event_, {"status": EventStatus.CANCELLED.value, "cancel_reason": reason}, scope=scope)


def delete_draft(event_: Event) -> None:
    """Delete a draft nobody ever registered for (published events are cancelled, not deleted)."""
    if event_.published:
        raise DomainError("published", _l("A published event cannot be deleted; cancel it instead."))
    if db.session.scalar(select(func.count(Registration.id)).where(Registration.event_id == event_.id)):
        raise DomainError("has_registrations", _l("People registered for this event; it cannot be deleted."))
    _forget_cover_later(event_.cover_image)
    series = event_.series
    db.session.delete(event_)
    db.session.flush()
    _drop_unused_covers()
    if series is not None and not db.session.scalar(select(func.count(Event.id)).where(
            Event.series_id == series.id)):
        db.session.delete(series)
        db.session.flush()


def regenerate_feed_token(user: User) -> str:
    """Give a person a new personal-feed secret; the old feed URL stops working."""
    user.feed_token = new_feed_token()
    db.session.flush()
    return user.feed_token


# ------------------------------------------------------------------------------------------------
# Reading

def counts_for(event_ids) -> dict[int, rules.Counts]:
    """Return registration and check-in counts per event with two grouped queries per 500 events."""
    ids = sorted(set(event_ids))
    raw: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for event_id, status, number in db.session.execute(
                select(Registration.event_id, Registration.status, func.count(Registration.id))
                .where(Registration.event_id.in_(chunk),
                       constant_in(Registration.status, [RegistrationStatus.CONFIRMED.value,
                                                         RegistrationStatus.WAITLISTED.value]))
                .group_by(Registration.event_id, Registration.status)):
            raw[event_id][0 if status == RegistrationStatus.CONFIRMED.value else 1] = number
        for event_id, number in db.session.execute(
                select(CheckIn.event_id, func.count(CheckIn.id))
                .where(CheckIn.event_id.in_(chunk), CheckIn.undone_at.is_(None)).group_by(CheckIn.event_id)):
            raw[event_id][2] = number
    return {event_id: rules.Counts(*raw[event_id]) for event_id in ids}


@dataclass
class EventCard:
    """An event with what its card shows: counts, seats, whether the viewer's age fits."""

    event: Event
    counts: rules.Counts
    #: None when the event has no seat limit
    seats_left: int | None
    #: None when we do not know the viewer's age (anonymous or no birth date)
    age_ok: bool | None
    starts: datetime
    ends: datetime

    @property
    def full(self) -> bool:
        return self.seats_left == 0

    @property
    def multi_day(self) -> bool:
        return self.starts.date() != self.ends.date()


def cards(events: list[Event], user=None) -> list[EventCard]:
    """Wrap events for cards and pages (one grouped count query for all of them)."""
    counts = counts_for([e.id for e in events])
    zone = venue_tz()
    knows_age = user is not None and getattr(user, "is_authenticated", False) and user.birth_date
    result = []
    for item in events:
        number = counts.get(item.id, rules.Counts())
        starts = item.starts_at.astimezone(zone)
        age_ok = item.allows_age(user.age_on(starts.date())) if knows_age else None
        result.append(EventCard(event=item, counts=number,
                                seats_left=rules.seats_left(item.capacity, number.registered), age_ok=age_ok,
                                starts=starts, ends=item.ends_at.astimezone(zone)))
    return result


def card(event_: Event, user=None) -> EventCard:
    """Wrap one event for its page."""
    return cards([event_], user)[0]


def _listing(*, staff: bool, category: str | None):
    stmt = select(Event).order_by(Event.starts_at, Event.id)
    if not staff:
        stmt = stmt.where(Event.published.is_(True))
    if category:
        stmt = stmt.where(Event.category == category)
    return stmt


#: What a month grid's chip shows: the month page loads only these (a month holds up to ~170 events).
CHIP_COLUMNS = ("id", "title", "category", "starts_at", "ends_at", "capacity", "min_age", "max_age", "status",
                "published")


def events_between(start: datetime, end: datetime, *, staff: bool = False, category: str | None = None,
                   only: tuple[str, ...] | None = None) -> list[Event]:
    """Return the events starting in [start, end) that the viewer may see, in order.

    `only`: load just these columns (reading any other one raises, rather than loading it event by event).
    """
    stmt = _listing(staff=staff, category=category).where(Event.starts_at >= start, Event.starts_at < end)
    if only:
        stmt = stmt.options(load_only(*(getattr(Event, name) for name in only), raiseload=True))
    return list(db.session.scalars(stmt))


def events_on_days(first: date, last: date, *, staff: bool = False, category: str | None = None,
                   only: tuple[str, ...] | None = None) -> list[Event]:
    """Return the events starting on venue dates first..last (inclusive)."""
    start = from_venue(datetime.combine(first, datetime.min.time()))
    end = from_venue(datetime.combine(last + timedelta(days=1), datetime.min.time()))
    return events_between(start, end, staff=staff, category=category, only=only)


def upcoming_events(limit: int = 50, *, staff: bool = False, category: str | None = None,
                    days: int | None = None) -> list[Event]:
    """Return events not yet over, soonest first (within `days` when given)."""
    now = utcnow()
    # Nothing lasts longer than rules.MAX_DURATION, so the bound on the indexed start loses no event.
    stmt = _listing(staff=staff, category=category).where(Event.ends_at > now,
                                                          Event.starts_at >= now - rules.MAX_DURATION)
    if days is not None:
        stmt = stmt.where(Event.starts_at < now + timedelta(days=days))
    return list(db.session.scalars(stmt.limit(limit)))


def for_age(items: list[EventCard]) -> list[EventCard]:
    """Keep the cards whose age limits fit the viewer (cards without a known age stay)."""
    return [item for item in items if item.age_ok is not False]


def series_events(event_: Event) -> list[Event]:
    """Return the occurrences of the event's series (empty for a single event)."""
    if event_.series_id is None:
        return []
    return list(db.session.scalars(select(Event).where(Event.series_id == event_.series_id)
                                   .order_by(Event.starts_at, Event.id)))


# ------------------------------------------------------------------------------------------------
# iCalendar

#: The columns a feed needs: rows, not ORM objects, keep a 2,000-event feed fast.
_FEED_COLUMNS = (Event.id, Event.title, Event.description, Event.category, Event.starts_at, Event.ends_at,
                 Event.updated_at, Event.sequence, Event.status, Event.cancel_reason, Event.zone_id)


def calendar_items(events) -> list[CalendarItem]:
    """Describe events (Event objects or rows of _FEED_COLUMNS) for a feed, in the request's language."""
    labels = {category.value: str(label) for category, label in CATEGORY_LABELS.items()}
    cancelled_word = pgettext("event", "Cancelled")
    reason_word = str(_l("Reason for cancelling"))
    detail_url = public_url("events.detail", event_id=0).removesuffix("/0")
    venue = [current_app.config["VENUE_NAME"], current_app.config["VENUE_ADDRESS"]]
    zone_ids = {item.zone_id for item in events if item.zone_id is not None}
    zones = dict(db.session.execute(select(Zone.id, Zone.name).where(Zone.id.in_(zone_ids))).all()) if zone_ids else {}
    host = uid_host()
    items = []
    for item in events:
        place = ", ".join(([zones[item.zone_id]] if item.zone_id in zones else []) + venue)
        cancelled = item.status == EventStatus.CANCELLED.value
        summary = item.title
        description = item.description or ""
        if cancelled:
            summary = f"{cancelled_word}: {item.title}"
            if item.cancel_reason:
                description = f"{reason_word}: {item.cancel_reason}\n\n{description}".strip()
        items.append(CalendarItem(
            uid=f"event-{item.id}@{host}", summary=summary, starts_at=item.starts_at, ends_at=item.ends_at,
            updated_at=item.updated_at, sequence=item.sequence, description=description, location=place,
            url=f"{detail_url}/{item.id}", categories=[labels.get(item.category, item.category)],
            cancelled=cancelled))
    return items


def calendar_item(event_: Event) -> CalendarItem:
    """Describe one event for iCalendar."""
    return calendar_items([event_])[0]


def _feed_filter(category: str | None) -> list:
    conditions = [Event.published.is_(True), Event.starts_at >= utcnow() - timedelta(days=RECENT_DAYS)]
    if category:
        conditions.append(Event.category == category)
    return conditions


def feed_events(category: str | None = None) -> list:
    """Return the published events of /calendar.ics (recent ones and everything ahead) as feed rows."""
    stmt = select(*_FEED_COLUMNS).where(*_feed_filter(category)).order_by(Event.starts_at, Event.id)
    return list(db.session.execute(stmt))


#: The feed's version per category, kept `CALENDAR_CACHE_SECONDS` per worker: calendar apps poll the
#: same feed over and over (most every few minutes or hours), so an edit reaching them that much later
#: changes nothing for them, and a repeat request is answered 304 without touching the database.
_feed_versions = Memo(size=16)


def feed_version(category: str | None = None) -> str:
    """Fingerprint /calendar.ics with one aggregate query: which events, their last change and sequences.

    Any edit bumps `updated_at`; an event entering or leaving the window changes the count and the id
    sum. (A renamed zone shows in feeds once one of its events changes.)
    """
    seconds = current_app.config["CALENDAR_CACHE_SECONDS"]
    key = (str(db.engine.url), category)
    if seconds > 0:
        found = _feed_versions.get(key)
        if found is not None:
            return found
    since = utcnow() - timedelta(days=RECENT_DAYS)
    # On the session's connection, past the ORM's statement handling (a third of this query's cost).
    row = db.session.connection().execute(_feed_version_statement(category is not None),
                                          {"since": since, "category": category}).one()
    version = ":".join(str(value) for value in row)
    if seconds > 0:
        _feed_versions.put(key, version, seconds)
    return version


@cache
def _feed_version_statement(by_category: bool):
    # Built once: a subscribed calendar polls often, and building the aggregate costs more than running it.
    conditions = [Event.published.is_(True), Event.starts_at >= bindparam("since", type_=Event.starts_at.type)]
    if by_category:
        conditions.append(Event.category == bindparam("category"))
    return (select(func.count(Event.id), func.max(Event.updated_at), func.coalesce(func.sum(Event.sequence), 0),
                   func.coalesce(func.sum(Event.id), 0)).where(*conditions))


def grid_version(first: date, last: date, *, staff: bool) -> tuple:
    """Fingerprint what a month grid of venue dates first..last shows, with one query on indexes.

    The events starting in the range (which, their last edit) and the newest registration anywhere
    (a new one changes the seats left). A cancelled registration does not change it: the grid's cache
    time bounds how long its seat shows as taken.
    """
    start = from_venue(datetime.combine(first, datetime.min.time()))
    end = from_venue(datetime.combine(last + timedelta(days=1), datetime.min.time()))
    return tuple(db.session.connection().execute(_grid_version_statement(staff), {"start": start, "end": end}).one())


@cache
def _grid_version_statement(staff: bool):
    # Built once, like the feed's: it runs on every month page.
    in_range = [Event.starts_at >= bindparam("start", type_=Event.starts_at.type),
                Event.starts_at < bindparam("end", type_=Event.starts_at.type)]
    if not staff:
        in_range.append(Event.published.is_(True))
    return select(func.count(Event.id), func.max(Event.updated_at), func.coalesce(func.sum(Event.id), 0),
                  select(func.max(Registration.id)).scalar_subquery()).where(*in_range)


def personal_events(user: User) -> list:
    """Return the events a person holds a confirmed registration for (recent ones and all ahead), as rows."""
    since = utcnow() - timedelta(days=PERSONAL_RECENT_DAYS)
    stmt = (select(*_FEED_COLUMNS).join(Registration, Registration.event_id == Event.id)
            .where(Registration.user_id == user.id, Registration.status == RegistrationStatus.CONFIRMED.value,
                   Event.starts_at >= since)
            .order_by(Event.starts_at, Event.id).distinct())
    return list(db.session.execute(stmt))


def user_for_feed_token(token: str) -> User | None:
    """Return the active person whose personal feed this secret opens."""
    if not token or len(token) > 64:
        return None
    user = db.session.scalar(select(User).where(User.feed_token == token))
    return user if user is not None and user.active else None

