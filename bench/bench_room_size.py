"""Webhook ingest against room size: ``python -m bench.bench_room_size`` (about 1 minute).

The same Vonage joins as the ingest lines of ``bench.bench_subscriptions``, but measured in
a room that already holds ``PRESENT`` people and in rooms of one, on the memory and the
Redis bus: the room-state projection should cost the same in both.
"""

from __future__ import annotations

import asyncio
import logging
import uuid

import httpx

from bench.bench_subscriptions import _bare_request_cpu, _dev, _publish, _redis_dev, running
from bench.common import Result
from bench.loopback import Server, cpu_seconds

PRESENT = 500
MEASURED = 300


async def _cpu_per_webhook(server: Server, client: httpx.AsyncClient, present: int) -> float:
    """Gateway CPU seconds per join into a room already holding ``present`` people (each
    measured join into its own new room when ``present`` is 0)."""
    room = uuid.uuid4().hex
    await _publish(client, room, max(present, 10), 10_000)
    before = cpu_seconds(server.pid)
    if present:
        await _publish(client, room, MEASURED, 10_000)
    else:
        for _ in range(MEASURED):
            await _publish(client, uuid.uuid4().hex, 1, 10_000)
    return (cpu_seconds(server.pid) - before) / MEASURED


async def bench() -> list[Result]:
    bare = await _bare_request_cpu()
    results: list[Result] = []
    for backend, args in (("memory", _dev), ("redis", _redis_dev)):
        async with running(args) as server, httpx.AsyncClient(base_url=server.url) as client:
            alone = await _cpu_per_webhook(server, client, 0)
            crowded = await _cpu_per_webhook(server, client, PRESENT)
        name = f"ingest, {backend}, {PRESENT} present"
        note = f"bare 204 {bare * 1e3:.2f} ms; into an empty room {alone * 1e3:.2f} ms"
        results.append(Result(name, "room of one", alone, "crowded", crowded, note))
    return results


if __name__ == "__main__":
    logging.disable(logging.INFO)
    for result in asyncio.run(bench()):
        print(result.line())
