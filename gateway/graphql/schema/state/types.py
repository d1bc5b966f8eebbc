"""``RoomState`` and ``RoomStateUpdate``: a room's projection as the API shows it."""

from __future__ import annotations

from datetime import datetime

import strawberry

from gateway.auth import Scope
from gateway.graphql.enums import Provider, RecordingStatus, provider_enum
from gateway.graphql.permissions import requires
from gateway.graphql.schema.events.resolvers import RoomEvent
from gateway.graphql.schema.sessions.types import Participant
from gateway.state import PresentParticipant, RoomSnapshot
from providers import global_id

__all__ = ["RoomState", "RoomStateUpdate"]


def _participant(present: PresentParticipant) -> Participant:
    return Participant(
        id=present.id,
        name=present.name,
        role=present.role,
        is_host=present.is_host,
        joined_at=present.joined_at,
        left_at=None,
        present=True,
    )


@strawberry.type(
    description="A room as it is now: who is in it, whether a session and a recording are "
    "running. Built from the room's events in the event log (the same on every replica)."
)
class RoomState:
    room_id: strawberry.ID
    provider: Provider
    active: bool = strawberry.field(description="A session is running.")
    session_id: str | None = strawberry.field(description="The current or last session.")
    participants: list[Participant] = strawberry.field(description="Present now.")
    recording: RecordingStatus | None = strawberry.field(
        description="The recording of the current session; null when none is known."
    )
    updated_at: datetime = strawberry.field(description="When the last event was received.")
    cursor: str | None = strawberry.field(
        description="The last event applied (an `after` for roomEvents); null before any event."
    )

    @classmethod
    def from_snapshot(cls, snapshot: RoomSnapshot) -> RoomState:
        recording = snapshot.recording
        return cls(
            room_id=strawberry.ID(global_id(snapshot.provider, snapshot.room_native_id)),
            provider=provider_enum(snapshot.provider),
            active=snapshot.active,
            session_id=snapshot.session_id,
            participants=[_participant(p) for p in snapshot.participants],
            recording=None if recording is None else RecordingStatus[recording],
            updated_at=snapshot.updated_at,
            cursor=snapshot.cursor,
        )


@strawberry.type(
    description="The first message is the current state (event null); each later one follows "
    "one event of that room, in log order."
)
class RoomStateUpdate:
    state: RoomState
    event: RoomEvent | None = strawberry.field(
        description="The event this update follows; needs events:read as well.",
        permission_classes=[requires(Scope.EVENTS_READ)],
    )
