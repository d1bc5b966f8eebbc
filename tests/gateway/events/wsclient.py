"""A minimal graphql-transport-ws client over ``websockets``, and live-server helpers."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

__all__ = [
    "EVENT_FIELDS",
    "ROOM_EVENTS",
    "Subscription",
    "subscribe",
    "wait_for_subscribers",
]

EVENT_FIELDS = """
    __typename id cursor type provider roomId sessionId occurredAt receivedAt raw
    ... on ParticipantEvent { participantId participantName isHost role reason }
    ... on SessionEvent { startedAt endedAt }
    ... on RecordingEvent { recordingId url durationSeconds }
"""

ROOM_EVENTS = f"""
subscription($roomId: ID, $provider: Provider, $types: [EventType!], $after: String) {{
  roomEvents(roomId: $roomId, provider: $provider, types: $types, after: $after) {{
    {EVENT_FIELDS}
  }}
}}
"""


class Subscription:
    """One subscription on its own socket."""

    def __init__(self, ws: ClientConnection, field: str) -> None:
        self.ws = ws
        self.field = field

    async def message(self, wait: float = 5.0) -> dict[str, Any]:
        """The next message of the operation (pings are answered and skipped)."""
        async with asyncio.timeout(wait):
            while True:
                message: dict[str, Any] = json.loads(await self.ws.recv())
                if message["type"] == "ping":
                    await self.ws.send(json.dumps({"type": "pong"}))
                elif message["type"] != "pong":
                    return message

    async def event(self, wait: float = 5.0) -> dict[str, Any]:
        """The next event; fails on anything else."""
        message = await self.message(wait)
        assert message["type"] == "next", message
        assert "errors" not in message["payload"], message
        event: dict[str, Any] = message["payload"]["data"][self.field]
        return event

    async def events(self, count: int, wait: float = 5.0) -> list[dict[str, Any]]:
        return [await self.event(wait) for _ in range(count)]

    async def error(self) -> dict[str, Any]:
        """The first GraphQL error that ends the operation."""
        message = await self.message()
        assert message["type"] in {"next", "error"}, message
        payload = message["payload"]
        errors = payload if isinstance(payload, list) else payload["errors"]
        error: dict[str, Any] = errors[0]
        return error

    async def quiet(self, wait: float = 0.3) -> bool:
        """Nothing arrives within ``wait`` seconds."""
        try:
            await self.message(wait)
        except TimeoutError:
            return True
        return False


@asynccontextmanager
async def subscribe(
    base_url: str,
    variables: dict[str, Any] | None = None,
    *,
    query: str = ROOM_EVENTS,
    field: str = "roomEvents",
    init: dict[str, Any] | None = None,
) -> AsyncIterator[Subscription]:
    """Connect to ``base_url``'s ``/graphql`` and start one subscription."""
    url = base_url.replace("http://", "ws://") + "/graphql"
    async with connect(url, subprotocols=[Subprotocol("graphql-transport-ws")]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": init or {}}))
        subscription = Subscription(ws, field)
        assert (await subscription.message())["type"] == "connection_ack"
        payload = {"query": query, "variables": variables or {}}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        yield subscription


async def wait_for_subscribers(base_url: str, count: int, wait: float = 5.0) -> None:
    """Until ``/readyz`` reports ``count`` subscribers on that server's bus."""
    deadline = time.monotonic() + wait
    async with httpx.AsyncClient(base_url=base_url) as client:
        while True:
            details = (await client.get("/readyz")).json()["details"]
            if details["events"]["subscribers"] == count:
                return
            assert time.monotonic() < deadline, details
            await asyncio.sleep(0.02)
