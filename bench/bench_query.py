"""The query path on loopback, as CPU per request against a vanilla Strawberry app.

Every server runs in its own uvicorn subprocess; the three provider sandboxes answer from
memory in another one (``bench.standins``). A figure is the server process's own CPU time
(user + system) per request, so other load on the machine barely moves it. Ratios are
``yardstick / gateway``: higher is better, 1.0 = as cheap as ``{ hello }``.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from bench.common import Result
from bench.loopback import (
    Connection,
    Server,
    cpu_seconds,
    free_port,
    serve,
    uvicorn_args,
    wait_ready,
)

SEEDED = 40
BUDGET = 8.0
BURST = 1000
CONCURRENCY = 8
ROUNDS = 3
LIST = (
    "{ rooms(first: 30) { nodes { id provider displayName createdAt hostUrl guestUrl } "
    "pageInfo { hasNextPage endCursor } failures { provider code } } }"
)
ROOM = "query($id: ID!) { room(id: $id) { id provider displayName createdAt hostUrl guestUrl } }"
HELLO = "{ hello }"
GATEWAY = "import sys; from gateway.cli import main; main(sys.argv[1:])"
MIB = 2**20

Check = Callable[[Any], None]


def _listed(body: Any) -> None:
    rooms = body["data"]["rooms"]
    assert len(rooms["nodes"]) == 30, body
    assert not rooms["failures"], body


def _found(body: Any) -> None:
    assert body["data"]["room"] is not None, body


def _hello(body: Any) -> None:
    assert body["data"]["hello"] == "world", body


@contextmanager
def _standins() -> Iterator[tuple[subprocess.Popen[bytes], dict[str, str]]]:
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bench.standins", str(SEEDED)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert process.stdout is not None
        yield process, json.loads(process.stdout.readline())
    finally:
        process.terminate()
        process.wait(10)


@asynccontextmanager
async def _gateway(providers: dict[str, str], **limits: str) -> AsyncIterator[Server]:
    port = free_port()
    # one client sends every request: `serve`'s default client rate would answer 429
    env = providers | {"GATEWAY_AUTH__MODE": "none", "GATEWAY_LIMITS__CLIENT_RATE": ""} | limits
    args = ["-c", GATEWAY, "serve", "--host", "127.0.0.1", "--port", str(port)]
    with serve(args, port, env) as server:
        await wait_ready(port)
        yield server


async def _repeat(
    connection: Connection, times: int, query: str, variables: Any, check: Check
) -> None:
    for _ in range(times):
        check(await connection.graphql(query, variables))


async def cpu_per_request(
    server: Server, query: str, check: Check, requests: int, variables: Any = None
) -> float:
    """Best of ``ROUNDS``: server CPU seconds per request, ``CONCURRENCY`` connections."""
    connections = [await Connection.open(server.port) for _ in range(CONCURRENCY)]
    each = requests // CONCURRENCY
    await asyncio.gather(*(_repeat(c, 5, query, variables, check) for c in connections))
    best = float("inf")
    for _ in range(ROUNDS):
        before = cpu_seconds(server.pid)
        await asyncio.gather(*(_repeat(c, each, query, variables, check) for c in connections))
        best = min(best, (cpu_seconds(server.pid) - before) / (each * CONCURRENCY))
    for connection in connections:
        await connection.close()
    return best


async def _credentials(providers: dict[str, str]) -> dict[str, int]:
    counts = {}
    for key, url in providers.items():
        if key.endswith("__BASE_URL"):
            name = key.split("__")[1].lower()
            connection = await Connection.open(int(url.split(":")[2].split("/")[0]))
            counts[name] = json.loads((await connection.get("/_bench/credentials"))[1])[
                "credentials"
            ]
            await connection.close()
    return counts


async def _timed(connection: Connection, started: float) -> tuple[bool, float]:
    body = await connection.graphql(LIST)
    rooms: Any = (body.get("data") or {}).get("rooms")
    ok = rooms is not None and len(rooms["nodes"]) == 30 and not rooms["failures"]
    return ok, time.monotonic() - started


async def _sample_rss(server: Server, peak: list[int]) -> None:
    while True:
        peak[0] = max(peak[0], server.rss())
        await asyncio.sleep(0.05)


async def burst(providers: dict[str, str]) -> tuple[int, float, dict[str, int], int]:
    """``BURST`` concurrent lists on a cold gateway: ok answers, slowest, credentials, RSS."""
    async with _gateway(providers) as server:
        connections = await asyncio.gather(*(Connection.open(server.port) for _ in range(BURST)))
        peak = [server.rss()]
        sampler = asyncio.create_task(_sample_rss(server, peak))
        started = time.monotonic()
        answers = await asyncio.gather(*(_timed(c, started) for c in connections))
        sampler.cancel()
        await asyncio.gather(*(c.close() for c in connections))
    ok = sum(1 for good, _ in answers if good)
    return ok, max(seconds for _, seconds in answers), await _credentials(providers), peak[0]


async def _room_id(server: Server) -> str:
    connection = await Connection.open(server.port)
    body = await connection.graphql("{ rooms(provider: VONAGE, first: 1) { nodes { id } } }")
    await connection.close()
    return str(body["data"]["rooms"]["nodes"][0]["id"])


async def _yardstick() -> tuple[float, int]:
    port = free_port()
    with serve(uvicorn_args("bench.yardstick:app", port), port) as server:
        await wait_ready(port, "/docs")
        return await cpu_per_request(server, HELLO, _hello, 1000), server.rss()


def _ratio(name: str, gateway: float, yardstick: float, target: str) -> Result:
    return Result(name, "gateway", gateway, "yardstick", yardstick, f"target ≥ {target}")


async def bench() -> list[Result]:
    with _standins() as (_, providers):
        ok, slowest, minted, rss = await burst(providers)
        yard, yard_rss = await _yardstick()
        async with _gateway(providers, GATEWAY_CACHE_TTL_SECONDS="0") as server:
            listed = await cpu_per_request(server, LIST, _listed, 240)
            room = {"id": await _room_id(server)}
            uncached = await cpu_per_request(server, ROOM, _found, 400, room)
        async with _gateway(providers) as server:
            cached = await cpu_per_request(server, ROOM, _found, 1000, room)
    tokens = " ".join(f"{name}={count}" for name, count in sorted(minted.items()))
    return [
        _ratio("rooms(first: 30) x3", listed, yard, "0.5"),
        _ratio("room(id) uncached", uncached, yard, "1.1"),
        _ratio("room(id) cached", cached, yard, "2.5"),
        Result(
            f"burst {BURST} cold lists",
            "budget",
            BUDGET,
            "slowest",
            slowest,
            f"{ok}/{BURST} ok; credentials used: {tokens} (target ≤ 1.10, {BURST} ok, 1 each)",
        ),
        Result(
            "RSS under the burst",
            "yardstick idle",
            yard_rss / MIB,
            "gateway peak",
            rss / MIB,
            f"{rss / MIB:.0f} MiB (target ≤ 150 MiB)",
            unit="",
        ),
    ]


if __name__ == "__main__":
    for result in asyncio.run(bench()):
        print(result.line())
