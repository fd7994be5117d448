"""Events API: the calendar for everyone, changes for staff; the personal feed URL in /me."""

from datetime import timedelta

from flask import abort
from flask_login import current_user

from ..api.spec import api_blueprint, endpoint
from ..auth import Access
from ..extensions import db
from ..timeutil import venue_today
from ..urls import public_url
from . import listings, services
from .models import Event
from .recurrence import SeriesRule
from .schemas import CancelIn, EventIn, EventList, EventOut, EventPatch, EventQuery, EventWarnings

bp = api_blueprint("events_api", __name__)

#: Listing without `to` covers this many days.
DEFAULT_RANGE_DAYS = 60

_INVALID = [(422, "validation_error", "unknown category, end before start, bad dates (with field errors)")]


def _is_staff() -> bool:
    return bool(current_user.is_authenticated) and current_user.is_staff


def event_out(card: listings.EventCard) -> EventOut:
    """Return the JSON shape of an event card."""
    event = card.event
    return EventOut(
        id=event.id, title=event.title, category=event.category, description=event.description or "",
        starts_at=card.starts, ends_at=card.ends, capacity=event.capacity, min_age=event.min_age,
        max_age=event.max_age, entry=event.entry, status=event.status, registered=card.counts.registered,
        waitlisted=card.counts.waitlisted, checked_in=card.counts.checked_in, seats_left=card.seats_left,
        url=public_url("events.detail", event_id=event.id),
        ics_url=public_url("events.event_ics", event_id=event.id))


def _visible_event(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None or not (event.published or _is_staff()):
        abort(404)
    return event


def _answer(event: Event) -> EventOut:
    db.session.refresh(event)
    return event_out(listings.card(event, current_user))


@endpoint(bp, "/events", summary="Events in a date range", access=Access.PUBLIC, query=EventQuery,
          response=EventList)
def list_events(query: EventQuery):
    """List the events starting on the venue dates `from`..`to`, ordered by start. Staff also see drafts."""
    first = query.from_ or venue_today()
    last = query.to or first + timedelta(days=DEFAULT_RANGE_DAYS)
    events = listings.events_on_days(first, last, staff=_is_staff(),
                                     category=query.category.value if query.category else None)
    return EventList(items=[event_out(card) for card in listings.cards(events, current_user)])


@endpoint(bp, "/events/<int:event_id>", summary="One event", access=Access.PUBLIC, response=EventOut,
          errors=[(404, "not_found", "no such event (or a draft, for visitors)")])
def get_event(event_id: int):
    """Return one event with its counts."""
    return event_out(listings.card(_visible_event(event_id), current_user))


def _event_values(body) -> dict:
    values = body.model_dump(exclude={"published", "repeat", "scope"}, exclude_unset=True)
    for key in ("category", "entry"):
        if values.get(key) is not None:
            values[key] = values[key].value
    return values


@endpoint(bp, "/events", "POST", summary="Create an event (or a weekly series)", access=Access.STAFF,
          body=EventIn, response=EventOut, status=201, errors=_INVALID)
def create_event(body: EventIn):
    """Create an event; with `repeat`, a weekly series (the answer is its first occurrence)."""
    repeat = SeriesRule(**body.repeat.model_dump()) if body.repeat else None
    values = _event_values(body)
    values.setdefault("category", body.category.value)
    values.setdefault("entry", body.entry.value)
    event = services.create_event(values, published=body.published, repeat=repeat)
    db.session.commit()
    return _answer(event), 201


@endpoint(bp, "/events/check", "POST", summary="Warnings before creating an event", access=Access.STAFF,
          body=EventIn, response=EventWarnings, errors=_INVALID)
def check_event(body: EventIn):
    """Say what deserves a second look (a start in the past, another event at the same time, guests under
    16 after the curfew) without saving anything; creating the event is never refused for these."""
    repeat = SeriesRule(**body.repeat.model_dump()) if body.repeat else None
    return {"warnings": [str(w) for w in services.warnings_for(_event_values(body), repeat)]}


@endpoint(bp, "/events/<int:event_id>", "PATCH", summary="Change an event", access=Access.STAFF, body=EventPatch,
          response=EventOut, errors=[*_INVALID, (404, "not_found", "no such event"),
                                     (409, "has_registrations", "unpublishing while people are registered")])
def update_event(event_id: int, body: EventPatch):
    """Change the members sent; `scope: following` changes the later occurrences of its series too."""
    event = db.session.get(Event, event_id) or abort(404)
    changes = _event_values(body)
    if "published" in body.model_fields_set:
        changes["published"] = body.published
    services.update_event(event, changes, scope=body.scope)
    db.session.commit()
    return _answer(event)


@endpoint(bp, "/events/<int:event_id>/cancel", "POST", summary="Cancel an event", access=Access.STAFF,
          body=CancelIn, response=EventOut, errors=[(404, "not_found", "no such event"),
                                                    (409, "already_cancelled", "the event is already cancelled")])
def cancel_event(event_id: int, body: CancelIn):
    """Cancel the event (it stays visible, marked cancelled) and tell everybody registered."""
    event = db.session.get(Event, event_id) or abort(404)
    services.cancel_event(event, body.reason, scope=body.scope)
    db.session.commit()
    return _answer(event)


def calendar_feed_member(user, **_) -> dict:
    """`GET /api/v1/me` gains the person's secret calendar feed URL."""
    return {"calendar_feed_url": public_url("events.personal_feed", token=user.feed_token)}

