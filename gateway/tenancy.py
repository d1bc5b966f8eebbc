"""Tenants: which rooms a caller may see, and which tenant a room belongs to.

A room created by a token that names a tenant (the JWT claim ``GATEWAY_AUTH__TENANT_CLAIM``)
belongs to that tenant. The record lives in the shared store (``KeyValueStore``: process
memory, or Redis so that every replica sees it) under ``room-tenant:<provider>:<native id>``
for ``room_tenant_ttl_seconds``. A room with no record (created before, without a tenant, or
directly at the provider) belongs to nobody: only callers who see every room see it.

``Visibility`` is the one rule: a caller with ``tenants:all``, or without a tenant (auth off,
or ``GATEWAY_AUTH__REQUIRE_TENANT`` off), sees every room; any other caller sees its own
tenant's rooms only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gateway.auth import Principal, Scope
from providers import KeyValueStore

__all__ = ["EVERY_ROOM", "RoomOwnership", "Visibility"]


@dataclass(frozen=True, slots=True)
class Visibility:
    """Whose rooms a caller sees: ``tenant`` only, or every room when ``tenant`` is ``None``."""

    tenant: str | None

    @classmethod
    def of(cls, principal: Principal) -> Visibility:
        if principal.tenant is None or principal.allows(Scope.TENANTS_ALL):
            return EVERY_ROOM
        return cls(principal.tenant)

    def sees(self, owner: str | None) -> bool:
        """Whether a room owned by ``owner`` (``None``: no recorded tenant) is visible."""
        return self.tenant is None or owner == self.tenant


EVERY_ROOM = Visibility(None)


class RoomOwnership:
    """The tenant of each room created through the gateway, in the shared store."""

    def __init__(self, store: KeyValueStore, ttl: float) -> None:
        self._store = store
        self._ttl = ttl

    @staticmethod
    def _key(provider: str, native_id: str) -> str:
        return f"room-tenant:{provider}:{native_id}"

    async def record(self, provider: str, native_id: str, tenant: str) -> None:
        """Note that ``tenant`` owns the room."""
        await self._store.set(self._key(provider, native_id), tenant, ttl=self._ttl)

    async def owner(self, provider: str, native_id: str) -> str | None:
        """The room's tenant as the shared store has it now; ``None``: no recorded tenant."""
        return await self._store.get(self._key(provider, native_id))

    async def owners(self, rooms: Sequence[tuple[str, str]]) -> list[str | None]:
        """``owner`` of each (provider, native id) in ``rooms``, in order, from one read."""
        return await self._store.get_many([self._key(*room) for room in rooms])
