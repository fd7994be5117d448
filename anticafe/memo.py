"""A small in-process cache (each worker has its own): the last N entries, each for a while at most.

Used where an answer is costly to make and the same question comes again and again: calendar feeds
by their version, the month grid, the committee's statistics. The callers put what the answer depends
on into the key (a cheap version of the data included), so an entry is never wrong for its key; the
time limit only bounds how long a change the version does not see (a correction) stays unseen.
"""

import time
from collections import OrderedDict
from collections.abc import Hashable
from threading import Lock


class Memo:
    """Up to `size` entries, least recently used out first; each kept `seconds` at most (None: no limit)."""

    def __init__(self, size: int):
        self.size = size
        self._entries: OrderedDict = OrderedDict()
        self._lock = Lock()

    def get(self, key: Hashable):
        """Return the value kept for `key`, or None when there is none (or it expired)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            expires, value = entry
            if expires is not None and expires <= time.monotonic():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return value

    def put(self, key: Hashable, value, seconds: float | None = None) -> None:
        """Keep `value` for `key` (for `seconds` at most, when given)."""
        expires = time.monotonic() + seconds if seconds is not None else None
        with self._lock:
            self._entries[key] = (expires, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
