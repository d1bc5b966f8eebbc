"""Long-lived resources of one gateway process, built in the app lifespan.

``Services`` reaches resolvers through the GraphQL context and routes through
``request.app.state.services``. Nothing here is built at import time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from gateway.events import EventBus, WebhookIngest, create_bus
from gateway.events.lifecycle import RoomLifecycle
from gateway.outbound import Outbound, create_endpoint_store
from gateway.settings import Settings
from gateway.state import StateProjector, StateStore, create_state_store
from gateway.tenancy import RoomOwnership
from providers import (
    REGISTRY,
    Capability,
    KeyValueStore,
    NotConfigured,
    ProviderAdapter,
    ProviderEntry,
    Sandbox,
    create_store,
)

__all__ = ["ProviderHandle", "Services", "build_services"]

log = logging.getLogger("gateway")


@dataclass(slots=True)
class ProviderHandle:
    """A registered provider as this deployment sees it."""

    entry: ProviderEntry
    adapter: ProviderAdapter[Any] | None = None
    sandbox: Sandbox | None = None

    @property
    def name(self) -> str:
        return self.entry.name

    @property
    def configured(self) -> bool:
        """Usable: real credentials, or a sandbox standing in."""
        return self.adapter is not None


@dataclass(slots=True)
class Services:
    settings: Settings
    store: KeyValueStore
    bus: EventBus
    state_store: StateStore
    providers: dict[str, ProviderHandle] = field(default_factory=dict)
    ingest: WebhookIngest = field(init=False)
    room_states: StateProjector = field(init=False)
    outbound: Outbound = field(init=False)
    lifecycle: RoomLifecycle = field(init=False)
    ownership: RoomOwnership = field(init=False)

    def __post_init__(self) -> None:
        self.ownership = RoomOwnership(self.store, self.settings.room_tenant_ttl_seconds)
        self.ingest = WebhookIngest(self.bus, self.adapter, self.ownership.owners)
        self.lifecycle = RoomLifecycle(self.bus)
        self.room_states = StateProjector(
            self.bus, self.state_store, self.settings.state, _history_providers()
        )
        outbound_store = create_endpoint_store(self.settings)
        self.outbound = Outbound(self.bus, outbound_store, self.settings.outbound)

    async def start(self) -> None:
        """Start the background readers of the event log."""
        await self.bus.start()
        await self.room_states.start()
        await self.outbound.start()

    def adapter(self, name: str) -> ProviderAdapter[Any]:
        """The adapter for ``name``; ``NotConfigured`` when it has no credentials here."""
        handle = self.providers[name]
        if handle.adapter is None:
            raise NotConfigured(name, f"{handle.entry.adapter.title} is not configured")
        return handle.adapter

    def configured(self) -> list[ProviderHandle]:
        return [handle for handle in self.providers.values() if handle.configured]

    async def aclose(self) -> None:
        await self.outbound.aclose()
        await self.room_states.aclose()
        await self.bus.aclose()
        await self.state_store.aclose()
        for handle in self.providers.values():
            if handle.adapter is not None:
                await handle.adapter.aclose()
        await self.store.close()


def _history_providers() -> frozenset[str]:
    """Providers whose sessions are built from their events: they send events but have no
    sessions API."""
    return frozenset(
        name
        for name, entry in REGISTRY.items()
        if Capability.EVENTS in entry.adapter.capabilities
        and Capability.SESSIONS not in entry.adapter.capabilities
    )


def _build_handle(entry: ProviderEntry, settings: Settings, store: KeyValueStore) -> ProviderHandle:
    provider_settings = settings.provider_settings(entry.name)
    if provider_settings.configured:
        return ProviderHandle(entry, entry.adapter(provider_settings, store=store))
    if not settings.sandbox:
        return ProviderHandle(entry)
    sandbox = entry.sandbox()
    # the sandbox's credentials, with the limits this deployment configured
    limits = {
        "timeouts": provider_settings.timeouts,
        "concurrency": provider_settings.concurrency,
        "listing": provider_settings.listing,
        "breaker": provider_settings.breaker,
        "room_notes_ttl_seconds": provider_settings.room_notes_ttl_seconds,
    }
    served = sandbox.settings().model_copy(update=limits)
    adapter = entry.adapter(served, store=store, transport=sandbox.transport())
    return ProviderHandle(entry, adapter, sandbox)


async def build_services(settings: Settings) -> Services:
    """Create every long-lived resource for ``settings``."""
    store = create_store(settings.redis_url)
    services = Services(
        settings=settings,
        store=store,
        bus=create_bus(settings),
        state_store=create_state_store(settings),
    )
    for entry in REGISTRY.values():
        services.providers[entry.name] = _build_handle(entry, settings, store)
    for handle in services.providers.values():
        mode = "sandbox" if handle.sandbox else ("configured" if handle.configured else "off")
        log.info("provider %s: %s", handle.name, mode)
    return services
