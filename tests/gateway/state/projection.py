"""Builders and waits for the tests of room states projected from a real event log."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from gateway.events.base import LogBus
from gateway.state import RoomSnapshot, StateProjector
from gateway.state.store import StateStore
from providers import EventType, MeetingEvent

__all__ = ["Projection", "ProjectorFactory", "event", "present", "reading", "settled"]

Projection = tuple[StateProjector, StateStore]
ProjectorFactory = Callable[..., Awaitable[Projection]]


async def reading(
    make_bus: Callable[..., Awaitable[LogBus]], make_projector: ProjectorFactory, **settings: Any
) -> tuple[LogBus, StateProjector]:
    """A bus and a projector of its log that reads it already."""
    bus = await make_bus()
    projector, _ = await make_projector(bus, **settings)
    await projector.snapshot("vonage", "room-1")
    return bus, projector


def event(
    event_type: EventType, participant: str | None = None, room: str = "room-1"
) -> MeetingEvent:
    return MeetingEvent(
        id=f"vonage:{uuid.uuid4().hex}",
        provider="vonage",
        type=event_type,
        raw={},
        room_native_id=room,
        session_id="s-1",
        participant_id=participant,
    )


async def settled(
    projector: StateProjector, expected_cursor: str, room: str = "room-1"
) -> RoomSnapshot:
    async with asyncio.timeout(5):
        while True:
            state = await projector.current("vonage", room)
            if state.cursor == expected_cursor:
                return state
            await asyncio.sleep(0.01)


def present(state: RoomSnapshot) -> list[str]:
    return [participant.id for participant in state.participants]
