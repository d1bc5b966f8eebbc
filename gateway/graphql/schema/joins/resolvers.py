"""``joinRoom``: credentials from the room's provider, for the role the caller may grant."""

from __future__ import annotations

import strawberry

from gateway.auth import Scope
from gateway.graphql.context import Info
from gateway.graphql.permissions import demand
from gateway.graphql.schema.joins.inputs import JoinRoomInput, join_request
from gateway.graphql.schema.joins.types import JoinCredentials
from gateway.graphql.tenancy import visible_target
from providers import Capability, ParticipantRole

__all__ = ["JoinMutation"]

_ROLE_SCOPES = {ParticipantRole.GUEST: Scope.ROOMS_JOIN, ParticipantRole.HOST: Scope.ROOMS_HOST}

_JOIN_DOC = (
    "Credentials to join an existing room: needs rooms:join for GUEST, rooms:host for "
    "HOST. The provider confirms the room first (NOT_FOUND when it does not know it). "
    "Vonage: the room's host or guest URL; Metered: a token from POST /token for this room "
    "(isAdmin for a host) and the room URL; VideoSDK: a participant JWT for this room "
    "(allow_mod for a host, ask_join for a guest of a room that needs approval)."
)


@strawberry.type
class JoinMutation:
    @strawberry.mutation(description=_JOIN_DOC)
    async def join_room(self, info: Info, input: JoinRoomInput) -> JoinCredentials:
        demand(info, _ROLE_SCOPES[input.role])
        request = join_request(input)
        found = await visible_target(info, input.room_id, "roomId", Capability.ROOMS_JOIN)
        grant = await found.adapter.join_room(found.native_id, request)
        return JoinCredentials.from_domain(grant)
