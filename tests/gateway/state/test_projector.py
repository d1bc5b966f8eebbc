"""Room states projected from a real event log, in memory and on Redis."""

from __future__ import annotations

import pytest

from gateway.state.projector import room_key
from gateway.state.store import RosterEdit
from providers import EventType
from tests.gateway.events.conftest import BusFactory
from tests.gateway.events.events import NOW, collect
from tests.gateway.state.projection import ProjectorFactory, event, present, settled


async def test_the_state_follows_the_log(
    make_bus: BusFactory, make_projector: ProjectorFactory
) -> None:
    bus = await make_bus()
    projector, _ = await make_projector(bus)
    await projector.snapshot("vonage", "room-1")  # reading the log
    result = await bus.publish(
        [
            event(EventType.SESSION_STARTED),
            event(EventType.PARTICIPANT_JOINED, "ann"),
            event(EventType.PARTICIPANT_JOINED, "bob"),
            event(EventType.PARTICIPANT_LEFT, "ann"),
            event(EventType.PARTICIPANT_JOINED, "zed", room="room-2"),
        ],
        NOW,
    )
    state = await settled(projector, result.appended[3].cursor)
    assert state.active
    assert present(state) == ["bob"]
    other = await settled(projector, result.appended[4].cursor, room="room-2")
    assert present(other) == ["zed"]


async def test_two_replicas_apply_each_event_once(
    request: pytest.FixtureRequest, make_bus: BusFactory, make_projector: ProjectorFactory
) -> None:
    if request.node.callspec.params["make_bus"] == "memory":
        pytest.skip("replicas share a log through Redis only")
    first, _ = await make_projector(await make_bus())
    second, _ = await make_projector(await make_bus())
    bus = await make_bus()
    for projector in (first, second):
        await projector.snapshot("vonage", "room-1")
    joins = [event(EventType.PARTICIPANT_JOINED, f"p{n}") for n in range(30)]
    leaves = [event(EventType.PARTICIPANT_LEFT, f"p{n}") for n in range(0, 30, 2)]
    last = None
    for item in [*joins, *leaves]:
        last = (await bus.publish([item], NOW)).appended[0].cursor
    assert last is not None
    for projector in (first, second):
        state = await settled(projector, last)
        assert present(state) == [f"p{n}" for n in range(1, 30, 2)]


async def test_a_restarted_replica_applies_what_it_missed(
    request: pytest.FixtureRequest, make_bus: BusFactory, make_projector: ProjectorFactory
) -> None:
    if request.node.callspec.params["make_bus"] == "memory":
        pytest.skip("an in-process log does not outlive its process")
    bus = await make_bus()
    projector, _ = await make_projector(bus, progress_every_events=1)
    await projector.snapshot("vonage", "room-1")
    first = await bus.publish([event(EventType.PARTICIPANT_JOINED, "ann")], NOW)
    await settled(projector, first.appended[0].cursor)
    await projector.aclose()
    missed = await bus.publish([event(EventType.PARTICIPANT_JOINED, "bob")], NOW)

    restarted, _ = await make_projector(await make_bus())
    state = await settled(restarted, missed.appended[0].cursor)
    assert present(state) == ["ann", "bob"]


async def test_a_snapshot_then_the_log_after_its_cursor_has_no_gap_and_no_repeat(
    make_bus: BusFactory, make_projector: ProjectorFactory
) -> None:
    bus = await make_bus()
    projector, _ = await make_projector(bus)
    await projector.snapshot("vonage", "room-1")
    before = await bus.publish(
        [event(EventType.PARTICIPANT_JOINED, "ann"), event(EventType.PARTICIPANT_JOINED, "bob")],
        NOW,
    )
    await settled(projector, before.appended[-1].cursor)
    state, cursor = await projector.snapshot("vonage", "room-1")
    after = await bus.publish([event(EventType.PARTICIPANT_LEFT, "ann")], NOW)
    async with bus.subscribe(after=cursor) as stream:
        (following,) = await collect(stream, 1)
    assert present(state) == ["ann", "bob"]
    assert following.cursor == after.appended[0].cursor


@pytest.mark.parametrize("damaged", [b"not json", b'{"provider": "vonage"}', b"[]"])
async def test_an_unreadable_stored_state_starts_again_and_other_rooms_go_on(
    make_bus: BusFactory, make_projector: ProjectorFactory, damaged: bytes
) -> None:
    """A damaged record (or one another version wrote) must not stop the projection."""
    bus = await make_bus()
    projector, store = await make_projector(bus)
    await projector.snapshot("vonage", "room-1")
    assert await store.change_room(room_key("vonage", "room-1"), None, damaged, RosterEdit(cap=1))
    result = await bus.publish(
        [
            event(EventType.PARTICIPANT_JOINED, "ann"),
            event(EventType.PARTICIPANT_JOINED, "zed", room="room-2"),
        ],
        NOW,
    )
    state = await settled(projector, result.appended[0].cursor)
    other = await settled(projector, result.appended[1].cursor, room="room-2")
    assert present(state) == ["ann"]
    assert present(other) == ["zed"]
