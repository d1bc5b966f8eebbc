"""``roomState``: the query reads the projection; the subscription sends it, then follows
the room's events from the cursor the projection was read at (no gap, no repeat).

Over WebSocket, identical subscriptions share one state, derived event by event from the
previous one, and one execution per event (``deliver_state``)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import UTC, datetime, timedelta
from typing import cast

import strawberry

from gateway.auth import Scope
from gateway.events import BusUnavailable, EventFilter
from gateway.graphql.context import Info
from gateway.graphql.errors import ErrorCode, GatewayError
from gateway.graphql.loaders import resource_cache
from gateway.graphql.permissions import requires
from gateway.graphql.schema.events.resolvers import event_stream, to_room_event
from gateway.graphql.schema.state.seeding import seeded
from gateway.graphql.schema.state.types import RoomState, RoomStateUpdate
from gateway.graphql.targets import Target
from gateway.graphql.tenancy import visible_target
from gateway.graphql.transport.delivery import deliver_state
from gateway.graphql.transport.groups import Feed
from gateway.state import RoomSnapshot, apply_event
from gateway.state.reducer import without_stale_presence
from providers import Capability

__all__ = ["RoomStateQuery", "RoomStateSubscription"]

_READ = [requires(Scope.SESSIONS_READ)]
_DOC = (
    "The room as its events left it: who is present, whether a session and a recording are "
    "running. Every replica answers the same. A session's end clears the roster; so does a "
    "room with no event for GATEWAY_STATE__IDLE_SECONDS (a lost end). NOT_FOUND for a room "
    "the provider does not know."
)


async def _room(info: Info, room_id: str) -> Target:
    """The room's target, once the provider confirmed it exists (``NOT_FOUND`` otherwise)."""
    found = await visible_target(info, room_id, "roomId", Capability.ROOMS_GET)
    cache = resource_cache(info.context.services)
    await cache.room(
        found.provider, found.native_id, lambda: found.adapter.get_room(found.native_id)
    )
    return found


def _unavailable() -> GatewayError:
    return GatewayError(
        "room state is unavailable (the event log is not read); retry later",
        ErrorCode.INTERNAL,
        retryable=True,
    )


def _fresh(info: Info, state: RoomSnapshot) -> RoomSnapshot:
    idle = timedelta(seconds=info.context.services.settings.state.idle_seconds)
    return without_stale_presence(state, datetime.now(UTC), idle)


@strawberry.type
class RoomStateQuery:
    @strawberry.field(description=_DOC, permission_classes=_READ)
    async def room_state(self, info: Info, room_id: strawberry.ID) -> RoomState:
        found = await _room(info, room_id)
        try:
            state = await info.context.services.room_states.current(found.provider, found.native_id)
        except BusUnavailable:
            raise _unavailable() from None
        return RoomState.from_snapshot(_fresh(info, await seeded(found, state)))


@strawberry.type
class RoomStateSubscription:
    @strawberry.subscription(
        description="The room's state now (event null), then the state after each of its "
        "events, with the event, in log order.",
        permission_classes=_READ,
    )
    async def room_state(
        self, info: Info, room_id: strawberry.ID
    ) -> AsyncGenerator[RoomStateUpdate, None]:
        found = await _room(info, room_id)
        async for update in deliver_state(info, _feed(info, found)):
            yield cast(RoomStateUpdate, update)


def _feed(info: Info, found: Target) -> Feed[RoomSnapshot]:
    """The room's state from a snapshot on, one update per event of the room."""
    wanted = EventFilter.of(provider=found.provider, room_native_id=found.native_id)

    async def start() -> tuple[RoomSnapshot, str]:
        try:
            state, cursor = await info.context.services.room_states.snapshot(
                found.provider, found.native_id
            )
        except BusUnavailable:
            raise _unavailable() from None
        return _fresh(info, await seeded(found, state)), cursor

    return Feed(
        start=start,
        follow=lambda after: event_stream(info, wanted, after),
        apply=apply_event,
        snapshot=lambda state: RoomStateUpdate(state=RoomState.from_snapshot(state), event=None),
        update=lambda state, stored: RoomStateUpdate(
            state=RoomState.from_snapshot(state), event=to_room_event(stored)
        ),
        refresh=lambda state: _fresh(info, state),
    )
