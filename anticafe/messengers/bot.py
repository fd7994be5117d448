"""The bot's conversation, the same for Telegram and VK: a message or a button in, replies out.

`answer(incoming)` reads what the person wrote or tapped and returns `Reply` values (text, buttons,
maybe a QR picture); the Telegram and VK adapters turn them into their API calls. Every action calls
the site's own services (`registrations.services.register`, `.cancel`, `visits.services.quote_for`,
the venue's hours), so the rules and the error messages are the site's. The caller commits.
"""

from dataclasses import dataclass, field

from flask import current_app
from flask_babel import force_locale, format_datetime, gettext
from flask_babel import lazy_gettext as _l

from .. import codes
from ..accounts.models import User
from ..db import utcnow
from ..errors import DomainError
from ..events.listings import upcoming_events
from ..events.models import Event
from ..extensions import db
from ..notifications import services as notifications
from ..qr import png_bytes
from ..registrations import services as registrations
from ..registrations.models import Registration
from ..timeutil import venue_today
from ..venue import services as venue
from ..visits import tariffs as visits
from ..visits.pricing import money

#: How many events «Афиша» lists.
EVENTS_SHOWN = 5

#: The menu's commands: payload -> the label in each language. Typing a label works like tapping it.
MENU = {
    "events": _l("What's on"),
    "tickets": _l("My tickets"),
    "price": _l("How much is it"),
    "address": _l("Address and hours"),
}

#: Slash commands (Telegram's menu) for the same actions.
COMMANDS = {"/events": "events", "/tickets": "tickets", "/price": "price", "/address": "address",
            "/help": "help", "/start": "start"}


@dataclass
class Button:
    label: str
    payload: str


@dataclass
class Reply:
    text: str
    #: inline buttons, rows of them
    buttons: list[list[Button]] = field(default_factory=list)
    #: a PNG to send with `text` as its caption (a ticket's QR)
    photo: bytes | None = None
    #: show the main menu keyboard with this reply
    menu: bool = False
    #: the language the reply is written in (adapters draw the menu in it)
    locale: str | None = None


@dataclass
class Incoming:
    """What arrived from a chat: typed text, a tapped button's payload, or a deep link's token."""

    channel: str
    chat_id: str
    text: str = ""
    payload: str | None = None
    #: the messenger's language hint ("ru", "en-US"), used until the chat is linked to an account
    language: str | None = None
    #: the one-time token of a deep link (Telegram's /start parameter, VK's ref)
    start_token: str | None = None
    display_name: str | None = None


def menu_labels() -> dict[str, str]:
    """Return the menu's labels in the current language, keyed by payload."""
    return {payload: str(label) for payload, label in MENU.items()}


def _language(user: User | None, hint: str | None) -> str:
    if user is not None and user.locale:
        return user.locale
    languages = current_app.config["LANGUAGES"]
    short = (hint or "").split("-")[0].lower()
    return short if short in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def command_of(incoming: Incoming) -> tuple[str, str]:
    """Return (action, argument) for a message: ("start", token), ("reg", "12"), ("events", "")..."""
    if incoming.start_token:
        return "start", incoming.start_token
    if incoming.payload:
        action, _, argument = incoming.payload.partition(":")
        return action, argument
    text = (incoming.text or "").strip()
    if text.startswith("/"):
        word, _, rest = text.partition(" ")
        return COMMANDS.get(word.split("@")[0].lower(), "help"), rest.strip()
    folded = text.casefold()
    for locale in current_app.config["LANGUAGES"]:
        with force_locale(locale):
            for payload, label in menu_labels().items():
                if folded == label.casefold():
                    return payload, ""
    if folded in ("start", "начать"):  # VK's «Начать» button
        return "start", ""
    return "help", ""


def answer(incoming: Incoming) -> list[Reply]:
    """Answer one message or button of a chat; return the replies in order."""
    action, argument = command_of(incoming)
    if action == "start" and argument:
        user = notifications.link_by_token(incoming.channel, argument, incoming.chat_id, incoming.display_name)
        locale = _language(user, incoming.language)
        with force_locale(locale):
            if user is None:
                replies = [Reply(gettext("This link has expired or was already used. Open the notifications page "
                                         "on the site and tap the button again for a new one."), menu=True)]
            else:
                replies = [Reply(gettext("Done: this chat is linked to %(name)s. Tickets, reminders and news of "
                                         "your events will come here.", name=user.name), menu=True)]
    else:
        user = notifications.user_for_chat(incoming.channel, incoming.chat_id)
        locale = _language(user, incoming.language)
        with force_locale(locale):
            handler = HANDLERS.get(action, greet)
            try:
                replies = handler(user, argument)
            except DomainError as error:
                db.session.rollback()
                replies = [Reply(str(error.message))]
    for reply in replies:
        reply.locale = locale
    return replies


# ------------------------------------------------------------------------------------------------
# The actions

def greet(user: User | None, argument: str = "") -> list[Reply]:
    """Say hello and show the menu; explain linking to a stranger."""
    venue_name = current_app.config["VENUE_NAME"]
    if user is None:
        text = gettext("Hello! This is the bot of %(venue)s. Tap «%(events)s» to see what is on. To register "
                       "and get your tickets and reminders here, link your account: on the site open "
                       "Notifications → Channels and tap the button for this messenger.",
                       venue=venue_name, events=str(MENU["events"]))
    else:
        text = gettext("Hello, %(name)s! Choose below: the events, your tickets, prices, or the address and hours.",
                       name=user.name)
    return [Reply(text, menu=True)]


def _needs_account() -> list[Reply]:
    return [Reply(gettext("First link your account: on the site open Notifications → Channels and tap the button "
                          "for this messenger. Then come back here."), menu=True)]


def list_events(user: User | None, argument: str = "") -> list[Reply]:
    """«Афиша»: the next events, each with a button to register."""
    events = upcoming_events(limit=EVENTS_SHOWN, days=60)
    if not events:
        return [Reply(gettext("Nothing is planned yet. Have a look later!"), menu=True)]
    counts = registrations.counts_for([event.id for event in events])
    lines, buttons = [gettext("What is on next:")], []
    for event in events:
        seats = counts.get(event.id)
        confirmed = seats.confirmed if seats is not None else 0
        if event.capacity is None:
            places = gettext("no seat limit")
        else:
            left = max(event.capacity - confirmed, 0)
            places = gettext("%(num)s seats left", num=left) if left else gettext("full, waitlist open")
        lines.append(f"• {format_datetime(event.starts_at, 'd MMMM, HH:mm')} — {event.title} ({places})")
        buttons.append([Button(gettext("Register: %(title)s", title=event.title)[:60], f"reg:{event.id}")])
    return [Reply("\n".join(lines), buttons=buttons)]


def register(user: User | None, argument: str) -> list[Reply]:
    """Register the person for an event with one tap, by the site's rules."""
    if user is None:
        return _needs_account()
    event = db.session.get(Event, int(argument)) if argument.isdigit() else None
    if event is None or not event.published:
        return [Reply(gettext("No such event."))]
    registration = registrations.register(event, user, by=user)
    if registration.is_confirmed:
        return [Reply(gettext("You are registered for “%(title)s”.", title=event.title)), ticket_reply(registration)]
    return [Reply(gettext("There are no seats left, so you are number %(position)s on the waitlist of “%(title)s”. "
                          "If a seat frees up, your ticket will come here.",
                          position=registration.waitlist_position, title=event.title),
                  buttons=[[Button(gettext("Leave the waitlist"), f"cancel:{registration.id}")]])]


def ticket_reply(registration: Registration) -> Reply:
    """A ticket: the QR of its URL as a picture, the event, the typeable code and a cancel button."""
    url = registrations.ticket_url(registration)
    event = registration.event
    text = "\n".join([
        gettext("Ticket: %(title)s", title=event.title),
        format_datetime(event.starts_at, "d MMMM, HH:mm"),
        gettext("Code: %(code)s", code=codes.group(registration.ticket_code)),
        url,
    ])
    return Reply(text, photo=png_bytes(url, box_size=8),
                 buttons=[[Button(gettext("Cancel"), f"cancel:{registration.id}")]])


def my_tickets(user: User | None, argument: str = "") -> list[Reply]:
    """«Мои билеты»: upcoming tickets with their QR, and waitlist places."""
    if user is None:
        return _needs_account()
    upcoming, _past = registrations.split_upcoming(
        registrations.user_registrations(user, include_cancelled=False), utcnow())
    if not upcoming:
        return [Reply(gettext("You have no upcoming tickets. Tap «%(events)s» to find something.",
                              events=str(MENU["events"])), menu=True)]
    replies = []
    for registration in upcoming[:10]:
        if registration.is_confirmed:
            replies.append(ticket_reply(registration))
        else:
            replies.append(Reply(gettext("“%(title)s”, %(when)s: you are number %(position)s on the waitlist.",
                                         title=registration.event.title,
                                         when=format_datetime(registration.event.starts_at, "d MMMM, HH:mm"),
                                         position=registration.waitlist_position),
                                 buttons=[[Button(gettext("Leave the waitlist"), f"cancel:{registration.id}")]]))
    return replies


def cancel(user: User | None, argument: str) -> list[Reply]:
    """«Отменить» on a ticket or a waitlist place."""
    if user is None:
        return _needs_account()
    registration = db.session.get(Registration, int(argument)) if argument.isdigit() else None
    if registration is None or registration.user_id != user.id:
        return [Reply(gettext("No such registration."))]
    if registration.is_cancelled:
        return [Reply(gettext("This registration is already cancelled."))]
    registrations.cancel(registration, by=user)
    return [Reply(gettext("Cancelled: “%(title)s”. Thank you for freeing the seat!", title=registration.event.title),
                  menu=True)]


def prices(user: User | None, argument: str = "") -> list[Reply]:
    """«Сколько стоит»: today's price of one, two and three hours, and the tariff in words."""
    category = user.guest_category if user is not None else "standard"
    day = venue_today()
    lines = [gettext("A stay today costs:")]
    for hours in (1, 2, 3):
        quote = visits.quote_for(hours * 60, category, day)
        lines.append(gettext("%(hours)s h — %(amount)s ₽", hours=hours, amount=money(quote.amount).removesuffix(".00")))
    lines.append("")
    lines.extend(visits.tariff_words())
    return [Reply("\n".join(lines), menu=True)]


def address(user: User | None, argument: str = "") -> list[Reply]:
    """The venue's address and opening hours."""
    from babel.dates import get_day_names
    from flask_babel import get_locale

    names = dict(get_day_names("wide", locale=get_locale()))
    lines = [current_app.config["VENUE_NAME"], current_app.config["VENUE_ADDRESS"], "", gettext("Opening hours:")]
    for weekday, hours in sorted(venue.weekly_hours().items()):
        if hours.is_open_day and hours.opens and hours.closes:
            lines.append(f"{names[weekday]}: {hours.opens:%H:%M}–{hours.closes:%H:%M}")
        else:
            lines.append(f"{names[weekday]}: {gettext('closed')}")
    return [Reply("\n".join(lines), menu=True)]


HANDLERS = {
    "start": greet,
    "help": greet,
    "events": list_events,
    "reg": register,
    "tickets": my_tickets,
    "cancel": cancel,
    "price": prices,
    "address": address,
}
