"""What the door answers the events calendar: how many people each event let in."""

from sqlalchemy import func, select

from .. import signals
from ..extensions import db
from .models import CheckIn


def checked_in_counts(event_ids: tuple[int, ...], **_) -> dict[int, dict[str, int]]:
    """Answer `signals.event_counts`: each event's standing check-ins (one grouped query per 500 events)."""
    found: dict[int, dict[str, int]] = {}
    for start in range(0, len(event_ids), 500):
        for event_id, number in db.session.execute(
                select(CheckIn.event_id, func.count(CheckIn.id))
                .where(CheckIn.event_id.in_(event_ids[start:start + 500]), CheckIn.undone_at.is_(None))
                .group_by(CheckIn.event_id)):
            found[event_id] = {"checked_in": number}
    return found


def connect() -> None:
    """Answer the events calendar's counts."""
    signals.event_counts.connect(checked_in_counts)
