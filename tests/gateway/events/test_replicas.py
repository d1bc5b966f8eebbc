"""Two gateway processes sharing one real Redis: events cross replicas, duplicates are
published once, subscribers move between replicas, slow subscribers are ended."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from gateway.events import RedisEventBus
from gateway.settings import EventSettings, Settings
from providers import EventType, MeetingEvent
from tests.gateway.events.conftest import REDIS_URL
from tests.gateway.events.events import NOW
from tests.gateway.events.test_subscriptions import TOKEN, deliver, joined
from tests.gateway.events.wsclient import subscribe, wait_for_subscribers
from tests.support import gateway_settings, live_server


def replica_settings(prefix: str, **events: Any) -> Settings:
    return gateway_settings(redis_url=REDIS_URL, events={"redis_prefix": prefix, **events})


@contextmanager
def replicas(
    settings: Settings, apps: tuple[FastAPI, FastAPI] | None = None
) -> Iterator[tuple[str, str]]:
    """Two gateways on loopback with the same Redis stream (``apps``, else made of
    ``settings``)."""
    first_app, second_app = apps or (None, None)
    with ExitStack() as stack:
        first = stack.enter_context(live_server(settings, first_app))
        second = stack.enter_context(live_server(settings, second_app))
        yield first, second


async def stats(base: str) -> dict[str, int]:
    async with httpx.AsyncClient(base_url=base) as http:
        details: dict[str, int] = (await http.get("/readyz")).json()["details"]["webhooks"]
        return details


async def test_webhook_on_one_replica_reaches_a_subscriber_on_the_other(
    redis_prefix: str,
) -> None:
    with replicas(replica_settings(redis_prefix)) as (a, b):
        async with subscribe(b, {"roomId": "vonage:room-x"}) as sub:
            await wait_for_subscribers(b, 1)
            await deliver(a, joined("room-x", "Ann"))
            event = await sub.event()
    assert event["participantName"] == "Ann"


async def test_duplicate_delivered_to_both_replicas_is_published_once(redis_prefix: str) -> None:
    payload = joined("room-x", "Twice")

    async def post(base: str) -> int:
        async with httpx.AsyncClient(base_url=base) as http:
            response = await http.post("/webhooks/vonage", params={"token": TOKEN}, json=payload)
            return response.status_code

    with replicas(replica_settings(redis_prefix)) as (a, b):
        async with subscribe(a) as on_a, subscribe(b) as on_b:
            await wait_for_subscribers(a, 1)
            await wait_for_subscribers(b, 1)
            for _ in range(3):
                assert list(await asyncio.gather(post(a), post(b))) == [204, 204]
            assert (await on_a.event())["id"] == (await on_b.event())["id"]
            assert await on_a.quiet()
            assert await on_b.quiet(0.05)
        counts = [await stats(a), await stats(b)]
    assert sum(c["published"] for c in counts) == 1
    assert sum(c["duplicates"] for c in counts) == 5


async def test_subscriber_moving_to_the_other_replica_misses_nothing(redis_prefix: str) -> None:
    with replicas(replica_settings(redis_prefix)) as (a, b):
        async with subscribe(a) as sub:
            await wait_for_subscribers(a, 1)
            await deliver(b, joined("r", "one"))
            seen = await sub.event()
        await deliver(a, joined("r", "two"))
        await deliver(b, joined("r", "three"))
        async with subscribe(b, {"after": seen["cursor"]}) as sub:
            missed = await sub.events(2)
            await deliver(a, joined("r", "four"))
            live = await sub.event()
            assert await sub.quiet()
    assert [e["participantName"] for e in [*missed, live]] == ["two", "three", "four"]


def _burst(room: str, count: int) -> list[MeetingEvent]:
    return [
        MeetingEvent(
            id=f"vonage:burst-{room}-{i}",
            provider="vonage",
            type=EventType.PARTICIPANT_JOINED,
            raw={"n": i},
            room_native_id=room,
            participant_name=f"p{i}",
        )
        for i in range(count)
    ]


async def test_slow_subscriber_is_ended_with_resume_cursor_others_keep_receiving(
    redis_prefix: str,
) -> None:
    settings = replica_settings(redis_prefix, subscriber_queue_size=3)
    third_replica = RedisEventBus(EventSettings(redis_prefix=redis_prefix), REDIS_URL)
    try:
        with replicas(settings) as (a, _b):
            async with (
                subscribe(a, {"roomId": "vonage:busy"}) as slow,
                subscribe(a, {"roomId": "vonage:calm"}) as other,
            ):
                await wait_for_subscribers(a, 2)
                # ten events in one append reach replica a in one read: more than fits
                await third_replica.publish(_burst("busy", 10), NOW)
                error = await slow.error()
                await deliver(a, joined("calm", "still here"))
                assert (await other.event())["participantName"] == "still here"
            async with subscribe(a, {"after": error["extensions"]["resumeAfter"]}) as resumed:
                again = await resumed.events(10)
    finally:
        await third_replica.aclose()
    assert error["extensions"]["code"] == "SUBSCRIBER_TOO_SLOW"
    assert error["extensions"]["resumeAfter"] in error["message"]
    assert [e["participantName"] for e in again] == [f"p{i}" for i in range(10)]
