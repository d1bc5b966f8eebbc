"""``sessions``, ``session``, ``dialInNumbers``, ``endSession`` and ``removeParticipant``."""

from __future__ import annotations

import asyncio

import strawberry

from gateway.auth import Scope
from gateway.graphql.context import Info
from gateway.graphql.enums import Provider
from gateway.graphql.errors import bad_input
from gateway.graphql.fanout import Deadline
from gateway.graphql.pagination import MAX_FIRST
from gateway.graphql.permissions import requires
from gateway.graphql.schema.rooms.types import PageInfo
from gateway.graphql.schema.sessions.paging import page_of
from gateway.graphql.schema.sessions.source import existing_room, find_session, room_sessions
from gateway.graphql.schema.sessions.types import (
    DialInNumber,
    Session,
    SessionConnection,
)
from gateway.graphql.targets import Target, capable_adapters, parse_id, present
from gateway.graphql.tenancy import check_room, visible_target
from gateway.services import Services
from providers import Capability, ResourceNotFound

__all__ = ["SessionMutation", "SessionQuery"]

_READ = [requires(Scope.SESSIONS_READ)]
_WRITE = [requires(Scope.SESSIONS_WRITE)]

SESSIONS_DOC = (
    "Sessions of one room, newest first, `first` (1 to 100) at a time; `after` is the "
    "`endCursor` of an earlier page for the same room. From the provider's sessions API "
    "(VideoSDK), else built from the room's normalized events in the event log (Vonage, "
    "Metered: only what their webhooks reported, bounded per room). An unknown room is "
    "NOT_FOUND. Needs `sessions:read`."
)
SESSION_DOC = (
    'One session by gateway id ("<provider>:<nativeSessionId>"); null when unknown. '
    "Sessions built from events are found while their room's history keeps them. "
    "Needs `sessions:read`."
)
DIAL_IN_DOC = (
    "Phone numbers to dial into meetings: of `provider` (UNSUPPORTED when it has none), or "
    "of every configured provider that has them. Needs `rooms:read`: the numbers serve "
    "joining rooms, like `Room.meetingCode`."
)
END_DOC = (
    "End the room's running session; the session as it ended. UNSUPPORTED where the "
    "provider cannot end sessions (Vonage, Metered). Needs `sessions:write`."
)
REMOVE_DOC = (
    "Remove a participant from the room's running session; true once removed. UNSUPPORTED "
    "where the provider cannot (Vonage, Metered); an unknown participant is NOT_FOUND. "
    "Needs `sessions:write`."
)


def _deadline(services: Services) -> Deadline:
    return Deadline(services.settings.limits.fanout_budget_seconds)


async def _room(info: Info, room_id: str, capability: Capability) -> Target:
    """The room behind ``roomId``, checked to be visible and to exist."""
    room = await visible_target(info, room_id, "roomId", capability)
    await existing_room(info.context.services, room)
    return room


async def _sees_room_of(info: Info, provider: str, room_native_id: str | None) -> bool:
    """Whether the caller sees the room of a session (one without a room: as a room of no
    recorded tenant)."""
    try:
        await check_room(info, provider, room_native_id or "")
    except ResourceNotFound:
        return False
    return True


@strawberry.type
class SessionQuery:
    @strawberry.field(description=SESSIONS_DOC, permission_classes=_READ)
    async def sessions(
        self,
        info: Info,
        room_id: strawberry.ID,
        first: int = 20,
        after: str | None = strawberry.UNSET,
    ) -> SessionConnection:
        if not 1 <= first <= MAX_FIRST:
            raise bad_input(f"first must be between 1 and {MAX_FIRST}", field="first")
        room = await _room(info, room_id, Capability.ROOMS_GET)
        services = info.context.services
        found = await room_sessions(services, room, _deadline(services))
        page, cursor, more = page_of(found, str(room_id), first, present(after))
        return SessionConnection(
            nodes=[Session.from_domain(s, room.native_id) for s in page],
            page_info=PageInfo(has_next_page=more, end_cursor=cursor),
        )

    @strawberry.field(description=SESSION_DOC, permission_classes=_READ)
    async def session(self, info: Info, id: strawberry.ID) -> Session | None:
        provider, native_id = parse_id(id, "id")
        services = info.context.services
        adapter = services.adapter(provider)
        found = await find_session(services, adapter, native_id, _deadline(services))
        if found is None or not await _sees_room_of(info, provider, found.room_native_id):
            return None
        return Session.from_domain(found, "")

    @strawberry.field(description=DIAL_IN_DOC, permission_classes=[requires(Scope.ROOMS_READ)])
    async def dial_in_numbers(
        self, info: Info, provider: Provider | None = strawberry.UNSET
    ) -> list[DialInNumber]:
        services = info.context.services
        adapters = capable_adapters(services, present(provider), Capability.DIAL_IN)
        deadline = _deadline(services)
        lists = await asyncio.gather(*(deadline.run(a.name, a.dial_in_numbers()) for a in adapters))
        return [
            DialInNumber.from_domain(adapter.name, number)
            for adapter, numbers in zip(adapters, lists, strict=True)
            for number in numbers
        ]


@strawberry.type
class SessionMutation:
    @strawberry.mutation(description=END_DOC, permission_classes=_WRITE)
    async def end_session(self, info: Info, room_id: strawberry.ID) -> Session:
        room = await _room(info, room_id, Capability.SESSIONS_CONTROL)
        ended = await room.adapter.end_session(room.native_id)
        return Session.from_domain(ended, room.native_id)

    @strawberry.mutation(description=REMOVE_DOC, permission_classes=_WRITE)
    async def remove_participant(
        self, info: Info, room_id: strawberry.ID, participant_id: str
    ) -> bool:
        if not participant_id.strip():
            raise bad_input("participantId must not be empty", field="participantId")
        room = await _room(info, room_id, Capability.SESSIONS_CONTROL)
        await room.adapter.remove_participant(room.native_id, participant_id)
        return True
