"""``Query.providers``: what this deployment offers."""

from __future__ import annotations

import strawberry

from gateway.graphql.context import Info
from gateway.graphql.enums import BreakerState, Capability, EventType, Provider, provider_enum
from gateway.services import ProviderHandle

__all__ = ["CatalogQuery", "ProviderHealth", "ProviderInfo"]


@strawberry.type(description="How the gateway's calls to a provider are going (this process).")
class ProviderHealth:
    state: BreakerState
    retry_after: float = strawberry.field(
        description="Seconds until a call may reach the provider again; 0 when it may now."
    )

    @classmethod
    def of(cls, handle: ProviderHandle) -> ProviderHealth:
        """An unconfigured provider is never called: its breaker is closed."""
        if handle.adapter is None:
            return cls(state=BreakerState.CLOSED, retry_after=0.0)
        health = handle.adapter.breaker.health
        return cls(state=health.state, retry_after=round(health.retry_after, 3))


@strawberry.type(description="A provider registered in the gateway.")
class ProviderInfo:
    id: Provider
    name: str
    configured: bool = strawberry.field(
        description="Credentials are present, or a sandbox stands in (dev mode)."
    )
    sandbox: bool = strawberry.field(description="Served by the built-in local stand-in.")
    capabilities: list[Capability]
    event_types: list[EventType] = strawberry.field(
        description="Events a subscriber can receive for this provider's rooms: those its "
        "webhooks emit, and ROOM_CREATED, ROOM_UPDATED, ROOM_CLOSED where the gateway "
        "can create, update or close its rooms."
    )
    health: ProviderHealth = strawberry.field(
        description="Its circuit breaker: whether calls go through or it is skipped for now."
    )

    @classmethod
    def from_domain(cls, handle: ProviderHandle) -> ProviderInfo:
        adapter = handle.entry.adapter
        return cls(
            id=provider_enum(handle.name),
            name=adapter.title,
            configured=handle.configured,
            sandbox=handle.sandbox is not None,
            capabilities=sorted(adapter.capabilities, key=list(Capability).index),
            event_types=sorted(
                adapter.event_types | lifecycle_types(adapter.capabilities),
                key=list(EventType).index,
            ),
            health=ProviderHealth.of(handle),
        )


#: the gateway's own room events, by the capability whose mutation publishes them
_LIFECYCLE = {
    Capability.ROOMS_CREATE: EventType.ROOM_CREATED,
    Capability.ROOMS_UPDATE: EventType.ROOM_UPDATED,
    Capability.ROOMS_CLOSE: EventType.ROOM_CLOSED,
}


def lifecycle_types(capabilities: frozenset[Capability]) -> frozenset[EventType]:
    """The lifecycle events published for a provider with ``capabilities``."""
    return frozenset(event for cap, event in _LIFECYCLE.items() if cap in capabilities)


@strawberry.type
class CatalogQuery:
    @strawberry.field(description="Every registered provider and what it can do here.")
    def providers(self, info: Info) -> list[ProviderInfo]:
        return [ProviderInfo.from_domain(h) for h in info.context.services.providers.values()]
