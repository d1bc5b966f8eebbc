"""The ``EventBus`` interface and what both backends share: replay, then live, with no gap.

A subscription registers its live queue FIRST, then replays the log from ``after`` (or
from the head of the log when no cursor is given) page by page, then drains the live
queue, skipping every event at or before the last position it delivered. An event
appended while the subscription starts is therefore delivered exactly once: by the
replay, by the live queue, or by both with the second copy skipped.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import deque
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime
from typing import Any, ClassVar, Protocol

from gateway.events.hub import Closed, Draining, Hub, Overflowed, Subscriber
from gateway.events.model import (
    EventFilter,
    InvalidCursor,
    Position,
    PublishResult,
    ShuttingDown,
    StoredEvent,
    SubscriberTooSlow,
)
from gateway.observability import tracing
from gateway.observability.metrics import EVENTS_DELIVERED
from gateway.settings import EventSettings
from providers import MeetingEvent

__all__ = ["EventBus", "EventStream", "LogBus"]

REPLAY_PAGE_SIZE = 500
_EVERYTHING = EventFilter()


class EventBus(Protocol):
    """Publish verified events; hand out filtered, resumable subscriptions."""

    settings: EventSettings

    async def start(self) -> None:
        """Start background work (the Redis reader); idempotent."""
        ...

    async def aclose(self) -> None:
        """End every subscription and release connections."""
        ...

    async def publish(self, events: Sequence[MeetingEvent], received_at: datetime) -> PublishResult:
        """Append the events not seen within the dedupe window, all at once or none."""
        ...

    def subscribe(
        self,
        *,
        after: str | None = None,
        event_filter: EventFilter | None = None,
        internal: bool = False,
    ) -> AbstractAsyncContextManager[EventStream]:
        """Events after ``after`` (else from now on) matching ``event_filter``;
        ``internal``: the gateway's own reader, not counted as a client's subscription."""
        ...

    async def ready(self) -> bool:
        """The log answers."""
        ...

    def drain(self) -> int:
        """Shutting down: end every client subscription now, and later ones at once, with
        ``ShuttingDown``; how many were ended."""
        ...

    def start_cursor(self) -> str:
        """A cursor before the oldest event the log can hold: ``after`` it is everything."""
        ...

    def stats(self) -> dict[str, Any]:
        """Counters for ``/readyz``."""
        ...


class LogBus(ABC):
    """Subscription logic over a backend's log primitives."""

    backend: ClassVar[str]
    #: the position before the first event ever appended
    origin: ClassVar[Position]

    def __init__(self, settings: EventSettings) -> None:
        self.settings = settings
        self.hub = Hub()

    @abstractmethod
    async def start(self) -> None:
        """Start background work; idempotent."""

    @abstractmethod
    async def aclose(self) -> None:
        """End every subscription and release connections."""

    @abstractmethod
    async def publish(self, events: Sequence[MeetingEvent], received_at: datetime) -> PublishResult:
        """Append the events not seen within the dedupe window, all at once or none."""

    @abstractmethod
    async def ready(self) -> bool:
        """The log answers."""

    @abstractmethod
    def parse_cursor(self, cursor: str) -> Position:
        """The position of ``cursor``; ``InvalidCursor`` when malformed or foreign."""

    @abstractmethod
    def cursor_of(self, position: Position) -> str:
        """The opaque cursor of ``position``."""

    @abstractmethod
    async def head(self) -> Position:
        """The position of the last event appended (``origin`` when none)."""

    @abstractmethod
    async def read_after(self, position: Position, limit: int) -> list[StoredEvent]:
        """Up to ``limit`` events after ``position``, in order.

        ``InvalidCursor`` when events after ``position`` were already discarded
        (retention) or when ``position`` is ahead of the log.
        """

    @abstractmethod
    async def _ensure_live(self) -> None:
        """Wait until live events flow to the hub (the Redis reader is running)."""

    def start_cursor(self) -> str:
        return self.cursor_of(self.origin)

    def drain(self) -> int:
        return self.hub.drain()

    def stats(self) -> dict[str, Any]:
        stats = self.hub.stats
        return {
            "backend": self.backend,
            "subscribers": stats.subscribers,
            "internalReaders": stats.internal_readers,
            "dispatched": stats.dispatched,
            "slowSubscribersEnded": stats.slow_subscribers_ended,
        }

    def subscribe(
        self,
        *,
        after: str | None = None,
        event_filter: EventFilter | None = None,
        internal: bool = False,
    ) -> AbstractAsyncContextManager[EventStream]:
        return self._subscription(after, event_filter or _EVERYTHING, internal)

    @asynccontextmanager
    async def _subscription(
        self, after: str | None, event_filter: EventFilter, internal: bool
    ) -> AsyncIterator[EventStream]:
        start = self.parse_cursor(after) if after is not None else None
        await self._ensure_live()
        subscriber = Subscriber(
            event_filter,
            self.settings.subscriber_queue_size,
            self.settings.max_delivery_lag_seconds,
            internal=internal,
        )
        self.hub.add(subscriber)
        try:
            if start is None:
                start = await self.head()
            stream = EventStream(self, subscriber, start)
            await stream.replay_first_page()
            yield stream
        finally:
            self.hub.remove(subscriber)


class EventStream:
    """Async iterator of ``StoredEvent``: the replay, then the live queue, de-duplicated."""

    def __init__(self, bus: LogBus, subscriber: Subscriber, start: Position) -> None:
        self._bus = bus
        self._subscriber = subscriber
        self._filter = subscriber.event_filter
        self._page: deque[StoredEvent] = deque()
        self._read_position = start
        self._replaying = True
        self.last_position = start
        self.last_cursor = bus.cursor_of(start)
        self._delivered = EVENTS_DELIVERED.labels("internal" if subscriber.internal else "client")

    async def replay_first_page(self) -> None:
        """Read the first replay page now, so a bad cursor fails before any event."""
        await self._read_page()

    def __aiter__(self) -> EventStream:
        return self

    async def __anext__(self) -> StoredEvent:
        while True:
            item = await self._next_candidate()
            if item.position <= self.last_position or not self._filter.matches(item.event):
                continue
            self.last_position = item.position
            self.last_cursor = item.cursor
            self._delivered.inc()
            tracing.delivered(item, internal=self._subscriber.internal)
            return item

    async def _next_candidate(self) -> StoredEvent:
        if self._subscriber.draining:
            # not even the replay continues: the client resumes from here elsewhere
            raise ShuttingDown(self.last_cursor)
        while self._replaying and not self._page:
            await self._next_page()
        if self._page:
            return self._page.popleft()
        try:
            return await self._subscriber.get()
        except Overflowed:
            raise SubscriberTooSlow(self.last_cursor) from None
        except Draining:
            raise ShuttingDown(self.last_cursor) from None
        except Closed:
            raise StopAsyncIteration from None

    async def _next_page(self) -> None:
        try:
            await self._read_page()
        except InvalidCursor:
            # resuming could not help: the events are gone, so say so instead of a resume hint
            raise InvalidCursor(
                "events after the last one delivered were discarded by the event retention "
                "while this subscription replayed them; subscribe without after"
            ) from None

    async def _read_page(self) -> None:
        page = await self._bus.read_after(self._read_position, REPLAY_PAGE_SIZE)
        if page:
            self._read_position = page[-1].position
            self._page.extend(page)
        if len(page) < REPLAY_PAGE_SIZE:
            self._replaying = False
