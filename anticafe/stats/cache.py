"""A short-lived cache of the statistics' figures, in each worker process.

A year of figures takes the database a second or two to count (two passes over a year of check-ins
and timed visits), while the committee mostly looks at periods that are over, again and again. So
`queries` keeps each result for `STATS_CACHE_SECONDS` (0 turns the cache off) under a key that holds:

- the question (which figures, the period and the comparison, the grouping);
- the newest row of every table the figures read (check-ins, timed visits, registrations, events,
  passes' uses) and the last edit of an event: a new check-in, visit or registration shows at once;
- nothing else, so a correction of an existing row (an undone check-in, a visit paid later, a
  cancelled registration) shows when the entry expires, at most `STATS_CACHE_SECONDS` later.

A request with `Cache-Control: no-cache` (a browser's hard reload, the benchmark's growth curve)
recomputes and refreshes the entry.
"""

import copy
from collections.abc import Callable
from functools import wraps

from flask import current_app, g, has_request_context, request
from sqlalchemy import func, select

from ..door.models import CheckIn
from ..events.models import Event
from ..extensions import db
from ..memo import Memo
from ..passes.models import PassUse
from ..registrations.models import Registration
from ..visits.models import Visit

#: Each entry is a few kilobytes of counts.
_figures = Memo(size=64)


def data_version() -> tuple:
    """The newest row of each table the figures read, and the last event edit (one query, on indexes)."""
    if "stats_data_version" not in g:
        newest = [select(func.max(model.id)).scalar_subquery()
                  for model in (CheckIn, Visit, Registration, Event, PassUse)]
        row = db.session.execute(select(*newest, select(func.max(Event.updated_at)).scalar_subquery())).one()
        g.stats_data_version = tuple(str(value) for value in row)
    return g.stats_data_version


def wants_fresh() -> bool:
    """Whether the request asks for figures computed now (`Cache-Control: no-cache`)."""
    return has_request_context() and bool(request.cache_control.no_cache)


def cached(compute: Callable) -> Callable:
    """Cache `compute(scope, *args, **kwargs)` (a statistics query) as the module says."""

    @wraps(compute)
    def wrapper(scope, *args, **kwargs):
        seconds = current_app.config["STATS_CACHE_SECONDS"]
        if seconds <= 0:
            return compute(scope, *args, **kwargs)
        key = (compute.__name__, str(db.engine.url), scope.lo, scope.hi, scope.split, scope.event_ids,
               _frozen(args), _frozen(sorted(kwargs.items())), data_version())
        if not wants_fresh():
            found = _figures.get(key)
            if found is not None:
                return copy.deepcopy(found)
        result = compute(scope, *args, **kwargs)
        _figures.put(key, copy.deepcopy(result), seconds)
        return result

    return wrapper


def clear() -> None:
    """Forget every entry (tests)."""
    _figures.clear()


def _frozen(value):
    if isinstance(value, list | tuple):
        return tuple(_frozen(item) for item in value)
    return value
