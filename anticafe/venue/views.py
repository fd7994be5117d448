"""The opening-hours page for admins, and the hours on the home page."""

from babel.dates import get_day_names
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from .. import versions
from ..auth import Access, guard_blueprint
from ..errors import ValidationFailed
from ..extensions import db
from ..memo import Memo
from . import services
from .forms import HoursForm

bp = Blueprint("venue", __name__, url_prefix="/admin/hours")
guard_blueprint(bp, Access.ADMIN)


def day_names() -> dict[int, str]:
    """Return weekday names (0 = Monday) in the current language."""
    return dict(get_day_names("wide", locale=get_locale()))


@bp.route("/", methods=["GET", "POST"])
def edit():
    """Show and change the opening hours of each weekday."""
    week = services.weekly_hours()
    form = HoursForm()
    if not form.is_submitted():
        for weekday, entry in enumerate(form.days):
            hours = week[weekday]
            entry.form.opens.data, entry.form.closes.data, entry.form.closed.data = (
                hours.opens, hours.closes, hours.closed)
    elif form.validate():
        days = {weekday: (entry.form.opens.data, entry.form.closes.data, entry.form.closed.data)
                for weekday, entry in enumerate(form.days)}
        try:
            services.set_week(days)
        except ValidationFailed as error:
            db.session.rollback()
            for key, messages in error.fields.items():
                weekday = int(key.split("-")[1])
                form.days[weekday].form.closes.errors = list(messages)
        else:
            db.session.commit()
            flash(_("The opening hours are saved."), "success")
            return redirect(url_for("venue.edit"))
    status = 422 if form.is_submitted() else 200
    return render_template("venue/hours.html", form=form, names=day_names()), status


#: The home page's hours by language and data version (opening hours bump the statistics' version,
#: which the home page reads anyway for its prices: no query at all for a repeat).
_home_hours = Memo(size=8)


def opening_hours_section(app, **_) -> dict:
    """Home page: the hours of the week, consecutive equal days grouped."""
    key = (str(db.engine.url), str(get_locale()), versions.stats_version())
    groups = _home_hours.get(key)
    if groups is None:
        groups = _hour_groups()
        _home_hours.put(key, groups)
    return {"opening_hours": groups}


def _hour_groups() -> list[dict]:
    week = services.weekly_hours()
    names = day_names()
    groups: list[dict] = []
    for weekday in range(7):
        hours = week[weekday]
        key = (hours.opens, hours.closes, not hours.is_open_day)
        if groups and groups[-1]["key"] == key:
            groups[-1]["last"] = names[weekday]
        else:
            groups.append({"key": key, "first": names[weekday], "last": None, "hours": hours})
    return groups

