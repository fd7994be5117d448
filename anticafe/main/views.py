"""The home page, the language switch and the health check."""

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import text

from .. import signals
from ..extensions import db

bp = Blueprint("main", __name__)

@bp.route("/")
def home():
    """Show what the café is, its hours and prices, and what is on next."""
    context = {}
    for section in signals.answers(signals.home_sections, current_app._get_current_object()):
        context.update(section)
    return render_template("main/home.html", **context)


@bp.route("/lang", methods=["POST"])
def set_language():
    """Switch the interface language; remember it in the session and on the account."""
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            current_user.locale = lang
            db.session.commit()
    target = request.form.get("next", "")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("main.home")
    return redirect(target)


@bp.route("/healthz")
def healthz():
    """Tell a load balancer that the app and its database answer."""
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")
