"""The outermost middleware notes when a request arrived: the fan-out deadline counts from it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
from starlette.types import Receive, Scope, Send

from gateway.middleware import BodySizeLimit, arrived_at


async def test_the_arrival_time_stays_put_for_the_whole_request() -> None:
    seen: list[float] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(arrived_at())
        await asyncio.sleep(0.01)
        seen.append(arrived_at())
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    transport = httpx.ASGITransport(app=BodySizeLimit(app, max_bytes=1024))
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        first = await client.get("/")
        second = await client.get("/")
    assert first.status_code == second.status_code == 204
    assert seen[0] == seen[1]
    assert seen[2] == seen[3]
    assert seen[0] < seen[2]
    assert arrived_at() > seen[3]  # outside a request: now


async def test_multipart_requests_to_the_upload_path_have_their_own_limit() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        while (await receive()).get("more_body"):
            pass
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    limited = BodySizeLimit(app, max_bytes=1024, uploads=("/graphql", 4096))
    multipart = {"content-type": "multipart/form-data; boundary=x"}

    async def chunked() -> AsyncIterator[bytes]:
        for _ in range(5):
            yield b"\x00" * 1024

    transport = httpx.ASGITransport(app=limited)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        upload = await client.post("/graphql", content=b"x" * 2048, headers=multipart)
        json_body = await client.post("/graphql", content=b"x" * 2048)
        elsewhere = await client.post("/webhooks", content=b"x" * 2048, headers=multipart)
        too_big = await client.post("/graphql", content=chunked(), headers=multipart)
    assert upload.status_code == 204
    assert json_body.status_code == elsewhere.status_code == too_big.status_code == 413
    assert "exceeds 4096 bytes" in too_big.text
