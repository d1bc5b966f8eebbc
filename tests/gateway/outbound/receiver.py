"""A webhook receiver on a loopback port that verifies signatures with standardwebhooks."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from standardwebhooks import Webhook, WebhookVerificationError

from tests.support import free_port

__all__ = ["Delivery", "Receiver", "receiver"]


@dataclass(frozen=True)
class Delivery:
    headers: dict[str, str]
    body: bytes

    @property
    def envelope(self) -> dict[str, Any]:
        """The whole body: ``{type, timestamp, data}``."""
        data: dict[str, Any] = json.loads(self.body)
        return data

    @property
    def event(self) -> dict[str, Any]:
        """The envelope's ``data``: the event's fields."""
        data: dict[str, Any] = self.envelope["data"]
        return data

    def verifies_with(self, secret: str) -> bool:
        try:
            Webhook(secret).verify(self.body, self.headers)
        except WebhookVerificationError:
            return False
        return True


@dataclass
class Receiver:
    url: str
    deliveries: list[Delivery] = field(default_factory=list)
    #: status codes to answer, in turn; 204 once used up
    answers: list[int] = field(default_factory=list)
    #: seconds to wait before answering each request
    delay: float = 0.0
    arrived: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def handle(self, request: web.Request) -> web.Response:
        headers = {k.lower(): v for k, v in request.headers.items()}
        delivery = Delivery(headers, await request.read())
        if self.delay:
            await asyncio.sleep(self.delay)
        status = self.answers.pop(0) if self.answers else 204
        async with self.arrived:
            self.deliveries.append(delivery)
            self.arrived.notify_all()
        return web.Response(status=status)

    async def wait_for(
        self, predicate: Callable[[list[Delivery]], bool], within: float = 10.0
    ) -> list[Delivery]:
        async with asyncio.timeout(within), self.arrived:
            await self.arrived.wait_for(lambda: predicate(self.deliveries))
        return list(self.deliveries)

    async def wait_count(self, count: int, within: float = 10.0) -> list[Delivery]:
        return await self.wait_for(lambda seen: len(seen) >= count, within)

    def ids(self) -> list[str]:
        return [d.event["id"] for d in self.deliveries]


@asynccontextmanager
async def receiver(path: str = "/hook") -> AsyncIterator[Receiver]:
    """A receiver at ``http://127.0.0.1:<free port><path>``."""
    port = free_port()
    target = Receiver(f"http://127.0.0.1:{port}{path}")
    app = web.Application()
    app.router.add_post(path, target.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        yield target
    finally:
        await runner.cleanup()
