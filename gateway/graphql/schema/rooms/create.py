"""``createRoom``: which provider, which webhooks, and at most one room per idempotency key.

Each created room is published as ``ROOM_CREATED``; with an idempotency key the event id
comes from the key's record, so a retry that returns the same room publishes nothing new.
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any
from urllib.parse import quote

from gateway.graphql.context import Info
from gateway.graphql.enums import Provider, provider_name
from gateway.graphql.errors import bad_input
from gateway.graphql.loaders import resource_cache
from gateway.graphql.schema.rooms.inputs import CreateRoomInput, room_spec
from gateway.graphql.targets import adapter_for, present
from gateway.graphql.tenancy import record_creator
from gateway.idempotency import IdempotencyStore, fingerprint
from gateway.services import Services
from gateway.settings import AuthMode
from providers import Capability, EventType, ProviderAdapter, RoomSpec, WebhookTarget
from providers import Room as DomainRoom

__all__ = ["create_room"]

#: how much longer than the provider's own budget a claim on an idempotency key may last
_CLAIM_MARGIN_SECONDS = 15.0


def _creation_provider(services: Services, requested: Provider | None) -> str:
    """The named provider, else the configured default, else the only one that creates."""
    if requested is not None:
        return provider_name(requested)
    default = services.settings.default_provider
    if default:
        if default.lower() not in services.providers:
            raise bad_input(f"the default provider {default!r} is not registered", field="provider")
        return default.lower()
    creators = [
        handle.name
        for handle in services.configured()
        if handle.adapter is not None and Capability.ROOMS_CREATE in handle.adapter.capabilities
    ]
    if len(creators) != 1:
        raise bad_input("provider is required: no default provider is configured", field="provider")
    return creators[0]


def _webhook(services: Services, adapter: ProviderAdapter[Any]) -> WebhookTarget | None:
    """Where the provider should send this room's events, when the gateway is reachable."""
    public_url = services.settings.public_url
    if not public_url:
        return None
    secret = getattr(adapter.settings, "webhook_token", None)
    token = None if secret is None else secret.get_secret_value()
    return WebhookTarget(base_url=f"{public_url.rstrip('/')}/webhooks/{adapter.name}", token=token)


async def create_room(info: Info, data: CreateRoomInput) -> DomainRoom:
    """Create the room ``data`` describes, once per idempotency key, and cache it."""
    services = info.context.services
    adapter = adapter_for(
        services, _creation_provider(services, present(data.provider)), Capability.ROOMS_CREATE
    )
    spec = room_spec(data, adapter.name, _webhook(services, adapter))
    key = present(data.idempotency_key)
    if key is None:
        room, created, operation = await adapter.create_room(spec), True, uuid.uuid4().hex
    else:
        operation = f"createRoom:{_key_owner(info)}:{key}"
        room, created = await _create_once(info, adapter, spec, operation)
    # also on a retry: a first record that failed gets its chance (the same tenant's key)
    tenant = await record_creator(info, room.provider, room.native_id)
    if created:
        await resource_cache(services).remember_room(room, changed=False)
    # also on a retry: a first publish that failed gets its chance; a repeat is deduped
    await services.lifecycle.publish(EventType.ROOM_CREATED, room, operation, tenant)
    return room


async def _create_once(
    info: Info, adapter: ProviderAdapter[Any], spec: RoomSpec, record: str
) -> tuple[DomainRoom, bool]:
    services = info.context.services
    pending = adapter.settings.timeouts.total + _CLAIM_MARGIN_SECONDS
    store = IdempotencyStore(
        services.store, services.settings.idempotency_ttl_seconds, pending_seconds=pending
    )
    material = [adapter.name, _fingerprinted(spec)]
    return await store.create(
        record,
        fingerprint(material),
        lambda: adapter.create_room(spec),
    )


def _fingerprinted(spec: RoomSpec) -> dict[str, Any]:
    """What a key's input is compared by; without options when none are given, so keys
    stored before the typed options existed still match a retry."""
    fields = dataclasses.asdict(dataclasses.replace(spec, webhook=None))
    if not spec.options.given():
        del fields["options"]
    return fields


def _key_owner(info: Info) -> str:
    """Whose keys these are: the token's tenant (``@`` and the tenant), else its subject,
    escaped so that no ``:`` in either can shift the boundary with the key (nor an escaped
    subject start with ``@``); one shared owner when authentication is off.

    A token with neither has no stable identity to scope by, so it may not use keys.
    """
    principal = info.context.principal
    if principal.tenant is not None:
        return "@" + quote(principal.tenant, safe="")
    subject = principal.subject
    if subject:
        return quote(subject, safe="")
    if info.context.services.settings.auth.mode is AuthMode.JWT:
        raise bad_input(
            "idempotencyKey needs a token with a tenant or a 'sub' claim: keys are scoped by "
            "tenant, else by subject",
            field="idempotencyKey",
        )
    return ""
