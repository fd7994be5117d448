"""Youth voice answers the committee's pages with its counts (ratings and ideas), never a person, and shows an
event's contest on the event's page."""

import copy

from flask_babel import get_locale

from .. import signals, versions
from ..extensions import db
from ..memo import Memo
from ..stats.cache import wants_fresh
from . import services

#: The section's counts per period, language and statistics data version (the ratings, ideas and
#: votes bump it in the transaction that changes them), so never older than the last commit.
_sections = Memo(size=32)


def committee_section(period, report: bool = False, **_):
    """Return the feedback and ideas section of the dashboard or period report for `period`."""
    key = (str(db.engine.url), period.start, period.end, str(get_locale()), versions.stats_version())
    counts = None if wants_fresh() else _sections.get(key)
    if counts is None:
        counts = {"voice_total": services.feedback_total(period),
                  "voice_categories": services.feedback_rows(period, "category"),
                  "voice_ages": services.feedback_rows(period, "age_group"),
                  "voice_ideas": services.top_ideas(limit=5)}
        _sections.put(key, copy.deepcopy(counts))
    else:
        counts = copy.deepcopy(counts)
    return "voice/_committee_section.html", {**counts, "voice_report": report}


def event_section(event, **_):
    """Return the event's contest box (where it is, a link to enter, vote or see the places), or None."""
    from . import contests

    contest = contests.contest_of(event)
    if contest is None:
        return None
    return "voice/_event_contest.html", {"contest": contest, "phase": contests.phase(contest)}


def connect() -> None:
    """Connect the receivers (once per process: blinker keeps one connection per function)."""
    signals.committee_sections.connect(committee_section)
    signals.event_sections.connect(event_section)
