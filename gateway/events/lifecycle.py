"""Room lifecycle events: what the gateway's own room mutations publish to the event log.

``createRoom``, ``updateRoom`` and ``closeRoom`` publish ``ROOM_CREATED``, ``ROOM_UPDATED``
and ``ROOM_CLOSED`` through the same bus as webhook events (dedupe, cursor, replay). The
event id is derived from the operation, so a repeat of the same change (an idempotent
``createRoom`` retry, a second ``closeRoom`` of the same room) is dropped by the bus's
dedupe instead of published twice. The provider change has already happened when the
event is published: a failure to publish is logged and counted, never the mutation's error.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from gateway.events.base import EventBus
from gateway.observability import tracing
from providers import LIFECYCLE_EVENT_TYPES, EventType, MeetingEvent, Room, stable_event_id

__all__ = ["PUBLISH_TIMEOUT_SECONDS", "LifecycleStats", "RoomLifecycle", "lifecycle_event"]

log = logging.getLogger("gateway.events.lifecycle")

#: how long a mutation waits for its event to be appended before giving up on it
PUBLISH_TIMEOUT_SECONDS = 5.0

_OPERATIONS = {
    EventType.ROOM_CREATED: "createRoom",
    EventType.ROOM_UPDATED: "updateRoom",
    EventType.ROOM_CLOSED: "closeRoom",
}


def _utc_now() -> datetime:
    return datetime.now(UTC)


def lifecycle_event(
    event_type: EventType,
    room: Room,
    operation_key: str,
    occurred_at: datetime,
    tenant: str | None = None,
) -> MeetingEvent:
    """The event of one room change (of ``tenant``'s room); the same ``operation_key``
    gives the same id."""
    if event_type not in LIFECYCLE_EVENT_TYPES:
        raise ValueError(f"{event_type.value} is not a room lifecycle event")
    operation = _OPERATIONS[event_type]
    identity = {"operation": operation, "room": room.id, "key": operation_key}
    return MeetingEvent(
        id=stable_event_id(room.provider, event_type, identity),
        provider=room.provider,
        type=event_type,
        # no host URL or provider record here: those are Room fields, behind their scopes
        raw={"source": "gateway", "operation": operation, "roomId": room.id},
        room_native_id=room.native_id,
        occurred_at=occurred_at,
        room=room,
        tenant=tenant,
    )


@dataclass(slots=True)
class LifecycleStats:
    """Counters of lifecycle events since start."""

    published: int = 0
    duplicates: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


class RoomLifecycle:
    """Publishes room changes; never raises for a bus failure (the change is done)."""

    def __init__(
        self,
        bus: EventBus,
        clock: Callable[[], datetime] = _utc_now,
        timeout: float = PUBLISH_TIMEOUT_SECONDS,
    ) -> None:
        self._bus = bus
        self._clock = clock
        self._timeout = timeout
        self.stats = LifecycleStats()

    async def publish(
        self, event_type: EventType, room: Room, operation_key: str, tenant: str | None
    ) -> None:
        """Append the event of this change to ``tenant``'s room (``None``: a room with no
        recorded tenant) unless an event of the same operation is there."""
        now = self._clock()
        event = lifecycle_event(event_type, room, operation_key, now, tenant)
        try:
            async with asyncio.timeout(self._timeout):
                with tracing.publishing([event]):
                    result = await self._bus.publish([event], now)
        except Exception:
            self.stats.failed += 1
            log.exception("%s of %s could not be published", event_type.value, room.id)
            return
        self.stats.published += len(result.appended)
        self.stats.duplicates += len(result.duplicates)
