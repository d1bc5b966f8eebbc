"""``Query.providers``: what this deployment offers."""

from __future__ import annotations

import strawberry

from gateway.graphql.context import Info
from gateway.graphql.enums import Capability, EventType, Provider, provider_enum
from gateway.services import ProviderHandle

__all__ = ["CatalogQuery", "ProviderInfo"]


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
        description="Normalized events this provider can emit."
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
            event_types=sorted(adapter.event_types, key=list(EventType).index),
        )


@strawberry.type
class CatalogQuery:
    @strawberry.field(description="Every registered provider and what it can do here.")
    def providers(self, info: Info) -> list[ProviderInfo]:
        return [ProviderInfo.from_domain(h) for h in info.context.services.providers.values()]
