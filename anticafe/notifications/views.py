"""A person's notifications page."""

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth import Access, guard_blueprint
from ..extensions import db
from . import services

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
guard_blueprint(bp, Access.USER)


@bp.route("/")
def index():
    """Show the latest messages, unread first highlighted."""
    return render_template("notifications/index.html", notifications=services.recent(current_user))


@bp.route("/read", methods=["POST"])
def mark_read():
    """Mark every message as read."""
    services.mark_all_read(current_user)
    db.session.commit()
    from flask import flash

    flash(_("All notifications are marked as read."), "success")
    return redirect(url_for("notifications.index"))


def inject_unread():
    """Template context: the unread count for the header's bell."""
    if current_user.is_authenticated:
        return {"unread_notifications": services.unread_count(current_user)}
    return {}


bp.app_context_processor(inject_unread)
