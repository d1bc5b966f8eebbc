"""From GraphQL arguments to the adapter that serves them.

Gateway ids are ``"<provider>:<nativeId>"``. Every look-up checks the provider's declared
capabilities, so resolvers never branch on a provider name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

import strawberry

from gateway.graphql.context import Info
from gateway.graphql.enums import Provider, provider_name
from gateway.graphql.errors import bad_input
from gateway.services import Services
from providers import REGISTRY, Capability, ProviderAdapter, UnsupportedOperation, split_global_id

__all__ = ["Target", "adapter_for", "capable_adapters", "parse_id", "present", "target"]

T = TypeVar("T")

_OPERATIONS = {
    Capability.ROOMS_CREATE: "creating rooms",
    Capability.ROOMS_LIST: "listing rooms",
    Capability.ROOMS_GET: "reading rooms",
    Capability.ROOMS_UPDATE: "updating rooms",
    Capability.ROOMS_CLOSE: "closing rooms",
    Capability.ROOMS_JOIN: "joining rooms",
    Capability.THEMES: "themes",
    Capability.RECORDINGS: "recordings",
    Capability.RECORDINGS_CONTROL: "starting and stopping recordings",
    Capability.SESSIONS: "a sessions API",
    Capability.SESSIONS_CONTROL: "ending sessions or removing participants",
    Capability.DIAL_IN: "dial-in numbers",
}


@dataclass(frozen=True, slots=True)
class Target:
    """One provider resource: its adapter and its native id."""

    adapter: ProviderAdapter[Any]
    native_id: str

    @property
    def provider(self) -> str:
        return self.adapter.name


def present(value: T | None) -> T | None:
    """An optional argument or input field: ``None`` when it was left out.

    Optional inputs have no default in the schema (as in the contract), so Strawberry
    hands over ``UNSET`` for them.
    """
    return None if value is strawberry.UNSET else value


def parse_id(value: str, field: str) -> tuple[str, str]:
    """``(provider, nativeId)`` of a gateway id; ``BAD_USER_INPUT`` naming ``field``."""
    try:
        provider, native_id = split_global_id(value)
    except ValueError as exc:
        raise bad_input(f"{field} is not a gateway id: {exc}", field=field) from None
    if provider not in REGISTRY:
        known = ", ".join(sorted(REGISTRY))
        raise bad_input(f"{field} names an unknown provider (one of {known})", field=field)
    return provider, native_id


def adapter_for(services: Services, name: str, capability: Capability) -> ProviderAdapter[Any]:
    """The configured adapter of ``name``; ``UNSUPPORTED`` when it lacks ``capability``."""
    adapter = services.adapter(name)
    if capability not in adapter.capabilities:
        raise UnsupportedOperation(
            name,
            f"{adapter.title} does not support {_OPERATIONS.get(capability, capability.value)}",
        )
    return adapter


def target(info: Info, value: str, field: str, capability: Capability) -> Target:
    """The adapter and native id behind the gateway id ``value``."""
    provider, native_id = parse_id(value, field)
    return Target(adapter_for(info.context.services, provider, capability), native_id)


def capable_adapters(
    services: Services, provider: Provider | None, capability: Capability
) -> list[ProviderAdapter[Any]]:
    """The named provider (which must have ``capability``), or every configured one that has it."""
    if provider is not None:
        return [adapter_for(services, provider_name(provider), capability)]
    return [
        handle.adapter
        for handle in services.configured()
        if handle.adapter is not None and capability in handle.adapter.capabilities
    ]
