"""Servers in subprocesses on loopback, a small keep-alive HTTP/1.1 client, process CPU.

The client speaks raw HTTP/1.1 over asyncio streams so that 1,000 concurrent requests
cost the load generator little and measure the server, not a client pool.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

__all__ = ["Connection", "Server", "cpu_seconds", "free_port", "rss_bytes", "serve", "wait_ready"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far (Linux ``/proc``)."""
    with open(f"/proc/{pid}/stat") as stat:
        # the fields after the parenthesised command name; utime and stime are 14 and 15
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_bytes(pid: int) -> int:
    """Resident set size of the process (Linux ``/proc``)."""
    with open(f"/proc/{pid}/status") as status:
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1]) * 1024


class Server:
    """A subprocess serving HTTP on ``port``."""

    def __init__(self, process: subprocess.Popen[bytes], port: int) -> None:
        self.process = process
        self.port = port

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rss(self) -> int:
        return rss_bytes(self.pid)


@contextmanager
def serve(args: Sequence[str], port: int, env: dict[str, str] | None = None) -> Iterator[Server]:
    """Run ``python args…`` until the block ends."""
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and modules
        [sys.executable, *args],
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield Server(process, port)
    finally:
        process.terminate()
        process.wait(10)


def uvicorn_args(app: str, port: int, *, factory: bool = False) -> list[str]:
    args = ["-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port), "--backlog", "4096"]
    return [*args, "--factory"] if factory else args


async def wait_ready(port: int, path: str = "/healthz", within: float = 30.0) -> None:
    end = time.monotonic() + within
    while time.monotonic() < end:
        try:
            connection = await Connection.open(port)
        except OSError:
            await asyncio.sleep(0.1)
            continue
        await connection.get(path)
        await connection.close()
        return
    raise RuntimeError(f"nothing answers on port {port}")


class Connection:
    """One keep-alive HTTP/1.1 connection to 127.0.0.1."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=2**22)
        return cls(reader, writer)

    async def get(self, path: str) -> tuple[int, bytes]:
        self._writer.write(f"GET {path} HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n".encode())
        return await self._answer()

    async def graphql(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        head = (
            "POST /graphql HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n"
            f"content-length: {len(body)}\r\n\r\n"
        )
        self._writer.write(head.encode() + body)
        status, content = await self._answer()
        if status != 200:
            raise RuntimeError(f"HTTP {status}: {content[:200]!r}")
        return json.loads(content)

    async def _answer(self) -> tuple[int, bytes]:
        head = await self._reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        sizes = (line.split(":", 1)[1] for line in lines if line.lower().startswith("content-le"))
        length = int(next(sizes))
        return status, await self._reader.readexactly(length)

    async def close(self) -> None:
        self._writer.close()
        await self._writer.wait_closed()
