"""What the gateway keeps of rooms for providers without the field: display names (at
every provider and on every replica) and VideoSDK's automatic recording."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from redis.asyncio import Redis

from gateway.services import ProviderHandle
from tests.gateway.graphql.helpers import Gateway, gateway, requests_to
from tests.support import gateway_settings

REDIS_URL = "redis://127.0.0.1:6379/0"
NAME = "Équipe Nord — weekly sync!"

CREATE = """
mutation($input: CreateRoomInput!) { createRoom(input: $input) { id nativeId displayName } }
"""
ROOM = "query($id: ID!) { room(id: $id) { id displayName } }"
ROOMS = "query($p: Provider) { rooms(provider: $p, first: 100) { nodes { id displayName } } }"
UPDATE = """
mutation($id: ID!, $input: UpdateRoomInput!) {
  updateRoom(id: $id, input: $input) { id displayName }
}
"""


async def create(gw: Gateway, provider: str, name: str = NAME, **extra: Any) -> dict[str, Any]:
    variables = {"input": {"provider": provider.upper(), "displayName": name, **extra}}
    room: dict[str, Any] = (await gw.data(CREATE, variables))["createRoom"]
    return room


async def listed_name(gw: Gateway, provider: str, room_id: str) -> str | None:
    nodes = (await gw.data(ROOMS, {"p": provider.upper()}))["rooms"]["nodes"]
    (name,) = [node["displayName"] for node in nodes if node["id"] == room_id]
    return name  # type: ignore[no-any-return]


@pytest.mark.parametrize("provider", ["vonage", "metered", "videosdk"])
async def test_the_given_name_reads_back_from_create_room_and_rooms(provider: str) -> None:
    async with gateway(gateway_settings(cache_ttl_seconds=0)) as gw:
        created = await create(gw, provider)
        single = await gw.data(ROOM, {"id": created["id"]})
        listed = await listed_name(gw, provider, created["id"])
    assert created["displayName"] == NAME
    assert single["room"]["displayName"] == NAME
    assert listed == NAME


@asynccontextmanager
async def replicas() -> AsyncIterator[tuple[Gateway, Gateway]]:
    """Two gateways on one Redis whose adapters reach the same provider sandboxes."""
    settings = gateway_settings(
        redis_url=REDIS_URL,
        cache_ttl_seconds=0,
        events={"redis_prefix": f"test-room-names:{uuid.uuid4().hex}"},
    )
    async with gateway(settings) as first, gateway(settings) as second:
        for name, handle in first.services.providers.items():
            old = second.services.providers[name].adapter
            assert handle.sandbox is not None
            assert old is not None
            shared = handle.entry.adapter(
                handle.sandbox.settings(),
                store=second.services.store,
                transport=handle.sandbox.transport(),
            )
            second.services.providers[name] = ProviderHandle(handle.entry, shared, handle.sandbox)
            await old.aclose()
        yield first, second


async def forget(provider: str, native_id: str) -> list[int]:
    """Delete the notes of a room from Redis; the TTLs they had (-2: no such key)."""
    keys = [f"{ns}room-notes:{provider}:{native_id}" for ns in ("gateway", "gateway:")]
    client = Redis.from_url(REDIS_URL)
    try:
        ttls = [await client.ttl(key) for key in keys]
        await client.delete(*keys)
    finally:
        await client.aclose()
    return ttls


@pytest.mark.parametrize("provider", ["metered", "videosdk"])
async def test_a_name_kept_by_the_gateway_reads_back_on_another_replica(provider: str) -> None:
    async with replicas() as (first, second):
        created = await create(first, provider)
        single = await second.data(ROOM, {"id": created["id"]})
        listed = await listed_name(second, provider, created["id"])
    ttls = await forget(provider, created["nativeId"])
    assert single["room"]["displayName"] == NAME
    assert listed == NAME
    (ttl,) = [ttl for ttl in ttls if ttl != -2]
    assert 0 < ttl <= 365 * 24 * 3600  # bounded


async def test_renaming_a_metered_room_reads_back_everywhere() -> None:
    async with gateway(gateway_settings(cache_ttl_seconds=30)) as gw:
        created = await create(gw, "metered")
        await gw.data(ROOM, {"id": created["id"]})  # cached before the change
        renamed = await gw.data(UPDATE, {"id": created["id"], "input": {"displayName": "Renamed"}})
        single = await gw.data(ROOM, {"id": created["id"]})
        listed = await listed_name(gw, "metered", created["id"])
    assert renamed["updateRoom"]["displayName"] == "Renamed"
    assert single["room"]["displayName"] == "Renamed"
    assert listed == "Renamed"


async def test_vonage_cannot_rename_and_says_which_field() -> None:
    async with gateway() as gw:
        later = (datetime.now(UTC) + timedelta(days=30)).isoformat()
        created = await create(gw, "vonage", kind="LONG_TERM", expiresAt=later)
        before = len(requests_to(gw.sandbox("vonage"), "PATCH"))
        error = await gw.error(UPDATE, {"id": created["id"], "input": {"displayName": "New"}})
        after = len(requests_to(gw.sandbox("vonage"), "PATCH"))
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "displayName"
    assert before == after


async def test_videosdk_rooms_cannot_be_updated() -> None:
    async with gateway() as gw:
        created = await create(gw, "videosdk")
        error = await gw.error(UPDATE, {"id": created["id"], "input": {"displayName": "New"}})
    assert error["extensions"]["code"] == "UNSUPPORTED"


@pytest.mark.parametrize("name", ["", "   ", None])
async def test_a_blank_new_name_is_refused_before_any_call(name: str | None) -> None:
    async with gateway() as gw:
        created = await create(gw, "metered")
        sent = len(gw.sandbox("metered").requests)
        error = await gw.error(UPDATE, {"id": created["id"], "input": {"displayName": name}})
        assert len(gw.sandbox("metered").requests) == sent
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "displayName"}


RECORDING = "query($id: ID!) { room(id: $id) { recording { autoRecord } } }"


async def test_videosdk_auto_record_reads_back_after_the_cache_expires() -> None:
    async with gateway(gateway_settings(cache_ttl_seconds=1)) as gw:
        created = await create(gw, "videosdk", recording={"autoRecord": True})
        cached = await gw.data(RECORDING, {"id": created["id"]})
        await asyncio.sleep(1.6)  # the cache's TTL (whole seconds in the store) runs out
        reads = len(requests_to(gw.sandbox("videosdk"), "GET", created["nativeId"]))
        fresh = await gw.data(RECORDING, {"id": created["id"]})
        read_again = len(requests_to(gw.sandbox("videosdk"), "GET", created["nativeId"]))
        nodes = (await gw.data(LISTED_RECORDING))["rooms"]["nodes"]
    assert read_again == reads + 1  # the provider was asked, not the cache
    expected = {"room": {"recording": {"autoRecord": True}}}
    assert cached == fresh == expected
    assert nodes == [{"id": created["id"], "recording": {"autoRecord": True}}]


LISTED_RECORDING = "{ rooms(provider: VIDEOSDK) { nodes { id recording { autoRecord } } } }"
