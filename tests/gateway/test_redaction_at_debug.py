"""No secret in the logs, every logger at DEBUG: the three providers configured with their own
credentials (their sandboxes served over loopback as if remote), the gateway served by uvicorn,
and the main operations run through it: listing, creating and joining rooms, signed webhooks."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import secrets
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx
import pytest
import uvicorn
from pydantic import BaseModel, SecretStr
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from bench.standins import Served, environment
from gateway.app import create_app
from gateway.auth import ALL_SCOPES
from gateway.observability.logs import JsonFormatter
from gateway.settings import Settings
from providers import EventType
from providers.metered import FakeMetered
from providers.videosdk import FakeVideoSDK
from providers.vonage import FakeVonage
from tests.support import live_server, make_token

LOGGERS = (
    *("", "httpx", "httpcore", "uvicorn", "uvicorn.access", "uvicorn.error"),
    *("gateway", "providers", "websockets", "asyncio"),
)
#: this test's own WebSocket client, which logs its frames (the gateway uses no such client)
TEST_CLIENTS = "websockets.client"
JWT_SECRET = secrets.token_urlsafe(48)
CREATE = "mutation($input: CreateRoomInput!) { createRoom(input: $input) { id nativeId } }"
JOIN = "mutation($input: JoinRoomInput!) { joinRoom(input: $input) { url token } }"
ROOMS = "{ rooms(first: 50) { nodes { id hostUrl guestUrl raw } failures { code } } }"


@asynccontextmanager
async def remote(fake: Any) -> AsyncIterator[str]:
    """``fake`` served over loopback HTTP; its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(Served(fake, port), log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    async with asyncio.timeout(10):
        while True:
            if server.started:
                break
            await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}{fake.prefix}"
    finally:
        server.should_exit = True
        await task


def variants(secret: str) -> set[str]:
    """``secret`` and the encodings it could leak in."""
    raw = secret.encode()
    encoded = {base64.b64encode(raw), base64.urlsafe_b64encode(raw)}
    return {secret} | {text.decode().rstrip("=") for text in encoded}


def pem_lines(pem: str) -> set[str]:
    """The key material of a PEM: its base64 lines, and all of them joined."""
    body = [line for line in pem.strip().splitlines() if not line.startswith("-----")]
    return {*body, "".join(body)}


def configured_secrets(values: dict[str, BaseModel]) -> set[str]:
    found: set[str] = set()
    for settings in values.values():
        for _, value in settings:
            if isinstance(value, SecretStr):
                text = value.get_secret_value()
                found |= pem_lines(text) if "-----BEGIN" in text else variants(text)
    return found | variants(JWT_SECRET)


@contextmanager
def everything_at_debug() -> Iterator[list[str]]:
    """Every record of ``LOGGERS`` as text and as the JSON lines of ``gateway serve``, with its
    traceback if any."""
    lines: list[str] = []
    formats = (logging.Formatter("%(name)s %(levelname)s %(message)s"), JsonFormatter())

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if not record.name.startswith(TEST_CLIENTS):
                lines.extend(form.format(record) for form in formats)

    handler = Capture(logging.DEBUG)
    loggers = [logging.getLogger(name) for name in LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
    try:
        yield lines
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)


class Client:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        scopes = " ".join(sorted(ALL_SCOPES))
        self.headers = {"authorization": f"Bearer {make_token(scopes, secret=JWT_SECRET)}"}

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        body = {"query": query, "variables": variables or {}}
        response = await self.http.post("/graphql", json=body, headers=self.headers)
        assert response.status_code == 200, response.text
        payload = response.json()
        assert "errors" not in payload, payload
        return payload["data"]


async def exercise(client: Client, fakes: dict[str, Any], tokens: dict[str, str]) -> list[str]:
    """The main operations; the join credentials minted on the way."""
    minted: list[str] = []
    for name, fake in fakes.items():
        room_input = {"provider": name.upper(), "displayName": f"Weekly {name}"}
        room = (await client.data(CREATE, {"input": room_input}))["createRoom"]
        for role in ("GUEST", "HOST"):
            join = {"roomId": room["id"], "role": role, "participantId": "user-42"}
            joined = (await client.data(JOIN, {"input": join}))["joinRoom"]
            minted += [value for value in (joined["url"], joined["token"]) if value]
        for token in (tokens.get(name), "a-wrong-token"):
            delivery = fake.webhook(room["nativeId"], EventType.PARTICIPANT_JOINED, {}, token)
            await client.http.post(
                f"/webhooks/{name}{delivery.path}",
                params=dict(delivery.query),
                headers=dict(delivery.headers),
                content=delivery.body,
            )
    await client.data(ROOMS)
    # failing providers: what their errors log
    fakes["metered"].inject(status=500, times=10, body={"message": "boom"})
    fakes["vonage"].inject(status=503, times=10)
    fakes["videosdk"].inject(status=401, times=10)
    for name in fakes:
        room_input = {"provider": name.upper(), "displayName": "Refused"}
        body = {"query": CREATE, "variables": {"input": room_input}}
        answer = await client.http.post("/graphql", json=body, headers=client.headers)
        assert answer.json()["errors"], answer.text
    await subscribe_over_websocket(client)
    return minted


async def subscribe_over_websocket(client: Client) -> None:
    """A subscription whose ``connection_init`` carries the client's bearer token."""
    url = str(client.http.base_url).replace("http://", "ws://") + "/graphql"
    protocols = [Subprotocol("graphql-transport-ws")]
    # the token in the upgrade request too: uvicorn logs its headers at DEBUG
    async with connect(url, subprotocols=protocols, additional_headers=client.headers) as ws:
        payload = {"authorization": client.headers["authorization"]}
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        assert "connection_ack" in str(await asyncio.wait_for(ws.recv(), timeout=5))
        query = "subscription { roomEvents { id } }"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
        await ws.send(json.dumps({"id": "1", "type": "complete"}))


async def test_no_configured_secret_reaches_the_logs_at_debug(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fakes: dict[str, Any] = {
        "vonage": FakeVonage(signature_secret=secrets.token_urlsafe(32)),
        "metered": FakeMetered(),
        "videosdk": FakeVideoSDK(),
    }
    tokens = {name: secrets.token_urlsafe(24) for name in ("vonage", "metered")}
    async with (
        remote(fakes["vonage"]) as v,
        remote(fakes["metered"]) as m,
        remote(fakes["videosdk"]) as s,
    ):
        urls = {"vonage": v, "metered": m, "videosdk": s}
        provider_settings: dict[str, BaseModel] = {}
        for name, fake in fakes.items():
            update = {"webhook_token": SecretStr(tokens[name])} if name in tokens else {}
            provider_settings[name] = fake.settings().model_copy(update=update)
            for variable, value in environment(name, provider_settings[name], urls[name]).items():
                monkeypatch.setenv(variable, value)
        monkeypatch.setenv("GATEWAY_AUTH__MODE", "jwt")
        monkeypatch.setenv("GATEWAY_AUTH__JWT_SECRET", JWT_SECRET)
        monkeypatch.setenv("GATEWAY_PUBLIC_URL", "https://gateway.example")
        monkeypatch.setenv("GATEWAY_CACHE_TTL_SECONDS", "0")  # every listing asks the providers
        app = create_app(Settings())
        with live_server(app=app) as base, everything_at_debug() as lines:
            async with httpx.AsyncClient(base_url=base, timeout=10) as http:
                client = Client(http)
                minted = await exercise(client, fakes, tokens)
    client_token = client.headers["authorization"].removeprefix("Bearer ")
    text = "\n".join(lines)
    assert "/webhooks/metered/joined" in text  # uvicorn's access log was captured
    assert "HTTP Request: POST" in text  # and httpx's outbound lines
    credentials = {*minted, client_token}
    leaked = sorted(s for s in configured_secrets(provider_settings) | credentials if s in text)
    assert leaked == []
