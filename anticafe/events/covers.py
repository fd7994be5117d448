"""Cover pictures of events: checked, shrunk and re-encoded on upload, stored under a random name, and
deleted once no event uses them (after the commit that dropped them, or when that commit fails)."""

from pathlib import Path

from flask import current_app
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from ..extensions import db
from . import images
from .models import Event


def uploads_dir() -> Path:
    """Return the folder of cover pictures (instance/uploads/events unless EVENT_UPLOADS_DIR says)."""
    configured = current_app.config.get("EVENT_UPLOADS_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "uploads" / "events"


def _store_cover(data: bytes) -> str:
    folder = uploads_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = images.new_cover_name()
    (folder / name).write_bytes(data)
    db.session.info.setdefault("event_new_covers", set()).add(name)
    return name


def _forget_cover_later(name: str | None) -> None:
    """Note a cover that an event stopped showing; see `_drop_unused_covers`."""
    if name:
        db.session.info.setdefault("event_old_covers", set()).add(name)


def _drop_unused_covers() -> None:
    """After a flush: covers no event shows any more are deleted from disk once the change commits."""
    old = db.session.info.pop("event_old_covers", set())
    if old:
        used = set(db.session.scalars(select(Event.cover_image).where(Event.cover_image.in_(old))))
        db.session.info.setdefault("event_unused_covers", set()).update(old - used)


@event.listens_for(Session, "after_commit")
def _delete_unused_covers(session) -> None:
    if session.in_nested_transaction():  # only a savepoint was released; wait for the real commit
        return
    session.info.pop("event_new_covers", None)
    unused = session.info.pop("event_unused_covers", set())
    for name in unused:
        (uploads_dir() / name).unlink(missing_ok=True)


@event.listens_for(Session, "after_rollback")
def _delete_orphan_covers(session) -> None:
    if session.in_nested_transaction():  # a savepoint rolled back; the change itself goes on
        return
    session.info.pop("event_old_covers", None)
    session.info.pop("event_unused_covers", None)
    for name in session.info.pop("event_new_covers", set()):
        (uploads_dir() / name).unlink(missing_ok=True)


def cover_path(name: str) -> Path | None:
    """Return the file of a stored cover, or None for a name that is not one of ours."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    path = uploads_dir() / name
    return path if path.is_file() else None
