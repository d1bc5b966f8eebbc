"""Where a provider's sessions come from, decided by its capabilities (never its name):
its sessions API (``SESSIONS``), else the session history projected from its events
(``EVENTS``), else nowhere (``UNSUPPORTED``)."""

from __future__ import annotations

from typing import Any

from gateway.graphql.fanout import Deadline
from gateway.graphql.loaders import resource_cache
from gateway.graphql.targets import Target
from gateway.services import Services
from providers import Capability, ProviderAdapter, ResourceNotFound, Session, UnsupportedOperation

__all__ = ["existing_room", "find_session", "room_sessions"]


def _unsupported(adapter: ProviderAdapter[Any]) -> UnsupportedOperation:
    return UnsupportedOperation(adapter.name, f"{adapter.title} has neither sessions nor events")


async def existing_room(services: Services, room: Target) -> None:
    """``ResourceNotFound`` (NOT_FOUND) unless the provider knows the room."""
    adapter = room.adapter
    await resource_cache(services).room(
        room.provider, room.native_id, lambda: adapter.get_room(room.native_id)
    )


async def room_sessions(services: Services, room: Target, deadline: Deadline) -> list[Session]:
    """Every session of the room the source knows, newest first."""
    adapter = room.adapter
    if Capability.SESSIONS in adapter.capabilities:
        return await deadline.run(adapter.name, adapter.list_sessions(room.native_id))
    if Capability.EVENTS in adapter.capabilities:
        history = await services.room_states.history(adapter.name, room.native_id)
        return [s.to_domain(adapter.name, room.native_id) for s in history.sessions]
    raise _unsupported(adapter)


async def find_session(
    services: Services, adapter: ProviderAdapter[Any], native_id: str, deadline: Deadline
) -> Session | None:
    """The session with this native id; ``None`` when its source does not know it."""
    if Capability.SESSIONS in adapter.capabilities:
        try:
            return await deadline.run(adapter.name, adapter.get_session(native_id))
        except ResourceNotFound:
            return None
    if Capability.EVENTS in adapter.capabilities:
        room = await services.room_states.session_room(adapter.name, native_id)
        if room is None:
            return None
        found = (await services.room_states.history(adapter.name, room)).find(native_id)
        return None if found is None else found.to_domain(adapter.name, room)
    raise _unsupported(adapter)
