"""Event builders and stream helpers for the event tests."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from gateway.events import EventStream, StoredEvent
from providers import EventType, MeetingEvent

__all__ = ["NOW", "collect", "labels", "make_event", "nothing_more"]

NOW = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)


def make_event(
    label: str = "",
    *,
    provider: str = "vonage",
    room: str | None = "room-1",
    event_type: EventType = EventType.PARTICIPANT_JOINED,
) -> MeetingEvent:
    """A distinct event; ``label`` ends up as its participant name."""
    return MeetingEvent(
        id=f"{provider}:{uuid.uuid4().hex}",
        provider=provider,
        type=event_type,
        raw={"label": label},
        room_native_id=room,
        participant_name=label or None,
    )


async def collect(stream: EventStream, count: int, wait: float = 5.0) -> list[StoredEvent]:
    """The next ``count`` events of ``stream``."""
    async with asyncio.timeout(wait):
        return [await anext(stream) for _ in range(count)]


async def nothing_more(stream: EventStream, wait: float = 0.3) -> bool:
    """No further event arrives within ``wait`` seconds."""
    try:
        async with asyncio.timeout(wait):
            await anext(stream)
    except TimeoutError:
        return True
    return False


def labels(items: list[StoredEvent]) -> list[str]:
    """The labels of stored events, in order."""
    return [str(item.event.raw["label"]) for item in items]
