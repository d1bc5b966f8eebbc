"""The Redis backend: one stream shared by every replica, one reader task per replica.

``publish`` runs one Lua script: for each event, ``SET NX PX`` on its id and, only when
the id is new, ``INCR`` of the append counter and ``XADD`` (the counter value stored in
the entry) with ``MAXLEN ~ retention_count``; then ``XTRIM MINID ~`` by the retention age
(Redis server time). A duplicate delivered to two replicas at once is thus appended
once, and a delivery's events are appended together or not at all. An entry holds the event
(``e``), its append counter (``s``) and, when traces are on, the ``traceparent`` of the span
that published it (``t``).

Trimming removes the oldest entries only, so ``counter - XLEN`` entries are gone and an
entry whose counter value is below that lost its successors: its cursor is past the
retention. Replay reads ``GET counter``, ``XLEN`` and ``XRANGE`` in one ``MULTI``.

Each replica runs ONE reader (``XREAD BLOCK`` from the last id it dispatched) and fans
out to its local subscribers. Append counters are consecutive, so a counter that jumps
tells the reader that events were trimmed before it read them (after an outage, or a
burst larger than the retention): it then ends its subscribers, who resume from their
cursors and learn of the gap instead of silently missing events.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from redis.exceptions import RedisError, ResponseError

from gateway.events.base import LogBus
from gateway.events.codec import decode_event, encode_event
from gateway.events.cursors import parse_redis_cursor, parse_stream_id, redis_cursor, stream_id
from gateway.events.hub import Closed, Overflowed
from gateway.events.model import (
    BusUnavailable,
    InvalidCursor,
    Position,
    PublishResult,
    StoredEvent,
)
from gateway.observability import tracing
from gateway.redis_pool import bounded_client
from gateway.settings import EventSettings
from providers import MeetingEvent

__all__ = ["RedisEventBus"]

log = logging.getLogger("gateway.events")

APPEND_SCRIPT = """
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local out = {}
for i = 3, #KEYS do
  if redis.call('SET', KEYS[i], '1', 'NX', 'PX', ARGV[3]) then
    local n = redis.call('INCR', KEYS[2])
    local entry = {'e', ARGV[i + 2], 's', n}
    if ARGV[4] ~= '' then
      entry[5] = 't'
      entry[6] = ARGV[4]
    end
    local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(entry))
    out[#out + 1] = id .. ' ' .. n
  else
    out[#out + 1] = ''
  end
end
local min_id = now_ms - tonumber(ARGV[2])
if min_id > 0 then
  redis.call('XTRIM', KEYS[1], 'MINID', '~', min_id)
end
return out
"""

READ_BLOCK_MS = 2_000
READ_COUNT = 500
LIVE_WAIT_SECONDS = 5.0
RETRY_SECONDS = (0.1, 0.5, 1.0, 2.0)
_NO_POSITION: Position = (0, 0, 0)


class RedisEventBus(LogBus):
    """The shared log for several gateway processes."""

    backend = "redis"
    origin = _NO_POSITION

    def __init__(self, settings: EventSettings, url: str) -> None:
        super().__init__(settings)
        self._client = bounded_client(
            url,
            name=f"gateway-events:{settings.redis_prefix}",
            size=settings.redis_pool_size,
            wait_seconds=settings.redis_pool_timeout_seconds,
            read_timeout_seconds=READ_BLOCK_MS / 1000 + 5.0,
            decode_responses=True,
        )
        tag = "{" + settings.redis_prefix + "}"
        self.stream_key = f"{tag}:stream"
        self.counter_key = f"{tag}:appended"
        self.seen_prefix = f"{tag}:seen:"
        self._append = self._client.register_script(APPEND_SCRIPT)
        self._reader: asyncio.Task[None] | None = None
        self._live = asyncio.Event()
        self._reader_failures = 0
        self._reader_healthy = True
        self._closing = False

    async def start(self) -> None:
        if self._reader is None:
            self._reader = asyncio.create_task(self._read_loop(), name="event-bus-reader")

    async def aclose(self) -> None:
        self._closing = True
        await self._stop_reader()
        self.hub.end_all(Closed())
        await self._client.aclose()

    async def _stop_reader(self) -> None:
        reader, self._reader = self._reader, None
        if reader is None:
            return
        reader.cancel()
        done, _ = await asyncio.wait({reader}, timeout=0.2)
        if not done:
            # the client can lose a cancellation that lands between two commands; closing
            # its connections ends the blocked XREAD, and the loop sees ``_closing``
            await self._client.connection_pool.disconnect()
            await asyncio.wait({reader}, timeout=READ_BLOCK_MS / 1000 + 1.0)

    async def ready(self) -> bool:
        if self._reader is None or self._reader.done() or not self._reader_healthy:
            return False
        try:
            return bool(await self._client.ping())
        except (RedisError, OSError):
            return False

    def stats(self) -> dict[str, Any]:
        return {**super().stats(), "readerFailures": self._reader_failures}

    def parse_cursor(self, cursor: str) -> Position:
        return parse_redis_cursor(cursor)

    def cursor_of(self, position: Position) -> str:
        return redis_cursor(position)

    async def publish(self, events: Sequence[MeetingEvent], received_at: datetime) -> PublishResult:
        if not events:
            return PublishResult((), ())
        trace_parent = tracing.trace_parent()
        keys = [
            self.stream_key,
            self.counter_key,
            *(self.seen_prefix + event.id for event in events),
        ]
        args: list[str | int] = [
            self.settings.retention_count,
            int(self.settings.retention_seconds * 1000),
            int(self.settings.dedupe_seconds * 1000),
            trace_parent or "",
            *(encode_event(event, received_at) for event in events),
        ]
        try:
            ids: list[str] = await self._append(keys=keys, args=args)
        except (RedisError, OSError) as exc:
            raise BusUnavailable("the event log (Redis) is unavailable") from exc
        appended = tuple(
            self._stored(event, received_at, *answer.split(), trace_parent=trace_parent)
            for event, answer in zip(events, ids, strict=True)
            if answer
        )
        duplicates = tuple(e.id for e, answer in zip(events, ids, strict=True) if not answer)
        return PublishResult(appended, duplicates)

    def _stored(
        self,
        event: MeetingEvent,
        received_at: datetime,
        entry_id: str,
        counter: str,
        *,
        trace_parent: str | None,
    ) -> StoredEvent:
        position = (*parse_stream_id(entry_id), int(counter))
        return StoredEvent(event, received_at, position, redis_cursor(position), trace_parent)

    def _decode_entry(self, entry_id: str, fields: dict[str, str]) -> StoredEvent:
        event, received_at = decode_event(fields["e"])
        return self._stored(event, received_at, entry_id, fields["s"], trace_parent=fields.get("t"))

    async def _transaction(self, *commands: tuple[str, ...]) -> list[Any]:
        try:
            async with self._client.pipeline(transaction=True) as pipe:
                for command in commands:
                    pipe.execute_command(*command)
                answers: list[Any] = await pipe.execute(raise_on_error=False)
        except (RedisError, OSError) as exc:
            raise BusUnavailable("the event log (Redis) is unavailable") from exc
        return answers

    async def head(self) -> Position:
        try:
            return await self._head()
        except BusUnavailable as exc:
            _log_refusal(exc)
            raise

    async def read_after(self, position: Position, limit: int) -> list[StoredEvent]:
        try:
            return await self._read_after(position, limit)
        except BusUnavailable as exc:
            _log_refusal(exc)
            raise

    async def _head(self) -> Position:
        counter, info = await self._transaction(
            ("GET", self.counter_key), ("XINFO", "STREAM", self.stream_key)
        )
        if isinstance(info, ResponseError) and "no such key" in str(info).lower():
            return (0, 0, int(counter or 0))
        if isinstance(info, Exception):
            raise BusUnavailable("the event log (Redis) answered an error") from info
        return (*parse_stream_id(info["last-generated-id"]), int(counter or 0))

    async def _read_after(self, position: Position, limit: int) -> list[StoredEvent]:
        counter, length, entries = await self._transaction(
            ("GET", self.counter_key),
            ("XLEN", self.stream_key),
            ("XRANGE", self.stream_key, f"({stream_id(position)}", "+", "COUNT", str(limit)),
        )
        if isinstance(entries, Exception):
            raise BusUnavailable("the event log (Redis) answered an error") from entries
        _check_position(position[2], int(counter or 0), int(counter or 0) - int(length))
        page: list[StoredEvent] = []
        for entry_id, fields in entries:
            item, position = self._decoded(entry_id, fields, position)
            if item is not None:
                page.append(item)
        if len(entries) == limit and len(page) < limit:
            # unreadable entries were skipped: fill the page, so a short page still means
            # the end of the log to the replay
            page += await self._read_after(position, limit - len(page))
        return page

    def _decoded(
        self, entry_id: str, fields: dict[str, str], previous: Position
    ) -> tuple[StoredEvent | None, Position]:
        """The entry's event and position; ``None`` for an entry that does not decode (one
        written by a newer version, with an event type this one does not know), skipped."""
        try:
            item = self._decode_entry(entry_id, fields)
        except (KeyError, ValueError):
            log.warning("event bus: skipping unreadable stream entry %s", entry_id)
            counter = fields.get("s", "")
            skipped = int(counter) if counter.isdigit() else previous[2]
            return None, (*parse_stream_id(entry_id), skipped)
        return item, item.position

    async def _ensure_live(self) -> None:
        if self._reader is None:
            raise BusUnavailable("the event bus is not started")
        try:
            await asyncio.wait_for(self._live.wait(), LIVE_WAIT_SECONDS)
        except TimeoutError:
            refused = BusUnavailable("the event bus reader is not reading the log (Redis)")
            _log_refusal(refused)
            raise refused from None

    async def _read_loop(self) -> None:
        position: Position | None = None
        failures = 0
        while not self._closing:
            try:
                if position is None:
                    position = await self._head()
                    self._live.set()
                position = await self._read_once(position)
            except (RedisError, OSError, BusUnavailable) as exc:
                log.warning("event bus reader: %s", exc)
            except Exception:
                # a bug or a damaged log: never leave subscribers waiting on a dead reader.
                # They resume from their cursors (replay reads the log itself), and the
                # reader starts again from the head.
                log.exception("event bus reader failed; ending subscribers with a resume hint")
                self.hub.end_all(Overflowed())
                position = None
            else:
                failures = 0
                self._reader_healthy = True
                continue
            if self._closing:
                return
            await self._back_off(failures)
            failures += 1

    async def _back_off(self, failures: int) -> None:
        """Not ready until a read succeeds again; wait longer after each failure."""
        self._reader_healthy = False
        self._reader_failures += 1
        delay = RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)]
        log.warning("event bus reader: retrying in %.1fs", delay)
        await asyncio.sleep(delay)

    async def _read_once(self, position: Position) -> Position:
        answer = cast(
            "list[tuple[str, list[tuple[str, dict[str, str]]]]] | None",
            await self._client.xread(
                {self.stream_key: stream_id(position)}, count=READ_COUNT, block=READ_BLOCK_MS
            ),
        )
        for _stream, entries in answer or ():
            for entry_id, fields in entries:
                position = self._dispatch(entry_id, fields, position)
        return position

    def _dispatch(self, entry_id: str, fields: dict[str, str], previous: Position) -> Position:
        """Offer one entry to the local subscribers; the reader's position after it."""
        item, position = self._decoded(entry_id, fields, previous)
        if item is None:
            return position
        missed = item.position[2] - previous[2] - 1
        if missed > 0:
            # appended and trimmed before this reader saw them (an outage, or a burst larger
            # than the retention): no subscriber here can continue without a gap
            log.warning("event bus reader: %d events were trimmed before they were read", missed)
            self.hub.end_all(Overflowed())
        self.hub.dispatch(item)
        return item.position


def _log_refusal(error: BusUnavailable) -> None:
    """One line for a subscription the log could not serve, with Redis' reason."""
    reason = f": {error.__cause__}" if error.__cause__ else ""
    log.warning("event subscription refused: %s%s", error, reason)


def _check_position(counter: int, appended: int, trimmed: int) -> None:
    """Whether the events after the entry with append counter ``counter`` are all kept."""
    if counter > appended:
        raise InvalidCursor("unknown cursor: it is ahead of this event log")
    if counter < trimmed:
        raise InvalidCursor(
            "cursor is older than the event retention: events after it were discarded; "
            "subscribe without after"
        )
