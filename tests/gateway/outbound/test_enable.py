"""Enabling a disabled endpoint again over GraphQL, on both stores: from where it stopped
(the missed events in order, none twice) or from now, never another owner's, and a clear
error once retention discarded the missed events."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import pytest

from gateway.settings import Settings
from tests.gateway.events.conftest import REDIS_URL
from tests.gateway.events.events import NOW
from tests.gateway.graphql.helpers import Gateway, gateway
from tests.gateway.graphql.test_event_sessions import eventually
from tests.gateway.outbound.documents import CREATE, ENABLE, LIST, admin, outbound_settings
from tests.gateway.outbound.receiver import Receiver, receiver
from tests.gateway.outbound.test_delivery import joined, publish

STORES = pytest.mark.parametrize("store", ["memory", "redis"])
#: the owner of the endpoints: a token without a tenant, whose endpoints get every room's events
OWNER = admin(None)


def settings_of(
    store: str, redis_prefix: str, disable_after: float = 0.3, **events: Any
) -> Settings:
    """Quick retries, disabled after ``disable_after`` seconds of failures; ``events``: event
    log settings."""
    shared: dict[str, Any] = {"events": {"redis_prefix": redis_prefix, **events}}
    if store == "redis":
        shared["redis_url"] = REDIS_URL
    return outbound_settings(jwt=True, shared=shared, disable_after_seconds=disable_after)


def ids(deliveries: list[Any]) -> list[int]:
    """The ``joined`` numbers of deliveries."""
    return [int(d.event["participantId"][1:]) for d in deliveries]


async def disabled_endpoint(g: Gateway, target: Receiver) -> dict[str, Any]:
    """An endpoint that failed on event 0 until it was disabled; the receiver is
    then fixed (it answers 204 from now on)."""
    target.answers = [500] * 1000
    created = await create(g, target)
    await publish(g.services, joined(0))
    await until_disabled(g)
    target.answers.clear()
    return created


@asynccontextmanager
async def disabled(settings: Settings) -> AsyncIterator[tuple[Gateway, Receiver, dict[str, Any]]]:
    """A gateway, a receiver, and an endpoint to it made by ``disabled_endpoint``."""
    async with receiver() as target, gateway(settings) as g:
        yield g, target, await disabled_endpoint(g, target)


async def create(g: Gateway, target: Receiver) -> dict[str, Any]:
    variables = {"input": {"url": target.url}}
    created: dict[str, Any] = (await g.data(CREATE, variables, OWNER))["createWebhookEndpoint"]
    return created


async def until_disabled(g: Gateway) -> None:
    await eventually(lambda: listed(g), lambda endpoint: not endpoint["enabled"])


async def listed(g: Gateway) -> dict[str, Any]:
    endpoint: dict[str, Any] = (await g.data(LIST, token=OWNER))["webhookEndpoints"][0]
    return endpoint


async def enable(g: Gateway, endpoint_id: str, **variables: Any) -> dict[str, Any]:
    answer = await g.data(ENABLE, {"id": endpoint_id, **variables}, OWNER)
    enabled: dict[str, Any] = answer["enableWebhookEndpoint"]
    return enabled


@STORES
async def test_enabled_where_it_stopped_gets_the_missed_events_in_order_once(
    store: str, redis_prefix: str
) -> None:
    async with disabled(settings_of(store, redis_prefix)) as (g, target, created):
        endpoint_id = created["endpoint"]["id"]
        await publish(g.services, joined(1), joined(2))
        await asyncio.sleep(0.3)
        failed = len(target.deliveries)
        enabled = await enable(g, endpoint_id)
        await publish(g.services, joined(3))
        await target.wait_count(failed + 4)
        await asyncio.sleep(0.4)
        after = await listed(g)
    assert set(ids(target.deliveries[:failed])) == {0}
    assert ids(target.deliveries[failed:]) == [0, 1, 2, 3]
    assert all(d.verifies_with(created["secret"]) for d in target.deliveries)
    assert enabled["id"] == endpoint_id
    assert enabled["enabled"] is True
    assert enabled["failingSince"] is None
    assert after["enabled"] is True
    assert after["lastDeliveryAt"] is not None


@STORES
async def test_enabled_from_now_skips_what_it_missed(store: str, redis_prefix: str) -> None:
    async with disabled(settings_of(store, redis_prefix)) as (g, target, created):
        await publish(g.services, joined(1), joined(2))
        await asyncio.sleep(0.3)
        failed = len(target.deliveries)
        enabled = await enable(g, created["endpoint"]["id"], **{"from": "NOW"})
        await publish(g.services, joined(3))
        await target.wait_count(failed + 1)
        await asyncio.sleep(0.4)
    assert ids(target.deliveries[failed:]) == [3]
    assert target.deliveries[-1].verifies_with(created["secret"])
    assert (enabled["enabled"], enabled["failingSince"]) == (True, None)


@STORES
async def test_missed_events_past_retention_are_a_coded_error(
    store: str, redis_prefix: str
) -> None:
    settings = settings_of(store, redis_prefix, retention_count=3)
    async with disabled(settings) as (g, target, created):
        endpoint_id = created["endpoint"]["id"]
        # Redis trims whole stream nodes (MAXLEN ~): enough events to drop the first one
        for block in range(5):
            await g.services.bus.publish(
                [joined(i) for i in range(block * 50 + 1, block * 50 + 51)], NOW
            )
        gone = await g.error(ENABLE, {"id": endpoint_id}, OWNER)
        still = await listed(g)
        failed = len(target.deliveries)
        enabled = await enable(g, endpoint_id, **{"from": "NOW"})
        await publish(g.services, joined(300))
        await target.wait_count(failed + 1)
    assert gone["extensions"] == {"code": "BAD_USER_INPUT", "field": "from"}
    assert "gone" in gone["message"]
    assert "NOW" in gone["message"]
    assert still["enabled"] is False
    assert enabled["enabled"] is True
    assert ids(target.deliveries[failed:]) == [300]


@STORES
async def test_another_owners_endpoint_is_not_found_and_enabled_is_a_no_op(
    store: str, redis_prefix: str
) -> None:
    async with receiver() as target, gateway(settings_of(store, redis_prefix)) as g:
        created = await create(g, target)
        endpoint_id = created["endpoint"]["id"]
        theirs = await g.error(ENABLE, {"id": endpoint_id}, admin("globex"))
        unknown = await g.error(ENABLE, {"id": "webhook:" + "0" * 32}, OWNER)
        again = await enable(g, endpoint_id, **{"from": "NOW"})
        await publish(g.services, joined(0))
        await target.wait_count(1)
    assert theirs["extensions"]["code"] == unknown["extensions"]["code"] == "NOT_FOUND"
    assert again["id"] == endpoint_id
    assert again["enabled"] is True
    assert again["url"] == target.url
    assert ids(target.deliveries) == [0]


async def test_an_endpoint_that_lost_events_to_retention_still_resumes_where_it_stopped(
    redis_prefix: str,
) -> None:
    """Events discarded while the endpoint was behind make its worker continue from the
    log's head; that head is its cursor, so a later disabling still resumes where it
    stopped (it kept no cursor at all, and enabling it said the events were gone)."""
    events = {"retention_count": 3, "subscriber_queue_size": 5}
    settings = settings_of("memory", redis_prefix, disable_after=1.0, **events)
    async with receiver() as target, gateway(settings) as g:
        target.answers = [500] * 1000
        created = await create(g, target)
        await publish(g.services, joined(0))
        await target.wait_count(1)
        # while event 0 is retried, the live queue overflows and retention drops the rest
        await g.services.bus.publish([joined(i) for i in range(1, 20)], NOW)
        target.answers.clear()
        await target.wait_for(lambda seen: ids(seen)[-1:] == [0])
        await asyncio.sleep(0.3)
        target.answers = [500] * 1000
        await publish(g.services, joined(20))
        await until_disabled(g)
        target.answers.clear()
        failed = len(target.deliveries)
        await enable(g, created["endpoint"]["id"])
        await target.wait_count(failed + 1)
        await asyncio.sleep(0.3)
    assert ids(target.deliveries[failed:]) == [20]


async def test_another_replica_delivers_once_enabled_through_this_one(redis_prefix: str) -> None:
    """Enabled through a replica that delivers nothing itself: the other one finds the
    endpoint enabled in the shared store at its next refresh."""
    settings = settings_of("redis", redis_prefix)
    async with receiver() as target, AsyncExitStack() as stack:
        first = await stack.enter_async_context(gateway(settings))
        second = await stack.enter_async_context(gateway(settings))
        created = await disabled_endpoint(first, target)
        await first.services.outbound.dispatcher.aclose()
        await publish(first.services, joined(1))
        failed = len(target.deliveries)
        await enable(first, created["endpoint"]["id"])
        await target.wait_count(failed + 2)
        await asyncio.sleep(0.3)
        served = [g.services.outbound.stats()["endpointsServed"] for g in (first, second)]
    assert ids(target.deliveries[failed:]) == [0, 1]
    assert served == [0, 1]
