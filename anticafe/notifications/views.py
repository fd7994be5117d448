"""A person's notifications page, their channels (messenger links and per-kind choices)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..auth import Access, guard_blueprint
from ..extensions import db
from ..security import CSP
from . import rules, services
from .channels import all_channels
from .messengers import Blocked, TryLater, enabled_messengers, telegram_bot_username, vk_chat_link

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
guard_blueprint(bp, Access.USER)

#: Where the deep links lead (allowed as form targets).
MESSENGER_HOSTS = {"telegram": "https://t.me", "vk": "https://vk.me"}

TOPIC_LABELS = {
    "reminders": _l("Reminders before events and bookings"),
    "changes": _l("Changes and cancellations"),
    "promotions": _l("A seat from the waitlist"),
}


@bp.route("/")
def index():
    """Show the latest messages, unread first highlighted."""
    return render_template("notifications/index.html", notifications=services.recent(current_user))


@bp.route("/read", methods=["POST"])
def mark_read():
    """Mark every message as read."""
    services.mark_all_read(current_user)
    db.session.commit()
    flash(_("All notifications are marked as read."), "success")
    return redirect(url_for("notifications.index"))


def delivery_channels() -> list:
    """Return the delivery channels set up on this site (email only with SMTP, messengers only with a token)."""
    return [channel for name, channel in all_channels().items()
            if name in rules.DELIVERY_CHANNELS and channel.enabled()]


@bp.route("/channels", methods=["GET", "POST"])
def channels():
    """Show the messenger links and the channel for each kind of message; save the choices."""
    available = delivery_channels()
    if request.method == "POST":
        chosen = {(topic, channel.name): f"{topic}:{channel.name}" in request.form
                  for topic in rules.TOPICS for channel in available}
        services.set_preferences(current_user, chosen)
        db.session.commit()
        flash(_("Your choices are saved."), "success")
        return redirect(url_for("notifications.channels"))
    return render_template("notifications/channels.html", channels=available, topics=rules.TOPICS,
                           topic_labels=TOPIC_LABELS, chosen=services.preferences(current_user),
                           reachable=services.reachable_channels(current_user))


def deep_link(channel: str, token: str) -> str:
    """Return the URL that opens the venue's bot with a one-time token."""
    if channel == "telegram":
        return f"https://t.me/{telegram_bot_username()}?start={token}"
    return vk_chat_link(token)


@bp.route("/channels/<channel>/link", methods=["POST"])
def link(channel: str):
    """Open the venue's bot with a one-time deep link that links this account."""
    if channel not in enabled_messengers():
        abort(404)
    token = services.new_link_token(current_user, channel)
    try:
        url = deep_link(channel, token)
    except (Blocked, TryLater):
        db.session.rollback()
        flash(_("The messenger does not answer right now. Please try again in a minute."), "error")
        return redirect(url_for("notifications.channels"))
    db.session.commit()
    return redirect(url)


@bp.route("/channels/<channel>/unlink", methods=["POST"])
def unlink(channel: str):
    """Stop getting messages in a messenger."""
    if channel not in rules.MESSENGERS:
        abort(404)
    if services.unlink(current_user, channel):
        flash(_("Unlinked: we will not write there any more."), "success")
    db.session.commit()
    return redirect(request.form.get("next") if request.form.get("next", "").startswith("/")
                    and not request.form.get("next", "").startswith("//") else url_for("notifications.channels"))


def inject_unread():
    """Template context: the unread count for the header's bell."""
    if current_user.is_authenticated:
        return {"unread_notifications": services.unread_count(current_user)}
    return {}


def messenger_options() -> list[dict]:
    """For templates: each messenger set up on the site with the current person's link (or None)."""
    if not current_user.is_authenticated:
        return []
    links = services.links_of(current_user)
    return [{"channel": name, "label": services.MESSENGER_NAMES[name], "link": links.get(name)}
            for name in enabled_messengers()]


bp.app_context_processor(inject_unread)
bp.add_app_template_global(messenger_options)



@bp.after_app_request
def allow_messenger_redirects(response):
    """Let the «Get them in Telegram/VK» forms land on t.me / vk.me: CSP's form-action covers redirects too."""
    if response.mimetype == "text/html" and "Content-Security-Policy" not in response.headers:
        names = enabled_messengers()
        if names:
            hosts = " ".join(MESSENGER_HOSTS[name] for name in names)
            policy = CSP.replace("form-action 'self'", f"form-action 'self' {hosts}")
            response.headers["Content-Security-Policy"] = policy
    return response
