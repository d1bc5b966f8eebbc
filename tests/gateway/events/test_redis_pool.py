"""The Redis backend under a burst of subscriptions: starts wait for a pooled connection
instead of being refused, and a subscription that cannot be served is logged once."""

from __future__ import annotations

import asyncio
import json
import logging
from contextlib import AsyncExitStack

import pytest
from redis.asyncio import ConnectionPool
from redis.asyncio.connection import Connection
from redis.exceptions import ConnectionError as RedisConnectionError

from gateway.events import BusUnavailable, EventStream, RedisEventBus
from gateway.settings import EventSettings
from tests.gateway.events.conftest import REDIS_URL
from tests.gateway.events.events import NOW, collect, labels, make_event
from tests.gateway.events.test_subscriptions import deliver, joined
from tests.gateway.events.wsclient import (
    ROOM_EVENTS,
    Subscription,
    subscribe,
    wait_for_subscribers,
)
from tests.support import gateway_settings, live_server

BURST = 400
PUBLISH_ROUNDS = 5


async def started(settings: EventSettings) -> RedisEventBus:
    bus = RedisEventBus(settings, REDIS_URL)
    await bus.start()
    return bus


async def subscribe_all(bus: RedisEventBus, stack: AsyncExitStack) -> list[EventStream]:
    return list(
        await asyncio.gather(*(stack.enter_async_context(bus.subscribe()) for _ in range(BURST)))
    )


@pytest.mark.parametrize("pool_size", [None, 4])
async def test_a_burst_of_subscriptions_all_start(redis_prefix: str, pool_size: int | None) -> None:
    settings = EventSettings(redis_prefix=redis_prefix)
    if pool_size is not None:
        settings = settings.model_copy(update={"redis_pool_size": pool_size})
    bus = await started(settings)
    try:
        async with AsyncExitStack() as stack:
            streams = await subscribe_all(bus, stack)
            await bus.publish([make_event("after the burst")], NOW)
            for stream in streams:
                assert labels(await collect(stream, 1)) == ["after the burst"]
    finally:
        await bus.aclose()


def pool_of(bus: RedisEventBus) -> ConnectionPool:
    # the bus's own pool, held from outside to stand for a burst that occupies it
    return bus._client.connection_pool


async def take(pool: ConnectionPool) -> Connection:
    connection: Connection = await pool.get_connection()  # type: ignore[no-untyped-call]
    return connection


async def every_free_connection(pool: ConnectionPool) -> list[Connection]:
    """Hold the whole pool: the bus's reader may be holding one of its connections."""
    held: list[Connection] = []
    while True:
        try:
            held.append(await take(pool))
        except RedisConnectionError:
            return held


async def test_a_refused_subscription_is_logged_once_with_its_reason(
    redis_prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    settings = EventSettings(
        redis_prefix=redis_prefix, redis_pool_size=2, redis_pool_timeout_seconds=0.05
    )
    bus = await started(settings)
    try:
        assert await bus.ready()
        held = await every_free_connection(pool_of(bus))
        caplog.set_level(logging.WARNING, logger="gateway.events")
        with pytest.raises(BusUnavailable):
            async with bus.subscribe():
                pass
        for connection in held:
            await pool_of(bus).release(connection)
    finally:
        await bus.aclose()
    refusals = [r for r in caplog.records if "subscription refused" in r.getMessage()]
    assert len(refusals) == 1
    assert "No connection available" in refusals[0].getMessage()
    assert refusals[0].exc_info is None


def subscribe_message(op_id: int) -> str:
    payload = {"query": ROOM_EVENTS, "variables": {}}
    return json.dumps({"id": str(op_id), "type": "subscribe", "payload": payload})


async def started_operations(sub: Subscription, base: str) -> set[str]:
    """The operations that receive events: a subscription counts on the bus before its start
    has read the log's head, so an event published meanwhile is before its start. Publish
    until every operation has received one (or nothing more arrives)."""
    started: set[str] = set()
    for n in range(PUBLISH_ROUNDS):
        await deliver(base, joined("r", f"round-{n}"))
        started |= await received_ids(sub)
        if len(started) == BURST:
            break
    return started


async def received_ids(sub: Subscription) -> set[str]:
    """The operations of the events that arrive until the socket is quiet for a second."""
    ids: set[str] = set()
    while True:
        try:
            message = await sub.message(wait=1.0)
        except TimeoutError:
            return ids
        assert message["type"] == "next", message
        ids.add(message["id"])


async def test_a_burst_of_graphql_subscriptions_all_start(redis_prefix: str) -> None:
    events = {"redis_prefix": redis_prefix, "max_subscriptions_per_connection": BURST + 1}
    limits = {"max_subscriptions_per_client": BURST}
    settings = gateway_settings(redis_url=REDIS_URL, events=events, limits=limits)
    with live_server(settings) as base:
        async with subscribe(base) as sub:
            for op_id in range(2, BURST + 1):
                await sub.ws.send(subscribe_message(op_id))
            await wait_for_subscribers(base, BURST, wait=30)
            started = await started_operations(sub, base)
    assert started == {str(op_id) for op_id in range(1, BURST + 1)}
