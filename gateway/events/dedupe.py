"""In-process dedupe window: event ids remembered for ``ttl`` seconds.

Bounded by ``max_entries`` as well: when full, the oldest id is forgotten first (a very
late duplicate of it would then be published again; the Redis backend has no such bound).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

__all__ = ["SeenIds"]


class SeenIds:
    """Remembers ids until they expire; ``add`` says whether an id is new."""

    def __init__(
        self, ttl: float, max_entries: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl = ttl
        self._max_entries = max_entries
        self._clock = clock
        self._expiry: OrderedDict[str, float] = OrderedDict()

    def __len__(self) -> int:
        return len(self._expiry)

    def seen(self, event_id: str) -> bool:
        """``event_id`` is within the window."""
        self._expire()
        return event_id in self._expiry

    def add(self, event_id: str) -> None:
        """Remember ``event_id`` from now on."""
        self._expire()
        self._expiry[event_id] = self._clock() + self._ttl
        self._expiry.move_to_end(event_id)
        while len(self._expiry) > self._max_entries:
            self._expiry.popitem(last=False)

    def _expire(self) -> None:
        now = self._clock()
        while self._expiry:
            oldest, expires = next(iter(self._expiry.items()))
            if expires > now:
                return
            del self._expiry[oldest]
