"""Event bus: publish -> subscriber delivery, per backend, against a bare asyncio.Queue.

Each event is published on its own (as one webhook delivery is), deduplicated, appended
to the log and fanned out to one subscriber. The ratios say what dedupe, the log and the
fan-out cost over the cheapest possible hand-over in the same process.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from redis.asyncio import Redis

from bench.common import Result, best_of
from gateway.events import EventBus, MemoryEventBus, RedisEventBus
from gateway.settings import EventSettings
from providers import EventType, MeetingEvent

EVENTS = 1_000
REDIS_URL = "redis://127.0.0.1:6379/0"


def _events() -> list[MeetingEvent]:
    return [
        MeetingEvent(
            id=f"bench:{uuid.uuid4().hex}",
            provider="vonage",
            type=EventType.PARTICIPANT_JOINED,
            raw={"n": n},
            room_native_id="room",
            participant_name=f"P{n}",
        )
        for n in range(EVENTS)
    ]


async def _queue_baseline() -> None:
    queue: asyncio.Queue[MeetingEvent] = asyncio.Queue(maxsize=EVENTS)

    async def consume() -> None:
        for _ in range(EVENTS):
            await queue.get()

    consumer = asyncio.create_task(consume())
    for event in _events():
        await queue.put(event)
    await consumer


async def _through(bus: EventBus) -> None:
    events = _events()
    now = datetime.now(UTC)
    async with bus.subscribe() as stream:

        async def consume() -> None:
            received = 0
            async for _ in stream:
                received += 1
                if received == EVENTS:
                    return

        consumer = asyncio.create_task(consume())
        for event in events:
            await bus.publish([event], now)
        await asyncio.wait_for(consumer, timeout=60)


async def _drop_keys(prefix: str) -> None:
    client = Redis.from_url(REDIS_URL)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}:*", count=1000)]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


async def _timed(backend: str) -> float:
    prefix = f"bench-{uuid.uuid4().hex}"
    settings = EventSettings(subscriber_queue_size=EVENTS * 2, redis_prefix=prefix)
    bus: EventBus = (
        RedisEventBus(settings, REDIS_URL) if backend == "redis" else MemoryEventBus(settings)
    )
    await bus.start()
    try:
        return await best_of(3, lambda: _through(bus))
    finally:
        await bus.aclose()
        if backend == "redis":
            await _drop_keys(prefix)


async def bench() -> list[Result]:
    baseline = await best_of(3, _queue_baseline)
    memory = await _timed("memory")
    redis = await _timed("redis")
    label = f"asyncio.Queue x{EVENTS}"
    return [
        Result("events: memory bus", label, baseline, "memory bus", memory, "per-event publish"),
        Result("events: redis bus", label, baseline, "redis bus", redis, "per-event publish"),
        Result("events: redis vs memory", "memory bus", memory, "redis bus", redis),
    ]


if __name__ == "__main__":
    for result in asyncio.run(bench()):
        print(result.line())
