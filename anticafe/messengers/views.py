"""Messenger pages: the webhooks Telegram and VK call, linking a guest at the door, and announcements."""

import base64

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import codes
from ..accounts.models import User
from ..auth import Access, guard_blueprint
from ..errors import DomainError
from ..events.models import Event
from ..extensions import db
from ..notifications import services as notifications
from ..notifications.messengers import (
    Blocked,
    TryLater,
    enabled_messengers,
    hook_secret,
    secrets_equal,
    telegram_enabled,
    vk_enabled,
)
from ..notifications.views import deep_link
from ..qr import png_bytes
from . import services, telegram, vk

bp = Blueprint("messengers", __name__, url_prefix="/messengers")
guard_blueprint(bp, Access.STAFF)

hooks = Blueprint("hooks", __name__, url_prefix="/hooks")

#: The largest update a messenger may post (theirs are a few kilobytes).
MAX_HOOK_BYTES = 256 * 1024


# ------------------------------------------------------------------------------------------------
# Webhooks

def _hook_json() -> dict:
    if (request.content_length or 0) > MAX_HOOK_BYTES:
        abort(413)
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400)
    return data


@hooks.route("/telegram/<secret>", methods=["POST"])
def telegram_hook(secret: str):
    """Take an update from Telegram: the path and the secret-token header must both carry the secret."""
    if not telegram_enabled():
        abort(404)
    expected = hook_secret("telegram")
    if not (secrets_equal(secret, expected)
            and secrets_equal(request.headers.get("X-Telegram-Bot-Api-Secret-Token"), expected)):
        abort(403)
    telegram.handle_update(_hook_json())
    return jsonify(ok=True)


@hooks.route("/vk/<secret>", methods=["POST"])
def vk_hook(secret: str):
    """Take an event from VK's Callback API: answer the confirmation, check the secret, answer "ok"."""
    if not vk_enabled():
        abort(404)
    expected = hook_secret("vk")
    if not secrets_equal(secret, expected):
        abort(403)
    data = _hook_json()
    if str(data.get("group_id")) != str(current_app.config["VK_GROUP_ID"]):
        abort(403)
    if data.get("type") == "confirmation":
        try:
            return vk.confirmation_code(), 200, {"Content-Type": "text/plain"}
        except (Blocked, TryLater):
            abort(503)
    if not secrets_equal(data.get("secret"), expected):
        abort(403)
    vk.handle_event(data)
    return "ok", 200, {"Content-Type": "text/plain"}


# ------------------------------------------------------------------------------------------------
# Staff: a guest without an account links a messenger at the door

@bp.route("/guest", methods=["GET", "POST"])
def guest_link():
    """Show, for a guest card's code, QR codes the guest scans with their phone to link a messenger."""
    code = (request.values.get("card") or "").strip()[:64]
    guest, links = None, []
    if code:
        normalized = codes.normalize(code)
        guest = db.session.scalar(select(User).where(User.card_code == normalized)) if normalized else None
        if guest is None:
            flash(_("No guest card has this code."), "error")
        elif request.method == "POST":
            for channel in enabled_messengers():
                token = notifications.new_link_token(guest, channel)
                try:
                    url = deep_link(channel, token)
                except (Blocked, TryLater):
                    continue
                links.append({"label": notifications.MESSENGER_NAMES[channel], "url": url,
                              "qr": base64.b64encode(png_bytes(url, box_size=6)).decode()})
            db.session.commit()
    return render_template("messengers/guest.html", code=code, guest=guest, links=links,
                           linked_names=[notifications.MESSENGER_NAMES[name] for name in
                                         (notifications.links_of(guest) if guest is not None else {})],
                           messengers=enabled_messengers())


# ------------------------------------------------------------------------------------------------
# Staff: announcements

@bp.route("/events/<int:event_id>/announce", methods=["GET", "POST"])
def announce(event_id: int):
    """Publish an event to the Telegram channel and the VK wall, and show what went out."""
    event = db.session.get(Event, event_id) or abort(404)
    if request.method == "POST":
        chosen = [name for name in request.form.getlist("channel") if name in ("telegram", "vk")]
        try:
            results = services.announce(event, by=current_user, channels=chosen or None)
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            db.session.commit()
            for record in results:
                name = services.CHANNEL_NAMES[record.channel]
                if record.state == "sent":
                    flash(_("Posted to the %(place)s.", place=name), "success")
                else:
                    flash(_("Could not post to the %(place)s: %(error)s", place=name, error=record.error), "error")
        return redirect(url_for("messengers.announce", event_id=event.id))
    return render_template("messengers/announce.html", event=event, places=services.announce_channels(),
                           names=services.CHANNEL_NAMES, history=services.announcements_of(event.id),
                           text=services.announcement_text(event))


def announce_places() -> list[str]:
    """For templates: where events can be announced on this site."""
    return services.announce_channels()


bp.add_app_template_global(announce_places)
