"""GraphQL over WebSocket on a live server: both subprotocols, auth, keepalive and limits."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Origin, Subprotocol

from gateway.settings import Settings
from tests.gateway.probe_schema import SECRET_DETAIL, probe_app
from tests.support import gateway_settings, jwt_settings, live_server, make_token

TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"
PROTOCOLS = (TRANSPORT_WS, LEGACY_WS)


@contextmanager
def ws_server(settings: Settings) -> Iterator[str]:
    with live_server(app=probe_app(settings)) as base:
        yield base.replace("http://", "ws://") + "/graphql"


@asynccontextmanager
async def socket(url: str, protocol: str) -> AsyncIterator[ClientConnection]:
    async with connect(url, subprotocols=[Subprotocol(protocol)], open_timeout=5) as ws:
        assert ws.subprotocol == protocol
        yield ws


async def send(ws: ClientConnection, message: dict[str, Any]) -> None:
    await ws.send(json.dumps(message))


async def receive(ws: ClientConnection, skip: tuple[str, ...] = ("ka", "ping")) -> dict[str, Any]:
    while True:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), timeout=5))
        if message["type"] not in skip:
            return message


async def close_code(ws: ClientConnection) -> int | None:
    """Read until the server closes; the close code it sent."""
    try:
        while True:
            await asyncio.wait_for(ws.recv(), timeout=5)
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None


async def init(ws: ClientConnection, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    await send(ws, {"type": "connection_init", "payload": payload or {}})
    return await receive(ws)


def start(protocol: str, op_id: str, query: str) -> dict[str, Any]:
    kind = "subscribe" if protocol == TRANSPORT_WS else "start"
    return {"id": op_id, "type": kind, "payload": {"query": query}}


def data_type(protocol: str) -> str:
    return "next" if protocol == TRANSPORT_WS else "data"


def first_error(message: dict[str, Any]) -> dict[str, Any]:
    """An ``error`` message's error: a list on graphql-transport-ws, one object on graphql-ws."""
    payload = message["payload"]
    error: dict[str, Any] = payload[0] if isinstance(payload, list) else payload
    return error


def bearer(scopes: str = "events:read") -> dict[str, str]:
    return {"authorization": f"Bearer {make_token(scopes)}"}


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_subscription_runs_as_the_authenticated_principal(protocol: str) -> None:
    with ws_server(jwt_settings()) as url:
        async with socket(url, protocol) as ws:
            assert (await init(ws, bearer()))["type"] == "connection_ack"
            await send(ws, start(protocol, "1", "subscription { probeWhoami }"))
            message = await receive(ws)
            assert message["type"] == data_type(protocol)
            assert message["payload"] == {"data": {"probeWhoami": "tester:events:read"}}
            assert await receive(ws) == {"type": "complete", "id": "1"}


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_ticks_are_delivered_in_order(protocol: str) -> None:
    with ws_server(gateway_settings()) as url:
        async with socket(url, protocol) as ws:
            assert (await init(ws))["type"] == "connection_ack"
            await send(ws, start(protocol, "t", "subscription { probeTicks(count: 3) }"))
            ticks = [(await receive(ws))["payload"]["data"]["probeTicks"] for _ in range(3)]
            assert ticks == [0, 1, 2]
            assert (await receive(ws))["type"] == "complete"


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({}, 4401),
        ({"authorization": ""}, 4401),
        ({"authorization": "Bearer not-a-token"}, 4403),
        ({"authorization": f"Bearer {make_token(expires_in=-120)}"}, 4403),
    ],
)
async def test_bad_credentials_close_the_socket(
    protocol: str, payload: dict[str, str], code: int
) -> None:
    with ws_server(jwt_settings()) as url:
        async with socket(url, protocol) as ws:
            await send(ws, {"type": "connection_init", "payload": payload})
            if protocol == LEGACY_WS:
                error = await receive(ws)
                assert error["type"] == "connection_error"
                assert error["payload"]["extensions"]["code"] == "UNAUTHENTICATED"
            assert await close_code(ws) == code


async def test_a_token_without_a_required_tenant_claim_is_refused() -> None:
    payload = {"authorization": f"Bearer {make_token()}"}
    with ws_server(jwt_settings(require_tenant=True)) as url:
        async with socket(url, PROTOCOLS[0]) as ws:
            await send(ws, {"type": "connection_init", "payload": payload})
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4403  # refused credentials, as an expired token
    assert closed.value.rcvd.reason == "token lacks the 'tenant' claim"


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_missing_scope_is_forbidden_per_operation(protocol: str) -> None:
    with ws_server(jwt_settings()) as url:
        async with socket(url, protocol) as ws:
            assert (await init(ws, bearer("rooms:read")))["type"] == "connection_ack"
            await send(ws, start(protocol, "w", "subscription { probeWait }"))
            message = await receive(ws)
            assert message["type"] == "error"
            assert first_error(message)["extensions"]["code"] == "FORBIDDEN"


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_unexpected_errors_are_masked(protocol: str) -> None:
    with ws_server(gateway_settings()) as url:
        async with socket(url, protocol) as ws:
            await init(ws)
            await send(ws, start(protocol, "c", "subscription { probeCrash }"))
            first = await receive(ws)
            assert first["payload"] == {"data": {"probeCrash": 1}}
            second = await receive(ws)
            assert second["payload"]["errors"][0]["extensions"]["code"] == "INTERNAL"
            assert SECRET_DETAIL not in json.dumps(second)


async def test_server_pings_on_graphql_transport_ws() -> None:
    settings = gateway_settings(events={"keepalive_seconds": 0.2})
    with ws_server(settings) as url:
        async with socket(url, TRANSPORT_WS) as ws:
            await init(ws)
            assert await receive(ws, skip=()) == {"type": "ping"}
            await send(ws, {"type": "pong"})
            assert await receive(ws, skip=()) == {"type": "ping"}


async def test_keepalive_on_graphql_ws() -> None:
    settings = gateway_settings(events={"keepalive_seconds": 0.2})
    with ws_server(settings) as url:
        async with socket(url, LEGACY_WS) as ws:
            await init(ws)
            assert await receive(ws, skip=()) == {"type": "ka"}
            assert await receive(ws, skip=()) == {"type": "ka"}


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_connection_init_must_arrive_in_time(protocol: str) -> None:
    settings = gateway_settings(events={"connection_init_wait_seconds": 0.3})
    with ws_server(settings) as url:
        async with socket(url, protocol) as ws:
            assert await close_code(ws) == 4408


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_timely_init_keeps_the_connection(protocol: str) -> None:
    settings = gateway_settings(events={"connection_init_wait_seconds": 0.3})
    with ws_server(settings) as url:
        async with socket(url, protocol) as ws:
            assert (await init(ws))["type"] == "connection_ack"
            await asyncio.sleep(0.5)
            await send(ws, start(protocol, "1", "subscription { probeTicks(count: 1) }"))
            assert (await receive(ws))["payload"] == {"data": {"probeTicks": 0}}


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_operations_over_the_limit_get_a_clear_error(protocol: str) -> None:
    settings = gateway_settings(events={"max_subscriptions_per_connection": 2})
    with ws_server(settings) as url:
        async with socket(url, protocol) as ws:
            await init(ws)
            for op_id in ("a", "b"):
                await send(ws, start(protocol, op_id, "subscription { probeWait }"))
                assert (await receive(ws))["id"] == op_id
            await send(ws, start(protocol, "c", "subscription { probeWait }"))
            refused = await receive(ws)
            assert refused["type"] == "error"
            assert refused["id"] == "c"
            error = first_error(refused)
            assert "at most 2 operations" in error["message"]
            assert error["extensions"] == {"code": "RATE_LIMITED", "limit": 2}
            stop = "complete" if protocol == TRANSPORT_WS else "stop"
            await send(ws, {"id": "a", "type": stop})
            if protocol == LEGACY_WS:
                assert await receive(ws) == {"type": "complete", "id": "a"}
            await send(ws, start(protocol, "d", "subscription { probeTicks(count: 1) }"))
            assert (await receive(ws))["payload"] == {"data": {"probeTicks": 0}}


async def test_browsers_on_other_origins_need_to_be_listed() -> None:
    settings = gateway_settings(cors_origins=["https://app.example"])
    protocols = [Subprotocol(TRANSPORT_WS)]
    with ws_server(settings) as url:
        async with connect(url, subprotocols=protocols, origin=Origin("https://app.example")) as ws:
            assert (await init(ws))["type"] == "connection_ack"
        with pytest.raises(InvalidStatus) as refused:
            async with connect(url, subprotocols=protocols, origin=Origin("https://evil.example")):
                pass
    assert refused.value.response.status_code == 403


async def test_deeply_nested_message_closes_with_4400() -> None:
    with ws_server(gateway_settings()) as url:
        async with socket(url, TRANSPORT_WS) as ws:
            payload = "[" * 100_000 + "]" * 100_000
            await ws.send('{"type": "connection_init", "payload": ' + payload + "}")
            assert await close_code(ws) == 4400


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_the_socket_closes_when_its_token_expires(protocol: str) -> None:
    settings = jwt_settings(leeway_seconds=0)
    with ws_server(settings) as url:
        token = make_token("events:read", expires_in=2)  # 1 to 2 s from now
        async with socket(url, protocol) as ws:
            assert (await init(ws, {"authorization": f"Bearer {token}"}))[
                "type"
            ] == "connection_ack"
            await send(ws, start(protocol, "w", "subscription { probeWait }"))
            assert await close_code(ws) == 4401


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_token_valid_for_longer_keeps_the_socket(protocol: str) -> None:
    with ws_server(jwt_settings(leeway_seconds=0)) as url:
        async with socket(url, protocol) as ws:
            assert (await init(ws, bearer()))["type"] == "connection_ack"
            await send(ws, start(protocol, "1", "subscription { probeWhoami }"))
            assert (await receive(ws))["type"] == data_type(protocol)
