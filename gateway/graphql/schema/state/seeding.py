"""A room no event has touched yet, seeded from the provider's own list of who is present."""

from __future__ import annotations

import logging

from gateway.graphql.targets import Target
from gateway.state import PresentParticipant, RoomSnapshot
from gateway.state.reducer import MAX_PRESENT
from providers import Capability, Participant, ProviderError, Session, global_id

__all__ = ["seeded"]

log = logging.getLogger("gateway.state")


def _present(participant: Participant) -> PresentParticipant:
    return PresentParticipant(
        id=participant.id,
        name=participant.name,
        role=participant.role,
        is_host=participant.is_host,
        joined_at=participant.joined_at,
    )


def _with_session(state: RoomSnapshot, session: Session) -> RoomSnapshot:
    present = tuple(_present(p) for p in session.participants if p.present)
    return state.evolve(
        active=True, session_id=session.native_id, participants=present[:MAX_PRESENT]
    )


async def seeded(found: Target, state: RoomSnapshot) -> RoomSnapshot:
    """``state``, or, when no event reached the room and its provider lists sessions, the
    provider's running session and who is present in it (the room's later events apply on
    top). A provider failure leaves the state as the events made it."""
    if state.position is not None or Capability.SESSIONS not in found.adapter.capabilities:
        return state
    try:
        sessions = await found.adapter.list_sessions(found.native_id)
    except ProviderError as exc:
        log.warning(
            "room state of %s: the provider's sessions are unavailable: %s",
            global_id(found.provider, found.native_id),
            exc,
        )
        return state
    running = next((session for session in sessions if session.active), None)
    return state if running is None else _with_session(state, running)
