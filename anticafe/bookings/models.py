"""Bookings of the café's zones, weekly booking series and the parties' visits."""

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..db import Kopecks, UTCDateTime, utcnow
from ..extensions import db
from ..venue.models import Zone
from ..visits.models import Visit


class BookingStatus(enum.StrEnum):
    #: a visitor asked; staff have not answered yet
    REQUESTED = "requested"
    #: staff said yes (or booked it themselves): the zone is held
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    #: nobody came within the grace period after the start; the zone is free again
    RELEASED = "released"
    #: the party arrived and was let in
    CHECKED_IN = "checked_in"


#: Statuses that hold the zone: no two of them overlap in one zone (buffer included).
HOLDING = (BookingStatus.CONFIRMED.value, BookingStatus.CHECKED_IN.value)
#: Statuses of a booking that is still going to happen or is happening.
OPEN = (BookingStatus.REQUESTED.value, *HOLDING)


class BookingSeries(db.Model):
    """A weekly repeat booked by staff ("the debate club, every Tuesday 18:00–20:00")."""

    __tablename__ = "booking_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id", ondelete="CASCADE"), index=True)
    #: what the series is for, e.g. "Дебатный клуб"
    purpose: Mapped[str] = mapped_column(String(200), default="")
    #: how many weekly occurrences were asked for
    weeks: Mapped[int]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    zone: Mapped[Zone] = relationship()
    bookings: Mapped[list["Booking"]] = relationship(back_populates="series", order_by="Booking.starts_at")

    def __repr__(self) -> str:
        return f"<BookingSeries {self.id} zone={self.zone_id} weeks={self.weeks}>"


class Booking(db.Model):
    """A zone reserved for a party for a time slot."""

    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("party_size > 0", name="party_positive"),
        CheckConstraint("status IN ('requested', 'confirmed', 'declined', 'cancelled', 'released', 'checked_in')",
                        name="status_known"),
        CheckConstraint("payment_method IS NULL OR payment_method IN ('cash', 'card', 'transfer')",
                        name="payment_method_known"),
        # A double-clicked form cannot file the same request twice.
        Index("uq_bookings_open_per_user", "zone_id", "user_id", "starts_at", unique=True,
              sqlite_where=text("status IN ('requested', 'confirmed', 'checked_in')"),
              postgresql_where=text("status IN ('requested', 'confirmed', 'checked_in')")),
        Index("ix_bookings_zone_status_starts", "zone_id", "status", "starts_at"),
        Index("ix_bookings_status_starts", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id"))
    #: the person who booked (and pays); None for someone without an account booked by staff
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: the booker's name as staff see it (copied from the account, or typed by staff)
    booker_name: Mapped[str] = mapped_column(String(120))
    #: a phone number or messenger handle to reach the booker
    contact: Mapped[str] = mapped_column(String(120), default="")
    party_size: Mapped[int]
    #: "birthday", "board games with classmates"...
    purpose: Mapped[str] = mapped_column(String(200), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default=BookingStatus.REQUESTED)
    #: staff's answer to the booker (why declined, what to bring...)
    staff_message: Mapped[str | None] = mapped_column(Text)
    #: the zone's price per hour when the booking was made; None = timed visits as usual
    price_per_hour: Mapped[Decimal | None] = mapped_column(Kopecks)
    #: the bill of a fixed-price booking, set at check-in
    amount: Mapped[Decimal | None] = mapped_column(Kopecks)
    payment_method: Mapped[str | None] = mapped_column(String(10))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    series_id: Mapped[int | None] = mapped_column(ForeignKey("booking_series.id", ondelete="SET NULL"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: when and by whom it was confirmed or declined
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    #: iCalendar SEQUENCE: grows with every change a calendar app should pick up
    sequence: Mapped[int] = mapped_column(default=0)

    zone: Mapped[Zone] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    series: Mapped[BookingSeries | None] = relationship(back_populates="bookings")
    #: the party's timed visits started at check-in (zones without a fixed price), the booker's first
    party: Mapped[list["PartyVisit"]] = relationship(back_populates="booking", order_by="PartyVisit.position",
                                                     cascade="all, delete-orphan")
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    checked_in_by: Mapped[User | None] = relationship(foreign_keys=[checked_in_by_id])

    def __repr__(self) -> str:
        return f"<Booking {self.id} zone={self.zone_id} {self.starts_at:%Y-%m-%d %H:%M} {self.status}>"

    @property
    def holds_zone(self) -> bool:
        return self.status in HOLDING

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class PartyVisit(db.Model):
    """A timed visit started by checking a booking in; the party's visits go on the booker's group bill."""

    __tablename__ = "booking_visits"
    __table_args__ = (
        # A visit belongs to at most one booking's party.
        Index("uq_booking_visits_visit", "visit_id", unique=True),
    )

    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), primary_key=True)
    #: 1 = the booker, then the guests in the order they came in
    position: Mapped[int] = mapped_column(default=1)

    booking: Mapped[Booking] = relationship(back_populates="party")
    visit: Mapped[Visit] = relationship()

    def __repr__(self) -> str:
        return f"<PartyVisit booking={self.booking_id} visit={self.visit_id} #{self.position}>"
