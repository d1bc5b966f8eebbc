"""Outbound webhooks of one gateway process: the endpoints a tenant manages, and their
delivery (``OutboundDispatcher``)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from gateway.events import EventBus, InvalidCursor
from gateway.outbound.addresses import UrlPolicy
from gateway.outbound.dispatcher import OutboundDispatcher
from gateway.outbound.model import (
    DeliveryStatus,
    Endpoint,
    Owner,
    ResumeFrom,
    new_endpoint_id,
    new_secret,
)
from gateway.outbound.store import EndpointStore
from gateway.outbound.worker import head_cursor
from gateway.settings import OutboundSettings
from providers import EventType

__all__ = ["EndpointNotFound", "EndpointView", "EventsGone", "Outbound", "TooManyEndpoints"]


class EndpointNotFound(LookupError):
    """No endpoint of that id for this tenant."""


class EventsGone(Exception):
    """The events a disabled endpoint missed were discarded by the event log's retention."""


class TooManyEndpoints(Exception):
    """The tenant has ``max_endpoints_per_tenant`` endpoints already."""


@dataclass(frozen=True, slots=True)
class EndpointView:
    """An endpoint with its delivery status."""

    endpoint: Endpoint
    status: DeliveryStatus


class Outbound:
    """Endpoint management for resolvers; delivery runs in the background once started."""

    def __init__(self, bus: EventBus, store: EndpointStore, settings: OutboundSettings) -> None:
        self._bus = bus
        self._store = store
        self._settings = settings
        self.policy = UrlPolicy.of(settings)
        self.dispatcher = OutboundDispatcher(bus, store, settings)

    async def start(self) -> None:
        await self.dispatcher.start()

    async def aclose(self) -> None:
        await self.dispatcher.aclose()
        await self._store.aclose()

    def stats(self) -> dict[str, Any]:
        return self.dispatcher.stats()

    async def create(
        self, owner: Owner, url: str, types: Collection[EventType], room_id: str | None
    ) -> EndpointView:
        """A new endpoint, delivered events appended from now on; ``UrlRefused`` or
        ``TooManyEndpoints`` when it cannot be."""
        await self.policy.resolve(url)
        endpoint = Endpoint(
            id=new_endpoint_id(),
            tenant=owner.tenant,
            subject=owner.subject,
            url=url,
            types=frozenset(types),
            room_id=room_id,
            created_at=datetime.now(UTC),
            secret=new_secret(),
        )
        status = DeliveryStatus(cursor=await head_cursor(self._bus))
        if not await self._store.add(endpoint, status, self._settings.max_endpoints_per_tenant):
            raise TooManyEndpoints(
                f"at most {self._settings.max_endpoints_per_tenant} webhook endpoints per tenant"
            )
        self.dispatcher.wake()
        return EndpointView(endpoint, status)

    async def of_owner(self, owner: Owner) -> list[EndpointView]:
        endpoints = sorted(await self._store.of_owner(owner), key=lambda e: e.created_at)
        return [EndpointView(e, await self._store.status(e.id)) for e in endpoints]

    async def delete(self, owner: Owner, endpoint_id: str) -> None:
        endpoint = await self._owned(owner, endpoint_id)
        if not await self._store.delete(endpoint):
            raise EndpointNotFound(endpoint_id)

    async def rotate(self, owner: Owner, endpoint_id: str) -> EndpointView:
        """A new secret; deliveries from now on are signed with it alone."""
        endpoint = (await self._owned(owner, endpoint_id)).with_secret(new_secret())
        if not await self._store.replace(endpoint):
            raise EndpointNotFound(endpoint_id)
        return EndpointView(endpoint, await self._store.status(endpoint_id))

    async def enable(self, owner: Owner, endpoint_id: str, resume: ResumeFrom) -> EndpointView:
        """Deliver to a disabled endpoint again, from ``resume``; same id, secret and filters.
        An enabled endpoint is returned unchanged. ``EventsGone`` when it cannot resume
        where it stopped."""
        endpoint = await self._owned(owner, endpoint_id)
        status = await self._store.status(endpoint_id)
        if not status.disabled:
            return EndpointView(endpoint, status)
        cursor = await self._resume_cursor(status.cursor, resume)
        enabled = replace(status, cursor=cursor, failing_since=None, disabled=False)
        if not await self._store.save_status(endpoint_id, enabled):
            raise EndpointNotFound(endpoint_id)
        # other replicas find it at their next refresh: the status is in the shared store
        self.dispatcher.wake()
        return EndpointView(endpoint, enabled)

    async def _resume_cursor(self, saved: str | None, resume: ResumeFrom) -> str:
        if resume is ResumeFrom.NOW:
            return await head_cursor(self._bus)
        if saved is None:
            raise EventsGone
        try:
            # replaying the first page proves the events after ``saved`` are all still kept
            async with self._bus.subscribe(after=saved, internal=True):
                return saved
        except InvalidCursor:
            raise EventsGone from None

    async def _owned(self, owner: Owner, endpoint_id: str) -> Endpoint:
        endpoint = await self._store.get(endpoint_id)
        if endpoint is None or endpoint.owner != owner:
            raise EndpointNotFound(endpoint_id)
        return endpoint
