"""Bounded JSON wherever a body or payload is parsed: too deep or too large is refused with
400 (WebSocket: close 4400) and one log line, never a traceback or a 503."""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from gateway.auth import Authenticator
from gateway.bounded_json import TooDeep, check_depth
from gateway.graphql.transport.ws import GraphQLWebSocket
from gateway.settings import AuthSettings, EventSettings, LimitSettings
from providers import EventType, WebhookDelivery
from providers.videosdk.fake import FakeVideoSDK
from tests.gateway.events.deliveries import gateway
from tests.gateway.probe_schema import probe_app, probe_schema
from tests.support import asgi_client, gateway_settings, live_server

DEPTH = 8


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    settings = gateway_settings(limits={"max_json_depth": DEPTH})
    async with asgi_client(app=probe_app(settings)) as client:
        yield client


def no_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


def refusal_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "deeper than" in r.getMessage()]


@pytest.mark.parametrize("depth", [0, 2, DEPTH])
def test_depth_within_the_limit_passes(depth: int) -> None:
    check_depth(nested(depth), DEPTH)


def test_brackets_in_strings_and_unbalanced_text_are_left_to_the_decoder() -> None:
    check_depth('{"a": "' + "[" * 100 + '\\"' + "]" * 100 + '"}', DEPTH)
    check_depth("[" * 100, DEPTH)


@pytest.mark.parametrize("text", [nested(DEPTH + 1), '{"a": [{"b": ' + nested(DEPTH) + "}]}"])
def test_one_level_over_is_too_deep(text: str) -> None:
    with pytest.raises(TooDeep):
        check_depth(text, DEPTH)


def test_a_megabyte_bomb_is_measured_well_under_a_second() -> None:
    stairs = "[[]" * 300_000 + "]" * 300_000
    started = time.process_time()
    for text in (nested(500_000), stairs, "[" + "[[],[]]," * 120_000 + "1]"):
        with contextlib.suppress(TooDeep):
            check_depth(text, 64)
    assert time.process_time() - started < 1.0


async def test_post_body_too_deep_is_400(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    # one level over: the body's object, ``variables``, ``v``
    body = '{"query": "{ __typename }", "variables": {"v": ' + nested(DEPTH - 1) + "}}"
    response = await client.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["message"] == f"the request body is nested deeper than {DEPTH} levels"
    assert error["extensions"] == {"code": "BAD_USER_INPUT"}
    assert len(refusal_lines(caplog)) == 1
    no_tracebacks(caplog)


async def test_post_body_at_the_limit_is_served(client: httpx.AsyncClient) -> None:
    body = '{"query": "{ __typename }", "variables": {"v": ' + nested(DEPTH - 2) + "}}"
    response = await client.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    assert response.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize("name", ["variables", "extensions"])
async def test_get_parameters_too_deep_are_400(
    client: httpx.AsyncClient, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    params = {"query": "{ __typename }", name: '{"v": ' + nested(DEPTH) + "}"}
    response = await client.get("/graphql", params=params)
    assert response.status_code == 400
    assert f"'{name}' is nested deeper than {DEPTH}" in response.json()["errors"][0]["message"]
    no_tracebacks(caplog)


async def test_recursion_deep_body_is_400_not_500(client: httpx.AsyncClient) -> None:
    body = '{"query": "{ __typename }", "variables": {"v": ' + nested(200_000) + "}}"
    response = await client.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400


async def test_multipart_operations_too_deep_are_400(client: httpx.AsyncClient) -> None:
    operations = '{"query": "{ __typename }", "variables": {"v": ' + nested(DEPTH) + "}}"
    files = {"operations": (None, operations), "map": (None, "{}")}
    response = await client.post(
        "/graphql", files=files, headers={"graphql-require-preflight": "1"}
    )
    assert response.status_code == 400
    assert "nested deeper than" in response.json()["errors"][0]["message"]


def forged_videosdk(body: bytes) -> WebhookDelivery:
    signature = base64.b64encode(b"\x00" * 256).decode()
    headers = {"content-type": "application/json", "videosdk-signature": signature}
    return WebhookDelivery("", {}, headers, body)


@pytest.mark.parametrize("levels", [DEPTH + 1, 700, 100_000])
async def test_deep_forged_videosdk_delivery_is_400_without_traceback(
    levels: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    body = b'{"webhookType": "participant-joined", "data": {"a": ' + nested(levels).encode()
    async with gateway(gateway_settings(limits={"max_json_depth": DEPTH})) as gw:
        response = await gw.post("videosdk", forged_videosdk(body + b"}}"))
        assert response.status_code == 400
        assert "nested deeper than" in response.json()["error"]
        assert gw.services.ingest.stats.published == 0
        assert gw.services.ingest.stats.unavailable == 0
    assert len(refusal_lines(caplog)) == 1
    no_tracebacks(caplog)


async def test_deep_signed_delivery_is_400_not_503(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    async with gateway() as gw:
        data = {"meetingId": "m", "extra": json.loads(nested(700))}
        sandbox = gw.sandbox("videosdk")
        assert isinstance(sandbox, FakeVideoSDK)
        delivery = sandbox.deliver({"webhookType": "participant-joined", "data": data})
        response = await gw.post("videosdk", delivery)
        assert response.status_code == 400
        assert gw.services.ingest.stats.unavailable == 0
    no_tracebacks(caplog)


async def test_form_encoded_delivery_with_brackets_is_not_json() -> None:
    async with gateway() as gw:
        token = "sandbox-webhook-token"
        delivery = gw.sandbox("metered").webhook("room-1", EventType.PARTICIPANT_JOINED, {}, token)
        form = WebhookDelivery(
            delivery.path,
            delivery.query,
            {"content-type": "application/x-www-form-urlencoded"},
            b"name=" + nested(DEPTH + 1).encode(),
        )
        response = await gw.post("metered", form)
        assert "nested" not in response.text


def ws_url(base: str) -> str:
    return base.replace("http://", "ws://") + "/graphql"


async def close_code_after(url: str, message: str) -> int | None:
    protocol = [Subprotocol("graphql-transport-ws")]
    async with connect(url, subprotocols=protocol, open_timeout=5, max_size=None) as ws:
        await ws.send(message)
        try:
            while True:
                await ws.recv()
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None


async def test_websocket_message_too_deep_closes_4400(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    settings = gateway_settings(limits={"max_json_depth": DEPTH})
    with live_server(app=probe_app(settings)) as base:
        init = '{"type": "connection_init", "payload": {"a": ' + nested(DEPTH) + "}}"
        assert await close_code_after(ws_url(base), init) == 4400
    assert len(refusal_lines(caplog)) == 1
    no_tracebacks(caplog)


async def test_websocket_frames_are_no_larger_than_an_http_body() -> None:
    settings = gateway_settings(limits={"max_body_bytes": 2048})
    padding = "x" * 4096
    with live_server(app=probe_app(settings)) as base:
        init = '{"type": "connection_init", "payload": {"pad": "' + padding + '"}}'
        code = await close_code_after(ws_url(base), init)
    # uvicorn refuses the frame itself (1009) before the app reads it
    assert code == 1009


def test_the_app_refuses_large_messages_on_any_server() -> None:
    limits = LimitSettings(max_body_bytes=64)
    websocket = GraphQLWebSocket(
        probe_schema(gateway_settings()),
        Authenticator(AuthSettings()),
        EventSettings(),
        limits=limits,
    )
    assert websocket.decode_json('{"type": "ping"}') == {"type": "ping"}
    with pytest.raises(json.JSONDecodeError):
        websocket.decode_json('{"type": "ping", "payload": "' + "x" * 64 + '"}')
