"""The session history reducer: bounds, idempotence, lost ends, events without a session."""

from __future__ import annotations

import uuid

from gateway.events import StoredEvent
from gateway.state.history import HistoryLimits, SessionHistory, apply_history
from providers import EventType, MeetingEvent
from tests.gateway.events.events import NOW

LIMITS = HistoryLimits(max_sessions=3, max_participants=2)


def stored(
    seq: int, event_type: EventType, session: str | None = "s-1", participant: str | None = None
) -> StoredEvent:
    event = MeetingEvent(
        id=f"metered:{uuid.uuid4().hex}",
        provider="metered",
        type=event_type,
        raw={},
        room_native_id="room-1",
        session_id=session,
        participant_id=participant,
    )
    return StoredEvent(event=event, received_at=NOW, position=(seq,), cursor=str(seq))


def replay(*events: StoredEvent, limits: HistoryLimits = LIMITS) -> SessionHistory:
    history = SessionHistory()
    for item in events:
        history = apply_history(history, item, limits)
    return history


def test_participants_past_the_bound_are_counted_not_listed() -> None:
    history = replay(
        *(stored(n, EventType.PARTICIPANT_JOINED, participant=f"p{n}") for n in range(1, 5))
    )
    (session,) = history.sessions
    assert [p.id for p in session.participants] == ["p1", "p2"]
    assert session.dropped_participants == 2
    assert SessionHistory.from_json(history.to_json()) == history


def test_only_the_newest_sessions_are_kept_and_a_new_start_ends_the_running_one() -> None:
    history = replay(*(stored(n, EventType.SESSION_STARTED, session=f"s{n}") for n in range(1, 6)))
    assert [s.native_id for s in history.sessions] == ["s5", "s4", "s3"]
    assert [s.active for s in history.sessions] == [True, False, False]
    assert history.sessions[1].ended_at is None  # never reported, not guessed


def test_an_event_applied_twice_changes_nothing() -> None:
    joined = stored(2, EventType.PARTICIPANT_JOINED, participant="ann")
    history = replay(stored(1, EventType.SESSION_STARTED), joined)
    assert apply_history(history, joined, LIMITS) is history
    assert apply_history(history, stored(3, EventType.RECORDING_STARTED), LIMITS) is history


def test_events_without_a_session_id_join_the_running_session() -> None:
    history = replay(
        stored(1, EventType.SESSION_STARTED, session=None),
        stored(2, EventType.PARTICIPANT_JOINED, session=None, participant="ann"),
        stored(3, EventType.PARTICIPANT_LEFT, session=None, participant="ann"),
        stored(4, EventType.SESSION_ENDED, session=None),
        stored(5, EventType.PARTICIPANT_LEFT, session=None, participant="late"),
    )
    (session,) = history.sessions
    assert session.native_id.startswith("ev-")
    assert not session.active
    assert session.ended_at == NOW
    assert [(p.id, p.present, p.left_at) for p in session.participants] == [("ann", False, NOW)]
    assert history.position == (5,)
