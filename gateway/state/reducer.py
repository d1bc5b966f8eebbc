"""How one event changes a room's state: a pure function, the same on every replica."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from gateway.events.model import StoredEvent
from gateway.state.model import PresentParticipant, RoomSnapshot
from providers import EventType, MeetingEvent

__all__ = [
    "MAX_PRESENT",
    "RoomChange",
    "apply_event",
    "change_of",
    "empty_state",
    "without_stale_presence",
]

#: participants listed per room at most; joins of anyone else past it are not listed (a
#: guard against a provider that never sends leaves, or a flood of joins: a room's
#: records stay bounded, not a meeting size anyone reaches)
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


@dataclass(frozen=True, slots=True)
class RoomChange:
    """What one event does to a room: ``state`` is its new header (the participants are
    not read nor set), then the roster is emptied (``clear``), ``left`` removed and
    ``joined`` put last (replacing an earlier record of the same id)."""

    state: RoomSnapshot
    clear: bool = False
    joined: PresentParticipant | None = None
    left: str | None = None


def empty_state(provider: str, room_native_id: str, now: datetime) -> RoomSnapshot:
    """A room no event has touched: inactive, nobody present."""
    return RoomSnapshot(provider=provider, room_native_id=room_native_id, updated_at=now)


def change_of(state: RoomSnapshot, stored: StoredEvent) -> RoomChange | None:
    """What ``stored`` changes in a room whose header is ``state``; ``None`` for an event at
    or before ``state.position`` (already applied). Reads no participant: an event costs
    the same in a room of any size."""
    if state.position is not None and stored.position <= state.position:
        return None
    change = _CHANGES.get(stored.event.type, _unchanged)(state, stored.event)
    header = change.state.evolve(
        position=stored.position, cursor=stored.cursor, updated_at=stored.received_at
    )
    return replace(change, state=header)


def apply_event(state: RoomSnapshot, stored: StoredEvent) -> RoomSnapshot:
    """``state`` after ``stored``; an event at or before ``state.position`` changes nothing."""
    change = change_of(state, stored)
    if change is None:
        return state
    return change.state.evolve(participants=_roster_after(state.participants, change))


def _roster_after(
    participants: tuple[PresentParticipant, ...], change: RoomChange
) -> tuple[PresentParticipant, ...]:
    kept = () if change.clear else participants
    joined = change.joined
    gone = joined.id if joined is not None else change.left
    if gone is not None:
        kept = tuple(p for p in kept if p.id != gone)
    if joined is not None and len(kept) < MAX_PRESENT:
        kept = (*kept, joined)
    return kept


def without_stale_presence(state: RoomSnapshot, now: datetime, idle: timedelta) -> RoomSnapshot:
    """A room with no event for ``idle`` reads as ended: its session's end was lost."""
    if state.active and now - state.updated_at > idle:
        return state.evolve(active=False, participants=())
    return state


def _unchanged(state: RoomSnapshot, event: MeetingEvent) -> RoomChange:
    del event
    return RoomChange(state)


def _in_session(state: RoomSnapshot, event: MeetingEvent) -> RoomChange:
    """Active in ``event``'s session; a different session starts from an empty roster."""
    session = event.session_id or state.session_id
    if state.active and session == state.session_id:
        return RoomChange(state)
    return RoomChange(state.evolve(active=True, session_id=session, recording=None), clear=True)


def _session_started(state: RoomSnapshot, event: MeetingEvent) -> RoomChange:
    if state.active and event.session_id in (None, state.session_id):
        return RoomChange(state)
    started = state.evolve(active=True, session_id=event.session_id, recording=None)
    return RoomChange(started, clear=True)


def _session_ended(state: RoomSnapshot, event: MeetingEvent) -> RoomChange:
    if event.session_id is not None and state.session_id not in (None, event.session_id):
        return RoomChange(state)  # the end of an older session: the current one goes on
    recording = "PROCESSING" if state.recording in ("RECORDING", "STARTING") else state.recording
    return RoomChange(state.evolve(active=False, recording=recording), clear=True)


def _room_gone(state: RoomSnapshot, event: MeetingEvent) -> RoomChange:
    del event
    return RoomChange(state.evolve(active=False), clear=True)


def _joined(state: RoomSnapshot, event: MeetingEvent) -> RoomChange:
    change = _in_session(state, event)
    if event.participant_id is None:
        return change
    joined = PresentParticipant(
        id=event.participant_id,
        name=event.participant_name,
        role=event.role,
        is_host=event.is_host,
        joined_at=event.occurred_at,
    )
    return replace(change, joined=joined)


def _left(state: RoomSnapshot, event: MeetingEvent) -> RoomChange:
    return RoomChange(state, left=event.participant_id)


def _recording(state: RoomSnapshot, event: MeetingEvent) -> RoomChange:
    steps = _RECORDING_STEPS.get(event.type, frozenset())
    status = event.status if event.status in steps else _RECORDING_STATUS[event.type]
    return RoomChange(state.evolve(recording=status))


_CHANGES: dict[EventType, Callable[[RoomSnapshot, MeetingEvent], RoomChange]] = {
    EventType.SESSION_STARTED: _session_started,
    EventType.SESSION_ENDED: _session_ended,
    EventType.PARTICIPANT_JOINED: _joined,
    EventType.PARTICIPANT_LEFT: _left,
    EventType.ROOM_EXPIRED: _room_gone,
    EventType.ROOM_CLOSED: _room_gone,
    **dict.fromkeys(_RECORDING_STATUS, _recording),
}
