"""Two replicas sharing one real Redis (and one provider sandbox): a room created through
one belongs to its tenant on the other, and its events reach only that tenant there."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from gateway.app import create_app
from tests.gateway.events.conftest import REDIS_URL
from tests.gateway.events.wsclient import subscribe, wait_for_subscribers
from tests.gateway.tenants.live import create_live_room, join_event
from tests.gateway.tenants.tenants import ROOM, tenant
from tests.support import jwt_settings, live_server


@contextmanager
def replicas(prefix: str) -> Iterator[tuple[str, str]]:
    """Two gateways on loopback with the same Redis; the second serves the first's Vonage
    sandbox, as two replicas serve one provider account."""
    settings = jwt_settings().model_copy(
        update={
            "redis_url": REDIS_URL,
            "room_tenant_ttl_seconds": 600.0,
            "events": jwt_settings().events.model_copy(update={"redis_prefix": prefix}),
        }
    )
    first, second = create_app(settings), create_app(settings)
    with ExitStack() as stack:
        a = stack.enter_context(live_server(app=first))
        b = stack.enter_context(live_server(app=second))
        _share_vonage(first, second)
        yield a, b


def _share_vonage(first: FastAPI, second: FastAPI) -> None:
    """One account's rooms behind both sandboxes (each replica keeps its own adapter)."""
    one: Any = first.state.services.providers["vonage"].sandbox
    other: Any = second.state.services.providers["vonage"].sandbox
    other.rooms = one.rooms


async def room_on(base: str, room_id: str, token: str) -> Any:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base) as http:
        body = {"query": ROOM, "variables": {"id": room_id}}
        result = (await http.post("/graphql", json=body, headers=headers)).json()
    assert "errors" not in result, result
    return result["data"]["room"]


def auth(token: str) -> dict[str, Any]:
    return {"authorization": f"Bearer {token}"}


async def test_a_room_made_on_one_replica_is_its_tenants_alone_on_the_other(
    redis_prefix: str,
) -> None:
    with replicas(redis_prefix) as (a, b):
        async with (
            subscribe(b, init=auth(tenant("acme"))) as acme,
            subscribe(b, init=auth(tenant("globex"))) as globex,
        ):
            await wait_for_subscribers(b, 2)
            room = await create_live_room(a, tenant("acme"))
            own = await room_on(b, room["id"], tenant("acme"))
            foreign = await room_on(b, room["id"], tenant("globex"))
            await join_event(b, room["nativeId"], "Ann")
            await join_event(a, room["nativeId"], "Bo")
            events = await acme.events(3)
            assert await globex.quiet(0.5)
    assert own == {"id": room["id"]}
    assert foreign is None
    assert [e["type"] for e in events] == ["ROOM_CREATED", *["PARTICIPANT_JOINED"] * 2]
    assert {e["roomId"] for e in events} == {room["id"]}
