"""Calendar pages (month, week, upcoming), the event page, iCalendar feeds, covers, and staff pages."""

from collections import defaultdict
from datetime import date, timedelta
from functools import lru_cache

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import format_date, get_locale, ngettext, pgettext
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from .. import signals, versions
from ..accounts.views import safe_next
from ..auth import Access, require
from ..db import utcnow
from ..errors import run_service
from ..extensions import db
from ..ical import calendar_response
from ..inputs import query_date, query_month
from ..memo import Memo
from ..templating import template_helpers
from ..timeutil import to_venue, venue_today
from ..venue.models import Zone
from . import covers, feeds, listings, rules, services
from .forms import CancelForm, EditEventForm, NewEventForm
from .markup import plain_text, render_markdown
from .models import Category, Entry, Event
from .recurrence import SeriesRule

bp = Blueprint("events", __name__)


def _is_staff() -> bool:
    return bool(current_user.is_authenticated) and current_user.is_staff


# ------------------------------------------------------------------------------------------------
# Template helpers

def category_label(code: str) -> str:
    """Return a category's name in the current language."""
    return _category_label(code, str(get_locale()))


@lru_cache(maxsize=256)
def _category_label(code: str, locale: str) -> str:
    # The name is a pure function of the code and the language (the catalogues do not change while
    # the app runs); cards say it twice each.
    try:
        return str(services.CATEGORY_LABELS[Category(code)])
    except ValueError:
        return code


def entry_label(code: str) -> str:
    """Return how one gets in ("Free entry", "Timed visit...") in the current language."""
    try:
        return str(services.ENTRY_LABELS[Entry(code)])
    except ValueError:
        return code


def markdown_filter(text: str) -> Markup:
    """Render a Markdown description to sanitized HTML."""
    return Markup(render_markdown(text or ""))


def excerpt_filter(text: str, limit: int = 140) -> str:
    """Return a description's first words as plain text."""
    return plain_text(text or "", limit)


def age_limits(event: Event) -> str:
    """Return the age limits in short ("12+", "12–18", "up to 10"), or "" without limits."""
    return services.age_limits(event)


# ------------------------------------------------------------------------------------------------
# Filters shared by the calendar pages

def _filters() -> dict:
    """Read ?category= and ?for_me=1 (the age filter only for people whose birth date we know)."""
    category = request.args.get("category") or None
    if category not in {c.value for c in Category}:
        category = None
    can_filter_age = bool(current_user.is_authenticated and current_user.birth_date)
    for_me = can_filter_age and request.args.get("for_me") == "1"
    return {"category": category, "for_me": for_me, "can_filter_age": can_filter_age}


def _link_args(filters: dict) -> dict:
    """Return the query arguments that keep the filters on links between views."""
    args = {}
    if filters["category"]:
        args["category"] = filters["category"]
    if filters["for_me"]:
        args["for_me"] = "1"
    return args


def _cards(events: list[Event], filters: dict) -> list[listings.EventCard]:
    items = listings.cards(events, current_user)
    return listings.for_age(items) if filters["for_me"] else items


def _by_day(items: list[listings.EventCard]) -> dict[date, list[listings.EventCard]]:
    days: dict[date, list] = defaultdict(list)
    for item in items:
        days[item.starts.date()].append(item)
    return days


def _chip_lines(items: list[listings.EventCard]) -> dict[int, dict]:
    """Return {event id: {"time", "category", "extra", "href"}}: what each chip of the month grid says.

    A month shows up to ~170 chips; saying each label once per page instead of once per chip (Babel's
    lookups and formatting) is most of the page's time.
    """
    labels = {c.value: str(services.CATEGORY_LABELS[c]) for c in Category}
    words = {"cancelled": pgettext("event", "Cancelled"), "draft": pgettext("event", "Draft"),
             "waitlist": _("Waitlist"), "not_for_age": _("Not for your age"), "past": _("Already over")}
    seats: dict[int, str] = {}
    limits_text: dict[tuple, str] = {}
    # One url_for for all the chips (it is the slowest part of a chip): /events/<id> with the id swapped in.
    detail = url_for("events.detail", event_id=0).removesuffix("0")
    chips = {}
    for item in items:
        event = item.event
        extra = []
        if event.is_cancelled:
            extra.append(words["cancelled"])
        elif not event.published:
            extra.append(words["draft"])
        elif item.past:
            extra.append(words["past"])
        elif not item.registrable:
            pass  # seats left mean nothing before registration opens or after it closes
        elif item.full:
            extra.append(words["waitlist"])
        elif item.seats_left is not None:
            if item.seats_left not in seats:
                seats[item.seats_left] = ngettext("%(num)s seat left", "%(num)s seats left", item.seats_left)
            extra.append(seats[item.seats_left])
        ages = (event.min_age, event.max_age)
        if ages not in limits_text:
            limits_text[ages] = age_limits(event)
        limits = limits_text[ages]
        if limits:
            extra.append(limits)
        if item.age_ok is False:
            extra.append(words["not_for_age"])
        chips[event.id] = {"time": item.starts.strftime("%H:%M"), "extra": " · ".join(extra),
                           "category": labels.get(event.category, event.category), "href": f"{detail}{event.id}"}
    return chips


def _day_labels(days: list[date]) -> dict[date, str]:
    """Return {day: "пятница, 4 декабря"} (format "EEEE, d MMMM") from the locale's names, read once."""
    names = get_locale()
    weekdays, months = names.days["format"]["wide"], names.months["format"]["wide"]
    return {day: f"{weekdays[day.weekday()]}, {day.day} {months[day.month]}" for day in days}


def _page_context(filters: dict) -> dict:
    return {"filters": filters, "link_args": _link_args(filters), "categories": list(Category),
            "today": venue_today()}


@bp.route("/events/")
def month():
    """Show a month as a grid (a list of days on phones)."""
    filters = _filters()
    today = venue_today()
    shown = query_month(request.args.get("month"), today)
    year, number = shown.year, shown.month
    grid = rules.month_grid(year, number)
    first = date(year, number, 1)
    grid_html, has_items = _month_grid(grid, first, filters, today)
    previous, following = (date(*rules.shift_month(year, number, step), 1) for step in (-1, 1))
    return render_template("events/month.html", grid_html=grid_html, has_items=has_items, month_start=first,
                           month_title=format_date(first, "LLLL yyyy").capitalize(),
                           prev_month=previous.strftime("%Y-%m"), next_month=following.strftime("%Y-%m"),
                           **_page_context(filters))


#: Rendered month grids: {(what the grid depends on, the data's version): (HTML, whether it has events)}.
_grids = Memo(size=64)


def _month_grid(grid: list[list[date]], first: date, filters: dict, today: date) -> tuple[Markup, bool]:
    """Render the month grid, or reuse the one rendered for the same question and data.

    The key holds everything the grid shows: the language, the month, the filters, whether drafts are
    shown (staff), the viewer's birth date (the "not for your age" marks), today, and the calendar's
    data version (`anticafe.versions`), bumped by every committed change to events, registrations and
    zones: an edit, a new registration or a freed seat shows at once on every worker.
    """
    staff = _is_staff()
    birth = current_user.birth_date if current_user.is_authenticated else None
    key = (str(db.engine.url), str(get_locale()), first, grid[0][0], grid[-1][-1], filters["category"],
           filters["for_me"], staff, birth, today, versions.calendar_version())
    found = _grids.get(key)
    if found is not None:
        return found
    events = listings.events_on_days(grid[0][0], grid[-1][-1], staff=staff, category=filters["category"],
                                     only=listings.CHIP_COLUMNS)
    items = _cards(events, filters)
    html = Markup(render_template("events/_month_grid.html", grid=grid, by_day=_by_day(items),
                                  chips=_chip_lines(items), day_labels=_day_labels([d for week in grid for d in week]),
                                  month_start=first, today=today))
    _grids.put(key, (html, bool(items)))
    return html, bool(items)


@bp.route("/events/week")
def week():
    """Show one week, Monday to Sunday."""
    filters = _filters()
    day = query_date(request.args.get("date"), venue_today())
    start = rules.week_start(day)
    days = [start + timedelta(days=n) for n in range(7)]
    events = listings.events_on_days(days[0], days[-1], staff=_is_staff(), category=filters["category"])
    items = _cards(events, filters)
    return render_template("events/week.html", days=days, by_day=_by_day(items), items=items,
                           prev_week=(start - timedelta(days=7)).isoformat(),
                           next_week=(start + timedelta(days=7)).isoformat(), **_page_context(filters))


@bp.route("/events/upcoming")
def upcoming():
    """List what is on next, day by day."""
    filters = _filters()
    events = listings.upcoming_events(limit=100, staff=_is_staff(), category=filters["category"])
    items = _cards(events, filters)
    return render_template("events/upcoming.html", by_day=_by_day(items), items=items, **_page_context(filters))


def _visible_or_404(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None or not (event.published or _is_staff()):
        abort(404)
    return event


@bp.route("/events/<int:event_id>")
def detail(event_id: int):
    """Show everything about one event."""
    event = _visible_or_404(event_id)
    card = listings.card(event, current_user)
    series = [item for item in listings.series_events(event) if item.published or _is_staff()]
    later = [item for item in series if item.starts_at > event.starts_at and not item.is_cancelled][:4]
    return render_template("events/detail.html", event=event, card=card, later=later,
                           series_size=len(series), place=services.place_text(event),
                           registration=event.registration_state(utcnow()),
                           sections=signals.answers(signals.event_sections, event))


@bp.route("/events/<int:event_id>.ics")
def event_ics(event_id: int):
    """Download one event for a calendar app."""
    event = _visible_or_404(event_id)
    return calendar_response([feeds.calendar_item(event)], name=event.title, filename=f"event-{event.id}.ics")


@bp.route("/calendar.ics")
def calendar_ics():
    """The café's programme as a calendar subscription (recent and upcoming events; ?category=)."""
    category = request.args.get("category") or None
    name = f"{current_app.config['VENUE_NAME']} — {pgettext('navigation', 'Events')}"
    if category is not None:
        if category not in {c.value for c in Category}:
            abort(404)
        name += f": {category_label(category)}"
    return calendar_response(lambda: feeds.calendar_items(feeds.feed_events(category)), name=name,
                             filename="calendar.ics", version=feeds.feed_version(category))


@bp.route("/feeds/<token>.ics")
def personal_feed(token: str):
    """A person's own confirmed events, at a secret address their calendar app subscribes to."""
    user = feeds.user_for_feed_token(token) or abort(404)
    items = feeds.calendar_items(feeds.personal_events(user))
    response = calendar_response(items, name=f"{_('My events')} — {current_app.config['VENUE_NAME']}",
                                 filename="my-events.ics")
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.route("/feeds/regenerate", methods=["POST"])
@require(Access.USER)
def regenerate_feed():
    """Give the current person a new personal feed address (the old one stops working)."""
    feeds.regenerate_feed_token(current_user)
    db.session.commit()
    flash(_("Your calendar feed has a new address. Subscribe again with it: the old one no longer works."),
          "success")
    return redirect(safe_next(url_for("events.upcoming")))


@bp.route("/events/covers/<name>")
def cover(name: str):
    """Serve a cover picture (random names, so they can be cached for long)."""
    path = covers.cover_path(name) or abort(404)
    return send_file(path, mimetype="image/jpeg", max_age=60 * 60 * 24 * 365, conditional=True)


#: What the home page lists: the next few events within two months.
HOME_EVENTS, HOME_DAYS = 4, 60


def upcoming_section(app, **_) -> dict:
    """Home page: the next few published events, and when that list next changes by the clock alone."""
    now = utcnow()
    events = listings.upcoming_events(limit=HOME_EVENTS, days=HOME_DAYS, now=now)
    return {"upcoming_events": listings.cards(events, current_user, now=now),
            "valid_until": listings.next_change(events, now, limit=HOME_EVENTS, days=HOME_DAYS)}


# ------------------------------------------------------------------------------------------------
# Staff pages

def _zone_choices() -> list[SelectChoice]:
    zones = db.session.scalars(select(Zone).order_by(Zone.name)).all()
    return [SelectChoice("", _("The whole café (no particular zone)"))] + [SelectChoice(z.id, z.name) for z in zones]


def _cover_upload(form) -> bytes | None:
    upload = request.files.get(form.cover.name)
    if upload is None or not upload.filename:
        return None
    return services.prepare_cover(upload.stream)


def _staff_event(event_id: int) -> Event:
    return db.session.get(Event, event_id) or abort(404)


@bp.route("/staff/events/")
@require(Access.STAFF)
def manage():
    """List events for staff, drafts and cancelled ones included."""
    past = request.args.get("when") == "past"
    now = utcnow()
    stmt = select(Event)
    if past:
        stmt = stmt.where(Event.starts_at < now).order_by(Event.starts_at.desc(), Event.id.desc()).limit(100)
    else:
        stmt = stmt.where(Event.ends_at >= now).order_by(Event.starts_at, Event.id).limit(300)
    items = listings.cards(list(db.session.scalars(stmt)))
    return render_template("events/manage.html", items=items, past=past)


@bp.route("/staff/events/new", methods=["GET", "POST"])
@require(Access.STAFF)
def new():
    """Create an event, once or as a weekly series."""
    form = NewEventForm()
    form.zone_id.choices = _zone_choices()
    if form.validate_on_submit():
        repeat = None
        if form.repeat.data == "weekly":
            by_date = form.repeat_end.data == "until"
            repeat = SeriesRule(interval_weeks=form.interval_weeks.data or 1,
                                until=form.until.data if by_date else None,
                                count=None if by_date else form.count.data)
        warnings = services.warnings_for(form.event_data(), repeat)
        if warnings and not form.confirm_warnings.data:
            return render_template("events/form.html", form=form, event=None, warnings=warnings), 409
        # The cover is read inside the service call: a rejected picture shows on the form like any refusal.
        event, error = run_service(lambda: services.create_event(form.event_data(), published=form.published.data,
                                                                 repeat=repeat, cover=_cover_upload(form)), form=form)
        if not error:
            if repeat is not None:
                count = len(event.series.events)
                flash(_("The series is created: %(n)s events.", n=count), "success")
            else:
                flash(_("The event is created."), "success")
            return redirect(url_for("events.detail", event_id=event.id))
    return render_template("events/form.html", form=form, event=None), 422 if form.errors else 200


@bp.route("/staff/events/<int:event_id>/edit", methods=["GET", "POST"])
@require(Access.STAFF)
def edit(event_id: int):
    """Change an event (for a series: this one, or this and the following ones)."""
    event = _staff_event(event_id)
    form = EditEventForm(obj=event)
    form.zone_id.choices = _zone_choices()
    if not form.is_submitted():
        for name in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
            value = getattr(event, name)
            getattr(form, name).data = to_venue(value).replace(tzinfo=None) if value else None
    elif form.validate():
        data = form.event_data()
        if form.remove_cover.data:
            data["cover_image"] = None
        scope = form.scope.data if event.series_id else "this"
        warnings = _edit_warnings(event, data, scope)
        if warnings and not form.confirm_warnings.data:
            return render_template("events/form.html", form=form, event=event, warnings=warnings), 409
        changed, error = run_service(lambda: services.update_event(event, data, scope=scope, cover=_cover_upload(form)),
                                     form=form)
        if not error:
            if not changed:
                flash(_("Nothing was changed."), "info")
            elif len(changed) > 1:
                flash(_("Saved: %(n)s events changed.", n=len(changed)), "success")
            else:
                flash(_("The event is saved."), "success")
            return redirect(url_for("events.detail", event_id=event.id))
    return render_template("events/form.html", form=form, event=event), 422 if form.errors else 200


def _edit_warnings(event: Event, data: dict, scope: str) -> list:
    """Warn about the edited event's new times and ages, only when they changed (an old event saved again
    with a new title is not "in the past" news)."""
    local = {name: to_venue(getattr(event, name)).replace(tzinfo=None) for name in ("starts_at", "ends_at")}
    if (data["starts_at"], data["ends_at"], data["min_age"], data["max_age"]) == (
            local["starts_at"], local["ends_at"], event.min_age, event.max_age):
        return []
    return services.warnings_for(data, exclude_ids=[event.id],
                                 exclude_series_id=event.series_id if scope == "following" else None)


def _back_to(event_id: int):
    return redirect(safe_next(url_for("events.detail", event_id=event_id)))


@bp.route("/staff/events/<int:event_id>/duplicate", methods=["POST"])
@require(Access.STAFF)
def duplicate(event_id: int):
    """Copy an event as a draft a week later, and open the copy for editing."""
    copy = services.duplicate_event(_staff_event(event_id))
    db.session.commit()
    flash(_("This is a copy, saved as a draft. Check the date and the details, then publish it."), "info")
    return redirect(url_for("events.edit", event_id=copy.id))


@bp.route("/staff/events/<int:event_id>/publish", methods=["POST"])
@require(Access.STAFF)
def publish(event_id: int):
    """Publish a draft."""
    event = _staff_event(event_id)
    services.publish_event(event)
    db.session.commit()
    flash(_("The event is published."), "success")
    return _back_to(event.id)


@bp.route("/staff/events/<int:event_id>/unpublish", methods=["POST"])
@require(Access.STAFF)
def unpublish(event_id: int):
    """Hide an event again (only while nobody is registered)."""
    event = _staff_event(event_id)
    error = run_service(services.unpublish_event, event).error
    if not error:
        flash(_("The event is a draft again; visitors no longer see it."), "success")
    return _back_to(event.id)


@bp.route("/staff/events/<int:event_id>/cancel", methods=["GET", "POST"])
@require(Access.STAFF)
def cancel(event_id: int):
    """Ask for a reason, then cancel (and tell everybody registered)."""
    event = _staff_event(event_id)
    if event.is_cancelled:
        flash(_("This event is already cancelled."), "info")
        return redirect(url_for("events.detail", event_id=event.id))
    form = CancelForm()
    if form.validate_on_submit():
        scope = form.scope.data if event.series_id else "this"
        changed, error = run_service(services.cancel_event, event, form.reason.data, scope=scope)
        if not error:
            flash(_("Cancelled: %(n)s events. Everybody registered has been told.", n=len(changed))
                  if len(changed) > 1 else _("The event is cancelled. Everybody registered has been told."),
                  "success")
            return redirect(url_for("events.detail", event_id=event.id))
    card = listings.card(event)
    return render_template("events/cancel.html", form=form, event=event, card=card), 422 if form.errors else 200


@bp.route("/staff/events/<int:event_id>/delete", methods=["POST"])
@require(Access.STAFF)
def delete(event_id: int):
    """Delete a draft nobody registered for."""
    event = _staff_event(event_id)
    error = run_service(services.delete_draft, event).error
    if error:
        return _back_to(event.id)
    flash(_("The draft is deleted."), "success")
    return redirect(url_for("events.manage"))


template_helpers(bp, filters={"category_label": category_label, "markdown": markdown_filter, "excerpt": excerpt_filter,
                              "age_limits": age_limits}, entry_label=entry_label,
                 calendar_links=services.calendar_links)
