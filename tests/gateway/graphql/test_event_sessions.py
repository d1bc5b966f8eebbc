"""Sessions of providers without a sessions API (Vonage, Metered), built from their
signed or token-checked webhooks posted to the real route; in memory, and on Redis shared
by two gateways and kept across a restart."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest

from gateway.sandbox import webhook_token
from gateway.settings import Settings
from providers import EventType
from tests.gateway.events.conftest import REDIS_URL, redis_prefix
from tests.gateway.graphql.helpers import Gateway, gateway
from tests.gateway.graphql.test_sessions import SESSION, SESSIONS, create_room
from tests.support import gateway_settings

__all__ = ["redis_prefix"]

EVENT_PROVIDERS = ["vonage", "metered"]


def settings_for(backend: str, prefix: str, **state: Any) -> Settings:
    if backend == "memory":
        return gateway_settings(state=state)
    return gateway_settings(redis_url=REDIS_URL, events={"redis_prefix": prefix}, state=state)


async def deliver(
    gw: Gateway, provider: str, room: str, event_type: EventType, **details: Any
) -> None:
    """The provider's own delivery for ``event_type``, posted to ``/webhooks/<provider>``."""
    handle = gw.services.providers[provider]
    assert handle.sandbox is not None
    assert handle.adapter is not None
    token = webhook_token(handle.adapter.settings)
    delivery = handle.sandbox.webhook(room, event_type, details, token)
    response = await gw.client.post(
        f"/webhooks/{provider}{delivery.path}",
        params=dict(delivery.query),
        headers=dict(delivery.headers),
        content=delivery.body,
    )
    assert response.status_code == 204, response.text


async def meet(gw: Gateway, provider: str, room: str) -> None:
    """Two sessions: s-1 (Ann and Bob; Ann left; ended), then s-2 (Cy, running)."""
    steps: list[tuple[EventType, dict[str, Any]]] = [
        (EventType.SESSION_STARTED, {"sessionId": "s-1"}),
        (EventType.PARTICIPANT_JOINED, {"sessionId": "s-1", "participantId": "ann"}),
        (EventType.PARTICIPANT_JOINED, {"sessionId": "s-1", "participantId": "bob"}),
        (EventType.PARTICIPANT_LEFT, {"sessionId": "s-1", "participantId": "ann"}),
        (EventType.SESSION_ENDED, {"sessionId": "s-1"}),
        (EventType.SESSION_STARTED, {"sessionId": "s-2"}),
        (EventType.PARTICIPANT_JOINED, {"sessionId": "s-2", "participantId": "cy"}),
    ]
    for event_type, details in steps:
        participant = details.get("participantId")
        if participant:
            details["participantName"] = participant.title()
        await deliver(gw, provider, room, event_type, **details)


async def eventually(
    read: Callable[[], Awaitable[dict[str, Any]]], done: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    """``read()`` once ``done`` holds for it (the projection applies events in the
    background)."""
    async with asyncio.timeout(10):
        while True:
            value = await read()
            if done(value):
                return value
            await asyncio.sleep(0.02)


async def sessions_of(gw: Gateway, room_id: str, count: int = 2, **page: Any) -> dict[str, Any]:
    async def read() -> dict[str, Any]:
        data = await gw.data(SESSIONS, {"roomId": room_id, **page})
        sessions: dict[str, Any] = data["sessions"]
        return sessions

    def settled(found: dict[str, Any]) -> bool:
        nodes = found["nodes"]
        return bool(nodes) and nodes[0]["nativeId"] == "s-2" and len(nodes[0]["participants"]) > 0

    return await eventually(read, settled) if count else await read()


def summary(nodes: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [
        (
            n["nativeId"],
            n["active"],
            n["endedAt"] is not None,
            [
                (p["id"], p["name"], p["present"], p["leftAt"] is not None)
                for p in n["participants"]
            ],
        )
        for n in nodes
    ]


EXPECTED = [
    ("s-2", True, False, [("cy", "Cy", True, False)]),
    ("s-1", False, True, [("ann", "Ann", False, True), ("bob", "Bob", False, True)]),
]


@asynccontextmanager
async def gateway_on(backend: str, prefix: str, **state: Any) -> AsyncIterator[Gateway]:
    async with gateway(settings_for(backend, prefix, **state)) as gw:
        yield gw


@pytest.mark.parametrize("backend", ["memory", "redis"])
@pytest.mark.parametrize("provider", EVENT_PROVIDERS)
async def test_sessions_are_built_from_webhooks(
    provider: str, backend: str, redis_prefix: str
) -> None:
    async with gateway_on(backend, redis_prefix) as gw:
        room = await create_room(gw, provider)
        await meet(gw, provider, room["nativeId"])
        found = await sessions_of(gw, room["id"])
        one = await gw.data(SESSION, {"id": f"{provider}:s-1"})
    assert summary(found["nodes"]) == EXPECTED
    node = found["nodes"][1]
    assert node["id"] == f"{provider}:s-1"
    assert node["roomId"] == room["id"]
    assert node["provider"] == provider.upper()
    assert node["raw"] == {"source": "events", "droppedParticipants": 0}
    assert one["session"]["roomId"] == room["id"]
    assert [p["id"] for p in one["session"]["participants"]] == ["ann", "bob"]


@pytest.mark.parametrize("provider", EVENT_PROVIDERS)
async def test_a_room_without_events_has_no_sessions_and_paging_works(
    provider: str, redis_prefix: str
) -> None:
    async with gateway_on("memory", redis_prefix) as gw:
        quiet = await create_room(gw, provider)
        empty = await sessions_of(gw, quiet["id"], count=0)
        room = await create_room(gw, provider)
        await meet(gw, provider, room["nativeId"])
        await sessions_of(gw, room["id"])
        first = await sessions_of(gw, room["id"], first=1)
        cursor = first["pageInfo"]["endCursor"]
        second = await sessions_of(gw, room["id"], count=0, first=1, after=cursor)
    assert empty == {"nodes": [], "pageInfo": {"hasNextPage": False, "endCursor": None}}
    assert [n["nativeId"] for n in first["nodes"]] == ["s-2"]
    assert first["pageInfo"]["hasNextPage"] is True
    assert [n["nativeId"] for n in second["nodes"]] == ["s-1"]
    assert second["pageInfo"]["hasNextPage"] is False


async def test_the_history_keeps_the_newest_sessions_only(redis_prefix: str) -> None:
    async with gateway_on("memory", redis_prefix, sessions_per_room=2) as gw:
        room = await create_room(gw, "metered")
        for n in range(4):
            await deliver(
                gw, "metered", room["nativeId"], EventType.SESSION_STARTED, sessionId=f"x{n}"
            )
        await deliver(gw, "metered", room["nativeId"], EventType.SESSION_STARTED, sessionId="s-2")
        await deliver(
            gw, "metered", room["nativeId"], EventType.PARTICIPANT_JOINED, sessionId="s-2"
        )
        found = await sessions_of(gw, room["id"])
        dropped = await gw.data(SESSION, {"id": "metered:x0"})
    assert [n["nativeId"] for n in found["nodes"]] == ["s-2", "x3"]
    assert found["nodes"][1]["active"] is False  # its end was never reported
    assert found["nodes"][1]["endedAt"] is None
    assert dropped == {"session": None}


@pytest.mark.parametrize("provider", EVENT_PROVIDERS)
async def test_two_gateways_sharing_redis_agree_and_a_restart_keeps_sessions(
    provider: str, redis_prefix: str
) -> None:
    async with gateway_on("redis", redis_prefix) as a, gateway_on("redis", redis_prefix) as b:
        room = await create_room(gw=a, provider=provider)
        await meet(a, provider, room["nativeId"])
        on_a = await sessions_of(a, room["id"])
        on_b = await sessions_of(b, room["id"])
        one_on_b = await b.data(SESSION, {"id": f"{provider}:s-2"})
    async with gateway_on("redis", redis_prefix) as restarted:
        after_restart = await sessions_of(restarted, room["id"])
    assert summary(on_a["nodes"]) == summary(on_b["nodes"]) == EXPECTED
    assert on_a == on_b
    assert one_on_b["session"]["active"] is True
    assert after_restart == on_a
