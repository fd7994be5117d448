"""Repeating events: the dates of a series, and moving "this and the following" occurrences.

Pure: no Flask, no database. Times here are naive venue wall-clock datetimes; the caller converts
them to UTC one by one, so that every occurrence keeps its wall-clock time even across a DST change.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

#: A series never makes more occurrences than this (a year of weekly events, with some room).
MAX_OCCURRENCES = 60
#: "Every N weeks" goes up to this N.
MAX_INTERVAL_WEEKS = 8


@dataclass(frozen=True)
class SeriesRule:
    """Repeat every `interval_weeks` weeks, either until a date (inclusive) or `count` times in all."""

    interval_weeks: int = 1
    until: date | None = None
    count: int | None = None


def rule_problems(rule: SeriesRule, first: date) -> dict[str, list[str]]:
    """Check a rule for a series whose first occurrence is on `first`; return {field: [codes]}."""
    problems: dict[str, list[str]] = {}

    def add(field: str, code: str) -> None:
        problems.setdefault(field, []).append(code)

    if not 1 <= rule.interval_weeks <= MAX_INTERVAL_WEEKS:
        add("interval_weeks", "interval_range")
    if rule.until is None and rule.count is None:
        add("until", "end_required")
    elif rule.until is not None and rule.count is not None:
        add("count", "one_end_only")
    elif rule.count is not None and not 2 <= rule.count <= MAX_OCCURRENCES:
        add("count", "count_range")
    elif rule.until is not None:
        if rule.until <= first:
            add("until", "until_not_after_start")
        elif "interval_weeks" not in problems and _count_until(first, rule) > MAX_OCCURRENCES:
            add("until", "too_many")
    return problems


def _count_until(first: date, rule: SeriesRule) -> int:
    step = 7 * rule.interval_weeks
    return (rule.until - first).days // step + 1


def occurrences(first: datetime, rule: SeriesRule) -> list[datetime]:
    """Return the start of every occurrence, `first` included, in order.

    The rule must be valid (see `rule_problems`); the result never exceeds MAX_OCCURRENCES.
    """
    step = timedelta(weeks=rule.interval_weeks)
    total = rule.count if rule.count is not None else _count_until(first.date(), rule)
    total = max(1, min(total, MAX_OCCURRENCES))
    return [first + step * n for n in range(total)]


def shifted(start: datetime, old_anchor: datetime, new_anchor: datetime) -> datetime:
    """Move a later occurrence the way the edited one moved (same wall-clock shift)."""
    return start + (new_anchor - old_anchor)


def split_rule(rule: SeriesRule, before: list[date], after: list[date]) -> tuple[SeriesRule, SeriesRule]:
    """Split a series in two where "this and the following" was edited; each part keeps the rule's kind.

    `before` and `after` are the dates of the occurrences on each side (both non-empty).
    """
    if rule.count is not None:
        return (SeriesRule(rule.interval_weeks, count=len(before)),
                SeriesRule(rule.interval_weeks, count=len(after)))
    return (SeriesRule(rule.interval_weeks, until=max(before)),
            SeriesRule(rule.interval_weeks, until=max(after)))
