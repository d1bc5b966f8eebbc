"""How one event changes a room's state: a pure function, the same on every replica."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from gateway.events.model import StoredEvent
from gateway.state.model import PresentParticipant, RoomSnapshot
from providers import EventType, MeetingEvent

__all__ = ["MAX_PRESENT", "apply_event", "empty_state", "without_stale_presence"]

#: participants listed per room at most; joins past it are not listed (a guard against a
#: provider that never sends leaves, not a meeting size anyone reaches)
MAX_PRESENT = 1_000

#: the recording status after each recording event, by default
_RECORDING_STATUS = {
    EventType.RECORDING_STARTED: "RECORDING",
    EventType.RECORDING_STOPPED: "PROCESSING",
    EventType.RECORDING_READY: "READY",
    EventType.RECORDING_FAILED: "FAILED",
}
#: the steps an event type may name instead (``recording-starting`` is RECORDING_STARTED)
_RECORDING_STEPS = {
    EventType.RECORDING_STARTED: frozenset({"STARTING", "RECORDING"}),
    EventType.RECORDING_STOPPED: frozenset({"STOPPING", "PROCESSING"}),
}


def empty_state(provider: str, room_native_id: str, now: datetime) -> RoomSnapshot:
    """A room no event has touched: inactive, nobody present."""
    return RoomSnapshot(provider=provider, room_native_id=room_native_id, updated_at=now)


def apply_event(state: RoomSnapshot, stored: StoredEvent) -> RoomSnapshot:
    """``state`` after ``stored``; an event at or before ``state.position`` changes nothing."""
    if state.position is not None and stored.position <= state.position:
        return state
    changed = _CHANGES.get(stored.event.type, _unchanged)(state, stored.event)
    return changed.evolve(
        position=stored.position, cursor=stored.cursor, updated_at=stored.received_at
    )


def without_stale_presence(state: RoomSnapshot, now: datetime, idle: timedelta) -> RoomSnapshot:
    """A room with no event for ``idle`` reads as ended: its session's end was lost."""
    if state.active and now - state.updated_at > idle:
        return state.evolve(active=False, participants=())
    return state


def _unchanged(state: RoomSnapshot, event: MeetingEvent) -> RoomSnapshot:
    del event
    return state


def _in_session(state: RoomSnapshot, event: MeetingEvent) -> RoomSnapshot:
    """Active in ``event``'s session; a different session starts from an empty roster."""
    session = event.session_id or state.session_id
    if state.active and session == state.session_id:
        return state
    return state.evolve(active=True, session_id=session, participants=(), recording=None)


def _session_started(state: RoomSnapshot, event: MeetingEvent) -> RoomSnapshot:
    if state.active and event.session_id in (None, state.session_id):
        return state
    return state.evolve(active=True, session_id=event.session_id, participants=(), recording=None)


def _session_ended(state: RoomSnapshot, event: MeetingEvent) -> RoomSnapshot:
    if event.session_id is not None and state.session_id not in (None, event.session_id):
        return state  # the end of an older session: the current one goes on
    recording = "PROCESSING" if state.recording in ("RECORDING", "STARTING") else state.recording
    return state.evolve(active=False, participants=(), recording=recording)


def _room_gone(state: RoomSnapshot, event: MeetingEvent) -> RoomSnapshot:
    del event
    return state.evolve(active=False, participants=())


def _joined(state: RoomSnapshot, event: MeetingEvent) -> RoomSnapshot:
    if event.participant_id is None:
        return _in_session(state, event)
    state = _in_session(state, event)
    others = tuple(p for p in state.participants if p.id != event.participant_id)
    if len(others) >= MAX_PRESENT:
        return state
    joined = PresentParticipant(
        id=event.participant_id,
        name=event.participant_name,
        role=event.role,
        is_host=event.is_host,
        joined_at=event.occurred_at,
    )
    return state.evolve(participants=(*others, joined))


def _left(state: RoomSnapshot, event: MeetingEvent) -> RoomSnapshot:
    remaining = tuple(p for p in state.participants if p.id != event.participant_id)
    return state.evolve(participants=remaining)


def _recording(state: RoomSnapshot, event: MeetingEvent) -> RoomSnapshot:
    steps = _RECORDING_STEPS.get(event.type, frozenset())
    status = event.status if event.status in steps else _RECORDING_STATUS[event.type]
    return state.evolve(recording=status)


_CHANGES: dict[EventType, Callable[[RoomSnapshot, MeetingEvent], RoomSnapshot]] = {
    EventType.SESSION_STARTED: _session_started,
    EventType.SESSION_ENDED: _session_ended,
    EventType.PARTICIPANT_JOINED: _joined,
    EventType.PARTICIPANT_LEFT: _left,
    EventType.ROOM_EXPIRED: _room_gone,
    EventType.ROOM_CLOSED: _room_gone,
    **dict.fromkeys(_RECORDING_STATUS, _recording),
}
