"""Rules of the visit clock that are not prices: corrections, closing time, minors. Pure: no Flask, no database."""

from datetime import date, datetime, time, timedelta

#: Guests younger than this are flagged on the live board after the curfew.
MINOR_AGE = 16
#: A second scan of the same card this soon after the start is a double scan, not "the guest leaves".
RESCAN_GRACE = timedelta(seconds=60)

Span = tuple[datetime, datetime | None]


def parse_clock(text: str) -> time:
    """Read "22:00" (or "22") as a time of day; raise ValueError otherwise."""
    hours, _, minutes = text.strip().partition(":")
    return time(int(hours), int(minutes or 0))


def is_minor(age: int | None) -> bool:
    """Tell whether a guest of this age (None: unknown) counts as a minor for the curfew."""
    return age is not None and age < MINOR_AGE


def after_curfew(local_now: datetime, curfew: time) -> bool:
    """Tell whether it is past the minors' curfew (until the early morning, when nobody is inside anyway)."""
    return local_now.time() >= curfew or local_now.time() < time(5)


def is_double_scan(started_at: datetime, now: datetime) -> bool:
    """Tell whether a scan of an open visit's card comes right after the visit started."""
    return timedelta(0) <= now - started_at < RESCAN_GRACE


def closing_moment(start_local: datetime, closes: time | None) -> datetime | None:
    """Return the venue-local closing moment of the day a visit started (None on a closed day)."""
    if closes is None:
        return None
    return datetime.combine(start_local.date(), closes, tzinfo=start_local.tzinfo)


def close_day_end(start_local: datetime, opens: time | None, closes: time | None,
                  now_local: datetime) -> datetime | None:
    """Return when `close-day`, run at `now_local`, ends an open visit started at `start_local`; None: it doesn't.

    A visit belongs to the venue-local day it started on (`opens`-`closes` are that day's hours, None on
    a closed day). Started within those hours, it ends at that day's closing time once it has come.
    Started outside them (a guest let in after closing, before opening, on a closed day), close-day
    cannot know when the guest left and never invents an end: the visit keeps running for staff to stop
    (so it is never closed at zero minutes, nor billed for a night nobody was there).
    """
    closing = closing_moment(start_local, closes)
    if closing is None or opens is None or not opens <= start_local.time() < closes:
        return None
    return closing if closing <= now_local else None


def reshape(spans: list[Span], old: Span, new: Span) -> list[Span]:
    """Fit a visit's active segments to a corrected start and end.

    `old` and `new` are the visit's (start, end) before and after the correction; end None = still
    open. Segments before the new start or after the new end are dropped and the ones across them
    are cut. An earlier start stretches the first segment back, and a later end stretches the last
    one forward when the clock was running at the old end (the guest was there all along); a
    later end after a pause only lengthens the pause. Pauses in between are kept.
    """
    (old_start, old_end), (start, end) = old, new
    ordered = sorted(spans, key=lambda s: s[0])
    if not ordered:
        return [(start, end)]
    result: list[Span] = []
    for seg_start, seg_end in ordered:
        if end is not None and seg_start >= end:
            continue
        if seg_end is not None and seg_end <= start:
            continue
        new_end = seg_end if end is None else (end if seg_end is None else min(seg_end, end))
        result.append((max(seg_start, start), new_end))
    if not result:
        return []
    if start < old_start:
        result[0] = (start, result[0][1])
    running_at_end = ordered[-1][1] is not None and ordered[-1][1] == old_end
    if end is not None and old_end is not None and end > old_end and running_at_end:
        result[-1] = (result[-1][0], end)
    return result


def correction_problem(old: Span, new: Span, reshaped: list[Span]) -> tuple[str, str] | None:
    """Say what is wrong with a corrected (start, end), as (field, code), or None if a cashier would accept it.

    - "end_not_after_start": the end is at or before the start ("start_not_before_end" when only the
      start was moved, past the visit's end);
    - "no_billed_time": the new window misses every stretch of recorded time (it lies before the visit,
      after it, or inside a pause), so the visit would silently become free. A guest who was there at
      other times than recorded is corrected by moving the start or the end across the recorded time.
    `reshaped` is what `reshape` made of the visit's segments for the new window.
    """
    (old_start, old_end), (start, end) = old, new
    if end is not None and end <= start:
        if end == old_end and start != old_start:
            return "started_at", "start_not_before_end"  # only the start moved, past the end
        return "ended_at", "end_not_after_start"
    billed = any(seg_end is None or seg_end > seg_start for seg_start, seg_end in reshaped)
    if not billed:
        return ("started_at" if start != old_start else "ended_at"), "no_billed_time"
    return None


def local_day_bounds(day: date, tz) -> tuple[datetime, datetime]:
    """Return the aware start and end of a venue-local day."""
    start = datetime.combine(day, time(0), tzinfo=tz)
    return start, start + timedelta(days=1)
