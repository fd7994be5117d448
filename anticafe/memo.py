"""A small in-process cache (each worker has its own): the last N entries, least recently used out first.

Used where an answer is costly to make and the same question comes again and again: calendar feeds'
bodies by their version, the month grid, the committee's statistics. The callers put what the answer
depends on into the key, the data's version from the database included (`anticafe.versions`), so an
entry is never wrong for its key and never older than the last commit. There is no timer.
"""

from collections import OrderedDict
from collections.abc import Hashable
from threading import Lock


class Memo:
    """Up to `size` entries, least recently used out first."""

    def __init__(self, size: int):
        self.size = size
        self._entries: OrderedDict = OrderedDict()
        self._lock = Lock()

    def get(self, key: Hashable):
        """Return the value kept for `key`, or None when there is none."""
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: Hashable, value) -> None:
        """Keep `value` for `key`."""
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
