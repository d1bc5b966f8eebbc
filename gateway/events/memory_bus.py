"""The in-process backend (default): a bounded deque log, a dedupe window, local fan-out.

Retention mirrors the Redis backend: at most ``retention_count`` events, none older than
``retention_seconds``. Positions are sequence numbers; ``_evicted`` is the last one
discarded, so a cursor before it is known to have missed events.
"""

from __future__ import annotations

import itertools
import secrets
import time
from collections import deque
from collections.abc import Callable, Sequence
from datetime import datetime

from gateway.events.base import LogBus
from gateway.events.cursors import memory_cursor, parse_memory_cursor
from gateway.events.dedupe import SeenIds
from gateway.events.hub import Closed
from gateway.events.model import InvalidCursor, Position, PublishResult, StoredEvent
from gateway.observability import tracing
from gateway.settings import EventSettings
from providers import MeetingEvent

__all__ = ["MemoryEventBus"]


class MemoryEventBus(LogBus):
    """Everything in this process; subscribers on other processes see nothing."""

    backend = "memory"
    origin = (0,)

    def __init__(self, settings: EventSettings, clock: Callable[[], float] = time.time) -> None:
        super().__init__(settings)
        self._clock = clock
        self._log_id = secrets.token_hex(6)
        self._log: deque[tuple[float, StoredEvent]] = deque()
        self._seq = 0
        self._evicted = 0
        self._seen = SeenIds(settings.dedupe_seconds, settings.dedupe_max_entries, clock)

    async def start(self) -> None:
        return None

    async def aclose(self) -> None:
        self.hub.end_all(Closed())

    async def ready(self) -> bool:
        return True

    async def _ensure_live(self) -> None:
        return None

    def parse_cursor(self, cursor: str) -> Position:
        return parse_memory_cursor(cursor, self._log_id)

    def cursor_of(self, position: Position) -> str:
        return memory_cursor(self._log_id, position[0])

    async def publish(self, events: Sequence[MeetingEvent], received_at: datetime) -> PublishResult:
        appended: list[StoredEvent] = []
        duplicates: list[str] = []
        now = self._clock()
        trace_parent = tracing.trace_parent()
        for event in events:
            if self._seen.seen(event.id):
                duplicates.append(event.id)
                continue
            self._seen.add(event.id)
            appended.append(self._append(event, received_at, now, trace_parent))
        self._trim(now)
        for item in appended:
            self.hub.dispatch(item)
        return PublishResult(tuple(appended), tuple(duplicates))

    def _append(
        self, event: MeetingEvent, received_at: datetime, now: float, trace_parent: str | None
    ) -> StoredEvent:
        self._seq += 1
        position = (self._seq,)
        item = StoredEvent(event, received_at, position, self.cursor_of(position), trace_parent)
        self._log.append((now, item))
        return item

    def _trim(self, now: float) -> None:
        oldest_kept = now - self.settings.retention_seconds
        while self._log and (
            len(self._log) > self.settings.retention_count or self._log[0][0] < oldest_kept
        ):
            _, item = self._log.popleft()
            self._evicted = item.position[0]

    async def head(self) -> Position:
        return (self._seq,)

    async def read_after(self, position: Position, limit: int) -> list[StoredEvent]:
        self._trim(self._clock())
        seq = position[0]
        if seq > self._seq:
            raise InvalidCursor("unknown cursor: it is ahead of this event log")
        if seq < self._evicted:
            raise InvalidCursor(
                "cursor is older than the event retention: events after it were discarded; "
                "subscribe without after"
            )
        first = self._log[0][1].position[0] if self._log else self._seq + 1
        start = max(seq + 1 - first, 0)
        return [item for _, item in itertools.islice(self._log, start, start + limit)]
