"""Delivers the event log to one endpoint, in log order, from its persisted cursor.

An event is retried (exponential backoff with jitter) until it is accepted; later events
wait behind it. The cursor is saved after each accepted delivery, so a replica that dies
between the POST and the save makes the next holder deliver that event again: at least
once. An endpoint failing for ``disable_after_seconds`` is disabled.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import replace
from datetime import UTC, datetime

from gateway.events import BusUnavailable, EventBus, EventFilter, InvalidCursor, SubscriberTooSlow
from gateway.events.model import StoredEvent
from gateway.outbound.delivery import Sender
from gateway.outbound.model import DeliveryStatus, Endpoint
from gateway.outbound.store import EndpointStore
from gateway.settings import OutboundSettings
from gateway.tenancy import EVERY_ROOM, Visibility
from providers import split_global_id

__all__ = ["EndpointWorker", "backoff_seconds", "endpoint_filter", "head_cursor", "tenant_sees"]

log = logging.getLogger("gateway.outbound")

_STORE_RETRY_SECONDS = 1.0


def backoff_seconds(attempt: int, settings: OutboundSettings) -> float:
    """The wait before retry ``attempt`` (0-based): doubling, capped, with "equal jitter"."""
    delay = min(settings.retry_max_seconds, settings.retry_initial_seconds * 2.0**attempt)
    return delay / 2 + random.uniform(0, delay / 2)  # noqa: S311 - jitter, not a secret


def _visibility(tenant: str) -> Visibility:
    """An endpoint's tenant sees its rooms; the default tenant (``""``: registered by a token
    without the tenant claim, which sees every room) sees every room."""
    return Visibility(tenant) if tenant else EVERY_ROOM


def endpoint_filter(endpoint: Endpoint) -> EventFilter:
    """The bus filter of an endpoint's ``types``, ``roomId`` and tenant."""
    types = endpoint.types or None
    tenant = _visibility(endpoint.tenant).tenant
    if endpoint.room_id is None:
        return EventFilter.of(types=types, tenant=tenant)
    provider, native_id = split_global_id(endpoint.room_id)
    return EventFilter.of(provider=provider, room_native_id=native_id, types=types, tenant=tenant)


def tenant_sees(tenant: str, stored: StoredEvent) -> bool:
    """Whether an endpoint of ``tenant`` may receive the event: by the tenant stamped on it
    when it was published (the bus filter already applies it; this is the last check)."""
    return _visibility(tenant).sees(stored.event.tenant)


async def head_cursor(bus: EventBus) -> str:
    """The cursor of the log's head: after it come the events appended from now on."""
    # the bus hands out the head's cursor through a subscription started "from now"
    async with bus.subscribe(internal=True) as stream:
        return stream.last_cursor


class _Stop(Exception):
    """The endpoint was deleted or disabled: this worker is done."""


class EndpointWorker:
    """Runs while its replica holds the endpoint's lease (the caller cancels it on loss)."""

    def __init__(
        self,
        endpoint: Endpoint,
        bus: EventBus,
        store: EndpointStore,
        sender: Sender,
        settings: OutboundSettings,
    ) -> None:
        self._endpoint = endpoint
        self._bus = bus
        self._store = store
        self._sender = sender
        self._settings = settings
        self._status = DeliveryStatus()

    async def run(self) -> None:
        """Deliver until the endpoint is deleted or disabled."""
        self._status = await self._store.status(self._endpoint.id)
        if self._status.disabled:
            return
        try:
            while True:
                await self._follow()
        except _Stop:
            return

    async def _follow(self) -> None:
        after = self._status.cursor
        try:
            async with self._bus.subscribe(
                after=after, event_filter=endpoint_filter(self._endpoint), internal=True
            ) as stream:
                async for stored in stream:
                    if tenant_sees(self._endpoint.tenant, stored):
                        await self._deliver(stored)
        except SubscriberTooSlow:
            return  # resume from the saved cursor by replay
        except InvalidCursor:
            log.warning(
                "webhook %s: events after the last one delivered left the event log "
                "(retention) before delivery; continuing from the newest event",
                self._endpoint.id,
            )
            # the head, not "no cursor": a later failure must still say where it stopped
            await self._save(replace(self._status, cursor=await head_cursor(self._bus)))
        except BusUnavailable:
            await asyncio.sleep(_STORE_RETRY_SECONDS)

    async def _deliver(self, stored: StoredEvent) -> None:
        attempt = 0
        while True:
            endpoint = await self._store.get(self._endpoint.id)
            if endpoint is None:
                raise _Stop
            failure = await self._sender.send(endpoint, stored)
            now = datetime.now(UTC)
            if failure is None:
                await self._save(DeliveryStatus(cursor=stored.cursor, last_delivery_at=now))
                return
            await self._failed(stored, failure, attempt, now)
            await asyncio.sleep(backoff_seconds(attempt, self._settings))
            attempt += 1

    async def _failed(self, stored: StoredEvent, failure: str, attempt: int, now: datetime) -> None:
        since = self._status.failing_since or now
        disable = (now - since).total_seconds() >= self._settings.disable_after_seconds
        log.warning(
            "webhook %s: delivery of event %s failed (%s), attempt %d%s",
            self._endpoint.id,
            stored.event.id,
            failure,
            attempt + 1,
            "; endpoint disabled" if disable else "",
        )
        await self._save(replace(self._status, failing_since=since, disabled=disable))
        if disable:
            raise _Stop

    async def _save(self, status: DeliveryStatus) -> None:
        self._status = status
        if not await self._store.save_status(self._endpoint.id, status):
            raise _Stop
