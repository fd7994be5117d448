"""iCalendar feeds and fingerprints: the public and personal feeds and their versions (answered 304 when
unchanged)."""

from datetime import timedelta
from functools import cache
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext
from sqlalchemy import bindparam, func, or_, select

from .. import signals, versions
from ..accounts.models import User
from ..accounts.services import new_feed_token
from ..db import utcnow
from ..extensions import db
from ..ical import CalendarItem
from ..urls import public_url
from ..venue.models import Zone
from .models import Event, EventStatus
from .services import CATEGORY_LABELS, venue_contact_line

#: /calendar.ics lists published events from this many days back, and every later one.
RECENT_DAYS = 30


#: A personal feed keeps a longer history of the person's own events.
PERSONAL_RECENT_DAYS = 180


def uid_host() -> str:
    """Return the host part of iCalendar UIDs: stable, so it does not follow the request's host."""
    return urlsplit(current_app.config.get("PUBLIC_BASE_URL") or "").hostname or "anticafe"


def regenerate_feed_token(user: User) -> str:
    """Give a person a new personal-feed secret; the old feed URL stops working."""
    user.feed_token = new_feed_token()
    db.session.flush()
    return user.feed_token


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
    contact_text = venue_contact_line()
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
            contact=contact_text, url=f"{detail_url}/{item.id}",
            categories=[labels.get(item.category, item.category)],
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


def feed_version(category: str | None = None) -> str:
    """Fingerprint /calendar.ics with one query: the feeds' data version and an aggregate of the window.

    Every committed change to events, series or zones bumps the feeds' version (`anticafe.versions`),
    on every worker and server; the aggregate sees events entering or leaving the window as time passes.
    """
    since = utcnow() - timedelta(days=RECENT_DAYS)
    # On the session's connection, past the ORM's statement handling (a third of this query's cost).
    row = db.session.connection().execute(_feed_version_statement(category is not None),
                                          {"since": since, "category": category}).one()
    return ":".join(str(value) for value in row)


@cache
def _feed_version_statement(by_category: bool):
    # Built once: a subscribed calendar polls often, and building the aggregate costs more than running it.
    conditions = [Event.published.is_(True), Event.starts_at >= bindparam("since", type_=Event.starts_at.type)]
    if by_category:
        conditions.append(Event.category == bindparam("category"))
    return (select(versions.feeds_version_subquery(), func.count(Event.id), func.max(Event.updated_at),
                   func.coalesce(func.sum(Event.sequence), 0), func.coalesce(func.sum(Event.id), 0))
            .where(*conditions))


def personal_events(user: User) -> list:
    """Return the events a person holds a confirmed registration for (recent ones and all ahead), as rows."""
    since = utcnow() - timedelta(days=PERSONAL_RECENT_DAYS)
    held = [Event.id.in_(event_ids) for event_ids in signals.answers(signals.held_events, user)]
    if not held:
        return []
    stmt = (select(*_FEED_COLUMNS).where(or_(*held), Event.starts_at >= since)
            .order_by(Event.starts_at, Event.id).distinct())
    return list(db.session.execute(stmt))


def user_for_feed_token(token: str) -> User | None:
    """Return the active person whose personal feed this secret opens."""
    if not token or len(token) > 64:
        return None
    user = db.session.scalar(select(User).where(User.feed_token == token))
    return user if user is not None and user.active else None
