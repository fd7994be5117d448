"""The statistics' tables (pre-aggregated presence facts) and the indexes they need on other domains' tables.

Declared here, next to the queries that use them, and created by the stats migration:

- ``ix_visits_stats`` covers everything the statistics read from a timed visit, so a year of visits
  is one sequential index range scan instead of a random table lookup per visit;
- ``ix_visits_user_started`` answers "had this person a timed visit before the period?" (new vs
  returning people) with one index seek per person.
"""

from sqlalchemy import BigInteger, Index, Integer, String, UniqueConstraint, event, insert
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..visits.models import Visit

VISITS_STATS = Index("ix_visits_stats", Visit.started_at, Visit.user_id, Visit.ended_at, Visit.billed_minutes,
                     Visit.payment_method)
VISITS_BY_PERSON = Index("ix_visits_user_started", Visit.user_id, Visit.started_at)


# ------------------------------------------------------------------------------------------------
# The pre-aggregated presence facts (`anticafe.stats.aggregate`)

class PresenceFact(db.Model):
    """One counted presence: a standing check-in (at any event; `held` says whether it counts) or a timed
    visit, with everything the statistics read from it as plain integers (UTC epoch seconds, seconds of
    time, the birth date as YYYYMMDD or the first age of the band kept at erasure). Rebuilt from the raw
    rows by `aggregate`; never edited by hand."""

    __tablename__ = "stats_presence"
    __table_args__ = (UniqueConstraint("kind", "source_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: "c" a check-in, "v" a timed visit
    kind: Mapped[str] = mapped_column(String(1), nullable=False)
    #: the check-in's or visit's id
    source_id: Mapped[int] = mapped_column(Integer, nullable=False)
    #: the event of a check-in (NULL for a visit)
    event_id: Mapped[int | None] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(Integer)
    #: 1 for a visit and a check-in at a held event (scheduled and published)
    held: Mapped[int] = mapped_column(Integer, nullable=False)
    #: UTC epoch seconds of the event's start (a check-in) or the visit's start: the period it counts in
    at: Mapped[int] = mapped_column(BigInteger, nullable=False, index=True)
    #: 1 when the row counts in the heatmap (a visit, a check-in at a free-entry event)
    stays: Mapped[int] = mapped_column(Integer, nullable=False)
    stay_start: Mapped[int | None] = mapped_column(BigInteger)
    stay_end: Mapped[int | None] = mapped_column(BigInteger)
    seconds: Mapped[int] = mapped_column(BigInteger, nullable=False)
    free_subsidised: Mapped[int] = mapped_column(BigInteger, nullable=False)
    free_pass: Mapped[int] = mapped_column(BigInteger, nullable=False)
    #: YYYYMMDD of the person's birth date (NULL when unknown)
    birth: Mapped[int | None] = mapped_column(BigInteger)
    #: the first age of the age group kept on the row at erasure (NULL when none was kept)
    band_age: Mapped[int | None] = mapped_column(Integer)


PRESENCE_BY_PERSON = Index("ix_stats_presence_user_at", PresenceFact.user_id, PresenceFact.at)
#: An event's people: the distinct attendees of a year's events read from this index alone (the check-ins'
#: rows are not visited).
PRESENCE_BY_EVENT = Index("ix_stats_presence_event_user", PresenceFact.event_id, PresenceFact.user_id)


class StaleFact(db.Model):
    """A source row whose facts must be counted again: written in the transaction that changed it.

    kind: "c" check-in id, "v" visit id, "e" event id (its check-ins), "u" person id (their ages),
    "p" pass id (the visits it paid); "C", "V", "U": every check-in, visit or pass use (its visit) with an
    id greater than `ref_id` (rows inserted in bulk, ids unknown when marked).
    """

    __tablename__ = "stats_stale"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(1), nullable=False)
    ref_id: Mapped[int] = mapped_column(Integer, nullable=False)


class PersonMonth(db.Model):
    """A person's held presences in one venue-local month at one age group (`aggregate`): what a period of
    whole months reads instead of the facts. `user_id` NULL: the timed visits without an account.

    Local months and ages depend on the venue's zone: the rows are counted for `AggregateLock.zone` and
    counted afresh when the zone changes."""

    __tablename__ = "stats_person_month"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(Integer)
    #: the local month as YYYYMM
    month: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    #: index into `rules.AGE_GROUP_KEYS` of the person's age on the day they came
    age_group: Mapped[int] = mapped_column(Integer, nullable=False)
    #: 1 when that age is 14 to 35
    youth: Mapped[int] = mapped_column(Integer, nullable=False)
    #: distinct local days the person came (for the return frequency)
    days: Mapped[int] = mapped_column(Integer, nullable=False)
    checkins: Mapped[int] = mapped_column(Integer, nullable=False)
    visits: Mapped[int] = mapped_column(Integer, nullable=False)
    seconds: Mapped[int] = mapped_column(BigInteger, nullable=False)
    free_subsidised: Mapped[int] = mapped_column(BigInteger, nullable=False)
    free_pass: Mapped[int] = mapped_column(BigInteger, nullable=False)


PERSON_MONTH_BY_PERSON = Index("ix_stats_person_month_user_month", PersonMonth.user_id, PersonMonth.month)


class PersonDay(db.Model):
    """A person's held presences on one venue-local day at one age group (`aggregate`, counted with the month
    rows): what the partial months at the edges of a period read instead of the facts (no local dates or ages
    to work out per fact). `user_id` NULL: the timed visits without an account."""

    __tablename__ = "stats_person_day"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(Integer)
    #: the local date as YYYYMMDD
    day: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    age_group: Mapped[int] = mapped_column(Integer, nullable=False)
    youth: Mapped[int] = mapped_column(Integer, nullable=False)
    checkins: Mapped[int] = mapped_column(Integer, nullable=False)
    visits: Mapped[int] = mapped_column(Integer, nullable=False)
    seconds: Mapped[int] = mapped_column(BigInteger, nullable=False)
    free_subsidised: Mapped[int] = mapped_column(BigInteger, nullable=False)
    free_pass: Mapped[int] = mapped_column(BigInteger, nullable=False)


class HeatMonth(db.Model):
    """Stays of one venue-local month (of the event's or visit's start) by weekday, first and last local hour
    (the heatmap of whole months; see `visitors._stay_hours`)."""

    __tablename__ = "stats_heat_month"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    weekday: Mapped[int] = mapped_column(Integer, nullable=False)
    first_hour: Mapped[int] = mapped_column(Integer, nullable=False)
    last_hour: Mapped[int] = mapped_column(Integer, nullable=False)
    stays: Mapped[int] = mapped_column(Integer, nullable=False)


class EventCount(db.Model):
    """An event's registrations and standing check-ins, counted (`aggregate`): what the event figures read
    instead of counting every registration and check-in of a year. Only counts that depend on the
    registrations and check-ins alone are kept: whether the event is held, when it starts and ends, its
    capacity and category are read from the event itself (1 500 rows a year), so that a no-show is still
    decided against the moment of the request (`absent` counts only once the event has ended)."""

    __tablename__ = "stats_event"

    event_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    #: confirmed registrations made in advance (not walk-ins)
    registered: Mapped[int] = mapped_column(Integer, nullable=False)
    waitlisted: Mapped[int] = mapped_column(Integer, nullable=False)
    #: of `registered`, those without a standing check-in (no-shows once the event has ended)
    absent: Mapped[int] = mapped_column(Integer, nullable=False)
    #: standing check-ins (walk-ins included) and, of them, walk-ins
    checked_in: Mapped[int] = mapped_column(Integer, nullable=False)
    walk_ins: Mapped[int] = mapped_column(Integer, nullable=False)


class AggregateLock(db.Model):
    """One row, locked by whoever brings the facts up to date, so that two refreshes never interleave.

    `zone`: the venue zone the month rows were counted in (NULL: not counted yet)."""

    __tablename__ = "stats_aggregate_lock"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    zone: Mapped[str | None] = mapped_column(String(64))


@event.listens_for(AggregateLock.__table__, "after_create")
def _lock_row(target, connection, **kw):
    connection.execute(insert(target), [{"id": 1}])
