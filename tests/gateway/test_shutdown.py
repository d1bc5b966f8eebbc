"""SIGTERM to a real ``gateway serve`` process: ``/readyz`` says draining while it still
serves, subscriptions (WebSocket and SSE) end with ``SHUTTING_DOWN`` and the cursor to
resume from, in-flight requests finish, a provider call that never answers is cancelled,
and the process exits 0 within the grace period, the drain delay included."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from pydantic import ValidationError
from websockets.exceptions import ConnectionClosed

from gateway.settings import ShutdownSettings
from tests.gateway.events.conftest import REDIS_URL, redis_prefix
from tests.gateway.events.test_subscriptions import deliver, joined
from tests.gateway.events.wsclient import ROOM_EVENTS, subscribe, wait_for_subscribers
from tests.gateway.test_cli import running
from tests.gateway.test_ws import (
    PROTOCOLS,
    close_code,
    data_type,
    init,
    receive,
    send,
    socket,
    start,
)

#: time a process may take past the grace period to stop and exit (a loaded host)
MARGIN_SECONDS = 3.0
SANDBOX = {"GATEWAY_AUTH__MODE": "none", "GATEWAY_SANDBOX": "true"}

__all__ = ["redis_prefix"]


def shutdown_settings(drain: float, grace: float) -> dict[str, str]:
    return {
        "GATEWAY_SHUTDOWN__DRAIN_SECONDS": str(drain),
        "GATEWAY_SHUTDOWN__GRACE_SECONDS": str(grace),
    }


async def terminated(process: subprocess.Popen[str], wait: float) -> tuple[int, float]:
    """Send SIGTERM; the exit status and the seconds it took (fails past ``wait``)."""
    start = time.monotonic()
    process.send_signal(signal.SIGTERM)
    status = await asyncio.to_thread(process.wait, wait)
    return status, time.monotonic() - start


class SSESubscription:
    """One subscription over Server-Sent Events: ``(event, data)`` pairs in order."""

    def __init__(self, lines: AsyncIterator[str]) -> None:
        self._lines = lines

    async def next(self, wait: float = 5.0) -> tuple[str, Any] | None:
        """The next event and its decoded data; ``None`` when the stream has ended."""
        event = None
        async with asyncio.timeout(wait):
            async for line in self._lines:
                if line.startswith("event: "):
                    event = line.removeprefix("event: ")
                elif line.startswith("data: ") and event is not None:
                    data = line.removeprefix("data: ")
                    return event, json.loads(data) if data else None
        return None

    async def event(self) -> dict[str, Any]:
        received = await self.next()
        assert received is not None
        assert received[0] == "next", received
        assert "errors" not in received[1], received
        event: dict[str, Any] = received[1]["data"]["roomEvents"]
        return event


@asynccontextmanager
async def sse_subscribe(base: str) -> AsyncIterator[SSESubscription]:
    body = {"query": ROOM_EVENTS, "variables": {}}
    headers = {"accept": "text/event-stream"}
    async with (
        httpx.AsyncClient(base_url=base, timeout=30) as client,
        client.stream("POST", "/graphql", json=body, headers=headers) as response,
    ):
        assert response.status_code == 200
        yield SSESubscription(response.aiter_lines())


def shutting_down(payload: dict[str, Any]) -> str:
    """The ``resumeAfter`` of a ``SHUTTING_DOWN`` result (fails on anything else)."""
    (error,) = payload["errors"]
    assert error["extensions"]["code"] == "SHUTTING_DOWN", error
    resume_after: str = error["extensions"]["resumeAfter"]
    assert resume_after in error["message"]
    return resume_after


async def test_subscriptions_end_with_a_cursor_that_resumes_on_a_fresh_process(
    redis_prefix: str,
) -> None:
    drain, grace = 3.0, 5.0
    env = {
        **SANDBOX,
        **shutdown_settings(drain, grace),
        "GATEWAY_REDIS_URL": REDIS_URL,
        "GATEWAY_EVENTS__REDIS_PREFIX": redis_prefix,
    }
    with running("serve", **env) as (base, process):
        async with (
            subscribe(base) as ws,
            sse_subscribe(base) as sse,
            httpx.AsyncClient(base_url=base) as http,
        ):
            await wait_for_subscribers(base, 2)
            await deliver(base, joined("r", "Ann"))
            assert (await ws.event())["participantName"] == "Ann"
            assert (await sse.event())["participantName"] == "Ann"
            start = time.monotonic()
            process.send_signal(signal.SIGTERM)
            await asyncio.sleep(0.3)
            readyz = await http.get("/readyz")
            assert (readyz.status_code, readyz.json()["status"]) == (503, "draining")
            # still served while load balancers take the process out
            await deliver(base, joined("r", "Bob"))
            bob = await ws.event()
            assert (await sse.event())["cursor"] == bob["cursor"]

            last = await ws.message()
            assert last["type"] == "next"
            assert shutting_down(last["payload"]) == bob["cursor"]
            assert await ws.message() == {"id": "1", "type": "complete"}
            with pytest.raises(ConnectionClosed):
                await ws.ws.recv()
            assert ws.ws.close_code == 1012
            assert time.monotonic() - start >= drain

            end = await sse.next()
            assert end is not None
            assert end[0] == "next"
            assert shutting_down(end[1]) == bob["cursor"]
            assert (await sse.next() or ("",))[0] == "complete"
            assert await sse.next() is None
        status = await asyncio.to_thread(process.wait, grace + MARGIN_SECONDS)
        assert status == 0
        assert time.monotonic() - start < grace + MARGIN_SECONDS

    with running("serve", **env) as (base, process):
        await deliver(base, joined("r", "Cid"))
        async with subscribe(base, {"after": bob["cursor"]}) as resumed:
            assert (await resumed.event())["participantName"] == "Cid"
            assert await resumed.quiet()


async def test_dev_stops_at_once_and_ends_its_subscriptions() -> None:
    with running("dev") as (base, process):
        async with sse_subscribe(base) as sse:
            await wait_for_subscribers(base, 1)
            status, seconds = await terminated(process, MARGIN_SECONDS)
            received = await sse.next()
            assert received is not None
            shutting_down(received[1])
    assert status == 0
    assert seconds < MARGIN_SECONDS


class SlowProvider(BaseHTTPRequestHandler):
    """A provider API on loopback that answers 503 after ``delay`` seconds."""

    delay = 0.0
    received: threading.Event

    def do_GET(self) -> None:
        self.received.set()
        time.sleep(self.delay)
        body = b'{"message": "busy"}'
        self.send_response(503)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


@contextmanager
def slow_provider(delay: float) -> Iterator[tuple[str, threading.Event]]:
    """A loopback VideoSDK API whose answers take ``delay`` seconds; yields its base URL
    and an event set once a request arrived."""

    class Handler(SlowProvider):
        pass

    Handler.delay = delay
    Handler.received = threading.Event()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/v2", Handler.received
    finally:
        server.shutdown()
        server.server_close()


def videosdk_at(base_url: str) -> dict[str, str]:
    """VideoSDK configured at ``base_url``, its calls given a minute, never retried."""
    prefix = "GATEWAY_PROVIDERS__VIDEOSDK__"
    return {
        "GATEWAY_AUTH__MODE": "none",
        f"{prefix}API_KEY": "key",
        f"{prefix}SECRET": "secret-with-enough-length-for-hs256-0123456789",
        f"{prefix}BASE_URL": base_url,
        f"{prefix}TIMEOUTS__READ": "60",
        f"{prefix}TIMEOUTS__TOTAL": "60",
        f"{prefix}TIMEOUTS__RETRIES": "0",
    }


async def query_room(base: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        return await client.post("/graphql", json={"query": '{ room(id: "videosdk:r1") { id } }'})


async def test_a_provider_call_that_never_answers_is_cancelled_at_the_end_of_the_grace() -> None:
    drain, grace = 0.5, 3.0
    with (
        slow_provider(delay=3600) as (provider, received),
        running("serve", **videosdk_at(provider), **shutdown_settings(drain, grace)) as (
            base,
            process,
        ),
    ):
        request = asyncio.create_task(query_room(base))
        assert await asyncio.to_thread(received.wait, 10)
        status, seconds = await terminated(process, grace + MARGIN_SECONDS)
        # cancelled: uvicorn answers for the request that never got its own answer
        assert (await request).status_code == 500
    assert status == 0
    # the grace period is the whole shutdown: drain, ending subscriptions (none), requests
    assert grace - 1 <= seconds < grace + MARGIN_SECONDS


async def test_an_in_flight_request_finishes_within_the_grace() -> None:
    with (
        slow_provider(delay=1.5) as (provider, received),
        running("serve", **videosdk_at(provider), **shutdown_settings(0, 10)) as (base, process),
    ):
        request = asyncio.create_task(query_room(base))
        assert await asyncio.to_thread(received.wait, 10)
        status, seconds = await terminated(process, 10)
        response = await request
    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "PROVIDER_UNAVAILABLE"
    assert status == 0
    assert seconds < 1.5 + MARGIN_SECONDS  # the answer's delay, not the whole grace


async def test_every_worker_drains_and_the_parent_exits_in_time(redis_prefix: str) -> None:
    drain, grace = 0.5, 3.0
    env = {
        **SANDBOX,
        **shutdown_settings(drain, grace),
        "GATEWAY_REDIS_URL": REDIS_URL,
        "GATEWAY_EVENTS__REDIS_PREFIX": redis_prefix,
    }
    with running("serve", "--workers", "2", **env) as (base, process):
        # a subscription its worker has not registered yet is ended as it registers
        async with sse_subscribe(base) as sse:
            start = time.monotonic()
            process.send_signal(signal.SIGTERM)
            received = await sse.next()
            assert received is not None
            shutting_down(received[1])
        status = await asyncio.to_thread(process.wait, grace + MARGIN_SECONDS)
    assert status == 0
    assert time.monotonic() - start < grace + MARGIN_SECONDS


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_both_websocket_protocols_end_with_the_error_then_complete_then_1012(
    protocol: str,
) -> None:
    with running("dev") as (base, process):
        async with socket(base.replace("http://", "ws://") + "/graphql", protocol) as ws:
            assert (await init(ws))["type"] == "connection_ack"
            await send(ws, start(protocol, "1", "subscription { roomEvents { cursor } }"))
            await wait_for_subscribers(base, 1)
            process.send_signal(signal.SIGTERM)
            last = await receive(ws)
            assert (last["type"], last["id"]) == (data_type(protocol), "1")
            shutting_down(last["payload"])
            assert await receive(ws) == {"id": "1", "type": "complete"}
            assert await close_code(ws) == 1012
        assert await asyncio.to_thread(process.wait, MARGIN_SECONDS) == 0


def test_the_drain_must_leave_part_of_the_grace_period() -> None:
    with pytest.raises(ValidationError) as refused:
        ShutdownSettings(drain_seconds=4, grace_seconds=5)
    assert "at least 2 s shorter than GRACE_SECONDS" in str(refused.value)
    unset = ShutdownSettings(grace_seconds=4)
    assert unset.drain_or(5.0) == 2.0  # half the grace period at most
    assert unset.requests_seconds(5.0, 1.0) == 1.0
    assert ShutdownSettings().requests_seconds(5.0, 1.0) == 4.0
