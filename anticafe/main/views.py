"""The home page, the language switch and the health check."""

from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import text

from .. import signals, versions
from ..auth import Access, require
from ..db import utcnow
from ..extensions import db
from ..inputs import clean_next
from ..memo import Memo
from ..navigation import MENUS, SECTIONS

bp = Blueprint("main", __name__)

#: The home page's content for visitors not logged in (all of the page but its frame: the menu, the
#: messages and the forms' CSRF tokens), by language and data versions, for the moments from when it was
#: made until the first one at which a section says it changes by the clock alone (`valid_until`: an
#: event ends, registration opens, tomorrow's prices). A repeat renders only the frame.
_public_home = Memo(size=8)


@dataclass(frozen=True)
class _Made:
    html: Markup
    made_at: datetime
    valid_until: datetime | None

    def holds_at(self, now: datetime) -> bool:
        return self.made_at <= now and (self.valid_until is None or now < self.valid_until)


def _sections() -> dict:
    """Ask the domains for their home sections; `valid_until` is the earliest of theirs."""
    context: dict = {}
    moments = []
    for section in signals.answers(signals.home_sections, current_app._get_current_object()):
        section = dict(section)
        moment = section.pop("valid_until", None)
        if moment is not None:
            moments.append(moment)
        context.update(section)
    context["valid_until"] = min(moments, default=None)
    return context


@bp.route("/")
def home():
    """Show what the café is, its hours and prices, and what is on next."""
    if current_user.is_authenticated or request.args:
        return render_template("main/home.html", **_sections())
    key = (str(db.engine.url), request.script_root, str(get_locale()), versions.current())
    made = _public_home.get(key)
    if made is None or not made.holds_at(utcnow()):
        context = _sections()
        html = Markup(render_template("main/_home_content.html", **context))
        # Made at a moment no earlier than any "now" the sections read: it holds from here.
        made = _Made(html, utcnow(), context["valid_until"])
        _public_home.put(key, made)
    return render_template("main/home.html", home_content=made.html)


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
