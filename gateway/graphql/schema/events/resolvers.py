"""Event types and the ``Subscription`` root: replay from ``after``, then live events.

Every event carries its ``cursor``; a client that reconnects with ``after: <cursor>``
receives exactly the events it missed, then live ones. A subscriber that cannot keep up
is ended with ``SUBSCRIBER_TOO_SLOW`` and ``extensions.resumeAfter``; so is every
subscription of a process that shuts down, with ``SHUTTING_DOWN``.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Collection
from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from gateway.auth import Scope
from gateway.events import (
    BusUnavailable,
    EventFilter,
    InvalidCursor,
    ShuttingDown,
    StoredEvent,
    SubscriberTooSlow,
)
from gateway.graphql.context import Info
from gateway.graphql.enums import EventType, Provider, StreamKind, provider_enum, provider_name
from gateway.graphql.errors import ErrorCode, GatewayError, bad_input, too_slow
from gateway.graphql.permissions import requires
from gateway.graphql.schema.rooms.types import Room
from gateway.graphql.targets import present
from gateway.graphql.tenancy import tenant_events
from gateway.graphql.transport.delivery import deliver
from providers import LIFECYCLE_EVENT_TYPES, REGISTRY, split_global_id
from providers import Room as DomainRoom

__all__ = [
    "EVENT_TYPES",
    "EventSubscription",
    "ParticipantEvent",
    "RecordingEvent",
    "RoomEvent",
    "RoomExpiredEvent",
    "RoomLifecycleEvent",
    "SessionEvent",
    "StreamEvent",
    "TranscriptionEvent",
    "event_stream",
    "to_room_event",
]

PARTICIPANT_TYPES = frozenset({EventType.PARTICIPANT_JOINED, EventType.PARTICIPANT_LEFT})
SESSION_TYPES = frozenset({EventType.SESSION_STARTED, EventType.SESSION_ENDED})
RECORDING_TYPES = frozenset(
    {
        EventType.RECORDING_STARTED,
        EventType.RECORDING_STOPPED,
        EventType.RECORDING_READY,
        EventType.RECORDING_FAILED,
    }
)
STREAM_TYPES = frozenset(
    {EventType.STREAM_STARTED, EventType.STREAM_STOPPED, EventType.STREAM_FAILED}
)


@strawberry.interface(
    description="A normalized event from a provider's webhook, or a room change made "
    "through the gateway (ROOM_CREATED, ROOM_UPDATED, ROOM_CLOSED)."
)
class RoomEvent:
    id: strawberry.ID = strawberry.field(
        description="Stable: the same provider delivery, or the same change made through "
        "the gateway, always gives the same id."
    )
    cursor: str = strawberry.field(description="Pass as `after` to resume right after this event.")
    type: EventType
    provider: Provider
    room_id: strawberry.ID | None = strawberry.field(
        description='Gateway room id "<provider>:<nativeId>".'
    )
    session_id: str | None
    occurred_at: datetime = strawberry.field(
        description="The provider's time where it gives one, else receivedAt."
    )
    received_at: datetime
    raw: JSON = strawberry.field(
        description="The provider's payload as received; for ROOM_CREATED, ROOM_UPDATED and "
        "ROOM_CLOSED the gateway's own record of the change."
    )


def _common(stored: StoredEvent) -> dict[str, Any]:
    event = stored.event
    return {
        "id": strawberry.ID(event.id),
        "cursor": stored.cursor,
        "type": event.type,
        "provider": provider_enum(event.provider),
        "room_id": None if event.room_id is None else strawberry.ID(event.room_id),
        "session_id": event.session_id,
        "occurred_at": stored.occurred_at,
        "received_at": stored.received_at,
        "raw": dict(event.raw),
    }


@strawberry.type(description="A participant joined or left.")
class ParticipantEvent(RoomEvent):
    participant_id: str | None
    participant_name: str | None
    is_host: bool | None
    role: str | None
    reason: str | None

    @classmethod
    def from_stored(cls, stored: StoredEvent) -> ParticipantEvent:
        e = stored.event
        return cls(
            **_common(stored),
            participant_id=e.participant_id,
            participant_name=e.participant_name,
            is_host=e.is_host,
            role=e.role,
            reason=e.reason,
        )


@strawberry.type(description="A meeting session started or ended.")
class SessionEvent(RoomEvent):
    started_at: datetime | None
    ended_at: datetime | None

    @classmethod
    def from_stored(cls, stored: StoredEvent) -> SessionEvent:
        e = stored.event
        return cls(**_common(stored), started_at=e.started_at, ended_at=e.ended_at)


@strawberry.type(description="A recording started, stopped, became ready or failed.")
class RecordingEvent(RoomEvent):
    recording_id: str | None
    url: str | None
    duration_seconds: float | None

    @classmethod
    def from_stored(cls, stored: StoredEvent) -> RecordingEvent:
        e = stored.event
        return cls(
            **_common(stored),
            recording_id=e.recording_id,
            url=e.url,
            duration_seconds=e.duration_seconds,
        )


@strawberry.type(description="A room reached its expiry.")
class RoomExpiredEvent(RoomEvent):
    @classmethod
    def from_stored(cls, stored: StoredEvent) -> RoomExpiredEvent:
        return cls(**_common(stored))


@strawberry.type(description="A transcription of a room's recording is ready.")
class TranscriptionEvent(RoomEvent):
    transcription_id: str | None = strawberry.field(description="The provider's own id.")
    url: str | None = strawberry.field(description="Where to fetch it, when the provider says.")

    @classmethod
    def from_stored(cls, stored: StoredEvent) -> TranscriptionEvent:
        e = stored.event
        return cls(**_common(stored), transcription_id=e.transcription_id, url=e.url)


@strawberry.type(
    description="A live stream of a room (HLS or RTMP) started, stopped or failed. "
    "STREAM_STARTED arrives for each step the provider reports (starting, live, playable); "
    "`raw` names the step."
)
class StreamEvent(RoomEvent):
    kind: StreamKind | None
    playback_url: str | None = strawberry.field(
        description="Where viewers play the stream (HLS), when the provider says."
    )

    @classmethod
    def from_stored(cls, stored: StoredEvent) -> StreamEvent:
        e = stored.event
        return cls(**_common(stored), kind=e.stream_kind, playback_url=e.url)


@strawberry.type(
    description="A room was created, changed or closed through this gateway's mutations "
    "(published once per change)."
)
class RoomLifecycleEvent(RoomEvent):
    room_record: strawberry.Private[DomainRoom | None]

    @strawberry.field(
        description="The room as the mutation returned it (no provider call); needs rooms:read.",
        permission_classes=[requires(Scope.ROOMS_READ)],
    )
    def room(self) -> Room | None:
        return None if self.room_record is None else Room.from_domain(self.room_record)

    @classmethod
    def from_stored(cls, stored: StoredEvent) -> RoomLifecycleEvent:
        return cls(**_common(stored), room_record=stored.event.room)


#: concrete event types, for the schema (some are reachable only through the interface)
EVENT_TYPES: tuple[type, ...] = (
    ParticipantEvent,
    SessionEvent,
    RecordingEvent,
    RoomExpiredEvent,
    RoomLifecycleEvent,
    TranscriptionEvent,
    StreamEvent,
)


_BY_TYPE: dict[EventType, Callable[[StoredEvent], RoomEvent]] = {
    **dict.fromkeys(PARTICIPANT_TYPES, ParticipantEvent.from_stored),
    **dict.fromkeys(SESSION_TYPES, SessionEvent.from_stored),
    **dict.fromkeys(RECORDING_TYPES, RecordingEvent.from_stored),
    **dict.fromkeys(STREAM_TYPES, StreamEvent.from_stored),
    **dict.fromkeys(LIFECYCLE_EVENT_TYPES, RoomLifecycleEvent.from_stored),
    EventType.TRANSCRIPTION_READY: TranscriptionEvent.from_stored,
}


def to_room_event(stored: StoredEvent) -> RoomEvent:
    """The GraphQL type of a stored event, chosen by its event type."""
    return _BY_TYPE.get(stored.event.type, RoomExpiredEvent.from_stored)(stored)


def _provider_filter(
    room_id: str | None, provider: Provider | None
) -> tuple[str | None, str | None]:
    """``(provider name, room native id)`` from the arguments; ``BAD_USER_INPUT`` when wrong."""
    wanted = None if provider is None else provider_name(provider)
    if room_id is None:
        return wanted, None
    try:
        room_provider, native_id = split_global_id(room_id)
    except ValueError as exc:
        raise bad_input(f"roomId is not a gateway id: {exc}", field="roomId") from None
    if room_provider not in REGISTRY:
        raise bad_input(f"roomId names an unknown provider {room_provider!r}", field="roomId")
    if wanted is not None and wanted != room_provider:
        raise bad_input("roomId belongs to another provider than `provider`", field="provider")
    return room_provider, native_id


def event_filter(
    room_id: str | None, provider: Provider | None, types: Collection[EventType] | None
) -> EventFilter:
    """The bus filter of a subscription's arguments (``UNSET`` counts as not given)."""
    room_id, provider, types = present(room_id), present(provider), present(types)
    if types is not None and not types:
        raise bad_input("types must not be empty (omit it for every type)", field="types")
    name, native_id = _provider_filter(room_id, provider)
    return EventFilter.of(provider=name, room_native_id=native_id, types=types)


async def event_stream(
    info: Info, wanted: EventFilter, after: str | None
) -> AsyncGenerator[StoredEvent, None]:
    """The bus's events after ``after`` that ``wanted`` matches, of rooms the caller sees
    (replay included), bus failures as GraphQL errors."""
    bus = info.context.services.bus
    visible = tenant_events(info, wanted)
    try:
        async with bus.subscribe(after=present(after), event_filter=visible) as stream:
            async for stored in stream:
                yield stored
    except InvalidCursor as exc:
        raise bad_input(str(exc), field="after") from None
    except SubscriberTooSlow as exc:
        raise too_slow(exc) from None
    except ShuttingDown as exc:
        raise GatewayError(
            str(exc), ErrorCode.SHUTTING_DOWN, resumeAfter=exc.resume_after
        ) from None
    except BusUnavailable:
        raise GatewayError(
            "the event stream is unavailable; retry later", ErrorCode.INTERNAL, retryable=True
        ) from None


_EVENTS_READ = [requires(Scope.EVENTS_READ)]


@strawberry.type
class EventSubscription:
    @strawberry.subscription(
        permission_classes=_EVENTS_READ,
        description="Every event, optionally of one room, provider or set of types.",
    )
    async def room_events(
        self,
        info: Info,
        room_id: strawberry.ID | None = strawberry.UNSET,
        provider: Provider | None = strawberry.UNSET,
        types: list[EventType] | None = strawberry.UNSET,
        after: str | None = strawberry.UNSET,
    ) -> AsyncGenerator[RoomEvent, None]:
        wanted = event_filter(room_id, provider, types)
        async for event in deliver(info, event_stream(info, wanted, after), to_room_event):
            yield event

    @strawberry.subscription(
        permission_classes=_EVENTS_READ, description="Participants joining and leaving."
    )
    async def participant_events(
        self,
        info: Info,
        room_id: strawberry.ID | None = strawberry.UNSET,
        provider: Provider | None = strawberry.UNSET,
        after: str | None = strawberry.UNSET,
    ) -> AsyncGenerator[ParticipantEvent, None]:
        wanted = event_filter(room_id, provider, PARTICIPANT_TYPES)
        events = event_stream(info, wanted, after)
        async for event in deliver(info, events, ParticipantEvent.from_stored):
            yield event

    @strawberry.subscription(
        permission_classes=_EVENTS_READ,
        description="Recordings starting, stopping, becoming ready or failing.",
    )
    async def recording_events(
        self,
        info: Info,
        room_id: strawberry.ID | None = strawberry.UNSET,
        provider: Provider | None = strawberry.UNSET,
        after: str | None = strawberry.UNSET,
    ) -> AsyncGenerator[RecordingEvent, None]:
        wanted = event_filter(room_id, provider, RECORDING_TYPES)
        events = event_stream(info, wanted, after)
        async for event in deliver(info, events, RecordingEvent.from_stored):
            yield event
