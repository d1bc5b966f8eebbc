"""The outbound transport over real loopback sockets: answers, and each failure's meaning."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import httpx
import pytest

from providers import ProviderTimeout, ProviderUnavailable
from providers._http import request
from providers._transport import AiohttpTransport
from tests.support import free_port

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def server(handler: Handler) -> AsyncIterator[str]:
    """A raw TCP server on loopback; yields its base URL."""
    listening = await asyncio.start_server(handler, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        listening.close()


async def read_request(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.lower().split(b"\r\n")
    sizes = [int(line.split(b":")[1]) for line in lines if line.startswith(b"content-length")]
    length = sizes[0] if sizes else 0
    return head, await reader.readexactly(length)


def answer(status: str, body: bytes, *headers: str) -> bytes:
    lines = [f"HTTP/1.1 {status}", f"content-length: {len(body)}", *headers, "", ""]
    return "\r\n".join(lines).encode() + body


@asynccontextmanager
async def client(base_url: str, read: float = 5.0) -> AsyncIterator[httpx.AsyncClient]:
    transport = AiohttpTransport(max_connections=2)
    timeout = httpx.Timeout(read, connect=1.0)
    async with httpx.AsyncClient(base_url=base_url, transport=transport, timeout=timeout) as c:
        yield c


async def test_a_request_and_its_answer_travel_whole() -> None:
    seen: list[tuple[bytes, bytes]] = []

    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(await read_request(reader))
        packed = gzip.compress(b'{"ok": true}')
        writer.write(answer("201 Created", packed, "content-encoding: gzip", "x-id: 7"))
        await writer.drain()
        writer.close()

    async with server(echo) as base, client(base) as c:
        response = await c.post("/rooms", params={"a": "1"}, json={"name": "x"})
    assert response.status_code == 201
    assert response.json() == {"ok": True}
    assert response.headers["x-id"] == "7"
    assert response.reason_phrase == "Created"
    head, body = seen[0]
    assert head.startswith(b"POST /rooms?a=1 HTTP/1.1")
    assert body == b'{"name":"x"}'


async def test_connections_are_reused_and_capped() -> None:
    connections: list[int] = []

    async def keep_alive(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        while not reader.at_eof():
            try:
                await read_request(reader)
            except asyncio.IncompleteReadError:
                break
            writer.write(answer("200 OK", b"{}"))
            await writer.drain()
        writer.close()

    async with server(keep_alive) as base, client(base) as c:
        answers = await asyncio.gather(*(c.get("/x") for _ in range(10)))
    assert all(a.status_code == 200 for a in answers)
    assert 1 <= len(connections) <= 2


async def test_a_refused_connection_is_a_connect_error_so_a_write_was_not_applied() -> None:
    base = f"http://127.0.0.1:{free_port()}"
    async with client(base) as c:
        with pytest.raises(httpx.ConnectError):
            await c.get("/x")
        with pytest.raises(ProviderUnavailable) as failed:
            await request(c, "example", "POST", "/rooms", json={})
    assert failed.value.retryable


async def test_a_connection_dropped_after_the_request_may_have_applied_a_write() -> None:
    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.close()

    async with server(hang_up) as base, client(base) as c:
        with pytest.raises(httpx.ReadError):
            await c.get("/x")
        with pytest.raises(ProviderUnavailable) as failed:
            await request(c, "example", "POST", "/rooms", json={})
    assert not failed.value.retryable
    assert "may have applied" in failed.value.message


async def test_a_silent_provider_is_a_read_timeout() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await asyncio.sleep(30)

    async with server(silent) as base, client(base, read=0.05) as c:
        with pytest.raises(httpx.ReadTimeout):
            await c.get("/x")
        with pytest.raises(ProviderTimeout):
            await request(c, "example", "GET", "/x", retries=0)


async def test_no_url_reaches_the_error_message() -> None:
    base = f"http://127.0.0.1:{free_port()}"
    async with client(base) as c:
        with pytest.raises(httpx.ConnectError) as failed:
            await c.get("/x", params={"secretKey": "s3cr3t"})
    assert "s3cr3t" not in str(failed.value)
