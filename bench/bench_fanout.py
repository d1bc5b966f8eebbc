"""Rooms fan-out: latency follows the slowest provider, not the sum.

Baseline: ``rooms(provider: <slowest>)`` alone. Measured: ``rooms`` over all three
sandboxes, each answering after its own injected latency. A ratio near 1.0 means the
providers are asked concurrently; the sum of the latencies would give about 2.0 here.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from bench.common import Result, best_of
from gateway.app import create_app
from gateway.services import Services
from gateway.settings import Settings

LATENCY = {"vonage": 0.03, "metered": 0.06, "videosdk": 0.09}
QUERY = "query($p: Provider) { rooms(provider: $p, first: 20) { nodes { id } failures { code } } }"


@asynccontextmanager
async def _gateway() -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings.model_validate({"sandbox": True, "auth": {"mode": "none"}})
    app: FastAPI = create_app(settings)
    async with app.router.lifespan_context(app):
        services: Services = app.state.services
        for name, handle in services.providers.items():
            assert handle.sandbox is not None
            handle.sandbox.seed_rooms(20)  # type: ignore[attr-defined]
            handle.sandbox.latency = LATENCY[name]  # type: ignore[attr-defined]
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            yield client


async def _rooms(client: httpx.AsyncClient, provider: str | None) -> None:
    response = await client.post("/graphql", json={"query": QUERY, "variables": {"p": provider}})
    body = response.json()
    assert "errors" not in body, body
    assert not body["data"]["rooms"]["failures"], body


async def bench() -> list[Result]:
    async with _gateway() as client:
        slowest = await best_of(5, lambda: _rooms(client, "VIDEOSDK"))
        everyone = await best_of(5, lambda: _rooms(client, None))
    return [
        Result(
            "rooms fan-out (3 providers)",
            "slowest provider alone",
            slowest,
            "all providers",
            everyone,
            "1.0 = concurrent; sum of latencies = 2.0",
        )
    ]


if __name__ == "__main__":
    for result in asyncio.run(bench()):
        print(result.line())
