"""ROOM_CREATED, ROOM_UPDATED and ROOM_CLOSED: published by the room mutations over real
HTTP, received by real WebSocket subscribers (memory and Redis buses), once per change."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from gateway.settings import Settings
from providers import EventType
from tests.gateway.events.conftest import REDIS_URL
from tests.gateway.events.deliveries import gateway
from tests.gateway.events.wsclient import subscribe, wait_for_subscribers
from tests.support import gateway_settings, jwt_settings, live_server, make_token

ROOM_FIELDS = "id provider nativeId displayName kind expiresAt available"
CREATE = f"""
mutation($input: CreateRoomInput!) {{ createRoom(input: $input) {{ {ROOM_FIELDS} }} }}
"""
UPDATE = f"""
mutation($id: ID!, $input: UpdateRoomInput!) {{
  updateRoom(id: $id, input: $input) {{ {ROOM_FIELDS} }}
}}
"""
CLOSE = f"mutation($id: ID!) {{ closeRoom(id: $id) {{ {ROOM_FIELDS} }} }}"
READ = "query($id: ID!) { room(id: $id) { id } }"
LIFECYCLE = ["ROOM_CREATED", "ROOM_UPDATED", "ROOM_CLOSED"]
ROOM_EVENTS = f"""
subscription($roomId: ID, $types: [EventType!]) {{
  roomEvents(roomId: $roomId, types: $types) {{
    __typename id cursor type provider roomId sessionId raw
    ... on RoomLifecycleEvent {{ room {{ {ROOM_FIELDS} }} }}
  }}
}}
"""


def in_days(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0).isoformat()


class Client:
    """GraphQL over HTTP against a live server."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def data(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        response = await self.http.post("/graphql", json={"query": query, "variables": variables})
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    async def create(self, **fields: Any) -> dict[str, Any]:
        data = await self.data(CREATE, {"input": {"displayName": "Standup", **fields}})
        room: dict[str, Any] = data["createRoom"]
        return room

    async def lifecycle(self) -> dict[str, int]:
        counters: dict[str, int] = (await self.http.get("/readyz")).json()["details"][
            "roomLifecycle"
        ]
        return counters


@asynccontextmanager
async def client(base: str, token: str | None = None) -> AsyncIterator[Client]:
    headers = {} if token is None else {"authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=10) as http:
        yield Client(http)


async def test_create_update_close_each_reach_a_subscriber_once_with_the_room() -> None:
    with live_server(gateway_settings()) as base:
        async with (
            subscribe(base, {"types": LIFECYCLE}, query=ROOM_EVENTS) as sub,
            client(base) as gql,
        ):
            await wait_for_subscribers(base, 1)
            room = await gql.create(provider="VONAGE", kind="LONG_TERM", expiresAt=in_days(30))
            update = {"id": room["id"], "input": {"expiresAt": in_days(60)}}
            updated = (await gql.data(UPDATE, update))["updateRoom"]
            closed = (await gql.data(CLOSE, {"id": room["id"]}))["closeRoom"]
            events = await sub.events(3)
            assert await sub.quiet()
            counters = await gql.lifecycle()
    assert [event["type"] for event in events] == LIFECYCLE
    assert [event["room"] for event in events] == [room, updated, closed]
    for event in events:
        assert event["__typename"] == "RoomLifecycleEvent"
        assert event["roomId"] == room["id"]
        assert event["provider"] == "VONAGE"
        assert event["sessionId"] is None
        assert event["raw"]["source"] == "gateway"
        assert "hostUrl" not in event["raw"]
    assert [event["raw"]["operation"] for event in events] == [
        "createRoom",
        "updateRoom",
        "closeRoom",
    ]
    assert len({event["id"] for event in events}) == 3
    assert counters == {"published": 3, "duplicates": 0, "failed": 0}


async def test_a_room_filter_receives_only_that_rooms_changes() -> None:
    with live_server(gateway_settings()) as base:
        async with client(base) as gql:
            mine = await gql.create(provider="METERED")
            variables = {"roomId": mine["id"]}
            async with subscribe(base, variables, query=ROOM_EVENTS) as sub:
                await wait_for_subscribers(base, 1)
                await gql.create(provider="METERED")
                other = await gql.create(provider="METERED")
                await gql.data(CLOSE, {"id": other["id"]})
                await gql.data(CLOSE, {"id": mine["id"]})
                (event,) = await sub.events(1)
                assert await sub.quiet()
    assert event["type"] == "ROOM_CLOSED"
    assert event["room"]["id"] == mine["id"]
    assert event["room"]["available"] is False


@pytest.mark.parametrize("provider", ["VONAGE", "METERED", "VIDEOSDK"])
async def test_an_idempotent_retry_publishes_nothing_new(provider: str) -> None:
    fields = {"provider": provider, "idempotencyKey": f"k-{uuid.uuid4().hex}"}
    async with gateway() as gw:
        first, again = [
            (
                await gw.client.post(
                    "/graphql",
                    json={"query": CREATE, "variables": {"input": {"displayName": "A", **fields}}},
                )
            ).json()["data"]["createRoom"]
            for _ in range(2)
        ]
        logged = await gw.logged()
        stats = gw.services.lifecycle.stats
    assert first == again
    assert [(item.event.type, item.event.room_id) for item in logged] == [
        (EventType.ROOM_CREATED, first["id"])
    ]
    assert (stats.published, stats.duplicates, stats.failed) == (1, 1, 0)


async def test_closing_a_closed_room_again_publishes_nothing_new() -> None:
    async with gateway() as gw:
        response = await gw.client.post(
            "/graphql",
            json={
                "query": CREATE,
                "variables": {"input": {"displayName": "A", "provider": "METERED"}},
            },
        )
        room = response.json()["data"]["createRoom"]
        for _ in range(2):
            closed = await gw.client.post(
                "/graphql", json={"query": CLOSE, "variables": {"id": room["id"]}}
            )
            assert "errors" not in closed.json(), closed.json()
        types = [item.event.type for item in await gw.logged()]
    assert types == [EventType.ROOM_CREATED, EventType.ROOM_CLOSED]


async def test_each_update_is_its_own_event() -> None:
    async with gateway() as gw:
        create = {"displayName": "A", "provider": "METERED"}
        response = await gw.client.post(
            "/graphql", json={"query": CREATE, "variables": {"input": create}}
        )
        room = response.json()["data"]["createRoom"]
        update = {"id": room["id"], "input": {"expiresAt": in_days(3)}}
        for _ in range(2):
            await gw.client.post("/graphql", json={"query": UPDATE, "variables": update})
        types = [item.event.type for item in await gw.logged()]
    assert types == [EventType.ROOM_CREATED, EventType.ROOM_UPDATED, EventType.ROOM_UPDATED]


async def test_the_room_needs_rooms_read_the_event_only_events_read() -> None:
    settings = jwt_settings()
    with live_server(settings) as base:
        init = {"authorization": f"Bearer {make_token('events:read')}"}
        async with subscribe(base, {"types": LIFECYCLE}, query=ROOM_EVENTS, init=init) as sub:
            await wait_for_subscribers(base, 1)
            async with client(base, make_token()) as gql:
                room = await gql.create(provider="METERED")
            message = await sub.message()
    payload = message["payload"]
    event = payload["data"]["roomEvents"]
    assert event["type"] == "ROOM_CREATED"
    assert event["roomId"] == room["id"]
    assert event["room"] is None
    assert payload["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def redis_settings(prefix: str) -> Settings:
    return gateway_settings(redis_url=REDIS_URL, events={"redis_prefix": prefix})


async def test_lifecycle_events_through_redis_reach_a_subscriber_once(redis_prefix: str) -> None:
    key = f"k-{uuid.uuid4().hex}"
    with live_server(redis_settings(redis_prefix)) as base:
        async with (
            subscribe(base, {"types": LIFECYCLE}, query=ROOM_EVENTS) as sub,
            client(base) as gql,
        ):
            await wait_for_subscribers(base, 1)
            room = await gql.create(provider="METERED", idempotencyKey=key)
            assert await gql.create(provider="METERED", idempotencyKey=key) == room
            closed = (await gql.data(CLOSE, {"id": room["id"]}))["closeRoom"]
            events = await sub.events(2)
            assert await sub.quiet()
            counters = await gql.lifecycle()
    assert [(event["type"], event["room"]) for event in events] == [
        ("ROOM_CREATED", room),
        ("ROOM_CLOSED", closed),
    ]
    assert counters == {"published": 2, "duplicates": 1, "failed": 0}


async def test_a_publish_failure_leaves_the_mutation_done_and_is_counted(
    redis_prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    # the event stream's key holds a string: Redis refuses every append to it
    admin = Redis.from_url(REDIS_URL)
    await admin.set("{" + redis_prefix + "}:stream", "not a stream")
    try:
        with live_server(redis_settings(redis_prefix)) as base, caplog.at_level("ERROR"):
            async with client(base) as gql:
                room = await gql.create(provider="METERED")
                again = await gql.data(READ, {"id": room["id"]})
                counters = await gql.lifecycle()
    finally:
        await admin.aclose()
    assert again == {"room": {"id": room["id"]}}
    assert counters == {"published": 0, "duplicates": 0, "failed": 1}
    assert f"ROOM_CREATED of {room['id']} could not be published" in caplog.text
