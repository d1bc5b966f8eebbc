"""``/healthz`` answers while the process runs; ``/readyz`` only when its backends answer."""

from __future__ import annotations

import socket
import time

import httpx
import pytest

from gateway.health import PROBE_TIMEOUT_SECONDS
from tests.support import asgi_client, free_port, gateway_settings, live_server

REDIS_URL = "redis://127.0.0.1:6379/0"


async def test_healthz_answers() -> None:
    async with asgi_client() as client:
        response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_with_in_process_backends() -> None:
    async with asgi_client() as client:
        response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"
    assert all(response.json()["checks"].values())


async def test_ready_with_real_redis() -> None:
    async with asgi_client(gateway_settings(redis_url=REDIS_URL)) as client:
        response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json()["checks"]["store"] is True


async def test_not_ready_when_redis_does_not_answer(caplog: pytest.LogCaptureFixture) -> None:
    closed = f"redis://127.0.0.1:{free_port()}/0"
    async with asgi_client(gateway_settings(redis_url=closed)) as client:
        with caplog.at_level("WARNING", logger="gateway.health"):
            ready = await client.get("/readyz")
        alive = await client.get("/healthz")
    assert ready.status_code == 503
    assert ready.json()["status"] == "unavailable"
    assert ready.json()["checks"]["store"] is False
    assert alive.status_code == 200
    assert "readiness probe store failed" in caplog.text


async def test_not_ready_when_redis_hangs() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        settings = gateway_settings(redis_url=f"redis://127.0.0.1:{port}/0")
        async with asgi_client(settings) as client:
            started = time.monotonic()
            ready = await client.get("/readyz")
            elapsed = time.monotonic() - started
    assert ready.status_code == 503
    assert ready.json()["checks"]["store"] is False
    assert elapsed < PROBE_TIMEOUT_SECONDS + 2


def test_health_over_loopback() -> None:
    with live_server(gateway_settings(redis_url=REDIS_URL)) as base:
        assert httpx.get(f"{base}/healthz").status_code == 200
        assert httpx.get(f"{base}/readyz").status_code == 200
