"""A client that goes away is a normal event: no error and no traceback in the log, at most
one debug line per connection, and its subscriptions leave the event bus."""

from __future__ import annotations

import asyncio
import json
import logging
from contextlib import AsyncExitStack

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from tests.gateway.events.test_subscriptions import deliver, joined
from tests.gateway.events.wsclient import ROOM_EVENTS, wait_for_subscribers
from tests.support import gateway_settings, live_server

CLIENTS = 20
ROUNDS = 3
PUBLISHED = 300
LEAVE_AFTER_SECONDS = 0.5
START = {"graphql-transport-ws": "subscribe", "graphql-ws": "start"}


def noise(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """Records a disconnect must not cause: anything above info, or any traceback."""
    return [r for r in caplog.records if r.exc_info or r.levelno > logging.INFO]


async def subscribed(stack: AsyncExitStack, base: str, protocol: str) -> ClientConnection:
    """A connection with one ``roomEvents`` subscription that it never reads."""
    url = base.replace("http://", "ws://") + "/graphql"
    ws = await stack.enter_async_context(connect(url, subprotocols=[Subprotocol(protocol)]))
    await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    payload = {"query": ROOM_EVENTS, "variables": {}}
    await ws.send(json.dumps({"id": "1", "type": START[protocol], "payload": payload}))
    return ws


async def leave_while_events_flow(base: str, protocol: str) -> None:
    async with AsyncExitStack() as stack:
        sockets = [await subscribed(stack, base, protocol) for _ in range(CLIENTS)]
        await wait_for_subscribers(base, CLIENTS)
        events = [joined("r", f"p{n}") for n in range(PUBLISHED)]
        publisher = asyncio.create_task(deliver(base, *events))
        # the clients leave while events flow to them (a pause, not a deadline: polling the
        # server here instead changes the interleaving that shows the problem)
        await asyncio.sleep(LEAVE_AFTER_SECONDS)
        for ws in sockets:
            ws.transport.abort()  # no closing handshake, as a crashed client
        await publisher
        await wait_for_subscribers(base, 0)


@pytest.mark.parametrize("protocol", list(START))
async def test_clients_that_leave_while_events_flow_are_not_errors(
    protocol: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with live_server(gateway_settings()) as base:
        for _ in range(ROUNDS):
            await leave_while_events_flow(base, protocol)
    assert noise(caplog) == []
    left = [r for r in caplog.records if r.name == "gateway.graphql.transport.ws"]
    assert len(left) <= CLIENTS * ROUNDS
    assert all(r.levelno == logging.DEBUG for r in left)
