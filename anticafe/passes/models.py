"""Pass types, the passes people hold, and the append-only ledger of minutes they paid."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..db import Kopecks, UTCDateTime, utcnow
from ..extensions import db
from .rules import MINUTE_KINDS, Holding, PassKind, PassStatus

KINDS_SQL = "('package', 'membership', 'allowance')"


class PassType(db.Model):
    """What the café offers: "10 часов" (package), "Месяц безлимит" (membership), an allowance.

    Editing a type changes what is sold from then on; passes already held keep their own copy of
    the terms (name, kind, minutes, window, price).
    """

    __tablename__ = "pass_types"
    __table_args__ = (
        CheckConstraint(f"kind IN {KINDS_SQL}", name="kind_known"),
        CheckConstraint("price >= 0", name="price_not_negative"),
        CheckConstraint("kind <> 'allowance' OR price = 0", name="allowance_free"),
        CheckConstraint("(kind = 'membership' AND minutes IS NULL) OR (kind <> 'membership' AND minutes > 0)",
                        name="minutes_by_kind"),
        CheckConstraint("(kind = 'allowance' AND validity_days IS NULL) "
                        "OR (kind <> 'allowance' AND validity_days > 0)", name="validity_by_kind"),
        CheckConstraint("kind = 'allowance' OR NOT committee_may_issue", name="committee_grants_allowances"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    #: package, membership or allowance
    kind: Mapped[str] = mapped_column(String(12))
    #: prepaid minutes of a package; minutes per month of an allowance; None for a membership
    minutes: Mapped[int | None]
    #: how long a package or membership lasts from its first day; None for an allowance (a calendar month)
    validity_days: Mapped[int | None]
    #: valid Monday to Friday only (not at weekends or on holidays)
    weekdays_only: Mapped[bool] = mapped_column(default=False)
    #: what a visitor pays; zero for an allowance
    price: Mapped[Decimal] = mapped_column(Kopecks, default=Decimal(0))
    #: staff may sell or grant it (admins always may)
    staff_may_issue: Mapped[bool] = mapped_column(default=True)
    #: an allowance the youth committee runs as a programme: it sets the minutes a month, the places
    #: and the social categories that qualify; staff and admins grant it to named people
    committee_may_issue: Mapped[bool] = mapped_column(default=False)
    #: how many people a programme's allowance may hold in one month (None: no limit)
    places: Mapped[int | None]
    #: the social category codes that qualify for a programme, comma-separated (`passes.rules.SOCIAL_CATEGORIES`)
    categories: Mapped[str] = mapped_column(String(200), default="", server_default="")
    #: offered for sale or grant; an archived type stays on the passes already held
    active: Mapped[bool] = mapped_column(default=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<PassType {self.id} {self.name!r} {self.kind}>"


class Pass(db.Model):
    """A pass a person holds: sold by staff (paid) or granted (free, with a reason)."""

    __tablename__ = "passes"
    __table_args__ = (
        CheckConstraint(f"kind IN {KINDS_SQL}", name="kind_known"),
        # The balance can never go negative, nor above what was bought.
        CheckConstraint("minutes_remaining >= 0", name="balance_not_negative"),
        CheckConstraint("minutes_remaining <= minutes_total", name="balance_within_total"),
        CheckConstraint("(kind = 'membership' AND minutes_total IS NULL AND minutes_remaining IS NULL) "
                        "OR (kind <> 'membership' AND minutes_total > 0 AND minutes_remaining IS NOT NULL)",
                        name="minutes_by_kind"),
        CheckConstraint("ends_on >= starts_on", name="window_ordered"),
        CheckConstraint("(price > 0 AND payment_method IN ('cash', 'card', 'transfer')) "
                        "OR (price = 0 AND payment_method IS NULL AND reason IS NOT NULL)",
                        name="paid_or_granted"),
        CheckConstraint("kind <> 'allowance' OR price = 0", name="allowance_free"),
        Index("ix_passes_user_ends", "user_id", "ends_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    type_id: Mapped[int] = mapped_column(ForeignKey("pass_types.id", ondelete="RESTRICT"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: the type's terms when the pass was issued
    kind: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(120))
    weekdays_only: Mapped[bool] = mapped_column(default=False)
    #: first and last day it applies (venue-local, both included)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    minutes_total: Mapped[int | None]
    minutes_remaining: Mapped[int | None]
    #: what was paid; zero for a grant
    price: Mapped[Decimal] = mapped_column(Kopecks, default=Decimal(0))
    #: cash, card or transfer for a sold pass; None for a grant
    payment_method: Mapped[str | None] = mapped_column(String(20))
    #: why a pass was given for free (an allowance: the committee's decision, a prize...)
    reason: Mapped[str | None] = mapped_column(Text)
    #: why an allowance was granted, as a social category code; shown to admins only, never exported
    social_category: Mapped[str | None] = mapped_column(String(32))
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cancel_reason: Mapped[str | None] = mapped_column(Text)

    type: Mapped[PassType] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])
    cancelled_by: Mapped[User | None] = relationship(foreign_keys=[cancelled_by_id])
    uses: Mapped[list["PassUse"]] = relationship(back_populates="pass_", order_by="PassUse.created_at",
                                                 cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Pass {self.id} {self.kind} user={self.user_id} {self.minutes_remaining}/{self.minutes_total}>"

    @property
    def holds_minutes(self) -> bool:
        return self.kind in MINUTE_KINDS

    @property
    def minutes_used(self) -> int | None:
        if not self.holds_minutes:
            return None
        return (self.minutes_total or 0) - (self.minutes_remaining or 0)

    def holding(self) -> Holding:
        """Return the pass as the pure rules see it."""
        return Holding(id=self.id, kind=PassKind(self.kind), starts_on=self.starts_on, ends_on=self.ends_on,
                       minutes_remaining=self.minutes_remaining, weekdays_only=self.weekdays_only,
                       cancelled=self.cancelled_at is not None, label=self.name)

    def status(self, today: date) -> PassStatus:
        return self.holding().status(today)


class PassUse(db.Model):
    """Minutes of one visit paid by one pass. Append-only: a cancelled checkout sets `reversed_at`.

    For a package or allowance the pass's balance went down by `minutes`; a membership's use only
    records the minutes it covered (for the reports).
    """

    __tablename__ = "pass_uses"
    __table_args__ = (
        CheckConstraint("minutes > 0", name="minutes_positive"),
        # A visit spends a pass once; a reversed use may be followed by a new one (a re-priced visit).
        Index("uq_pass_uses_active", "pass_id", "visit_id", unique=True,
              sqlite_where=text("reversed_at IS NULL"), postgresql_where=text("reversed_at IS NULL")),
        Index("ix_pass_uses_visit", "visit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pass_id: Mapped[int] = mapped_column(ForeignKey("passes.id", ondelete="CASCADE"))
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="RESTRICT"))
    minutes: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reversed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    pass_: Mapped[Pass] = relationship(back_populates="uses")

    def __repr__(self) -> str:
        state = " reversed" if self.reversed_at else ""
        return f"<PassUse {self.id} pass={self.pass_id} visit={self.visit_id} {self.minutes} min{state}>"
