"""Tenants in resolvers: every field that takes or returns a room asks here.

A room the caller may not see is answered exactly like a room the provider does not know
(``NOT_FOUND``, or ``null`` where the field is nullable), before any provider call, so
nothing tells a foreign room from a missing one and nothing is done to it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from gateway.events import EventFilter
from gateway.graphql.context import Info
from gateway.graphql.pagination import MergedPage
from gateway.graphql.targets import Target, target
from gateway.tenancy import Visibility
from providers import Capability, ResourceNotFound

__all__ = [
    "OwnedRoom",
    "check_room",
    "owned_target",
    "record_creator",
    "tenant_events",
    "visibility",
    "visible_only",
    "visible_target",
    "visible_rooms",
]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class OwnedRoom:
    """A room the caller may see, with its tenant (``None``: no recorded tenant)."""

    target: Target
    tenant: str | None


def visibility(info: Info) -> Visibility:
    return Visibility.of(info.context.principal)


async def check_room(info: Info, provider: str, native_id: str) -> None:
    """``NOT_FOUND`` (as for an unknown room) when the caller may not see the room; no
    look-up for a caller who sees every room."""
    if visibility(info).tenant is not None:
        await _visible_owner(info, provider, native_id)


async def _visible_owner(info: Info, provider: str, native_id: str) -> str | None:
    """The room's tenant; ``NOT_FOUND`` when the caller may not see the room."""
    owner = await info.context.services.ownership.owner(provider, native_id)
    if not visibility(info).sees(owner):
        raise ResourceNotFound(provider, f"no room {native_id!r}")
    return owner


async def visible_target(info: Info, value: str, field: str, capability: Capability) -> Target:
    """``target`` for a room id, once the caller is known to see the room (``check_room``:
    no look-up for a caller who sees every room)."""
    found = target(info, value, field, capability)
    await check_room(info, found.provider, found.native_id)
    return found


async def owned_target(info: Info, value: str, field: str, capability: Capability) -> OwnedRoom:
    """``target`` for a room id, once the caller is known to see the room, with its tenant
    (what the room's lifecycle events are stamped with, whoever changes it)."""
    found = target(info, value, field, capability)
    return OwnedRoom(found, await _visible_owner(info, found.provider, found.native_id))


async def visible_only(info: Info, items: Sequence[T], rooms: Sequence[tuple[str, str]]) -> list[T]:
    """The ``items`` whose room (``rooms[i]``: provider, native id) the caller sees.

    One read of the shared store for all of them (no provider call); none when the caller
    sees every room.
    """
    sees = visibility(info)
    if sees.tenant is None:
        return list(items)
    owners = await info.context.services.ownership.owners(rooms)
    return [item for item, owner in zip(items, owners, strict=True) if sees.sees(owner)]


async def visible_rooms(info: Info, page: MergedPage) -> MergedPage:
    """``page`` without the rooms the caller may not see.

    Its cursors and ``has_next`` stay those of the whole page, so paging goes on past
    hidden rooms and ends where the unfiltered listing ends; a page may hold fewer rooms
    than asked for, even none, with more to come.
    """
    keys = [(room.provider, room.native_id) for room, _ in page.rooms]
    return dataclasses.replace(page, rooms=await visible_only(info, page.rooms, keys))


async def record_creator(info: Info, provider: str, native_id: str) -> str | None:
    """Note the caller's tenant as the new room's; that tenant (``None``: none to note)."""
    tenant = info.context.principal.tenant
    if tenant is not None:
        await info.context.services.ownership.record(provider, native_id, tenant)
    return tenant


def tenant_events(info: Info, wanted: EventFilter) -> EventFilter:
    """``wanted`` narrowed to the events of rooms the caller sees."""
    return dataclasses.replace(wanted, tenant=visibility(info).tenant)
