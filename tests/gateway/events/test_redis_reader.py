"""The Redis backend's reader: it survives a dropped connection without losing events,
skips damaged entries once, and never lets a gap pass silently."""

from __future__ import annotations

import asyncio
from typing import cast

import pytest
from redis.asyncio import Redis

from gateway.events import InvalidCursor, RedisEventBus, SubscriberTooSlow
from gateway.events.base import REPLAY_PAGE_SIZE
from gateway.settings import EventSettings
from tests.gateway.events.conftest import REDIS_URL
from tests.gateway.events.events import NOW, collect, labels, make_event


async def kill_connections(name: str) -> int:
    admin = Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        clients = [c for c in await admin.client_list() if c.get("name") == name]
        for client in clients:
            await admin.client_kill_filter(_id=client["id"])
    finally:
        await admin.aclose()
    return len(clients)


async def test_reader_resumes_from_its_last_id_after_the_connection_drops(
    redis_prefix: str,
) -> None:
    settings = EventSettings(redis_prefix=redis_prefix)
    bus = RedisEventBus(settings, REDIS_URL)
    await bus.start()
    try:
        async with bus.subscribe() as stream:
            await bus.publish([make_event("before")], NOW)
            assert labels(await collect(stream, 1)) == ["before"]
            assert await kill_connections(f"gateway-events:{redis_prefix}") >= 1
            publisher = RedisEventBus(settings, REDIS_URL)
            try:
                await publisher.publish([make_event("during"), make_event("after")], NOW)
            finally:
                await publisher.aclose()
            assert labels(await collect(stream, 2)) == ["during", "after"]
        assert bus.stats()["readerFailures"] >= 1
    finally:
        await bus.aclose()


async def test_unreadable_entry_is_skipped_once_and_later_events_flow(
    redis_prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    bus = RedisEventBus(EventSettings(redis_prefix=redis_prefix), REDIS_URL)
    await bus.start()
    admin = Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        async with bus.subscribe() as stream:
            await admin.xadd(bus.stream_key, {"foreign": "entry"})
            await asyncio.sleep(0.3)
            await bus.publish([make_event("after")], NOW)
            assert labels(await collect(stream, 1)) == ["after"]
    finally:
        await admin.aclose()
        await bus.aclose()
    skipped = [r for r in caplog.records if "unreadable stream entry" in r.getMessage()]
    assert len(skipped) == 1


async def test_events_trimmed_before_the_reader_saw_them_end_its_subscribers(
    redis_prefix: str,
) -> None:
    bus = RedisEventBus(EventSettings(redis_prefix=redis_prefix), REDIS_URL)
    other_replica = RedisEventBus(
        EventSettings(redis_prefix=redis_prefix, retention_count=10), REDIS_URL
    )
    await bus.start()
    try:
        async with bus.subscribe() as stream:
            await bus.publish([make_event("seen")], NOW)
            (seen,) = await collect(stream, 1)
            # one atomic append of more events than the retention keeps: the reader
            # can only see the newest ones
            await other_replica.publish([make_event(f"burst-{i}") for i in range(300)], NOW)
            with pytest.raises(SubscriberTooSlow) as ended:
                await collect(stream, 1)
        assert ended.value.resume_after == seen.cursor
        with pytest.raises(InvalidCursor, match="older than the event retention"):
            async with bus.subscribe(after=seen.cursor):
                pass
    finally:
        await other_replica.aclose()
        await bus.aclose()


@pytest.mark.parametrize("damaged", ["[]", '{"received_at": 5, "type": "SESSION_STARTED"}'])
async def test_entry_of_the_wrong_json_shape_is_skipped(redis_prefix: str, damaged: str) -> None:
    bus = RedisEventBus(EventSettings(redis_prefix=redis_prefix), REDIS_URL)
    await bus.start()
    admin = Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        async with bus.subscribe() as stream:
            await admin.xadd(bus.stream_key, {"e": damaged, "s": "1"})
            await admin.set(bus.counter_key, 1)
            await bus.publish([make_event("after")], NOW)
            assert labels(await asyncio.wait_for(collect(stream, 1), 10)) == ["after"]
        assert await bus.ready()
    finally:
        await admin.aclose()
        await bus.aclose()


async def test_reader_recovers_from_an_unexpected_failure(
    redis_prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    bus = RedisEventBus(EventSettings(redis_prefix=redis_prefix), REDIS_URL)
    admin = Redis.from_url(REDIS_URL, decode_responses=True)
    await admin.set(bus.counter_key, "damaged")
    await bus.start()
    try:
        await asyncio.sleep(0.3)
        assert not await bus.ready()
        assert "event bus reader failed" in caplog.text
        await admin.delete(bus.counter_key)
        for _ in range(50):
            if await bus.ready():
                break
            await asyncio.sleep(0.1)
        assert await bus.ready()
        async with bus.subscribe() as stream:
            await bus.publish([make_event("after repair")], NOW)
            assert labels(await asyncio.wait_for(collect(stream, 1), 10)) == ["after repair"]
    finally:
        await admin.aclose()
        await bus.aclose()


async def test_replay_skips_an_entry_of_an_unknown_type_and_reads_on_past_it(
    redis_prefix: str,
) -> None:
    """An entry a newer replica wrote (an event type this version does not know) inside a
    full replay page: the replay skips it and still reads every later event."""
    bus = RedisEventBus(EventSettings(redis_prefix=redis_prefix), REDIS_URL)
    await bus.start()
    admin = Redis.from_url(REDIS_URL, decode_responses=True)
    later = [f"later-{n}" for n in range(REPLAY_PAGE_SIZE + 10)]
    try:
        await bus.publish([make_event("first")], NOW)
        ((_, fields),) = cast(
            "list[tuple[str, dict[str, str]]]", await admin.xrange(bus.stream_key)
        )
        counter = int(cast("str", await admin.get(bus.counter_key))) + 1
        future = fields["e"].replace("PARTICIPANT_JOINED", "FROM_A_NEWER_VERSION")
        await admin.xadd(bus.stream_key, {"e": future, "s": str(counter)})
        await admin.set(bus.counter_key, counter)
        await bus.publish([make_event(label) for label in later], NOW)
        async with bus.subscribe(after=bus.start_cursor()) as stream:
            replayed = await asyncio.wait_for(collect(stream, 1 + len(later)), 10)
    finally:
        await admin.aclose()
        await bus.aclose()
    assert labels(replayed) == ["first", *later]
