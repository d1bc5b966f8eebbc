"""A room's recent sessions built from its events, for providers without a sessions API.

A pure reducer over the event log, like the room state beside it: each replica applies
every event once (the history remembers the position of the last one it took), so every
replica and every restart ends with the same history. Bounded: the newest
``max_sessions`` sessions per room, ``max_participants`` participants per session (later
joiners are counted in ``dropped_participants``, not listed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import orjson

from gateway.events.model import Position, StoredEvent
from providers import EventType, MeetingEvent, Participant, Session

__all__ = [
    "HISTORY_TYPES",
    "HistoryLimits",
    "RecordedSession",
    "SessionHistory",
    "apply_history",
    "session_of_event",
]

#: the event types that change a history; the others are not even read
HISTORY_TYPES = frozenset(
    {
        EventType.SESSION_STARTED,
        EventType.SESSION_ENDED,
        EventType.PARTICIPANT_JOINED,
        EventType.PARTICIPANT_LEFT,
        EventType.ROOM_EXPIRED,
    }
)


@dataclass(frozen=True, slots=True)
class HistoryLimits:
    max_sessions: int
    max_participants: int


@dataclass(frozen=True, slots=True)
class RecordedSession:
    """One session as its events told it."""

    native_id: str
    active: bool
    started_at: datetime | None = None
    ended_at: datetime | None = None
    participants: tuple[Participant, ...] = ()
    dropped_participants: int = 0

    def to_domain(self, provider: str, room_native_id: str) -> Session:
        raw = {"source": "events", "droppedParticipants": self.dropped_participants}
        return Session(
            provider=provider,
            native_id=self.native_id,
            raw=raw,
            room_native_id=room_native_id,
            started_at=self.started_at,
            ended_at=self.ended_at,
            status="ongoing" if self.active else "ended",
            active=self.active,
            participants=self.participants,
        )


@dataclass(frozen=True, slots=True)
class SessionHistory:
    """A room's sessions, newest first, after the events up to ``position``."""

    sessions: tuple[RecordedSession, ...] = ()
    position: Position | None = None

    def find(self, native_id: str) -> RecordedSession | None:
        return next((s for s in self.sessions if s.native_id == native_id), None)

    def to_json(self) -> bytes:
        return orjson.dumps(
            {
                "position": None if self.position is None else list(self.position),
                "sessions": [_session_json(s) for s in self.sessions],
            }
        )

    @classmethod
    def from_json(cls, text: bytes | str) -> SessionHistory:
        data = orjson.loads(text)
        position = data["position"]
        return cls(
            sessions=tuple(_session_of(s) for s in data["sessions"]),
            position=None if position is None else tuple(position),
        )


def session_of_event(history: SessionHistory, event: MeetingEvent) -> str | None:
    """The session an event belongs to: its own id, else the room's running session, else
    (for a start or a join) a new one named after the event; ``None``: none to change."""
    if event.session_id is not None:
        return event.session_id
    running = next((s for s in history.sessions if s.active), None)
    if running is not None:
        return running.native_id
    if event.type in (EventType.SESSION_STARTED, EventType.PARTICIPANT_JOINED):
        return "ev-" + event.id.rpartition(":")[2]
    return None


def apply_history(
    history: SessionHistory, stored: StoredEvent, limits: HistoryLimits
) -> SessionHistory:
    """``history`` after ``stored``; the same object when the event changes nothing."""
    event = stored.event
    if event.type not in HISTORY_TYPES:
        return history
    if history.position is not None and stored.position <= history.position:
        return history
    if event.type is EventType.ROOM_EXPIRED:
        ended = tuple(_ended(s, stored.occurred_at) if s.active else s for s in history.sessions)
        return replace(history, sessions=ended, position=stored.position)
    native_id = session_of_event(history, event)
    if native_id is None:
        return replace(history, position=stored.position)
    history, session = _with_session(history, native_id, stored, limits)
    changed = _CHANGES[event.type](session, stored, limits)
    sessions = tuple(changed if s.native_id == native_id else s for s in history.sessions)
    return replace(history, sessions=sessions, position=stored.position)


def _with_session(
    history: SessionHistory, native_id: str, stored: StoredEvent, limits: HistoryLimits
) -> tuple[SessionHistory, RecordedSession]:
    """``history`` holding ``native_id``, a new session first. A start or a join of a new
    session ends the running one: a room runs one session at a time, so its end was lost."""
    known = history.find(native_id)
    if known is not None:
        return history, known
    event = stored.event
    started = event.started_at or stored.occurred_at
    new = RecordedSession(native_id=native_id, active=True, started_at=started)
    older = history.sessions
    if event.type in (EventType.SESSION_STARTED, EventType.PARTICIPANT_JOINED):
        older = tuple(_ended(s, None) if s.active else s for s in older)
    return replace(history, sessions=(new, *older)[: limits.max_sessions]), new


def _ended(session: RecordedSession, at: datetime | None) -> RecordedSession:
    """Over, nobody present; an unknown end stays ``None`` rather than guessed."""
    participants = tuple(
        replace(p, present=False, left_at=p.left_at or at) if p.present else p
        for p in session.participants
    )
    return replace(session, active=False, ended_at=at, participants=participants)


def _started(
    session: RecordedSession, stored: StoredEvent, limits: HistoryLimits
) -> RecordedSession:
    del limits
    if session.started_at is not None:
        return session
    return replace(session, started_at=stored.event.started_at or stored.occurred_at)


def _session_ended(
    session: RecordedSession, stored: StoredEvent, limits: HistoryLimits
) -> RecordedSession:
    del limits
    event = stored.event
    ended = _ended(session, event.ended_at or stored.occurred_at)
    if ended.started_at is None and event.started_at is not None:
        ended = replace(ended, started_at=event.started_at)
    return ended


def _joined(
    session: RecordedSession, stored: StoredEvent, limits: HistoryLimits
) -> RecordedSession:
    event = stored.event
    if event.participant_id is None:
        return session
    known = next((p for p in session.participants if p.id == event.participant_id), None)
    if known is not None:
        back = replace(
            known, present=session.active, left_at=None if session.active else known.left_at
        )
        return _replace_participant(session, back)
    if len(session.participants) >= limits.max_participants:
        return replace(session, dropped_participants=session.dropped_participants + 1)
    joined = Participant(
        id=event.participant_id,
        name=event.participant_name,
        role=event.role,
        is_host=event.is_host,
        joined_at=stored.occurred_at,
        present=session.active,
    )
    return replace(session, participants=(*session.participants, joined))


def _left(session: RecordedSession, stored: StoredEvent, limits: HistoryLimits) -> RecordedSession:
    event = stored.event
    if event.participant_id is None:
        return session
    known = next((p for p in session.participants if p.id == event.participant_id), None)
    if known is not None:
        return _replace_participant(
            session, replace(known, present=False, left_at=stored.occurred_at)
        )
    if len(session.participants) >= limits.max_participants:
        return session  # counted, if at all, when it joined
    left = Participant(
        id=event.participant_id,
        name=event.participant_name,
        role=event.role,
        is_host=event.is_host,
        left_at=stored.occurred_at,
    )
    return replace(session, participants=(*session.participants, left))


def _replace_participant(session: RecordedSession, changed: Participant) -> RecordedSession:
    participants = tuple(changed if p.id == changed.id else p for p in session.participants)
    return replace(session, participants=participants)


_Change = Callable[[RecordedSession, StoredEvent, HistoryLimits], RecordedSession]
_CHANGES: dict[EventType, _Change] = {
    EventType.SESSION_STARTED: _started,
    EventType.SESSION_ENDED: _session_ended,
    EventType.PARTICIPANT_JOINED: _joined,
    EventType.PARTICIPANT_LEFT: _left,
}


def _parse(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _session_json(session: RecordedSession) -> dict[str, Any]:
    """Times are left to orjson, which writes them as ``isoformat`` does (the same bytes),
    several times faster: a session of hundreds is encoded with each of its events."""
    return {
        "id": session.native_id,
        "active": session.active,
        "started": session.started_at,
        "ended": session.ended_at,
        "dropped": session.dropped_participants,
        "participants": [
            [p.id, p.name, p.role, p.is_host, p.joined_at, p.left_at, p.present]
            for p in session.participants
        ],
    }


def _session_of(data: dict[str, Any]) -> RecordedSession:
    return RecordedSession(
        native_id=data["id"],
        active=data["active"],
        started_at=_parse(data["started"]),
        ended_at=_parse(data["ended"]),
        dropped_participants=data["dropped"],
        participants=tuple(
            Participant(
                id=p[0],
                name=p[1],
                role=p[2],
                is_host=p[3],
                joined_at=_parse(p[4]),
                left_at=_parse(p[5]),
                present=p[6],
            )
            for p in data["participants"]
        ),
    )
