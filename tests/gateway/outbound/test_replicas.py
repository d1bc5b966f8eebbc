"""Replicas sharing one real Redis: one delivers to an endpoint at a time, and when it
dies (kill -9) another one continues from the saved cursor, losing nothing."""

from __future__ import annotations

import asyncio
import os
import signal
from contextlib import AsyncExitStack

import httpx
from redis.asyncio import Redis

from gateway.events import RedisEventBus
from gateway.settings import EventSettings
from tests.gateway.events.conftest import REDIS_URL
from tests.gateway.events.events import NOW
from tests.gateway.graphql.helpers import gateway
from tests.gateway.outbound.documents import CREATE, outbound_settings
from tests.gateway.outbound.receiver import receiver
from tests.gateway.outbound.test_delivery import joined
from tests.gateway.test_cli import running


async def test_two_replicas_never_deliver_one_event_twice(redis_prefix: str) -> None:
    shared = {"redis_url": REDIS_URL, "events": {"redis_prefix": redis_prefix}}
    settings = outbound_settings(shared=shared)
    async with receiver() as target, AsyncExitStack() as stack:
        first = await stack.enter_async_context(gateway(settings))
        second = await stack.enter_async_context(gateway(settings))
        variables = {"input": {"url": target.url}}
        created = (await first.data(CREATE, variables))["createWebhookEndpoint"]
        for i in range(30):
            await (first if i % 2 else second).services.bus.publish([joined(i)], NOW)
        await target.wait_count(30)
        await asyncio.sleep(0.5)
        served = [g.services.outbound.stats()["endpointsServed"] for g in (first, second)]
    assert target.ids() == [f"vonage:event-room-1-{i}" for i in range(30)]
    assert all(d.verifies_with(created["secret"]) for d in target.deliveries)
    assert sorted(served) == [0, 1]


def _environment(prefix: str) -> dict[str, str]:
    return {
        "GATEWAY_REDIS_URL": REDIS_URL,
        "GATEWAY_EVENTS__REDIS_PREFIX": prefix,
        "GATEWAY_AUTH__MODE": "none",
        "GATEWAY_OUTBOUND__ALLOW_LOOPBACK": "true",
        "GATEWAY_OUTBOUND__LEASE_SECONDS": "1",
        "GATEWAY_OUTBOUND__REFRESH_SECONDS": "0.2",
        "GATEWAY_OUTBOUND__RETRY_INITIAL_SECONDS": "0.05",
        "GATEWAY_OUTBOUND__RETRY_MAX_SECONDS": "0.2",
    }


async def _lease_owner_pid(prefix: str, endpoint_id: str) -> int:
    client = Redis.from_url(REDIS_URL)
    try:
        owner = await client.get("{" + prefix + "}:outbound:lease:" + endpoint_id)
    finally:
        await client.aclose()
    assert owner is not None
    text = owner.decode() if isinstance(owner, bytes) else str(owner)
    return int(text.split(":")[1])


async def test_killed_replica_hands_over_without_losing_events(redis_prefix: str) -> None:
    env = _environment(redis_prefix)
    publisher = RedisEventBus(EventSettings(redis_prefix=redis_prefix), REDIS_URL)
    await publisher.start()
    try:
        async with receiver() as target:
            target.delay = 0.1
            with (
                running("serve", "--insecure", **env) as (a, _),
                running("serve", "--insecure", **env) as (_b, _),
            ):
                async with httpx.AsyncClient(base_url=a) as http:
                    answer = await http.post(
                        "/graphql",
                        json={"query": CREATE, "variables": {"input": {"url": target.url}}},
                    )
                endpoint_id = answer.json()["data"]["createWebhookEndpoint"]["endpoint"]["id"]
                for i in range(20):
                    await publisher.publish([joined(i)], NOW)
                await target.wait_count(5)
                victim = await _lease_owner_pid(redis_prefix, endpoint_id)
                os.kill(victim, signal.SIGKILL)
                await target.wait_for(lambda seen: len({d.event["id"] for d in seen}) == 20, 20)
                survivor = await _lease_owner_pid(redis_prefix, endpoint_id)
    finally:
        await publisher.aclose()
    first_seen = list(dict.fromkeys(target.ids()))
    assert first_seen == [f"vonage:event-room-1-{i}" for i in range(20)]
    assert survivor != victim
    # at least once: only the delivery cut by the kill may come twice
    assert len(target.ids()) <= 21
