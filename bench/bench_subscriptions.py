"""Subscription fan-out over real WebSockets: CPU per delivery, latency, memory.

A ``gateway dev`` child process serves N graphql-transport-ws subscribers (this process);
events enter through the sandbox route, i.e. the real webhook path with its verification.
CPU per delivery is the server's CPU time during the run, less what ingesting the same
webhooks costs with no subscriber, divided by events x subscribers. The baseline is a bare
Starlette endpoint answering 204, measured in the same run, so the ratio reads as "one
delivery costs this many trivial HTTP requests".
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from dataclasses import dataclass, field

import httpx
from websockets.asyncio.client import ClientConnection, connect

from bench.common import Result
from bench.serverproc import Server, serve

SUBSCRIBERS = 1_000
EVENTS = 20
EVENTS_PER_SECOND = 5
INGEST_EVENTS = 100
DOCUMENTS = [
    "subscription { roomEvents { ... on ParticipantEvent { participantName } } }",
    *(
        f"subscription S{n} {{ roomEvents {{ id type roomId cursor"
        f" ... on ParticipantEvent {{ participantName isHost }} }} }}"
        for n in range(9)
    ),
]


@dataclass
class Deliveries:
    expected: int
    latencies: list[float] = field(default_factory=list)
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def record(self, sent_ns: int) -> None:
        self.latencies.append((time.time_ns() - sent_ns) / 1e6)
        if len(self.latencies) >= self.expected:
            self.done.set()

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def _subscribe(url: str, document: str) -> ClientConnection:
    socket = await connect(
        url.replace("http", "ws") + "/graphql",
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        compression=None,
        max_queue=None,
    )
    await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
    await socket.recv()
    await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": document}}))
    return socket


async def _read(socket: ClientConnection, sink: Deliveries) -> None:
    async for frame in socket:
        if b'"next"' in frame if isinstance(frame, bytes) else '"next"' in frame:
            message = json.loads(frame)
            sink.record(int(message["payload"]["data"]["roomEvents"]["participantName"]))


async def _create_room(client: httpx.AsyncClient) -> str:
    mutation = 'mutation { createRoom(input: {provider: VIDEOSDK, displayName: "b"}) { nativeId } }'
    answer = await client.post("/graphql", json={"query": mutation})
    native_id: str = answer.json()["data"]["createRoom"]["nativeId"]
    return native_id


async def _publish(
    client: httpx.AsyncClient, room: str, count: int, per_second: float
) -> list[float]:
    """Publish ``count`` joins at ``per_second``; the webhook answer times in ms."""
    answers: list[float] = []
    for _ in range(count):
        started = time.perf_counter()
        details = {"type": "PARTICIPANT_JOINED", "participantName": str(time.time_ns())}
        answer = await client.post(f"/sandbox/videosdk/rooms/{room}/events", json=details)
        answer.raise_for_status()
        answers.append((time.perf_counter() - started) * 1e3)
        await asyncio.sleep(max(0.0, 1 / per_second - (time.perf_counter() - started)))
    return answers


async def _ingest_cpu(server: Server, client: httpx.AsyncClient, room: str) -> float:
    """CPU seconds one webhook costs with no subscriber."""
    await _publish(client, room, 10, 1_000)
    before = server.cpu_seconds()
    await _publish(client, room, INGEST_EVENTS, 1_000)
    return (server.cpu_seconds() - before) / INGEST_EVENTS


@dataclass(frozen=True)
class FanoutRun:
    cpu_per_delivery: float
    deliveries: Deliveries
    webhook_answers: list[float]
    rss_per_connection: float


async def _fan_out(server: Server, documents: list[str]) -> FanoutRun:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        room = await _create_room(client)
        ingest = await _ingest_cpu(server, client, room)
        rss_before = server.rss_bytes()
        sockets = [
            await _subscribe(server.url, documents[n % len(documents)]) for n in range(SUBSCRIBERS)
        ]
        await asyncio.sleep(1)
        rss_per_connection = (server.rss_bytes() - rss_before) / SUBSCRIBERS
        warm = Deliveries(expected=SUBSCRIBERS * 2)
        readers = [asyncio.create_task(_read(socket, warm)) for socket in sockets]
        await _publish(client, room, 2, EVENTS_PER_SECOND)
        await asyncio.wait_for(warm.done.wait(), 60)
        measured = Deliveries(expected=SUBSCRIBERS * EVENTS)
        for reader in readers:
            reader.cancel()
        readers = [asyncio.create_task(_read(socket, measured)) for socket in sockets]
        before = server.cpu_seconds()
        answers = await _publish(client, room, EVENTS, EVENTS_PER_SECOND)
        await asyncio.wait_for(measured.done.wait(), 120)
        spent = server.cpu_seconds() - before - EVENTS * ingest
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*(socket.close() for socket in sockets))
    return FanoutRun(spent / (EVENTS * SUBSCRIBERS), measured, answers, rss_per_connection)


async def _bare_request_cpu() -> float:
    with serve(["bench.bare_app"]) as server:
        async with httpx.AsyncClient(base_url=server.url) as client:
            for _ in range(50):
                await client.post("/hook")
            before = server.cpu_seconds()
            for _ in range(INGEST_EVENTS * 5):
                await client.post("/hook")
            return (server.cpu_seconds() - before) / (INGEST_EVENTS * 5)


def _results(name: str, run: FanoutRun, bare: float) -> list[Result]:
    latency = run.deliveries
    note = (
        f"{run.cpu_per_delivery * 1e6:.1f} us/delivery; latency p50 {latency.percentile(0.5):.0f}"
        f" p99 {latency.percentile(0.99):.0f} max {max(latency.latencies):.0f} ms;"
        f" webhook answer p99 {statistics.quantiles(run.webhook_answers, n=100)[-1]:.0f} ms;"
        f" {run.rss_per_connection / 1024:.0f} KiB/connection"
    )
    return [Result(name, "bare 204", bare, "delivery", run.cpu_per_delivery, note)]


async def bench() -> list[Result]:
    bare = await _bare_request_cpu()
    results: list[Result] = []
    for name, documents in (
        ("1000 subs x 1 document", DOCUMENTS[:1]),
        ("1000 subs x 10 documents", DOCUMENTS),
    ):
        with serve(["gateway", "dev", "--log-level", "warning"]) as server:
            results.extend(_results(name, await _fan_out(server, documents), bare))
    return results
