"""Caps per client on a live server: WebSocket connections (close 4429) and operations running
over WebSocket and SSE across a client's connections (RATE_LIMITED, SSE 429); and the client
request rate obeyed by WebSocket operations and SSE streams too."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from websockets.asyncio.client import ClientConnection

from gateway.client_caps import ClientCaps, OverCap, Slots
from gateway.settings import Settings
from tests.gateway.observability.scrape import scrape, total
from tests.gateway.probe_schema import probe_app
from tests.gateway.test_ws import (
    LEGACY_WS,
    PROTOCOLS,
    TRANSPORT_WS,
    close_code,
    data_type,
    first_error,
    init,
    receive,
    send,
    socket,
    start,
)
from tests.support import gateway_settings, jwt_settings, live_server, make_token, until

SSE = {"accept": "text/event-stream"}
WAIT = "subscription { probeWait }"


@contextmanager
def served(settings: Settings) -> Iterator[tuple[str, FastAPI]]:
    app = probe_app(settings)
    with live_server(app=app) as base:
        yield base, app


def ws_url(base: str) -> str:
    return base.replace("http://", "ws://") + "/graphql"


def caps_of(app: FastAPI) -> ClientCaps:
    caps: ClientCaps = app.state.client_caps
    return caps


@asynccontextmanager
async def ready(
    url: str, protocol: str, payload: dict[str, Any] | None = None
) -> AsyncIterator[ClientConnection]:
    async with socket(url, protocol) as ws:
        assert (await init(ws, payload))["type"] == "connection_ack"
        yield ws


async def started(ws: ClientConnection, protocol: str, op_id: str) -> None:
    await send(ws, start(protocol, op_id, WAIT))
    message = await receive(ws)
    assert (message["type"], message["id"]) == (data_type(protocol), op_id), message


async def refused(ws: ClientConnection, protocol: str, op_id: str) -> dict[str, Any]:
    await send(ws, start(protocol, op_id, WAIT))
    message = await receive(ws)
    assert (message["type"], message["id"]) == ("error", op_id), message
    error = first_error(message)
    assert error["extensions"]["code"] == "RATE_LIMITED"
    return error


async def refusals(base: str, limit: str) -> float:
    """``gateway_rate_limited_total{limit}`` as the server's ``/metrics`` has it now."""
    async with httpx.AsyncClient(base_url=base, timeout=5) as http:
        return total(await scrape(http), "gateway_rate_limited_total", limit=limit)


def stop(protocol: str, op_id: str) -> dict[str, str]:
    return {"id": op_id, "type": "complete" if protocol == TRANSPORT_WS else "stop"}


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_connections_over_the_client_cap_close_with_4429(protocol: str) -> None:
    settings = gateway_settings(limits={"max_connections_per_client": 2})
    with served(settings) as (base, app):
        url = ws_url(base)
        before = await refusals(base, "WebSocket connections")
        async with ready(url, protocol), ready(url, protocol) as second:
            async with socket(url, protocol) as third:
                await send(third, {"type": "connection_init", "payload": {}})
                if protocol == LEGACY_WS:
                    error = await receive(third)
                    assert error["type"] == "connection_error"
                    assert error["payload"]["extensions"]["code"] == "RATE_LIMITED"
                assert await close_code(third) == 4429
            await second.close()
            await until(lambda: caps_of(app).connections.held(("ip", "127.0.0.1")) == 1)
            async with ready(url, protocol):
                pass
        await until(lambda: len(caps_of(app).connections) == 0)
        assert await refusals(base, "WebSocket connections") == before + 1


async def test_each_subject_has_its_own_connection_cap() -> None:
    settings = jwt_settings()
    limits = settings.limits.model_copy(update={"max_connections_per_client": 1})
    settings = settings.model_copy(update={"limits": limits})

    def bearer(sub: str) -> dict[str, str]:
        return {"authorization": f"Bearer {make_token('events:read', sub=sub)}"}

    with served(settings) as (base, _):
        url = ws_url(base)
        async with (
            ready(url, TRANSPORT_WS, bearer("ann")),
            ready(url, TRANSPORT_WS, bearer("bob")),
            socket(url, TRANSPORT_WS) as again,
        ):
            await send(again, {"type": "connection_init", "payload": bearer("ann")})
            assert await close_code(again) == 4429


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_subscriptions_are_capped_across_connections_and_sse(protocol: str) -> None:
    settings = gateway_settings(limits={"max_subscriptions_per_client": 3})
    with served(settings) as (base, app):
        url = ws_url(base)
        async with (
            ready(url, protocol) as first,
            ready(url, protocol) as second,
            httpx.AsyncClient(base_url=base, timeout=5) as http,
        ):
            await started(first, protocol, "a")
            await started(second, protocol, "b")
            async with http.stream("POST", "/graphql", json={"query": WAIT}, headers=SSE) as sse:
                assert sse.status_code == 200
                error = await refused(second, protocol, "c")
                assert error["extensions"]["limit"] == 3
                over = await http.post("/graphql", json={"query": WAIT}, headers=SSE)
                assert over.status_code == 429
                [body_error] = over.json()["errors"]
                assert body_error["extensions"] == {"code": "RATE_LIMITED", "limit": 3}
            # the stream's end gives its slot back
            await until(lambda: caps_of(app).operations.held(("ip", "127.0.0.1")) == 2)
            await started(second, protocol, "d")
            await send(first, stop(protocol, "a"))
            await until(lambda: caps_of(app).operations.held(("ip", "127.0.0.1")) == 2)
        await until(lambda: len(caps_of(app).operations) == 0)


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_websocket_operations_obey_the_client_rate(protocol: str) -> None:
    settings = gateway_settings(limits={"client_rate": "2/minute"})
    with served(settings) as (base, _):
        async with ready(ws_url(base), protocol) as ws:
            await started(ws, protocol, "a")
            await started(ws, protocol, "b")
            error = await refused(ws, protocol, "c")
            assert 1 <= error["extensions"]["retryAfter"] <= 60
            # the same count as HTTP requests: that client's next request waits too
            async with httpx.AsyncClient(base_url=base) as http:
                response = await http.post("/graphql", json={"query": "{ __typename }"})
            assert response.status_code == 429


async def test_sse_streams_count_against_the_client_rate() -> None:
    settings = gateway_settings(limits={"client_rate": "2/minute"})
    with served(settings) as (base, _):
        before = await refusals(base, "requests")
        async with ready(ws_url(base), TRANSPORT_WS) as ws:
            await started(ws, TRANSPORT_WS, "a")
            async with httpx.AsyncClient(base_url=base, timeout=5) as http:
                tick = {"query": "subscription { probeTicks(count: 1) }"}
                assert (await http.post("/graphql", json=tick, headers=SSE)).status_code == 200
                over = await http.post("/graphql", json=tick, headers=SSE)
        assert over.status_code == 429
        assert await refusals(base, "requests") == before + 1
        assert 1 <= int(over.headers["retry-after"]) <= 60
        [error] = over.json()["errors"]
        assert error["extensions"]["code"] == "RATE_LIMITED"


def test_slots_keep_entries_only_for_clients_holding_something() -> None:
    slots = Slots("things", limit=2, max_clients=2)
    ann, bob, cid = ("sub", "ann"), ("sub", "bob"), ("sub", "cid")
    first, second = slots.take(ann), slots.take(ann)
    with pytest.raises(OverCap):
        slots.take(ann)
    held = slots.take(bob)
    with pytest.raises(OverCap):  # the map is full: a new client waits
        slots.take(cid)
    for hold in (first, second, second, held):  # a second release counts once
        hold.release()
    assert len(slots) == 0
    slots.take(cid)
