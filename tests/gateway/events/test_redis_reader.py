"""The Redis backend's reader survives a dropped connection without losing events."""

from __future__ import annotations

from redis.asyncio import Redis

from gateway.events import RedisEventBus
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
