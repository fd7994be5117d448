"""Youth voice answers the committee's pages with its counts (ratings and ideas), never a person."""

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


def connect() -> None:
    """Connect the receivers (once per process: blinker keeps one connection per function)."""
    signals.committee_sections.connect(committee_section)
