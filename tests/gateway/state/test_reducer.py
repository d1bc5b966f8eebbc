"""The room-state projection of a room's events, event by event."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.events import StoredEvent
from gateway.state.model import RoomSnapshot
from gateway.state.reducer import apply_event, empty_state, without_stale_presence
from providers import EventType, MeetingEvent
from tests.gateway.events.events import NOW


def stored(
    position: int,
    event_type: EventType,
    *,
    participant: str | None = None,
    session: str | None = "s-1",
    status: str | None = None,
) -> StoredEvent:
    event = MeetingEvent(
        id=f"vonage:{uuid.uuid4().hex}",
        provider="vonage",
        type=event_type,
        raw={},
        room_native_id="room-1",
        session_id=session,
        participant_id=participant,
        participant_name=None if participant is None else participant.title(),
        occurred_at=NOW + timedelta(seconds=position),
        status=status,
    )
    return StoredEvent(event, NOW + timedelta(seconds=position), (position,), f"c{position}")


def replay(*events: StoredEvent) -> RoomSnapshot:
    state = empty_state("vonage", "room-1", NOW)
    for item in events:
        state = apply_event(state, item)
    return state


def present(state: RoomSnapshot) -> list[str]:
    return [participant.id for participant in state.participants]


def test_join_join_leave_then_the_session_end_clears_the_roster() -> None:
    started = stored(1, EventType.SESSION_STARTED)
    ann = stored(2, EventType.PARTICIPANT_JOINED, participant="ann")
    bob = stored(3, EventType.PARTICIPANT_JOINED, participant="bob")
    ann_left = stored(4, EventType.PARTICIPANT_LEFT, participant="ann")
    ended = stored(5, EventType.SESSION_ENDED)

    during = replay(started, ann, bob, ann_left)
    assert during.active
    assert during.session_id == "s-1"
    assert present(during) == ["bob"]
    assert during.participants[0].name == "Bob"
    assert during.cursor == "c4"

    after = apply_event(during, ended)
    assert not after.active
    assert present(after) == []
    assert after.cursor == "c5"


def test_a_join_without_a_session_start_makes_the_room_active() -> None:
    state = replay(stored(1, EventType.PARTICIPANT_JOINED, participant="ann"))
    assert state.active
    assert present(state) == ["ann"]


def test_a_new_session_starts_with_an_empty_roster() -> None:
    state = replay(
        stored(1, EventType.PARTICIPANT_JOINED, participant="ann", session="s-1"),
        stored(2, EventType.PARTICIPANT_JOINED, participant="bob", session="s-2"),
    )
    assert state.session_id == "s-2"
    assert present(state) == ["bob"]


def test_the_end_of_an_older_session_does_not_end_the_current_one() -> None:
    state = replay(
        stored(1, EventType.SESSION_STARTED, session="s-2"),
        stored(2, EventType.PARTICIPANT_JOINED, participant="ann", session="s-2"),
        stored(3, EventType.SESSION_ENDED, session="s-1"),
    )
    assert state.active
    assert present(state) == ["ann"]


def test_recording_status_follows_the_recording_events() -> None:
    state = replay(stored(1, EventType.SESSION_STARTED), stored(2, EventType.RECORDING_STARTED))
    assert state.recording == "RECORDING"
    state = apply_event(state, stored(3, EventType.RECORDING_STOPPED))
    assert state.recording == "PROCESSING"
    state = apply_event(state, stored(4, EventType.RECORDING_READY))
    assert state.recording == "READY"
    restarted = apply_event(state, stored(5, EventType.SESSION_STARTED, session="s-2"))
    assert restarted.recording is None


def test_an_expired_room_has_nobody_in_it() -> None:
    state = replay(
        stored(1, EventType.PARTICIPANT_JOINED, participant="ann"),
        stored(2, EventType.ROOM_EXPIRED),
    )
    assert not state.active
    assert present(state) == []


def test_recording_steps_named_by_the_provider_show_as_starting_and_stopping() -> None:
    started = stored(1, EventType.SESSION_STARTED)
    starting = stored(2, EventType.RECORDING_STARTED, status="STARTING")
    assert replay(started, starting).recording == "STARTING"
    recording = stored(3, EventType.RECORDING_STARTED, status="RECORDING")
    assert replay(started, starting, recording).recording == "RECORDING"
    stopping = stored(4, EventType.RECORDING_STOPPED, status="STOPPING")
    assert replay(started, starting, recording, stopping).recording == "STOPPING"
    stopped = stored(5, EventType.RECORDING_STOPPED, status="PROCESSING")
    assert replay(started, recording, stopping, stopped).recording == "PROCESSING"


def test_a_status_foreign_to_the_event_type_falls_back_to_the_type() -> None:
    started = stored(1, EventType.SESSION_STARTED)
    odd = stored(2, EventType.RECORDING_STARTED, status="READY")
    assert replay(started, odd).recording == "RECORDING"


def test_a_closed_room_is_inactive_with_nobody_in_it() -> None:
    state = replay(
        stored(1, EventType.SESSION_STARTED),
        stored(2, EventType.PARTICIPANT_JOINED, participant="ann"),
        stored(3, EventType.ROOM_CLOSED, session=None),
    )
    assert not state.active
    assert present(state) == []
    assert state.cursor == "c3"


@pytest.mark.parametrize(
    "event_type",
    [
        EventType.ROOM_CREATED,
        EventType.ROOM_UPDATED,
        EventType.TRANSCRIPTION_READY,
        EventType.STREAM_STARTED,
        EventType.STREAM_STOPPED,
        EventType.STREAM_FAILED,
    ],
)
def test_events_that_do_not_change_presence_only_move_the_cursor(event_type: EventType) -> None:
    before = replay(
        stored(1, EventType.SESSION_STARTED),
        stored(2, EventType.PARTICIPANT_JOINED, participant="ann"),
    )
    after = apply_event(before, stored(3, event_type))
    assert after == before.evolve(position=(3,), cursor="c3", updated_at=after.updated_at)
    assert present(after) == ["ann"]


def test_an_event_already_applied_changes_nothing() -> None:
    join = stored(2, EventType.PARTICIPANT_JOINED, participant="ann")
    state = replay(join)
    assert apply_event(state, join) is state
    assert apply_event(state, stored(1, EventType.SESSION_ENDED)) is state


def test_a_room_silent_for_longer_than_idle_reads_as_ended() -> None:
    state = replay(stored(1, EventType.PARTICIPANT_JOINED, participant="ann"))
    idle = timedelta(hours=24)
    assert without_stale_presence(state, state.updated_at + idle, idle) == state
    stale = without_stale_presence(state, state.updated_at + idle * 2, idle)
    assert not stale.active
    assert present(stale) == []


def test_the_stored_form_reads_back_equal() -> None:
    state = replay(
        stored(1, EventType.SESSION_STARTED),
        stored(2, EventType.PARTICIPANT_JOINED, participant="ann"),
        stored(3, EventType.RECORDING_STARTED),
    )
    assert RoomSnapshot.from_json(state.to_json()) == state


_STEPS = st.lists(
    st.tuples(
        st.sampled_from(
            [EventType.PARTICIPANT_JOINED, EventType.PARTICIPANT_LEFT, EventType.SESSION_ENDED]
        ),
        st.sampled_from(["ann", "bob", "cat"]),
    ),
    max_size=30,
)


@given(_STEPS)
def test_present_is_who_joined_and_has_not_left_since_the_last_end(
    steps: list[tuple[EventType, str]],
) -> None:
    events = [
        stored(position, event_type, participant=who)
        for position, (event_type, who) in enumerate(steps, start=1)
    ]
    expected: dict[str, None] = {}
    for item in events:
        who = item.event.participant_id or ""
        if item.event.type is EventType.PARTICIPANT_JOINED:
            expected.pop(who, None)
            expected[who] = None
        elif item.event.type is EventType.PARTICIPANT_LEFT:
            expected.pop(who, None)
        else:
            expected.clear()
    assert present(replay(*events)) == list(expected)
    # applying the same events twice (two replicas, a replay) gives the same state
    state = replay(*events)
    for item in events:
        state = apply_event(state, item)
    assert state == replay(*events)
