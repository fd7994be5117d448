"""Indexes the statistics need on other domains' tables (the statistics have no tables of their own).

Declared here, next to the queries that use them, and created by the stats migration:

- ``ix_visits_stats`` covers everything the statistics read from a timed visit, so a year of visits
  is one sequential index range scan instead of a random table lookup per visit;
- ``ix_visits_user_started`` answers "had this person a timed visit before the period?" (new vs
  returning people) with one index seek per person.
"""

from sqlalchemy import Index

from ..visits.models import Visit

VISITS_STATS = Index("ix_visits_stats", Visit.started_at, Visit.user_id, Visit.ended_at, Visit.billed_minutes,
                     Visit.payment_method)
VISITS_BY_PERSON = Index("ix_visits_user_started", Visit.user_id, Visit.started_at)
