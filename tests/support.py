"""Test support shared by every suite: settings, an in-process client, a live server."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import jwt
import uvicorn
from fastapi import FastAPI

from gateway.app import create_app
from gateway.cli import server_options
from gateway.settings import Settings

__all__ = [
    "JWT_SECRET",
    "ManualClock",
    "asgi_client",
    "counting_tasks",
    "gateway_settings",
    "live_server",
    "make_token",
    "until",
]

JWT_SECRET = "test-secret-with-enough-length-for-hs256"


class ManualClock:
    """Epoch seconds that move only when told to (inject it as an adapter's or fake's clock)."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def datetime(self) -> datetime:
        return datetime.fromtimestamp(self.now, UTC)


@contextmanager
def counting_tasks() -> Iterator[list[asyncio.Task[Any]]]:
    """The tasks the running event loop creates inside the block, in a list that grows."""
    loop = asyncio.get_running_loop()
    created: list[asyncio.Task[Any]] = []
    previous = loop.get_task_factory()

    def factory(loop: asyncio.AbstractEventLoop, coro: Any, **options: Any) -> asyncio.Task[Any]:
        task = asyncio.Task(coro, loop=loop, **options)
        created.append(task)
        return task

    loop.set_task_factory(factory)
    try:
        yield created
    finally:
        loop.set_task_factory(previous)


def gateway_settings(**overrides: Any) -> Settings:
    """Sandbox providers and auth off unless overridden; nothing read from the environment."""
    values: dict[str, Any] = {"sandbox": True, "auth": {"mode": "none"}}
    values.update(overrides)
    return Settings.model_validate(values)


def jwt_settings(**auth: Any) -> Settings:
    """Sandbox providers with HS256 client auth."""
    return gateway_settings(auth={"mode": "jwt", "jwt_secret": JWT_SECRET, **auth})


def make_token(
    scopes: str = "rooms:read rooms:write themes:read themes:write events:read",
    *,
    secret: str = JWT_SECRET,
    expires_in: float = 300,
    **claims: Any,
) -> str:
    now = int(time.time())
    payload = {"sub": "tester", "scope": scopes, "iat": now, "exp": now + int(expires_in)}
    payload.update(claims)
    return jwt.encode(payload, secret, algorithm="HS256")


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[FastAPI]:
    """Run the app's lifespan around the block."""
    async with app.router.lifespan_context(app):
        yield app


@asynccontextmanager
async def asgi_client(
    settings: Settings | None = None, app: FastAPI | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client talking to the app in process (lifespan included)."""
    app = app or create_app(settings or gateway_settings())
    async with running(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            yield client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def live_server(settings: Settings | None = None, app: FastAPI | None = None) -> Iterator[str]:
    """Serve the app with uvicorn on a loopback port in a thread; yields the base URL."""
    port = free_port()
    app = app or create_app(settings or gateway_settings())
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ws_ping_interval=None,
        **server_options(app.state.settings),
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


async def until(check: Callable[[], bool], within: float = 5.0) -> None:
    """Once ``check()`` holds (something the server does in the background)."""
    async with asyncio.timeout(within):
        while True:
            if check():
                return
            await asyncio.sleep(0.02)
