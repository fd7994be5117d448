"""The admin's zones: list, create, edit (with a photo), delete, and the feed secret."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..auth import Access, guard_blueprint
from ..errors import DomainError, run_service, show_errors
from ..extensions import db
from ..venue.models import Zone
from . import zones
from .forms import ZoneForm
from .views import feed_url

bp = Blueprint("bookings_admin", __name__, url_prefix="/admin/zones")
guard_blueprint(bp, Access.ADMIN)


@bp.route("/")
def index():
    """List the zones."""
    return render_template("bookings/admin/zones.html", zones=zones.all_zones())


def _save(zone: Zone | None, form: ZoneForm):
    """Store the form into a zone (new when None); return the zone or None after showing errors."""
    try:
        price = zones.parse_price(form.price_per_hour.data)
    except ValueError:
        form.price_per_hour.errors = [_("Enter an amount in rubles, such as 500 or 450.50.")]
        return None
    data = zones.ZoneData(name=form.name.data, capacity=form.capacity.data, bookable=form.bookable.data,
                             description=form.description.data or "", price_per_hour=price)
    try:
        zone = zones.save_zone(zone, data)
        upload = form.photo.data
        if upload and getattr(upload, "filename", ""):
            zones.set_zone_photo(zone, upload.stream)
        elif form.remove_photo.data:
            zones.remove_zone_photo(zone)
    except DomainError as error:
        db.session.rollback()
        show_errors(error, form)
        return None
    db.session.commit()
    return zone


@bp.route("/new", methods=["GET", "POST"])
def new():
    """Add a zone."""
    form = ZoneForm()
    if form.validate_on_submit():
        zone = _save(None, form)
        if zone is not None:
            flash(_("The zone %(name)s is added.", name=zone.name), "success")
            return redirect(url_for("bookings_admin.edit", zone_id=zone.id))
    status = 422 if form.is_submitted() else 200
    return render_template("bookings/admin/zone.html", form=form, zone=None), status


@bp.route("/<int:zone_id>", methods=["GET", "POST"])
def edit(zone_id: int):
    """Change a zone: name, capacity, price, photo."""
    zone = db.session.get(Zone, zone_id) or abort(404)
    form = ZoneForm(obj=zone)
    if request.method == "GET":
        form.price_per_hour.data = "" if zone.price_per_hour is None else f"{zone.price_per_hour:.2f}"
    if form.validate_on_submit():
        if _save(zone, form) is not None:
            flash(_("The zone is saved."), "success")
            return redirect(url_for("bookings_admin.edit", zone_id=zone.id))
    status = 422 if form.is_submitted() else 200
    return render_template("bookings/admin/zone.html", form=form, zone=zone, feed=feed_url(zone)), status


@bp.route("/<int:zone_id>/delete", methods=["POST"])
def delete(zone_id: int):
    """Delete a zone nobody ever booked."""
    zone = db.session.get(Zone, zone_id) or abort(404)
    error = run_service(zones.delete_zone, zone).error
    if error:
        return redirect(url_for("bookings_admin.edit", zone_id=zone_id))
    flash(_("The zone is deleted."), "success")
    return redirect(url_for("bookings_admin.index"))


@bp.route("/<int:zone_id>/feed-token", methods=["POST"])
def regenerate_feed(zone_id: int):
    """Give the zone's calendar feed a new secret URL (the old one stops working)."""
    zone = db.session.get(Zone, zone_id) or abort(404)
    zones.regenerate_feed_token(zone)
    db.session.commit()
    flash(_("The feed has a new address; the old one no longer works."), "success")
    return redirect(url_for("bookings_admin.edit", zone_id=zone.id))
