"""Local fan-out: one bounded queue per subscriber in this process.

Overflow policy: a subscriber whose queue is full, or whose oldest queued event has waited
longer than ``max_lag_seconds`` (it falls behind while the process cannot keep up), is *ended*,
never silently skipped. Its queue is dropped and its next read raises ``Overflowed``; the
stream turns that into ``SubscriberTooSlow`` with the cursor of the last event it delivered,
so the client resumes from there instead of every subscriber slowing down together.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from gateway.events.model import EventFilter, StoredEvent
from gateway.observability.metrics import SUBSCRIBERS_TOO_SLOW

__all__ = ["BoundedQueue", "Closed", "Draining", "Hub", "HubStats", "Overflowed", "Subscriber"]

T = TypeVar("T")

log = logging.getLogger(__name__)


class Overflowed(Exception):
    """The subscriber's queue overflowed and it was ended."""


class Closed(Exception):
    """The bus shut down; the subscriber ends normally."""


class Draining(Exception):
    """The process is shutting down: the subscriber ends at once, its queue dropped (the
    client resumes elsewhere from the last event it received)."""


class BoundedQueue(Generic[T]):
    """At most ``maxsize`` items, each waiting at most ``max_lag_seconds``; past either the
    queue is ended (``Overflowed``) rather than let grow or go stale."""

    def __init__(
        self,
        maxsize: int,
        max_lag_seconds: float = float("inf"),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._maxsize = maxsize
        self._max_lag = max_lag_seconds
        self._clock = clock
        #: (when queued, item)
        self._queue: deque[tuple[float, T]] = deque()
        self._wakeup = asyncio.Event()
        self._ended: Exception | None = None

    def offer(self, item: T) -> bool:
        """Queue ``item``; ``False`` (and the queue ended) when it is too far behind."""
        if self._ended is not None:
            return True
        now = self._clock()
        if self._queue and (
            len(self._queue) >= self._maxsize or now - self._queue[0][0] > self._max_lag
        ):
            self.end(Overflowed())
            return False
        self._queue.append((now, item))
        self._wakeup.set()
        return True

    def end(self, reason: Exception) -> None:
        """Stop queueing; the next ``get`` raises ``reason`` once the queue is drained (at
        once for ``Overflowed`` and ``Draining``: the queue is dropped)."""
        if self._ended is None:
            self._ended = reason
            if isinstance(reason, Overflowed | Draining):
                self._queue.clear()
            self._wakeup.set()

    @property
    def draining(self) -> bool:
        """Ended because the process is shutting down (a replay stops too)."""
        return isinstance(self._ended, Draining)

    async def get(self) -> T:
        """The next queued item; raises the reason it was ended (``Overflowed``, ``Draining``
        or ``Closed``) once none is left."""
        while not self._queue:
            if self._ended is not None:
                raise self._ended
            self._wakeup.clear()
            await self._wakeup.wait()
        return self._queue.popleft()[1]


class Subscriber(BoundedQueue[StoredEvent]):
    """A bounded queue of live events matching ``event_filter``."""

    def __init__(
        self,
        event_filter: EventFilter,
        maxsize: int,
        max_lag_seconds: float = float("inf"),
        clock: Callable[[], float] = time.monotonic,
        *,
        internal: bool = False,
    ) -> None:
        super().__init__(maxsize, max_lag_seconds, clock)
        self.event_filter = event_filter
        #: the gateway's own reader (room state), not a client's subscription
        self.internal = internal


@dataclass(slots=True)
class HubStats:
    subscribers: int = 0
    internal_readers: int = 0
    dispatched: int = 0
    slow_subscribers_ended: int = 0


class Hub:
    """The set of this process's subscribers; ``dispatch`` offers an event to each match."""

    def __init__(self) -> None:
        self._subscribers: set[Subscriber] = set()
        self.stats = HubStats()
        #: shutting down: clients' subscribers are ended, and new ones at once
        self.draining = False

    def add(self, subscriber: Subscriber) -> None:
        if self.draining and not subscriber.internal:
            subscriber.end(Draining())
        self._subscribers.add(subscriber)
        self._count()

    def remove(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)
        self._count()

    def _count(self) -> None:
        internal = sum(1 for subscriber in self._subscribers if subscriber.internal)
        self.stats.internal_readers = internal
        self.stats.subscribers = len(self._subscribers) - internal

    def dispatch(self, item: StoredEvent) -> None:
        self.stats.dispatched += 1
        ended = 0
        for subscriber in list(self._subscribers):
            if subscriber.event_filter.matches(item.event) and not subscriber.offer(item):
                ended += 1
                self.remove(subscriber)
        if ended:
            self.stats.slow_subscribers_ended += ended
            SUBSCRIBERS_TOO_SLOW.inc(ended)
            log.warning(
                "ended %d subscribers that fell behind (full queue or backlog too old); "
                "they resume with resumeAfter",
                ended,
            )

    def drain(self) -> int:
        """End every client's subscriber now and every later one at once; how many ended.

        The gateway's own readers (``internal``) keep running until the bus closes.
        """
        self.draining = True
        clients = [subscriber for subscriber in self._subscribers if not subscriber.internal]
        for subscriber in clients:
            subscriber.end(Draining())
            self.remove(subscriber)
        return len(clients)

    def end_all(self, reason: Exception) -> None:
        """End every subscriber (shutdown: ``Closed``; lost events: ``Overflowed``)."""
        for subscriber in list(self._subscribers):
            subscriber.end(reason)
            self.remove(subscriber)
