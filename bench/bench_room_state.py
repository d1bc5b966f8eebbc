"""``roomState`` fan-out against ``roomEvents``: ``python -m bench.bench_room_state`` (about
1 minute).

A ``gateway dev`` child process serves ``SUBSCRIBERS`` graphql-transport-ws subscribers of one
room that already holds ``PRESENT`` people; ``EVENTS`` more Vonage joins enter through the real
webhook path. CPU per delivery is the server's CPU during the joins, less what the same joins
cost with no subscriber, divided by events x subscribers; the same is measured for as many
``roomEvents`` subscribers of that room (which share one execution per event), in the same
server, so the ratio reads as "a roomState delivery costs this many roomEvents deliveries".
"""

from __future__ import annotations

import asyncio
import json
import logging

import httpx
from websockets.asyncio.client import ClientConnection

from bench.bench_subscriptions import _dev, _joined, _publish, _subscribe, running
from bench.common import Result
from bench.loopback import Server, cpu_seconds
from providers.vonage.fake_base import SANDBOX_WEBHOOK_TOKEN as TOKEN

SUBSCRIBERS = 200
PRESENT = 500
EVENTS = 10
CREATE_ROOM = (
    'mutation { createRoom(input: {provider: VONAGE, displayName: "Bench"}) { id nativeId } }'
)
ROOM_STATE = (
    'subscription { roomState(roomId: "%s") { state { active cursor'
    " participants { id name isHost joinedAt } } event { type cursor } } }"
)
ROOM_EVENTS = (
    'subscription { roomEvents(roomId: "%s") { type cursor'
    " ... on ParticipantEvent { participantId participantName } } }"
)


async def _room(client: httpx.AsyncClient) -> tuple[str, str]:
    answer = await client.post("/graphql", json={"query": CREATE_ROOM})
    room = answer.json()["data"]["createRoom"]
    return room["id"], room["nativeId"]


async def _join(client: httpx.AsyncClient, native_id: str, count: int) -> None:
    for _ in range(count):
        answer = await client.post(
            "/webhooks/vonage", params={"token": TOKEN}, json=_joined(native_id)
        )
        answer.raise_for_status()


async def _frames(socket: ClientConnection, count: int) -> int:
    """Read ``count`` ``next`` frames (any other message is an error); the last one's size."""
    seen = size = 0
    while seen < count:
        frame = await socket.recv()
        message = json.loads(frame)
        if message["type"] == "next":
            seen, size = seen + 1, len(frame)
        elif message["type"] != "ping":
            raise RuntimeError(f"unexpected message: {message}")
    return size


async def _cpu_per_delivery(
    server: Server, client: httpx.AsyncClient, native_id: str, document: str, first: int
) -> tuple[float, int]:
    """Server CPU seconds per delivered event to ``SUBSCRIBERS`` subscribers of ``document``
    (``first``: messages each receives before any event), and the size of a frame."""
    sockets = [await _subscribe(server.url, document) for _ in range(SUBSCRIBERS)]
    await asyncio.gather(*(_frames(socket, first) for socket in sockets))
    before = cpu_seconds(server.pid)
    readers = asyncio.gather(*(_frames(socket, EVENTS) for socket in sockets))
    await _join(client, native_id, EVENTS)
    sizes = await asyncio.wait_for(readers, 300)
    spent = cpu_seconds(server.pid) - before
    await asyncio.gather(*(socket.close() for socket in sockets))
    await asyncio.sleep(0.5)
    return spent / (EVENTS * SUBSCRIBERS), max(sizes)


async def _ingest_cpu(server: Server, client: httpx.AsyncClient, native_id: str) -> float:
    before = cpu_seconds(server.pid)
    await _join(client, native_id, EVENTS * 5)
    return (cpu_seconds(server.pid) - before) / (EVENTS * 5)


async def bench() -> list[Result]:
    async with (
        running(_dev) as server,
        httpx.AsyncClient(base_url=server.url, timeout=60) as client,
    ):
        room_id, native_id = await _room(client)
        await _publish(client, native_id, PRESENT, 10_000)
        ingest = await _ingest_cpu(server, client, native_id) / SUBSCRIBERS
        events, _ = await _cpu_per_delivery(server, client, native_id, ROOM_EVENTS % room_id, 0)
        state, size = await _cpu_per_delivery(server, client, native_id, ROOM_STATE % room_id, 1)
    events, state = events - ingest, state - ingest
    note = (
        f"{SUBSCRIBERS} subscribers of one room of {PRESENT}+ present, {EVENTS} joins;"
        f" roomState {state * 1e6:.0f} us/delivery ({size / 1024:.0f} KiB frames),"
        f" roomEvents {events * 1e6:.0f} us/delivery"
    )
    return [Result("roomState fan-out", "roomEvents", events, "roomState", state, note)]


if __name__ == "__main__":
    logging.disable(logging.INFO)
    for result in asyncio.run(bench()):
        print(result.line())
