"""The WebSocket limits apply to the event subscriptions: keepalive pings while a
``roomEvents`` subscription is idle, the per-connection limit, the ``connection_init`` wait,
a completed operation releasing its place on the bus, and a client that stops reading
being ended (others keep receiving) with a cursor it resumes from without a gap."""

from __future__ import annotations

import asyncio
import json
import secrets
from typing import Any

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from tests.gateway.events.test_subscriptions import TOKEN, deliver, joined
from tests.gateway.events.wsclient import ROOM_EVENTS, subscribe, wait_for_subscribers
from tests.support import gateway_settings, live_server


def start(op_id: str, variables: dict[str, Any] | None = None) -> str:
    payload = {"query": ROOM_EVENTS, "variables": variables or {}}
    return json.dumps({"id": op_id, "type": "subscribe", "payload": payload})


async def test_server_pings_an_idle_event_subscription_and_it_still_receives() -> None:
    settings = gateway_settings(events={"keepalive_seconds": 0.2})
    with live_server(settings) as base:
        async with subscribe(base) as sub:
            await wait_for_subscribers(base, 1)
            pings = 0
            async with asyncio.timeout(3):
                while pings < 2:
                    message = json.loads(await sub.ws.recv())
                    assert message == {"type": "ping"}, message
                    pings += 1
                    await sub.ws.send(json.dumps({"type": "pong"}))
            await deliver(base, joined("r", "Ann"))
            assert (await sub.event())["participantName"] == "Ann"


async def test_event_subscriptions_count_against_the_connection_limit() -> None:
    settings = gateway_settings(events={"max_subscriptions_per_connection": 2})
    with live_server(settings) as base:
        async with subscribe(base) as sub:
            await sub.ws.send(start("2", {"types": ["SESSION_ENDED"]}))
            await wait_for_subscribers(base, 2)
            await sub.ws.send(start("3"))
            refused = await sub.message()
            assert (refused["type"], refused["id"]) == ("error", "3")
            assert refused["payload"][0]["extensions"] == {"code": "RATE_LIMITED", "limit": 2}
            await sub.ws.send(json.dumps({"id": "2", "type": "complete"}))
            await wait_for_subscribers(base, 1)
            await sub.ws.send(start("4"))
            await wait_for_subscribers(base, 2)
            await deliver(base, joined("r", "Ann"))
            received = {(await sub.message())["id"] for _ in range(2)}
            assert received == {"1", "4"}


async def close_code(base: str, *messages: str) -> int | None:
    """Send ``messages`` without ``connection_init``; the code the server closes with."""
    url = base.replace("http://", "ws://") + "/graphql"
    async with connect(url, subprotocols=[Subprotocol("graphql-transport-ws")]) as ws:
        for message in messages:
            await ws.send(message)
        try:
            async with asyncio.timeout(3):
                await ws.recv()
        except ConnectionClosed:
            pass
        return ws.close_code


async def test_a_socket_without_connection_init_is_closed_in_time() -> None:
    settings = gateway_settings(events={"connection_init_wait_seconds": 0.3})
    with live_server(settings) as base:
        assert await close_code(base) == 4408


async def test_a_subscribe_before_connection_init_is_refused_without_a_subscriber() -> None:
    with live_server(gateway_settings()) as base:
        assert await close_code(base, start("1")) == 4401
        await wait_for_subscribers(base, 0)


def bulky_joined(index: int) -> dict[str, Any]:
    """A participant event of ~20 kB that compression cannot shrink."""
    return joined("r", f"{index}-{secrets.token_hex(10_000)}")


async def test_a_client_that_stops_reading_is_ended_and_resumes_without_a_gap() -> None:
    settings = gateway_settings(
        events={"subscriber_queue_size": 10}, limits={"max_webhook_body_bytes": 100_000}
    )
    sent: list[str] = []
    with live_server(settings) as base:
        async with (
            subscribe(base) as slow,
            subscribe(base) as fast,
            httpx.AsyncClient(base_url=base) as http,
        ):
            await wait_for_subscribers(base, 2)
            while (await http.get("/readyz")).json()["details"]["events"]["subscribers"] == 2:
                assert len(sent) < 5_000, "the non-reading client was never ended"
                for _ in range(20):
                    payload = bulky_joined(len(sent))
                    query = {"token": TOKEN}
                    response = await http.post("/webhooks/vonage", params=query, json=payload)
                    assert response.status_code == 204
                    sent.append(payload["name"])
                    assert (await fast.event())["participantName"] == sent[-1]
            received: list[str] = []
            while (message := await slow.message())["type"] == "next":
                if "errors" in message["payload"]:
                    break
                received.append(message["payload"]["data"]["roomEvents"]["participantName"])
            error = message["payload"]["errors"][0]
        assert error["extensions"]["code"] == "SUBSCRIBER_TOO_SLOW"
        async with subscribe(base, {"after": error["extensions"]["resumeAfter"]}) as resumed:
            rest = [e["participantName"] for e in await resumed.events(len(sent) - len(received))]
            assert await resumed.quiet()
    assert received + rest == sent
