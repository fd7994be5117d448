"""Timed visits, the segments of time they are billed for, tariffs, bills and corrections."""

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..db import Kopecks, UTCDateTime, utcnow
from ..extensions import db
from ..payments import PaymentMethod
from . import pricing


class VisitStatus(enum.StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    #: the clock has stopped; the amount is due
    STOPPED = "stopped"
    PAID = "paid"


#: Open visits: the guest is inside (a paused guest stepped out but keeps the visit).
OPEN_STATUSES = (VisitStatus.ACTIVE.value, VisitStatus.PAUSED.value)


_METHODS_SQL = ", ".join(f"'{m.value}'" for m in PaymentMethod)


class Tariff(db.Model):
    """One version of the tariff. Saving the editor adds a version; old versions never change."""

    __tablename__ = "tariffs"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: 1, 2, 3...; the highest is the current tariff
    version: Mapped[int] = mapped_column(unique=True)
    #: `pricing.TariffRules.to_dict()`: tiers, cap, grace, unit, minimum, discounts per category
    rules: Mapped[dict] = mapped_column(JSON)
    #: what changed, in the admin's words
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    created_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Tariff v{self.version}>"

    @property
    def pricing_rules(self) -> pricing.TariffRules:
        return pricing.TariffRules.from_dict(self.rules)


class GuestCategory(db.Model):
    """A pricing category the admin added (the built-in ones, standard, schoolchild and student, are in code).

    The discount of every category lives in each tariff version, so old visits keep theirs.
    """

    __tablename__ = "guest_categories"
    __table_args__ = (CheckConstraint("code <> ''", name="code_not_empty"),)

    #: lower-case latin code stored on people (`User.guest_category`) and visits
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    #: the name the admin typed (shown as is in every language)
    name: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<GuestCategory {self.code}>"


class Holiday(db.Model):
    """A public holiday priced like a weekend."""

    __tablename__ = "holidays"

    day: Mapped[date] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), default="")

    def __repr__(self) -> str:
        return f"<Holiday {self.day}>"


class Bill(db.Model):
    """A payment: one guest pays for one visit, or for several visits of their company (a group bill)."""

    __tablename__ = "bills"
    __table_args__ = (
        CheckConstraint(f"payment_method IN ({_METHODS_SQL})", name="payment_method_known"),
        CheckConstraint("payment_method <> 'subsidised' OR note IS NOT NULL", name="subsidy_has_reason"),
        CheckConstraint("total >= 0", name="total_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: who paid: the visitor of the first visit on the bill
    payer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    payer_name: Mapped[str] = mapped_column(String(120))
    payment_method: Mapped[str] = mapped_column(String(20))
    total: Mapped[Decimal] = mapped_column(Kopecks)
    #: the reason of a subsidised bill, or a remark
    note: Mapped[str | None] = mapped_column(Text)
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    visits: Mapped[list["Visit"]] = relationship(back_populates="bill", order_by="Visit.started_at")
    payer: Mapped[User | None] = relationship(foreign_keys=[payer_id])
    staff: Mapped[User | None] = relationship(foreign_keys=[staff_id])

    def __repr__(self) -> str:
        return f"<Bill {self.id} {self.total} {self.payment_method}>"

    @property
    def is_group(self) -> bool:
        return len(self.visits) > 1


class Visit(db.Model):
    """A guest's stay at the café, billed by the minute."""

    __tablename__ = "visits"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'paused', 'stopped', 'paid')", name="status_known"),
        CheckConstraint("user_id IS NOT NULL OR guest_name IS NOT NULL", name="has_guest"),
        CheckConstraint(f"payment_method IS NULL OR payment_method IN ({_METHODS_SQL})",
                        name="payment_method_known"),
        CheckConstraint("status <> 'paid' OR payment_method IS NOT NULL", name="paid_has_method"),
        CheckConstraint("payment_method IS NULL OR payment_method <> 'subsidised' OR note IS NOT NULL",
                        name="subsidy_has_reason"),
        CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="ends_after_start"),
        # One open visit per person: scanning a card twice cannot start two clocks.
        Index("uq_visits_open_per_user", "user_id", unique=True,
              sqlite_where=text("status IN ('active', 'paused')"),
              postgresql_where=text("status IN ('active', 'paused')")),
        # The live board asks for open (or stopped) visits, newest first: status and start in one index,
        # so a year of visits is not read to find the forty inside.
        Index("ix_visits_status_started", "status", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the guest; walk-ins get a guest profile (no email, cannot log in) so statistics count people
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: the walk-in's name as given at the door (display only)
    guest_name: Mapped[str | None] = mapped_column(String(120))
    guest_phone: Mapped[str | None] = mapped_column(String(20))
    #: pricing category at the start of the visit
    guest_category: Mapped[str] = mapped_column(String(32), default="standard")
    status: Mapped[str] = mapped_column(String(10), default=VisitStatus.ACTIVE)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    billed_minutes: Mapped[int | None]
    amount: Mapped[Decimal | None] = mapped_column(Kopecks)
    payment_method: Mapped[str | None] = mapped_column(String(20))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: why a visit was free or subsidised (required for "subsidised"), or a remark at payment
    note: Mapped[str | None] = mapped_column(Text)
    #: set by close-day for visits ended at closing time; cleared by a correction
    needs_review: Mapped[bool] = mapped_column(default=False)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: the event check-in that started this visit (timed events)
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id", ondelete="SET NULL"))
    #: the tariff version the visit is priced with (the one current when it started)
    tariff_id: Mapped[int | None] = mapped_column(ForeignKey("tariffs.id", ondelete="RESTRICT"), index=True)
    #: "weekday" or "weekend", fixed when the visit is priced
    day_kind: Mapped[str | None] = mapped_column(String(8))
    #: the bill's lines as priced at the stop (`pricing.Line.to_dict()` each)
    breakdown: Mapped[list | None] = mapped_column(JSON)
    stopped_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: why staff let the guest in although the venue was full
    override_reason: Mapped[str | None] = mapped_column(Text)
    #: the payment (possibly a group bill) that settled this visit
    bill_id: Mapped[int | None] = mapped_column(ForeignKey("bills.id", ondelete="SET NULL"), index=True)
    #: the guest's age group on the day ("14_17"...), kept when their identity is erased so that
    #: statistics still count the age without the birth date
    age_band: Mapped[str | None] = mapped_column(String(8))

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    started_by: Mapped[User | None] = relationship(foreign_keys=[started_by_id])
    tariff: Mapped[Tariff | None] = relationship()
    bill: Mapped[Bill | None] = relationship(back_populates="visits")
    segments: Mapped[list["VisitSegment"]] = relationship(back_populates="visit", order_by="VisitSegment.started_at",
                                                          cascade="all, delete-orphan")
    corrections: Mapped[list["VisitCorrection"]] = relationship(back_populates="visit",
                                                                order_by="VisitCorrection.at",
                                                                cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Visit {self.id} user={self.user_id} {self.status}>"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def display_name(self) -> str:
        if self.guest_name:
            return self.guest_name
        return self.user.name if self.user is not None else "—"

    def segment_spans(self, now: datetime) -> list[tuple[datetime, datetime]]:
        """Return the active segments as (start, end); a running segment ends `now`."""
        return [(s.started_at, s.ended_at or max(now, s.started_at)) for s in self.segments]


class VisitSegment(db.Model):
    """A stretch of active (billed) time; a pause ends one segment and a resume starts the next."""

    __tablename__ = "visit_segments"
    __table_args__ = (
        CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="ends_after_start"),
        # At most one running segment per visit, whatever two phones do at once.
        Index("uq_visit_segments_running", "visit_id", unique=True,
              sqlite_where=text("ended_at IS NULL"), postgresql_where=text("ended_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    visit: Mapped[Visit] = relationship(back_populates="segments")

    def __repr__(self) -> str:
        return f"<VisitSegment {self.id} visit={self.visit_id}>"


class VisitCorrection(db.Model):
    """A staff correction of a visit (wrong start, forgotten stop, category), kept with its reason."""

    __tablename__ = "visit_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text)
    #: {"started_at": [before, after], "ended_at": [...], "guest_category": [...]} (ISO times, UTC)
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    amount_before: Mapped[Decimal | None] = mapped_column(Kopecks)
    amount_after: Mapped[Decimal | None] = mapped_column(Kopecks)

    visit: Mapped[Visit] = relationship(back_populates="corrections")
    staff: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<VisitCorrection {self.id} visit={self.visit_id}>"
