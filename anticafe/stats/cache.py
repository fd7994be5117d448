"""The statistics' figures, kept in each worker process under the version of the data they count.

A year of figures takes the database a while to count, while the committee mostly looks at the same
periods again and again. So `queries` keeps each result under a key that holds:

- the question (which figures, the period and the comparison, the grouping);
- the statistics' data version (`anticafe.versions`), bumped in the same transaction as every change
  to the rows the figures read (a check-in, a visit or its correction, a registration, an erasure):
  no figure is ever older than the last commit, on any worker or server. There is no timer.

A request with `Cache-Control: no-cache` (a browser's hard reload, the benchmark's growth curve)
recomputes and refreshes the entry.
"""

import copy
from collections.abc import Callable
from functools import wraps

from flask import has_request_context, request

from .. import versions
from ..extensions import db
from ..memo import Memo
from . import aggregate

#: Each entry is a few kilobytes of counts.
_figures = Memo(size=64)


def data_version() -> int:
    """The statistics' data version (one primary-key read per request)."""
    return versions.stats_version()


def wants_fresh() -> bool:
    """Whether the request asks for figures computed now (`Cache-Control: no-cache`)."""
    return has_request_context() and bool(request.cache_control.no_cache)


def cached(compute: Callable) -> Callable:
    """Cache `compute(scope, *args, **kwargs)` (a statistics query) as the module says."""

    @wraps(compute)
    def wrapper(scope, *args, **kwargs):
        key = (compute.__name__, str(db.engine.url), scope.lo, scope.hi, scope.split, scope.event_ids,
               _frozen(args), _frozen(sorted(kwargs.items())), data_version(), aggregate.source())
        if not wants_fresh():
            found = _figures.get(key)
            if found is not None:
                return copy.deepcopy(found)
        result = compute(scope, *args, **kwargs)
        _figures.put(key, copy.deepcopy(result))
        return result

    return wrapper


def clear() -> None:
    """Forget every entry (tests)."""
    _figures.clear()


def _frozen(value):
    if isinstance(value, list | tuple):
        return tuple(_frozen(item) for item in value)
    return value
