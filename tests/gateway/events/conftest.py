"""Fixtures of the event tests: unique Redis key prefixes and buses of both backends."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from redis.asyncio import Redis

from gateway.events import MemoryEventBus, RedisEventBus
from gateway.events.base import LogBus
from gateway.settings import EventSettings

REDIS_URL = "redis://127.0.0.1:6379/0"

BusFactory = Callable[..., Awaitable[LogBus]]


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    """A key prefix no other test uses; its keys are deleted afterwards."""
    prefix = f"test-events:{uuid.uuid4().hex}"
    yield prefix
    client = Redis.from_url(REDIS_URL)
    try:
        keys = [key async for key in client.scan_iter(match="{" + prefix + "}*", count=1000)]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


@pytest.fixture(params=["memory", "redis"])
async def make_bus(request: pytest.FixtureRequest, redis_prefix: str) -> AsyncIterator[BusFactory]:
    """Started buses of one backend; buses made by one test share one Redis stream."""
    buses: list[LogBus] = []

    async def make(**overrides: Any) -> LogBus:
        settings = EventSettings(redis_prefix=redis_prefix, **overrides)
        bus: LogBus
        if request.param == "memory":
            bus = MemoryEventBus(settings)
        else:
            bus = RedisEventBus(settings, REDIS_URL)
        await bus.start()
        buses.append(bus)
        return bus

    yield make
    for bus in buses:
        await bus.aclose()
