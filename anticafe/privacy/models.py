"""The record that a person's identity was erased: when, how, by whom and why (no personal data)."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, utcnow
from ..extensions import db

#: Why an identity was erased: the person asked, staff did it on request, consent was withdrawn,
#: or the retention period ran out.
KINDS = ("self", "staff", "withdrawn", "retention")


class Erasure(db.Model):
    """One erased identity. The person's row stays (anonymous) so that statistics keep their counts."""

    __tablename__ = "erasures"
    __table_args__ = (
        CheckConstraint("kind IN ('self', 'staff', 'withdrawn', 'retention')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the anonymous row that remains
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: the staff member or admin who erased (None: the person themselves or the retention job)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: staff's reason ("written request of the guardian, No. 12"); the retention job writes its rule
    reason: Mapped[str] = mapped_column(Text, default="")
    #: registrations for future events cancelled (their seats went to the waitlist)
    registrations_cancelled: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<Erasure {self.id} user={self.user_id} {self.kind}>"
