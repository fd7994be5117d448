"""Writes and reads for the event calendar.

Every change of an event goes through `update_event()` (publishing, cancelling and cover pictures
included): it validates, bumps the iCalendar SEQUENCE, tells the registrants about a cancellation or
a new time or place, and sends `signals.capacity_raised`. The seats and the people holding them
belong to registrations, the check-ins to the door: this domain asks them through signals
(`event_counts`, `event_people`, `held_events`). Services flush; the view, API or
CLI commits.
"""

from datetime import date, datetime, time, timedelta

from flask import current_app, url_for
from flask_babel import format_datetime, gettext, lazy_ngettext
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import func, select

from .. import signals
from ..db import lock, lock_row, utcnow
from ..errors import DomainError, ValidationFailed, in_words
from ..extensions import db
from ..notifications.services import notify
from ..timeutil import from_venue, to_venue
from ..urls import public_url, site_path
from ..venue import contact
from ..venue.models import Zone
from . import images, recurrence, rules
from .covers import _drop_unused_covers, _forget_cover_later, _store_cover
from .listings import counts_for
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
    return in_words(problems, _message)


# ------------------------------------------------------------------------------------------------
# Links and places


def place_text(event: Event) -> str:
    """Return where the event takes place: the zone (if any), the café and its address."""
    parts = [event.zone.name] if event.zone is not None else []
    parts += [current_app.config["VENUE_NAME"], current_app.config["VENUE_ADDRESS"]]
    return ", ".join(parts)


def venue_contact_line() -> str:
    """Return the venue's name, phone and links in one line (feeds' CONTACT, mails' signature)."""
    venue = contact.venue_from_settings(current_app.config)
    return ", ".join(part for part in [venue.name, venue.phone, *(url for _label, url in venue.links)] if part)


def calendar_links(event: Event) -> dict[str, str]:
    """Return "add to calendar" links for one event: Google, Yandex (times in the venue's zone) and the .ics."""
    zone = current_app.config["VENUE_TIMEZONE"]
    details = f"{public_url('events.detail', event_id=event.id)}\n\n{event.description or ''}".strip()
    values = dict(details=details, location=place_text(event))
    return {"google": contact.google_calendar_url(event.title, event.starts_at, event.ends_at, zone, **values),
            "yandex": contact.yandex_calendar_url(event.title, event.starts_at, event.ends_at, zone, **values),
            "ics": url_for("events.event_ics", event_id=event.id)}


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
    lock_row(Zone, zone_id)
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


#: How many clashing events a warning names at most.
_WARN_AT_MOST = 3


def warnings_for(data: dict, repeat: recurrence.SeriesRule | None = None, *, exclude_ids=(),
                 exclude_series_id: int | None = None) -> list:
    """Say what deserves a second look before an event is saved (the form asks to confirm, nothing is
    refused): a start in the past, another event at the same time, guests under 16 after the curfew."""
    values = _clean({k: data.get(k) for k in ("starts_at", "ends_at")})
    starts_at, ends_at = values.get("starts_at"), values.get("ends_at")
    if not isinstance(starts_at, datetime) or not isinstance(ends_at, datetime) or ends_at <= starts_at:
        return []
    if repeat is not None and recurrence.rule_problems(repeat, to_venue(starts_at).date()):
        return []  # the series is refused on saving: its problems come first
    warnings = []
    if starts_at < utcnow():
        warnings.append(_l("It starts in the past: %(when)s.", when=_when(starts_at)))
    starts = [starts_at]
    if repeat is not None:
        first = to_venue(starts_at).replace(tzinfo=None)
        starts = [from_venue(local) for local in recurrence.occurrences(first, repeat)]
    length = ends_at - starts_at
    spans = [(start, start + length) for start in starts]
    stmt = select(Event).where(Event.status == EventStatus.SCHEDULED.value, Event.starts_at < spans[-1][1],
                               Event.ends_at > spans[0][0], Event.id.not_in(list(exclude_ids) or [0]))
    if exclude_series_id is not None:
        stmt = stmt.where((Event.series_id.is_(None)) | (Event.series_id != exclude_series_id))
    clashes = [other for other in db.session.scalars(stmt.order_by(Event.starts_at).limit(500))
               if any(rules.spans_overlap(span, (other.starts_at, other.ends_at)) for span in spans)]
    for other in clashes[:_WARN_AT_MOST]:
        warnings.append(_l("It overlaps “%(title)s” (%(when)s).", title=other.title, when=_when(other.starts_at)))
    if len(clashes) > _WARN_AT_MOST:
        warnings.append(lazy_ngettext("… and %(num)s more event at the same time.",
                                      "… and %(num)s more events at the same time.", len(clashes) - _WARN_AT_MOST))
    curfew_text = current_app.config.get("MINORS_CURFEW", "22:00")
    hours, _, minutes = curfew_text.partition(":")
    curfew = time(int(hours), int(minutes or 0))
    if rules.admits_minors(data.get("min_age"), data.get("max_age")) and rules.runs_past_curfew(
            to_venue(starts_at), to_venue(ends_at), curfew):
        warnings.append(_l("Guests under %(age)s may come, and it runs past %(time)s, their curfew: they must "
                           "leave by then.", age=rules.CURFEW_AGE, time=curfew_text))
    return warnings


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


def _lock(event_ids: list[int]) -> None:
    """Lock the events' rows for the rest of the transaction (works on SQLite and PostgreSQL)."""
    if event_ids:
        lock(Event, Event.id.in_(list(event_ids)))


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
    earlier, later = _series_around(event_) if scope == "following" else ([], [])
    targets = [event_, *(e for e in later if e.status == EventStatus.SCHEDULED.value)]
    _lock([t.id for t in targets])
    changes = {key: value for key, value in data.items() if getattr(event_, key) != value}
    if event_.is_cancelled and changes.get("status") == EventStatus.SCHEDULED.value:
        raise DomainError("event_cancelled", _l("A cancelled event cannot be brought back; duplicate it instead."))
    plans = [(target, _changes_for(target, event_, changes)) for target in targets]
    plans = [(target, new) for target, new in plans if new]
    if not plans:
        return []
    _validate(event_, plans)
    raised = _apply_plans(plans, utcnow())
    if scope == "following" and event_.series_id is not None and changes.keys() - set(_STATE_FIELDS):
        _split_series(event_, earlier, [event_, *later])
    db.session.flush()
    _drop_unused_covers()
    _tell_about(plans)
    for target in raised:
        _capacity_raised(target)
    return [target for target, _ in plans]


def _series_around(event_: Event) -> tuple[list[Event], list[Event]]:
    """Return the other occurrences of the event's series before it and from it on (none without a series)."""
    if event_.series_id is None:
        return [], []
    siblings = list(db.session.scalars(select(Event).where(Event.series_id == event_.series_id,
                                                           Event.id != event_.id)
                                       .order_by(Event.starts_at, Event.id)))
    return ([e for e in siblings if e.starts_at < event_.starts_at],
            [e for e in siblings if e.starts_at >= event_.starts_at])


def _apply_plans(plans: list[tuple[Event, dict]], now: datetime) -> list[Event]:
    """Write the planned changes (stamps and the iCalendar SEQUENCE too); return the events whose capacity grew."""
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
    return raised


def _tell_about(plans: list[tuple[Event, dict]]) -> None:
    """Tell the registrants of each changed event about a cancellation or a new time or place."""
    for target, new in plans:
        if new.get("status") == EventStatus.CANCELLED.value:
            _tell_registrants(target, "event_cancelled")
        elif MOVE_FIELDS & new.keys() and not target.is_cancelled:
            _tell_registrants(target, "event_changed")


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
    seats = counts_for([t.id for t, new in plans if "capacity" in new or new.get("published") is False])
    messages: dict[str, list] = {}
    for target, new in plans:
        if new.get("published") is False and (seats[target.id].registered or seats[target.id].waitlisted):
            raise DomainError("has_registrations", _l("People are registered for this event: cancel it instead "
                                                      "of hiding it."))
        values = {key: new.get(key, getattr(target, key)) for key in EDITABLE}
        problems = _problems(values) if new.keys() & set(EDITABLE) else {}
        found = {field: [_message(code) for code in codes] for field, codes in problems.items()}
        if "capacity" in new:
            count = seats[target.id].registered
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
    people = [person for answer in signals.answers(signals.event_people, event_) for person in answer]
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
    if counts_for([event_.id])[event_.id].ever:
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


def prepare_cover(stream) -> bytes:
    """Read an upload and return it as a checked, resized JPEG; raise ValidationFailed({"cover": ...})."""
    try:
        return images.process_cover(images.read_limited(stream))
    except images.CoverRejected as rejected:
        raise ValidationFailed({"cover": [_message(rejected.code)]}) from None
