"""Half-sent requests on a live uvicorn server (real loopback sockets): late headers and late
bodies are answered 408 and closed after their timeout, while whole requests are served."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from tests.support import gateway_settings, live_server

TIMEOUT = 0.5
HALF_SENT = 100
HEAD = b"POST /graphql HTTP/1.1\r\nhost: gateway\r\ncontent-type: application/json\r\n"
WHOLE_HEAD = HEAD + b"content-length: 100\r\n\r\n"


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    limits = {"header_timeout_seconds": TIMEOUT, "body_timeout_seconds": TIMEOUT}
    with live_server(gateway_settings(limits=limits)) as base:
        yield base


async def half_sent(base: str, data: bytes) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    port = int(base.rsplit(":", 1)[1])
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    if data:
        writer.write(data)
        await writer.drain()
    return reader, writer


async def answer_then_eof(reader: asyncio.StreamReader) -> bytes:
    """Everything the server sends until it closes the connection."""
    return await asyncio.wait_for(reader.read(), timeout=10)


async def trickle(writer: asyncio.StreamWriter, data: bytes) -> None:
    """One byte every 50 ms: never idle, never done."""
    for byte in data:
        if writer.is_closing():
            return
        writer.write(bytes([byte]))
        await asyncio.sleep(0.05)


async def served(base: str) -> int:
    async with httpx.AsyncClient(base_url=base) as client:
        return (await client.post("/graphql", json={"query": "{ __typename }"})).status_code


async def cut_after_timeout(
    base: str, data: bytes, *, slow: bytes = b"", trickled: bytes = b""
) -> None:
    started = time.monotonic()
    connections = [await half_sent(base, data) for _ in range(HALF_SENT)]
    slow_reader, slow_writer = await half_sent(base, slow)
    dripping = asyncio.create_task(trickle(slow_writer, trickled))
    assert await served(base) == 200  # while they wait
    answers = await asyncio.gather(*(answer_then_eof(r) for r, _ in connections))
    answers.append(await answer_then_eof(slow_reader))
    elapsed = time.monotonic() - started
    dripping.cancel()
    for _, writer in [*connections, (slow_reader, slow_writer)]:
        writer.close()
    assert all(answer.startswith(b"HTTP/1.1 408 ") for answer in answers), answers[:2]
    assert TIMEOUT <= elapsed < TIMEOUT + 5
    assert await served(base) == 200


async def test_connections_whose_headers_are_late_are_closed(base_url: str) -> None:
    # a partial head each, and one sending its head a byte at a time
    await cut_after_timeout(base_url, HEAD, trickled=HEAD * 10)


async def test_a_connection_that_sends_nothing_is_closed(base_url: str) -> None:
    reader, writer = await half_sent(base_url, b"")
    assert (await answer_then_eof(reader)).startswith(b"HTTP/1.1 408 ")
    writer.close()


async def test_requests_whose_body_is_late_are_408(base_url: str) -> None:
    # 10 of 100 bytes each, and one sending its body a byte at a time
    partial = WHOLE_HEAD + b'{"query":'
    await cut_after_timeout(base_url, partial, slow=WHOLE_HEAD, trickled=b" " * 100)


async def test_the_next_request_on_a_kept_connection_has_the_deadline_too(base_url: str) -> None:
    body = b'{"query": "{ __typename }"}'
    request = HEAD + b"content-length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    reader, writer = await half_sent(base_url, request)
    first = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=5)
    assert first.startswith(b"HTTP/1.1 200 ")
    writer.write(HEAD)
    answer = await answer_then_eof(reader)
    assert b"HTTP/1.1 408 " in answer
    writer.close()


async def test_websockets_outlive_the_header_timeout(base_url: str) -> None:
    url = base_url.replace("http://", "ws://") + "/graphql"
    async with connect(url, subprotocols=[Subprotocol("graphql-transport-ws")]) as ws:
        await ws.send('{"type": "connection_init", "payload": {}}')
        assert "connection_ack" in str(await ws.recv())
        await asyncio.sleep(TIMEOUT * 2)
        await ws.send('{"type": "ping"}')
        assert "pong" in str(await asyncio.wait_for(ws.recv(), timeout=5))
