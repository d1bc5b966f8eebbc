"""Which replica delivers to which endpoint: the one holding its lease.

Every ``refresh_seconds`` (or right after an endpoint is created here) each replica takes
the lease of every enabled endpoint nobody holds and starts a worker for it. The worker
renews the lease every third of its duration and stops at the first renewal that fails,
while the lease still has two thirds to run: two replicas never deliver to one endpoint
at the same time, and a dead replica's endpoints move on within ``lease_seconds``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from typing import Any

from gateway.events import BusUnavailable, EventBus
from gateway.outbound.delivery import Sender
from gateway.outbound.model import Endpoint
from gateway.outbound.store import EndpointStore
from gateway.outbound.worker import EndpointWorker
from gateway.settings import OutboundSettings
from gateway.tasks import cancel_until_done

__all__ = ["OutboundDispatcher"]

log = logging.getLogger("gateway.outbound")


class OutboundDispatcher:
    """Starts, renews and stops this replica's endpoint workers."""

    def __init__(self, bus: EventBus, store: EndpointStore, settings: OutboundSettings) -> None:
        self._bus = bus
        self._store = store
        self._settings = settings
        self._sender = Sender(settings)
        #: names this replica in the lease keys (host and pid help an operator)
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    async def start(self) -> None:
        if self._task is None:
            await self._sender.start()
            self._task = asyncio.create_task(self._run(), name="outbound-dispatcher")

    def wake(self) -> None:
        """Look for endpoints now rather than at the next refresh."""
        self._wake.set()

    def stats(self) -> dict[str, Any]:
        return {"endpointsServed": len(self._workers), "inFlight": self._sender.in_flight}

    async def aclose(self) -> None:
        self._closing = True
        tasks = [t for t in (self._task, *self._workers.values()) if t is not None]
        self._task = None
        await asyncio.gather(*(cancel_until_done(task) for task in tasks))
        await self._sender.aclose()

    async def _run(self) -> None:
        while not self._closing:
            try:
                await self._scan()
            except BusUnavailable:
                log.warning("outbound webhooks: the endpoint store is unavailable; retrying")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._settings.refresh_seconds):
                    await self._wake.wait()
            self._wake.clear()

    async def _scan(self) -> None:
        for endpoint in await self._store.every():
            if endpoint.id in self._workers:
                continue
            if (await self._store.status(endpoint.id)).disabled:
                continue
            if await self._store.acquire(endpoint.id, self.owner, self._settings.lease_seconds):
                self._workers[endpoint.id] = asyncio.create_task(
                    self._serve(endpoint), name=f"outbound:{endpoint.id}"
                )

    async def _serve(self, endpoint: Endpoint) -> None:
        worker = EndpointWorker(endpoint, self._bus, self._store, self._sender, self._settings)
        delivering = asyncio.create_task(worker.run())
        renewing = asyncio.create_task(self._keep_lease(endpoint.id))
        try:
            await asyncio.wait({delivering, renewing}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (delivering, renewing):
                with contextlib.suppress(BusUnavailable):
                    await cancel_until_done(task)
            self._workers.pop(endpoint.id, None)
            with contextlib.suppress(BusUnavailable):
                await self._store.release(endpoint.id, self.owner)

    async def _keep_lease(self, endpoint_id: str) -> None:
        seconds = self._settings.lease_seconds
        while True:
            await asyncio.sleep(seconds / 3)
            if self._closing:
                return
            try:
                if not await self._store.renew(endpoint_id, self.owner, seconds):
                    log.warning("webhook %s: delivery lease lost", endpoint_id)
                    return
            except BusUnavailable:
                log.warning("webhook %s: lease not renewed (store unavailable)", endpoint_id)
                return
