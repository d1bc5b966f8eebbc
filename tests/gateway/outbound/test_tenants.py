"""An endpoint receives the events of its tenant's rooms only (the tenant stamped on each
event when it was published)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from tests.gateway.graphql.helpers import Gateway, gateway
from tests.gateway.outbound.documents import CREATE, admin, outbound_settings
from tests.gateway.outbound.receiver import receiver
from tests.gateway.tenants.tenants import create_room, tenant


async def register(g: Gateway, url: str, owner: str | None) -> None:
    await g.data(CREATE, {"input": {"url": url}}, admin(owner))


async def join(g: Gateway, native_id: str) -> None:
    body: dict[str, Any] = {"type": "PARTICIPANT_JOINED", "participantId": uuid.uuid4().hex}
    response = await g.client.post(f"/sandbox/vonage/rooms/{native_id}/events", json=body)
    assert response.status_code == 202, response.text


async def test_an_endpoint_of_one_tenant_receives_none_of_anothers_events() -> None:
    async with (
        receiver() as acme,
        receiver() as globex,
        receiver() as default,
        gateway(outbound_settings(jwt=True)) as g,
    ):
        await register(g, acme.url, "acme")
        await register(g, globex.url, "globex")
        await register(g, default.url, None)
        mine = await create_room(g, tenant("acme"))
        theirs = await create_room(g, tenant("globex"))
        [unowned] = g.sandbox("vonage").seed_rooms(1)
        for native in (theirs["nativeId"], unowned, mine["nativeId"]):
            await join(g, native)
        acme_seen = await acme.wait_count(2)
        globex_seen = await globex.wait_count(2)
        default_seen = await default.wait_count(5)
        await asyncio.sleep(0.3)
    assert [(d.event["type"], d.event["roomId"]) for d in acme_seen] == [
        ("ROOM_CREATED", mine["id"]),
        ("PARTICIPANT_JOINED", mine["id"]),
    ]
    assert len(acme.deliveries) == 2
    assert {d.event["roomId"] for d in globex_seen} == {theirs["id"]}
    assert len(globex.deliveries) == 2
    # an endpoint registered without a tenant serves a caller who sees every room
    assert {d.event["roomId"] for d in default_seen} == {
        mine["id"],
        theirs["id"],
        f"vonage:{unowned}",
    }
