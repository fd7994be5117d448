"""The admin's zones: their data, photos (checked and re-encoded with Pillow) and calendar-feed secrets."""

import secrets
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from io import BytesIO
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..errors import DomainError, ValidationFailed, in_words
from ..extensions import db
from ..venue.models import Zone
from .models import Booking

#: Translated text for the problem codes of zone data.
PROBLEMS = {
    "required": _l("This field is required."),
    "too_long": _l("This text is too long."),
    "capacity_positive": _l("The capacity must be at least 1."),
    "price_not_negative": _l("The price cannot be negative."),
    "name_taken": _l("A zone with this name already exists."),
    "photo_type": _l("Upload a JPEG, PNG or WebP picture."),
    "photo_too_large": _l("The picture has too many pixels."),
}

#: Photo uploads: accepted formats, the largest file and the size the photo is shrunk to.
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP"}
PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_MAX_PIXELS = 40_000_000
PHOTO_BOX = (1600, 1600)



@dataclass
class ZoneData:
    """What an admin gives for a zone (from the form or the API)."""

    name: str
    capacity: int
    bookable: bool = True
    description: str = ""
    price_per_hour: Decimal | None = None


def all_zones(*, bookable_only: bool = False) -> list[Zone]:
    """Return the zones, by name."""
    stmt = select(Zone).order_by(Zone.name)
    if bookable_only:
        stmt = stmt.where(Zone.bookable.is_(True))
    return list(db.session.scalars(stmt))


def get_zone(zone_id: int) -> Zone:
    """Return a zone or raise 404."""
    zone = db.session.get(Zone, zone_id)
    if zone is None:
        raise DomainError("not_found", _l("No such zone."), status=404)
    return zone


def _zone_problems(data: ZoneData, zone: Zone | None) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    name = (data.name or "").strip()
    if not name:
        problems["name"] = ["required"]
    elif len(name) > 100:
        problems["name"] = ["too_long"]
    else:
        other = db.session.scalar(select(Zone).where(func.lower(Zone.name) == name.lower()))
        if other is not None and other is not zone:
            problems["name"] = ["name_taken"]
    if data.capacity is None or data.capacity < 1:
        problems["capacity"] = ["capacity_positive"]
    if data.price_per_hour is not None and data.price_per_hour < 0:
        problems["price_per_hour"] = ["price_not_negative"]
    return problems


def save_zone(zone: Zone | None, data: ZoneData) -> Zone:
    """Create a zone (zone=None) or change one, after checking the data."""
    problems = _zone_problems(data, zone)
    if problems:
        raise ValidationFailed(in_words(problems, PROBLEMS))
    if zone is None:
        zone = Zone(feed_token=new_feed_token())
        db.session.add(zone)
    zone.name = data.name.strip()
    zone.capacity = data.capacity
    zone.bookable = data.bookable
    zone.description = (data.description or "").strip()
    price = data.price_per_hour
    zone.price_per_hour = None if price is None else Decimal(price).quantize(Decimal("0.01"))
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise ValidationFailed(in_words({"name": ["name_taken"]}, PROBLEMS)) from None
    return zone


def delete_zone(zone: Zone) -> None:
    """Delete a zone that was never booked (otherwise it can only be made not bookable)."""
    used = db.session.scalar(select(func.count(Booking.id)).where(Booking.zone_id == zone.id))
    if used:
        raise DomainError("zone_in_use", _l("This zone has bookings; make it not bookable instead of deleting it."))
    old_photo = zone.photo
    db.session.delete(zone)
    db.session.flush()
    if old_photo:
        _remove_file(old_photo)


def new_feed_token() -> str:
    """Return a fresh secret for a zone's calendar feed."""
    return secrets.token_urlsafe(24)


def regenerate_feed_token(zone: Zone) -> str:
    """Give a zone a new feed secret; the old URL stops working."""
    zone.feed_token = new_feed_token()
    db.session.flush()
    return zone.feed_token


def zone_by_feed_token(zone_id: int, token: str) -> Zone | None:
    """Return the zone whose feed secret this is, or None."""
    zone = db.session.get(Zone, zone_id)
    if zone is None or not zone.feed_token or not secrets.compare_digest(zone.feed_token, token):
        return None
    return zone


def photo_dir() -> Path:
    """Return the folder of the zone photos, instance/uploads/zones/ unless ZONE_PHOTO_DIR says otherwise."""
    path = Path(current_app.config.get("ZONE_PHOTO_DIR") or Path(current_app.instance_path) / "uploads" / "zones")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _remove_file(name: str) -> None:
    path = photo_dir() / Path(name).name
    path.unlink(missing_ok=True)


def set_zone_photo(zone: Zone, stream) -> str:
    """Check an uploaded picture with Pillow, re-encode it as a JPEG of sensible size and attach it.

    Re-encoding drops metadata (location!) and anything hidden in the file; only real JPEG, PNG or
    WebP pictures are accepted, whatever their name or declared type says.
    """
    data = stream.read(PHOTO_MAX_BYTES + 1)
    if len(data) > PHOTO_MAX_BYTES:
        raise ValidationFailed({"photo": [_l("The photo must be at most %(mb)s MB.", mb=PHOTO_MAX_BYTES // 2**20)]})
    try:
        with Image.open(BytesIO(data)) as probe:
            if probe.format not in PHOTO_FORMATS:
                raise ValidationFailed(in_words({"photo": ["photo_type"]}, PROBLEMS))
            if probe.width * probe.height > PHOTO_MAX_PIXELS:
                raise ValidationFailed(in_words({"photo": ["photo_too_large"]}, PROBLEMS))
            probe.verify()
        with Image.open(BytesIO(data)) as picture:
            picture.load()
            picture = ImageOps.exif_transpose(picture).convert("RGB")
            picture.thumbnail(PHOTO_BOX)
            out = BytesIO()
            picture.save(out, "JPEG", quality=85, optimize=True)
    except ValidationFailed:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationFailed(in_words({"photo": ["photo_type"]}, PROBLEMS)) from None
    name = f"zone-{zone.id}-{secrets.token_hex(6)}.jpg"
    (photo_dir() / name).write_bytes(out.getvalue())
    old = zone.photo
    zone.photo = name
    db.session.flush()
    if old:
        _remove_file(old)
    return name


def remove_zone_photo(zone: Zone) -> None:
    """Take a zone's photo away."""
    if zone.photo:
        _remove_file(zone.photo)
    zone.photo = None
    db.session.flush()


def parse_price(text_value: str | None) -> Decimal | None:
    """Read a price typed as "500", "500.50" or "500,50"; None when empty; raise ValueError if not a number."""
    value = (text_value or "").strip().replace(",", ".").replace(" ", "").replace("\u00a0", "")
    if not value:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        raise ValueError(value) from None
