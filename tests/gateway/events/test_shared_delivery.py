"""Execute once, send many: subscribers sharing a document share each event's execution.

Real WebSocket clients of both subprotocols on a live server; events enter as webhooks.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import httpx
from graphql import build_schema, parse
from graphql.execution import Executor
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from gateway.graphql.transport.delivery import SharedPayloads
from tests.gateway.events.test_subscriptions import deliver, joined
from tests.gateway.events.wsclient import subscribe, wait_for_subscribers
from tests.support import gateway_settings, jwt_settings, live_server, make_token

NAMES = "subscription { roomEvents { ... on ParticipantEvent { participantName } } }"
TYPES = "subscription { roomEvents { type roomId } }"


async def subscription_stats(base: str) -> dict[str, int]:
    async with httpx.AsyncClient(base_url=base) as client:
        stats: dict[str, int] = (await client.get("/readyz")).json()["details"]["subscriptions"]
        return stats


async def test_one_execution_per_event_and_document() -> None:
    with live_server(gateway_settings()) as base:
        async with (
            subscribe(base, query=NAMES) as first,
            subscribe(base, query=NAMES) as second,
            subscribe(base, query=NAMES) as third,
            subscribe(base, query=TYPES) as other,
        ):
            await wait_for_subscribers(base, 4)
            await deliver(base, joined("room-a", "Ann"), joined("room-b", "Bob"))
            names = [await sub.events(2) for sub in (first, second, third)]
            types = await other.events(2)
            stats = await subscription_stats(base)
    expected = [{"participantName": "Ann"}, {"participantName": "Bob"}]
    assert names == [expected] * 3
    assert types == [
        {"type": "PARTICIPANT_JOINED", "roomId": "vonage:room-a"},
        {"type": "PARTICIPANT_JOINED", "roomId": "vonage:room-b"},
    ]
    assert stats["sharedExecutions"] == 4  # 2 events x 2 documents, not x 4 subscribers
    assert stats["framesSent"] == 8


async def test_callers_with_other_scopes_do_not_share_an_execution() -> None:
    settings = jwt_settings()
    narrow = {"authorization": f"Bearer {make_token('events:read')}"}
    wide = {"authorization": f"Bearer {make_token('events:read rooms:read')}"}
    with live_server(settings) as base:
        async with (
            subscribe(base, query=NAMES, init=narrow) as first,
            subscribe(base, query=NAMES, init=wide) as second,
        ):
            await wait_for_subscribers(base, 2)
            await deliver(base, joined("room-a", "Ann"))
            assert await first.event() == await second.event() == {"participantName": "Ann"}
            stats = await subscription_stats(base)
    assert stats["sharedExecutions"] == 2


async def test_legacy_protocol_gets_the_shared_payload_in_its_own_frame() -> None:
    with live_server(gateway_settings()) as base:
        url = base.replace("http://", "ws://") + "/graphql"
        async with (
            connect(url, subprotocols=[Subprotocol("graphql-ws")]) as legacy,
            subscribe(base, query=NAMES) as modern,
        ):
            await legacy.send(json.dumps({"type": "connection_init", "payload": {}}))
            assert json.loads(await legacy.recv())["type"] == "connection_ack"
            start = {"id": "legacy-1", "type": "start", "payload": {"query": NAMES}}
            await legacy.send(json.dumps(start))
            await wait_for_subscribers(base, 2)
            await deliver(base, joined("room-a", "Ann"))
            assert await modern.event() == {"participantName": "Ann"}
            frame = await _next_data(legacy)
            stats = await subscription_stats(base)
    assert frame == {
        "type": "data",
        "id": "legacy-1",
        "payload": {"data": {"roomEvents": {"participantName": "Ann"}}},
    }
    assert stats["sharedExecutions"] == 1


async def _next_data(ws: Any) -> dict[str, Any]:
    while True:
        message: dict[str, Any] = json.loads(await ws.recv())
        if message["type"] != "ka":
            return message


async def test_kept_payloads_are_bounded_and_least_recent_go_first() -> None:
    schema = build_schema("type Query { a: Int } type Subscription { n: Int }")
    executor = Executor.build(schema, parse("subscription { n }"))
    assert isinstance(executor, Executor)
    payloads = SharedPayloads(max_entries=3)
    for n in range(10):
        expected = json.dumps({"data": {"n": n}}, separators=(",", ":"))
        assert await payloads.payload(n, executor, functools.partial(dict, n=n)) == expected
    assert payloads.stats()["payloadsKept"] == 3
    assert await payloads.payload(7, executor, lambda: {"n": -1}) == '{"data":{"n":7}}'
    # 7 was used last, so 8 is the least recently used of 7, 8, 9 and goes first
    assert await payloads.payload(0, executor, lambda: {"n": -1}) == '{"data":{"n":-1}}'
    assert await payloads.payload(7, executor, lambda: {"n": -1}) == '{"data":{"n":7}}'
    assert await payloads.payload(8, executor, lambda: {"n": -1}) == '{"data":{"n":-1}}'
    assert payloads.stats()["sharedExecutions"] == 12
