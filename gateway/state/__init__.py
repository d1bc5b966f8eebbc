"""Live room state: a projection of each room's events (who is present, whether a session
and a recording are running), kept in the shared store so every replica answers the same."""

from gateway.state.model import PresentParticipant, RoomSnapshot
from gateway.state.projector import StateProjector
from gateway.state.reducer import apply_event
from gateway.state.store import MemoryStateStore, RedisStateStore, StateStore, create_state_store

__all__ = [
    "MemoryStateStore",
    "PresentParticipant",
    "RedisStateStore",
    "RoomSnapshot",
    "StateProjector",
    "StateStore",
    "apply_event",
    "create_state_store",
]
