"""Rooms: the merged list across providers, single rooms and the room mutations."""

from __future__ import annotations

import uuid
from typing import Any

import strawberry

from gateway.auth import Scope
from gateway.graphql.context import Info
from gateway.graphql.enums import Provider, provider_name
from gateway.graphql.errors import bad_input
from gateway.graphql.fanout import Deadline
from gateway.graphql.loaders import resource_cache
from gateway.graphql.pagination import MAX_FIRST, Position, Positions, decode_cursor, merge_page
from gateway.graphql.permissions import requires
from gateway.graphql.schema.rooms.create import create_room
from gateway.graphql.schema.rooms.inputs import CreateRoomInput, UpdateRoomInput, room_update
from gateway.graphql.schema.rooms.types import Room, RoomConnection
from gateway.graphql.targets import capable_adapters, present, target
from gateway.graphql.tenancy import check_room, owned_target, visible_rooms
from providers import Capability, EventType, ProviderAdapter, ResourceNotFound, RoomPage

__all__ = ["RoomMutation", "RoomQuery"]

_ROOMS_DOC = (
    "Rooms of one provider, or of every configured provider that lists rooms, asked "
    "concurrently. Order: newest createdAt first, rooms without one last, ties by id, within "
    "each provider and across them; walking every page returns each room exactly once. "
    "A provider that fails or runs out of time is reported in `failures`; the others' "
    "rooms are still returned. `first` is 1 to 100. A tenant's token is shown its tenant's "
    "rooms only: a page may hold fewer than `first`, even none, while `hasNextPage` is true."
)


def _start(
    adapters: list[ProviderAdapter[Any]], first: int, after: str | None, scope: str | None
) -> Positions:
    if after is None:
        return {adapter.name: Position(None, first) for adapter in adapters}
    positions = decode_cursor(after, scope)
    return {adapter.name: positions.get(adapter.name) for adapter in adapters}


async def _rooms(
    info: Info, provider: Provider | None, first: int, after: str | None
) -> RoomConnection:
    services = info.context.services
    if not 1 <= first <= MAX_FIRST:
        raise bad_input(f"first must be between 1 and {MAX_FIRST}", field="first")
    scope = None if provider is None else provider_name(provider)
    adapters = capable_adapters(services, provider, Capability.ROOMS_LIST)
    start = _start(adapters, first, after, scope)
    by_name = {adapter.name: adapter for adapter in adapters}
    deadline = Deadline(services.settings.limits.fanout_budget_seconds)

    async def fetch(name: str, cursor: str | None, limit: int) -> RoomPage:
        return await deadline.run(name, by_name[name].list_rooms(cursor, limit))

    page = await merge_page(start, first, fetch, scope)
    return RoomConnection.from_domain(await visible_rooms(info, page))


@strawberry.type
class RoomQuery:
    @strawberry.field(description=_ROOMS_DOC, permission_classes=[requires(Scope.ROOMS_READ)])
    async def rooms(
        self,
        info: Info,
        provider: Provider | None = strawberry.UNSET,
        first: int = 20,
        after: str | None = strawberry.UNSET,
    ) -> RoomConnection:
        return await _rooms(info, present(provider), first, present(after))

    @strawberry.field(
        description="One room by gateway id; null when the provider does not know it.",
        permission_classes=[requires(Scope.ROOMS_READ)],
    )
    async def room(self, info: Info, id: strawberry.ID) -> Room | None:
        found = target(info, id, "id", Capability.ROOMS_GET)
        cache = resource_cache(info.context.services)
        try:
            await check_room(info, found.provider, found.native_id)
            room = await cache.room(
                found.provider, found.native_id, lambda: found.adapter.get_room(found.native_id)
            )
        except ResourceNotFound:
            return None
        return Room.from_domain(room)


@strawberry.type
class RoomMutation:
    @strawberry.mutation(
        description="Create a room at `input.provider` (or the default provider).",
        permission_classes=[requires(Scope.ROOMS_WRITE)],
    )
    async def create_room(self, info: Info, input: CreateRoomInput) -> Room:
        return Room.from_domain(await create_room(info, input))

    @strawberry.mutation(
        description="Change a room.", permission_classes=[requires(Scope.ROOMS_WRITE)]
    )
    async def update_room(
        self,
        info: Info,
        id: strawberry.ID,
        input: UpdateRoomInput,
    ) -> Room:
        owned = await owned_target(info, id, "id", Capability.ROOMS_UPDATE)
        found = owned.target
        update = room_update(input, found.provider)
        room = await found.adapter.update_room(found.native_id, update)
        services = info.context.services
        await resource_cache(services).remember_room(room)
        # every update is a change of its own: one event per call
        await services.lifecycle.publish(
            EventType.ROOM_UPDATED, room, uuid.uuid4().hex, owned.tenant
        )
        return Room.from_domain(room)

    @strawberry.mutation(
        description="Close a room (Vonage: expire; Metered: archive; VideoSDK: deactivate).",
        permission_classes=[requires(Scope.ROOMS_WRITE)],
    )
    async def close_room(self, info: Info, id: strawberry.ID) -> Room:
        owned = await owned_target(info, id, "id", Capability.ROOMS_CLOSE)
        found = owned.target
        room = await found.adapter.close_room(found.native_id)
        services = info.context.services
        await resource_cache(services).remember_room(room)
        # a room closes once: closing it again is deduped (created_at tells a reused name apart)
        closing = f"close:{room.created_at}"
        await services.lifecycle.publish(EventType.ROOM_CLOSED, room, closing, owned.tenant)
        return Room.from_domain(room)
