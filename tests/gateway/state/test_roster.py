"""A room's participants kept one record each: large rooms, replays after a restart, the
per-room cap and the whole-room records of the earlier version."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest
from redis.asyncio import Redis

from gateway.events.base import LogBus
from gateway.state import RoomSnapshot, StateProjector
from gateway.state.model import PresentParticipant
from gateway.state.projector import room_key
from gateway.state.reducer import MAX_PRESENT
from gateway.state.store import RosterEdit
from providers import EventType, MeetingEvent
from tests.gateway.events.conftest import REDIS_URL, BusFactory
from tests.gateway.events.events import NOW
from tests.gateway.state.projection import ProjectorFactory, event, present, reading, settled

ROOM = room_key("vonage", "room-1")


async def publish_all(bus: LogBus, events: list[MeetingEvent]) -> list[str]:
    """The cursors of ``events``, published in batches."""
    cursors: list[str] = []
    for start in range(0, len(events), 100):
        result = await bus.publish(events[start : start + 100], NOW)
        cursors.extend(appended.cursor for appended in result.appended)
    return cursors


def skip_memory(request: pytest.FixtureRequest, why: str) -> None:
    if request.node.callspec.params["make_bus"] == "memory":
        pytest.skip(why)


async def test_joins_leaves_and_rejoins_in_a_room_of_500(
    make_bus: BusFactory, make_projector: ProjectorFactory
) -> None:
    bus, projector = await reading(make_bus, make_projector)
    joins = [event(EventType.PARTICIPANT_JOINED, f"p{n}") for n in range(500)]
    changes = [
        event(EventType.PARTICIPANT_LEFT, "p10"),
        event(EventType.PARTICIPANT_JOINED, "p10"),  # back: listed last
        event(EventType.PARTICIPANT_LEFT, "p20"),
        event(EventType.PARTICIPANT_LEFT, "nobody"),
        event(EventType.PARTICIPANT_JOINED, "late"),
    ]
    cursors = await publish_all(bus, [event(EventType.SESSION_STARTED), *joins, *changes])
    state = await settled(projector, cursors[-1])
    expected = [f"p{n}" for n in range(500) if n not in (10, 20)] + ["p10", "late"]
    assert present(state) == expected
    assert state.active
    assert state.session_id == "s-1"

    ended = await publish_all(bus, [event(EventType.SESSION_ENDED)])
    assert present(await settled(projector, ended[0])) == []


async def test_a_restart_that_applies_events_again_counts_each_once(
    request: pytest.FixtureRequest, make_bus: BusFactory, make_projector: ProjectorFactory
) -> None:
    """A replica stopped after applying events but before recording how far (progress is
    saved every N events) applies them again on restart: nothing is listed or counted twice."""
    skip_memory(request, "an in-process log does not outlive its process")
    bus = await make_bus()
    settings = {"history_providers": frozenset({"vonage"}), "participants_per_session": 3}
    projector, store = await make_projector(bus, progress_every_events=1_000, **settings)
    await projector.snapshot("vonage", "room-1")
    joins = [event(EventType.PARTICIPANT_JOINED, f"p{n}") for n in range(6)]
    cursors = await publish_all(bus, [*joins, event(EventType.PARTICIPANT_LEFT, "p1")])
    await settled(projector, cursors[-1])
    await projector.aclose()
    await store.set_progress(cursors[0])  # as if it died with its progress this far behind

    restarted, _ = await make_projector(await make_bus(), **settings)
    more = await publish_all(bus, [event(EventType.PARTICIPANT_JOINED, "p6")])
    state = await settled(restarted, more[0])
    assert present(state) == ["p0", "p2", "p3", "p4", "p5", "p6"]
    (session,) = (await restarted.history("vonage", "room-1")).sessions
    assert [p.id for p in session.participants] == ["p0", "p1", "p2"]
    assert session.dropped_participants == 4  # p3 to p6, each once


async def test_a_flood_of_joins_lists_at_most_the_cap(
    make_bus: BusFactory, make_projector: ProjectorFactory
) -> None:
    bus, projector = await reading(make_bus, make_projector)
    flood = [event(EventType.PARTICIPANT_JOINED, f"p{n}") for n in range(MAX_PRESENT + 5)]
    again = [event(EventType.PARTICIPANT_JOINED, "p0"), event(EventType.PARTICIPANT_LEFT, "p1")]
    after = [event(EventType.PARTICIPANT_JOINED, "newcomer")]
    cursors = await publish_all(bus, [*flood, *again, *after])
    state = await settled(projector, cursors[-1])
    listed = present(state)
    assert len(listed) == MAX_PRESENT
    assert listed[-2:] == ["p0", "newcomer"]  # a listed one rejoins; a place freed is taken
    assert "p1" not in listed
    assert f"p{MAX_PRESENT}" not in listed


@pytest.mark.parametrize("cap", [1, 3])
async def test_the_store_keeps_a_room_within_the_cap_its_writer_gives(
    make_projector: ProjectorFactory, cap: int
) -> None:
    _, store = await make_projector()
    put = [(f"p{n}", b"{}") for n in range(5)]
    assert await store.change_room(ROOM, None, b"h1", RosterEdit(cap=cap, put=put))
    assert not await store.change_room(ROOM, b"stale", b"h2", RosterEdit(cap=cap))
    room = await store.room(ROOM)
    assert room is not None
    assert room.header == b"h1"
    assert sorted(room.participants) == [f"p{n}" for n in range(cap)]
    edit = RosterEdit(cap=cap, remove="p0", put=[("p9", b"{}")])
    assert await store.change_room(ROOM, b"h1", b"h2", edit)
    room = await store.room(ROOM)
    assert room is not None
    assert "p0" not in room.participants
    assert "p9" in room.participants
    assert await store.change_room(ROOM, b"h2", b"h3", RosterEdit(cap=cap, clear=True))
    room = await store.room(ROOM)
    assert room is not None
    assert room.participants == {}


async def test_both_keys_of_a_room_expire_after_its_last_change(
    request: pytest.FixtureRequest, make_projector: ProjectorFactory, redis_prefix: str
) -> None:
    skip_memory(request, "process memory does not expire")
    _, store = await make_projector(ttl_seconds=60)
    assert await store.change_room(ROOM, None, b"h1", RosterEdit(cap=1, put=[("ann", b"{}")]))
    client = Redis.from_url(REDIS_URL)
    try:
        keys = await client.keys("{" + redis_prefix + "}:state:*" + ROOM)
        ttls = [await client.pttl(key) for key in keys]
    finally:
        await client.aclose()
    assert len(keys) == 2
    assert all(0 < ttl <= 60_000 for ttl in ttls)


async def write_legacy(redis_prefix: str, value: bytes) -> None:
    """A whole-room record where the earlier version kept it."""
    client = Redis.from_url(REDIS_URL)
    try:
        await client.set("{" + redis_prefix + "}:state:room:" + ROOM, value)
    finally:
        await client.aclose()


def legacy_room(*present_ids: str) -> bytes:
    return RoomSnapshot(
        provider="vonage",
        room_native_id="room-1",
        updated_at=NOW,
        active=True,
        session_id="s-1",
        participants=tuple(
            PresentParticipant(id=p, joined_at=NOW + timedelta(seconds=n))
            for n, p in enumerate(present_ids)
        ),
        recording="RECORDING",
        position=(0, 1),
        cursor="0-1",
    ).to_json()


Upgrade = Callable[[bytes], Awaitable[tuple[LogBus, StateProjector]]]


@pytest.fixture
def upgraded(
    request: pytest.FixtureRequest,
    make_bus: BusFactory,
    make_projector: ProjectorFactory,
    redis_prefix: str,
) -> Upgrade:
    """Starts a projector where the earlier version left a room's record."""
    skip_memory(request, "only Redis outlives an upgrade")

    async def start(legacy: bytes) -> tuple[LogBus, StateProjector]:
        await write_legacy(redis_prefix, legacy)
        bus = await make_bus()
        projector, _ = await make_projector(bus)
        return bus, projector

    return start


async def test_an_earlier_versions_room_record_is_read_then_carried_on(upgraded: Upgrade) -> None:
    bus, projector = await upgraded(legacy_room("zoe", "ann", "bob"))
    before = await projector.current("vonage", "room-1")
    assert present(before) == ["zoe", "ann", "bob"]
    assert before.recording == "RECORDING"

    cursors = await publish_all(
        bus, [event(EventType.PARTICIPANT_LEFT, "ann"), event(EventType.PARTICIPANT_JOINED, "cat")]
    )
    state = await settled(projector, cursors[-1])
    assert present(state) == ["zoe", "bob", "cat"]
    assert state.recording == "RECORDING"
    assert state.session_id == "s-1"


async def test_an_unreadable_earlier_record_starts_the_room_from_the_next_event(
    upgraded: Upgrade,
) -> None:
    bus, projector = await upgraded(b'{"provider": "vonage"}')
    assert present(await projector.current("vonage", "room-1")) == []
    cursors = await publish_all(bus, [event(EventType.PARTICIPANT_JOINED, "ann")])
    assert present(await settled(projector, cursors[0])) == ["ann"]
