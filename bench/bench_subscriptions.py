"""Subscription fan-out over real WebSockets: CPU per delivery, latency, memory.

A ``gateway dev`` child process serves N graphql-transport-ws subscribers (this process);
events enter as Vonage webhooks, through the real webhook path with its token check.
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
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx
from websockets.asyncio.client import ClientConnection, connect

from bench.common import Result
from bench.loopback import Server, cpu_seconds, free_port, serve, uvicorn_args, wait_ready
from providers.vonage.fake_base import SANDBOX_WEBHOOK_TOKEN as TOKEN

WEBHOOK = "/webhooks/vonage"
SUBSCRIBERS = 1_000
EVENTS = 20
EVENTS_PER_SECOND = 5
#: more than one core can fan out to 1,000 subscribers
SATURATING_EVENTS_PER_SECOND = 100
INGEST_EVENTS = 500
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


async def _publish(
    client: httpx.AsyncClient, room: str, count: int, per_second: float
) -> list[float]:
    """POST ``count`` Vonage joins at ``per_second``; the webhook answer times in ms."""
    answers: list[float] = []
    for _ in range(count):
        started = time.perf_counter()
        answer = await client.post(WEBHOOK, params={"token": TOKEN}, json=_joined(room))
        answer.raise_for_status()
        answers.append((time.perf_counter() - started) * 1e3)
        await asyncio.sleep(max(0.0, 1 / per_second - (time.perf_counter() - started)))
    return answers


def _joined(room: str) -> dict[str, object]:
    """A Vonage join whose participant name is the time it was sent, in ns."""
    return {
        "event": "session:participant:joined",
        "participant_id": uuid.uuid4().hex,
        "session_id": f"s-{room}",
        "room_id": room,
        "name": str(time.time_ns()),
        "type": "Guest",
        "is_host": False,
    }


async def _ingest_cpu(server: Server, client: httpx.AsyncClient, room: str) -> float:
    """Gateway CPU seconds one webhook costs with no subscriber (Redis's own CPU not counted)."""
    await _publish(client, room, 10, 10_000)
    before = cpu_seconds(server.pid)
    await _publish(client, room, INGEST_EVENTS, 10_000)
    return (cpu_seconds(server.pid) - before) / INGEST_EVENTS


async def _ingest(args: ServerArgs) -> float:
    async with running(args) as server, httpx.AsyncClient(base_url=server.url) as client:
        return await _ingest_cpu(server, client, uuid.uuid4().hex)


#: how to start each server on a given port
ServerArgs = Callable[[int], list[str]]
#: every subscriber comes from one address: the caps per client must not count them as one
ONE_CLIENT_HOLDS_ALL = {
    "GATEWAY_LIMITS__MAX_CONNECTIONS_PER_CLIENT": str(SUBSCRIBERS),
    "GATEWAY_LIMITS__MAX_SUBSCRIPTIONS_PER_CLIENT": str(SUBSCRIBERS),
}


def _dev(port: int) -> list[str]:
    return ["-m", "gateway", "dev", "--log-level", "warning", "--port", str(port)]


def _redis_dev(port: int) -> list[str]:
    return [
        *uvicorn_args("bench.redis_gateway:create", port, factory=True),
        "--log-level",
        "warning",
    ]


def _bare(port: int) -> list[str]:
    return uvicorn_args("bench.bare_app:app", port)


@asynccontextmanager
async def running(args: ServerArgs) -> AsyncIterator[Server]:
    """The server ``args`` start, on a free port, until the block ends."""
    port = free_port()
    with serve(args(port), port, ONE_CLIENT_HOLDS_ALL) as server:
        await wait_ready(port)
        yield server


@dataclass(frozen=True)
class FanoutRun:
    ingest_cpu: float
    cpu_per_delivery: float
    deliveries: Deliveries
    rss_per_connection: float
    rss_per_delivery: float
    saturated_answers: list[float]


async def _measure(
    server: Server, sockets: list[ClientConnection], publish: Callable[[], Awaitable[object]]
) -> tuple[Deliveries, float, int]:
    """Deliveries of what ``publish`` sends, the server CPU and RSS growth it cost."""
    sink = Deliveries(expected=len(sockets) * EVENTS)
    readers = [asyncio.create_task(_read(socket, sink)) for socket in sockets]
    cpu, rss = cpu_seconds(server.pid), server.rss()
    await publish()
    await asyncio.wait_for(sink.done.wait(), 120)
    spent, grown = cpu_seconds(server.pid) - cpu, server.rss() - rss
    for reader in readers:
        reader.cancel()
    return sink, spent, grown


async def _fan_out(server: Server, documents: list[str]) -> FanoutRun:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        room = uuid.uuid4().hex
        ingest = await _ingest_cpu(server, client, room)
        rss_before = server.rss()
        sockets = [
            await _subscribe(server.url, documents[n % len(documents)]) for n in range(SUBSCRIBERS)
        ]
        await asyncio.sleep(1)
        rss_per_connection = (server.rss() - rss_before) / SUBSCRIBERS
        await _measure(server, sockets, lambda: _publish(client, room, EVENTS, 1_000))  # warm-up
        paced, spent, grown = await _measure(
            server, sockets, lambda: _publish(client, room, EVENTS, EVENTS_PER_SECOND)
        )
        saturated: list[float] = []

        async def flood() -> None:
            saturated.extend(await _publish(client, room, EVENTS, SATURATING_EVENTS_PER_SECOND))

        await _measure(server, sockets, flood)
        await asyncio.gather(*(socket.close() for socket in sockets))
    deliveries = EVENTS * SUBSCRIBERS
    return FanoutRun(
        ingest_cpu=ingest,
        cpu_per_delivery=(spent - EVENTS * ingest) / deliveries,
        deliveries=paced,
        rss_per_connection=rss_per_connection,
        rss_per_delivery=grown / deliveries,
        saturated_answers=saturated,
    )


async def _bare_request_cpu() -> float:
    async with (
        running(_bare) as server,
        httpx.AsyncClient(base_url=server.url) as client,
    ):
        for _ in range(50):
            await client.post("/hook")
        before = cpu_seconds(server.pid)
        for _ in range(INGEST_EVENTS * 5):
            await client.post("/hook")
        return (cpu_seconds(server.pid) - before) / (INGEST_EVENTS * 5)


def _p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[-1]


def _results(name: str, run: FanoutRun, bare: float) -> list[Result]:
    latency = run.deliveries
    note = (
        f"{run.cpu_per_delivery * 1e6:.1f} us/delivery; latency at {EVENTS_PER_SECOND}/s p50"
        f" {latency.percentile(0.5):.0f} p99 {latency.percentile(0.99):.0f}"
        f" max {max(latency.latencies):.0f} ms; webhook answer p99 at"
        f" {SATURATING_EVENTS_PER_SECOND}/s {_p99(run.saturated_answers):.0f} ms;"
        f" {run.rss_per_connection / 1024:.0f} KiB/connection;"
        f" RSS {run.rss_per_delivery:+.0f} B/delivery"
    )
    return [Result(name, "bare 204", bare, "delivery", run.cpu_per_delivery, note)]


async def bench() -> list[Result]:
    bare = await _bare_request_cpu()
    results: list[Result] = []
    for name, documents in (
        ("1000 subs x 1 document", DOCUMENTS[:1]),
        ("1000 subs x 10 documents", DOCUMENTS),
    ):
        async with running(_dev) as server:
            results.extend(_results(name, await _fan_out(server, documents), bare))
    for backend, args in (("memory", _dev), ("redis", _redis_dev)):
        ingest = await _ingest(args)
        note = f"{1 / ingest:.0f} verified webhooks per CPU-second"
        results.append(
            Result(f"webhook ingest, {backend} bus", "bare 204", bare, "webhook", ingest, note)
        )
    return results


if __name__ == "__main__":
    for result in asyncio.run(bench()):
        print(result.line())
