"""Events reach only the subscribers who see their room: roomEvents and roomState over a
real WebSocket (and a replay over Server-Sent Events), live and replayed with ``after``,
lifecycle and webhook events alike."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from fastapi import FastAPI

from gateway.app import create_app
from gateway.tenancy import RoomOwnership
from tests.gateway.events.wsclient import ROOM_EVENTS, subscribe, wait_for_subscribers
from tests.gateway.tenants.live import create_live_room, join_event
from tests.gateway.tenants.tenants import operator, tenant, without_tenant
from tests.support import jwt_settings, live_server

STATE_UPDATES = """
subscription($roomId: ID!) {
  roomState(roomId: $roomId) {
    state { roomId participants { name } } event { type roomId }
  }
}
"""


def auth(token: str) -> dict[str, Any]:
    return {"authorization": f"Bearer {token}"}


def unowned_room(app: FastAPI) -> str:
    """A room made directly at the provider (its sandbox): no recorded tenant."""
    sandbox: Any = app.state.services.providers["vonage"].sandbox
    [native] = sandbox.seed_rooms(1)
    return str(native)


async def test_each_subscriber_receives_the_events_of_the_rooms_it_sees() -> None:
    app = create_app(jwt_settings())
    with live_server(app=app) as base:
        async with (
            subscribe(base, init=auth(tenant("acme"))) as acme,
            subscribe(base, init=auth(tenant("globex"))) as globex,
            subscribe(base, init=auth(operator())) as everything,
            subscribe(base, init=auth(without_tenant())) as unscoped,
        ):
            await wait_for_subscribers(base, 4)
            mine = await create_live_room(base, tenant("acme"))
            theirs = await create_live_room(base, tenant("globex"))
            nobodys = unowned_room(app)
            await join_event(base, theirs["nativeId"], "Gus")
            await join_event(base, nobodys, "Nia")
            await join_event(base, mine["nativeId"], "Ann")
            acme_events = await acme.events(2)
            globex_events = await globex.events(2)
            operator_events = await everything.events(5)
            unscoped_events = await unscoped.events(5)
            for sub in (acme, globex, everything, unscoped):
                assert await sub.quiet()
    assert [(e["type"], e["roomId"]) for e in acme_events] == [
        ("ROOM_CREATED", mine["id"]),
        ("PARTICIPANT_JOINED", mine["id"]),
    ]
    assert [(e["type"], e["roomId"]) for e in globex_events] == [
        ("ROOM_CREATED", theirs["id"]),
        ("PARTICIPANT_JOINED", theirs["id"]),
    ]
    assert {e["roomId"] for e in operator_events} == {mine["id"], theirs["id"], f"vonage:{nobodys}"}
    assert unscoped_events == operator_events


async def test_a_replay_with_after_holds_only_the_tenants_events() -> None:
    app = create_app(jwt_settings())
    with live_server(app=app) as base:
        mine = await create_live_room(base, tenant("acme"))
        async with subscribe(base, init=auth(tenant("acme"))) as acme:
            await wait_for_subscribers(base, 1)
            await join_event(base, mine["nativeId"], "Ann")
            seen = await acme.event()
        await wait_for_subscribers(base, 0)
        theirs = await create_live_room(base, tenant("globex"))
        await join_event(base, theirs["nativeId"], "Gus")
        await join_event(base, unowned_room(app), "Nia")
        await join_event(base, mine["nativeId"], "Bo")
        async with subscribe(base, {"after": seen["cursor"]}, init=auth(tenant("acme"))) as again:
            missed = await again.event()
            assert await again.quiet()
        async with subscribe(base, {"after": seen["cursor"]}, init=auth(operator())) as op:
            replayed = await op.events(4)
    assert (missed["participantName"], missed["roomId"]) == ("Bo", mine["id"])
    assert [e["type"] for e in replayed] == ["ROOM_CREATED", *["PARTICIPANT_JOINED"] * 3]


async def test_room_state_follows_only_a_room_the_tenant_sees() -> None:
    app = create_app(jwt_settings())
    with live_server(app=app) as base:
        mine = await create_live_room(base, tenant("acme"))
        theirs = await create_live_room(base, tenant("globex"))
        query = STATE_UPDATES
        field = "roomState"
        async with (
            subscribe(
                base, {"roomId": mine["id"]}, query=query, field=field, init=auth(tenant("acme"))
            ) as own,
            subscribe(
                base, {"roomId": theirs["id"]}, query=query, field=field, init=auth(tenant("acme"))
            ) as foreign,
        ):
            refused = await foreign.error()
            first = await own.event()
            await join_event(base, theirs["nativeId"], "Gus")
            await join_event(base, mine["nativeId"], "Ann")
            # the room's own ROOM_CREATED may follow the first state, when the state was
            # read before it was applied
            updates = [await own.event()]
            while updates[-1]["event"]["type"] != "PARTICIPANT_JOINED":
                updates.append(await own.event())
            assert await own.quiet()
    assert refused["extensions"]["code"] == "NOT_FOUND"
    assert first["event"] is None
    assert {update["event"]["roomId"] for update in updates} == {mine["id"]}
    assert updates[-1]["state"]["participants"] == [{"name": "Ann"}]


async def sse_events(base: str, token: str, after: str, count: int) -> list[dict[str, Any]]:
    """The first ``count`` events of ``roomEvents(after:)`` over Server-Sent Events, then
    nothing more for half a second."""
    body = {"query": ROOM_EVENTS, "variables": {"after": after}}
    headers = {"accept": "text/event-stream", "authorization": f"Bearer {token}"}
    events: list[dict[str, Any]] = []
    async with (
        httpx.AsyncClient(base_url=base, timeout=10) as http,
        http.stream("POST", "/graphql", json=body, headers=headers) as response,
    ):
        assert response.status_code == 200
        lines = response.aiter_lines()
        try:
            while True:
                wait = 5.0 if len(events) < count else 0.5
                line = await asyncio.wait_for(anext(lines), wait)
                if line.startswith("data:") and '"roomEvents"' in line:
                    events.append(json.loads(line.removeprefix("data:"))["data"]["roomEvents"])
        except TimeoutError:
            pass
    return events


async def test_a_replay_over_server_sent_events_holds_only_the_tenants_events() -> None:
    app = create_app(jwt_settings())
    with live_server(app=app) as base:
        start = app.state.services.bus.start_cursor()
        mine = await create_live_room(base, tenant("acme"))
        theirs = await create_live_room(base, tenant("globex"))
        await join_event(base, theirs["nativeId"], "Gus")
        await join_event(base, unowned_room(app), "Nia")
        await join_event(base, mine["nativeId"], "Ann")
        replayed = await sse_events(base, tenant("acme"), start, 2)
    assert [(e["type"], e["roomId"]) for e in replayed] == [
        ("ROOM_CREATED", mine["id"]),
        ("PARTICIPANT_JOINED", mine["id"]),
    ]


async def test_an_owner_recorded_after_a_rooms_first_webhook_gets_its_next_events() -> None:
    app = create_app(jwt_settings())
    with live_server(app=app) as base:
        async with subscribe(base, init=auth(tenant("acme"))) as acme:
            await wait_for_subscribers(base, 1)
            native = unowned_room(app)
            await join_event(base, native, "Early")  # no owner yet: nobody's event
            # recorded as another replica would: through the shared store, not this process
            await RoomOwnership(app.state.services.store, ttl=60).record("vonage", native, "acme")
            await join_event(base, native, "Late")
            [event] = await acme.events(1)
    assert event["participantName"] == "Late"
