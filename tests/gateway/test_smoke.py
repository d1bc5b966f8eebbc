"""The app starts with sandbox providers and answers over ASGI and loopback HTTP."""

from __future__ import annotations

import httpx

from tests.support import asgi_client, live_server

QUERY = {"query": "{ providers { id sandbox configured } }"}


async def test_providers_over_asgi() -> None:
    async with asgi_client() as client:
        response = await client.post("/graphql", json=QUERY)
    assert response.status_code == 200
    providers = response.json()["data"]["providers"]
    assert {p["id"] for p in providers} == {"VONAGE", "METERED", "VIDEOSDK"}
    assert all(p["sandbox"] and p["configured"] for p in providers)


def test_health_over_loopback() -> None:
    with live_server() as base:
        assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
        assert httpx.get(f"{base}/readyz").status_code == 200
