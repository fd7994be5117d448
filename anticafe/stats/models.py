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
    event_id: Mapped[int | None] = mapped_column(Integer, index=True)
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


class AggregateLock(db.Model):
    """One row, locked by whoever brings the facts up to date, so that two refreshes never interleave."""

    __tablename__ = "stats_aggregate_lock"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)


@event.listens_for(AggregateLock.__table__, "after_create")
def _lock_row(target, connection, **kw):
    connection.execute(insert(target), [{"id": 1}])
