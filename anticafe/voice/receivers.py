"""Youth voice answers the committee's pages with its counts (ratings and ideas), never a person, and shows an
event's contest on the event's page."""

from .. import signals
from . import services


def committee_section(period, report: bool = False, **_):
    """Return the feedback and ideas section of the dashboard or period report for `period`."""
    return "voice/_committee_section.html", {
        "voice_total": services.feedback_total(period),
        "voice_categories": services.feedback_rows(period, "category"),
        "voice_ages": services.feedback_rows(period, "age_group"),
        "voice_ideas": services.top_ideas(limit=5),
        "voice_report": report,
    }


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
