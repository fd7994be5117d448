"""The home page, the language switch and the health check."""

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import text

from .. import signals
from ..auth import Access, require
from ..extensions import db
from ..inputs import clean_next
from ..navigation import MENUS, SECTIONS

bp = Blueprint("main", __name__)

@bp.route("/")
def home():
    """Show what the café is, its hours and prices, and what is on next."""
    context = {}
    for section in signals.answers(signals.home_sections, current_app._get_current_object()):
        context.update(section)
    return render_template("main/home.html", **context)


@bp.route("/admin/")
@require(Access.ADMIN)
def overview():
    """Show an admin where everything is: every section of the menu with what it is for."""
    sections = [SECTIONS[key] for key in MENUS["admin"] if key != "overview"]
    return render_template("main/overview.html", sections=sections)


@bp.route("/manifest.webmanifest")
def manifest():
    """Describe the installable web app: name, colours, icons, start page."""
    name = current_app.config["VENUE_NAME"]
    icons = [{"src": url_for("static", filename=f"icons/icon-{size}.png"), "sizes": f"{size}x{size}",
              "type": "image/png", "purpose": "any"} for size in (192, 512)]
    icons += [{"src": url_for("static", filename="icons/icon-maskable-512.png"), "sizes": "512x512",
               "type": "image/png", "purpose": "maskable"},
              {"src": url_for("static", filename="favicon.svg"), "sizes": "any", "type": "image/svg+xml"}]
    body = {"name": name, "short_name": name, "lang": current_app.config["BABEL_DEFAULT_LOCALE"],
            "start_url": url_for("main.home"), "scope": "/", "display": "standalone",
            "background_color": "#fff8ef", "theme_color": "#ff5a36", "icons": icons,
            "description": current_app.config["VENUE_ADDRESS"]}
    response = jsonify(body)
    response.mimetype = "application/manifest+json"
    return response


@bp.route("/lang", methods=["POST"])
def set_language():
    """Switch the interface language; remember it in the session and on the account."""
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            current_user.locale = lang
            db.session.commit()
    return redirect(clean_next(request.form.get("next"), url_for("main.home")))


@bp.route("/healthz")
def healthz():
    """Tell a load balancer whether the app and its database answer (503 when the database does not).

    A read: under WAL it never waits behind a writer, so a held write lock does not make it fail.
    """
    from sqlalchemy.exc import SQLAlchemyError

    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        db.session.rollback()
        current_app.logger.warning("healthz: the database does not answer: %s", error)
        return jsonify(status="unavailable", database=False), 503, {"Retry-After": "5"}
    return jsonify(status="ok", database=True)
