"""The one bus suite, run against the in-process and the Redis backend."""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gateway.events import EventFilter, InvalidCursor, ShuttingDown, SubscriberTooSlow
from gateway.events.base import LogBus
from providers import EventType, MeetingEvent
from tests.gateway.events.conftest import BusFactory
from tests.gateway.events.events import NOW, collect, labels, make_event, nothing_more


async def publish_labels(bus: LogBus, *names: str, **kwargs: Any) -> list[str]:
    """Publish one event per label; the cursors of the appended events."""
    cursors: list[str] = []
    for name in names:
        result = await bus.publish([make_event(name, **kwargs)], NOW)
        cursors.extend(item.cursor for item in result.appended)
    return cursors


async def test_live_subscription_sees_only_new_events(make_bus: BusFactory) -> None:
    bus = await make_bus()
    await publish_labels(bus, "old")
    async with bus.subscribe() as stream:
        await publish_labels(bus, "a", "b")
        assert labels(await collect(stream, 2)) == ["a", "b"]
        assert await nothing_more(stream)


async def test_resume_after_cursor_replays_missed_then_live(make_bus: BusFactory) -> None:
    bus = await make_bus()
    cursors = await publish_labels(bus, "a", "b", "c", "d")
    async with bus.subscribe(after=cursors[1]) as stream:
        await publish_labels(bus, "e")
        got = await collect(stream, 3)
        assert labels(got) == ["c", "d", "e"]
        assert got[0].cursor == cursors[2]
        assert await nothing_more(stream)


async def test_cursor_of_last_event_resumes_with_live_only(make_bus: BusFactory) -> None:
    bus = await make_bus()
    cursors = await publish_labels(bus, "a", "b")
    async with bus.subscribe(after=cursors[-1]) as stream:
        assert await nothing_more(stream, 0.2)
        await publish_labels(bus, "c")
        assert labels(await collect(stream, 1)) == ["c"]


async def test_replay_spans_several_pages_in_order(make_bus: BusFactory) -> None:
    bus = await make_bus()
    first = await bus.publish([make_event("start")], NOW)
    for block in range(12):
        await bus.publish([make_event(f"{block}-{i}") for i in range(100)], NOW)
    async with bus.subscribe(after=first.appended[0].cursor) as stream:
        got = await collect(stream, 1200, wait=20)
    assert labels(got) == [f"{block}-{i}" for block in range(12) for i in range(100)]
    positions = [item.position for item in got]
    assert positions == sorted(positions)


async def test_events_published_during_the_seam_arrive_exactly_once(make_bus: BusFactory) -> None:
    bus = await make_bus()
    cursors = await publish_labels(bus, *(f"pre-{i}" for i in range(50)))
    names = [f"during-{i}" for i in range(200)]

    async def publisher() -> None:
        for name in names:
            await bus.publish([make_event(name)], NOW)
            await asyncio.sleep(0)

    task = asyncio.create_task(publisher())
    async with bus.subscribe(after=cursors[9]) as stream:
        got = await collect(stream, 40 + len(names), wait=20)
        await task
        assert await nothing_more(stream)
    assert labels(got) == [f"pre-{i}" for i in range(10, 50)] + names


async def test_duplicate_is_appended_once(make_bus: BusFactory) -> None:
    bus = await make_bus()
    event = make_event("once")
    async with bus.subscribe() as stream:
        first = await bus.publish([event], NOW)
        again = await bus.publish([event], NOW + timedelta(seconds=5))
        assert len(first.appended) == 1
        assert first.duplicates == ()
        assert again.appended == ()
        assert again.duplicates == (event.id,)
        assert labels(await collect(stream, 1)) == ["once"]
        assert await nothing_more(stream)


async def test_concurrent_duplicates_are_appended_once(make_bus: BusFactory) -> None:
    bus = await make_bus()
    event = make_event("raced")
    results = await asyncio.gather(*(bus.publish([event], NOW) for _ in range(20)))
    assert sum(len(r.appended) for r in results) == 1
    assert sum(len(r.duplicates) for r in results) == 19


async def test_delivery_with_new_and_known_events_appends_the_new_ones(
    make_bus: BusFactory,
) -> None:
    bus = await make_bus()
    known, new = make_event("known"), make_event("new")
    await bus.publish([known], NOW)
    result = await bus.publish([known, new], NOW)
    assert [item.event.id for item in result.appended] == [new.id]
    assert result.duplicates == (known.id,)


async def test_dedupe_window_expires(make_bus: BusFactory) -> None:
    bus = await make_bus(dedupe_seconds=0.2, retention_seconds=0.2)
    event = make_event("again")
    assert len((await bus.publish([event], NOW)).appended) == 1
    await asyncio.sleep(0.35)
    assert len((await bus.publish([event], NOW)).appended) == 1


async def test_filters_by_provider_room_and_type(make_bus: BusFactory) -> None:
    bus = await make_bus()
    wanted = EventFilter.of(
        provider="metered", room_native_id="r2", types={EventType.SESSION_STARTED}
    )
    async with bus.subscribe(event_filter=wanted) as stream:
        await bus.publish(
            [
                make_event("other-provider", provider="vonage", room="r2"),
                make_event("other-room", provider="metered", room="r1"),
                make_event("no-room", provider="metered", room=None),
                make_event("other-type", provider="metered", room="r2"),
                make_event(
                    "match", provider="metered", room="r2", event_type=EventType.SESSION_STARTED
                ),
            ],
            NOW,
        )
        assert labels(await collect(stream, 1)) == ["match"]
        assert await nothing_more(stream)


async def test_filter_applies_to_the_replay(make_bus: BusFactory) -> None:
    bus = await make_bus()
    (start,) = await publish_labels(bus, "start")
    await publish_labels(bus, "x", room="r9")
    await publish_labels(bus, "y", room="r1")
    async with bus.subscribe(after=start, event_filter=EventFilter.of(room_native_id="r9")) as s:
        assert labels(await collect(s, 1)) == ["x"]
        assert await nothing_more(s)


async def test_every_event_field_survives_the_log(make_bus: BusFactory) -> None:
    bus = await make_bus()
    event = MeetingEvent(
        id="vonage:full",
        provider="vonage",
        type=EventType.RECORDING_READY,
        raw={"event": "recording:ready", "nested": {"list": [1, 2.5, None, True]}},
        room_native_id="room-9",
        session_id="2_MX40",
        occurred_at=datetime(2023, 6, 6, 8, 15, 11, 974000, tzinfo=UTC),
        participant_id="p",
        participant_name="Ann",
        is_host=False,
        role="Guest",
        reason="done",
        recording_id="rec",
        url="https://example.com/a.mp4",
        duration_seconds=3598.0,
        started_at=datetime(2023, 6, 6, 7, 15, 13, 974000, tzinfo=UTC),
        ended_at=datetime(2023, 6, 6, 8, 15, 11, 974000, tzinfo=UTC),
    )
    start = await publish_labels(bus, "start")
    await bus.publish([event], NOW)
    async with bus.subscribe(after=start[0]) as stream:
        (stored,) = await collect(stream, 1)
    assert stored.event == event
    assert stored.received_at == NOW
    assert stored.occurred_at == event.occurred_at


@pytest.mark.parametrize(
    "cursor",
    ["", "not a cursor!", "bm9wZQ", base64.urlsafe_b64encode(b"m1:x:y").decode(), "A" * 500],
)
async def test_malformed_cursor_is_refused(make_bus: BusFactory, cursor: str) -> None:
    bus = await make_bus()
    with pytest.raises(InvalidCursor, match="malformed"):
        async with bus.subscribe(after=cursor):
            pass


async def test_cursor_ahead_of_the_log_is_refused(make_bus: BusFactory) -> None:
    bus = await make_bus()
    (cursor,) = await publish_labels(bus, "one")
    position = bus.parse_cursor(cursor)
    ahead = bus.cursor_of(tuple(part + 10_000 for part in position))
    with pytest.raises(InvalidCursor, match="ahead"):
        async with bus.subscribe(after=ahead):
            pass


async def test_cursor_past_count_retention_is_refused(make_bus: BusFactory) -> None:
    bus = await make_bus(retention_count=10)
    first = await bus.publish([make_event("first")], NOW)
    for block in range(5):
        await bus.publish([make_event(f"{block}-{i}") for i in range(50)], NOW)
    with pytest.raises(InvalidCursor, match="older than the event retention"):
        async with bus.subscribe(after=first.appended[0].cursor):
            pass
    last = await bus.publish([make_event("last")], NOW)
    async with bus.subscribe(after=last.appended[0].cursor) as stream:
        assert await nothing_more(stream, 0.1)


async def test_cursor_past_age_retention_is_refused(make_bus: BusFactory) -> None:
    bus = await make_bus(retention_seconds=0.5)
    first = await bus.publish([make_event("first")], NOW)
    await bus.publish([make_event(f"old-{i}") for i in range(150)], NOW)
    await asyncio.sleep(0.6)
    await bus.publish([make_event("new")], NOW)
    with pytest.raises(InvalidCursor, match="older than the event retention"):
        async with bus.subscribe(after=first.appended[0].cursor):
            pass


async def test_slow_subscriber_is_ended_with_resume_cursor(make_bus: BusFactory) -> None:
    bus = await make_bus(subscriber_queue_size=5)
    (start,) = await publish_labels(bus, "start")
    names = [f"e{i}" for i in range(12)]
    async with bus.subscribe() as slow, bus.subscribe() as fast:
        fast_got: list[str] = []
        for name in names:
            await publish_labels(bus, name)
            fast_got += labels(await collect(fast, 1))
        assert fast_got == names
        with pytest.raises(SubscriberTooSlow) as ended:
            await collect(slow, 1)
    assert ended.value.resume_after == start
    assert f'after: "{start}"' in str(ended.value)
    async with bus.subscribe(after=ended.value.resume_after) as resumed:
        assert labels(await collect(resumed, 12)) == names


async def test_subscriber_whose_oldest_event_waits_too_long_is_ended(
    make_bus: BusFactory,
) -> None:
    bus = await make_bus(max_delivery_lag_seconds=0.2)
    async with bus.subscribe() as behind, bus.subscribe() as keeping_up:
        (first,) = await publish_labels(bus, "a")
        assert labels(await collect(keeping_up, 1)) == ["a"]
        await asyncio.sleep(0.3)  # "a" waits in the queue of the one that does not read
        await publish_labels(bus, "b")
        assert labels(await collect(keeping_up, 1)) == ["b"]
        with pytest.raises(SubscriberTooSlow) as ended:
            await collect(behind, 1)
    assert bus.stats()["slowSubscribersEnded"] == 1
    async with bus.subscribe(after=ended.value.resume_after) as resumed:
        assert labels(await collect(resumed, 2)) == ["a", "b"]
    assert first != ended.value.resume_after


async def test_slow_subscriber_resumes_after_last_delivered(make_bus: BusFactory) -> None:
    bus = await make_bus(subscriber_queue_size=3)
    async with bus.subscribe() as stream, bus.subscribe() as witness:
        await publish_labels(bus, "a", "b")
        delivered = await collect(stream, 2)
        await collect(witness, 2)
        for i in range(5):
            await publish_labels(bus, f"x{i}")
            await collect(witness, 1)  # the event was offered to both subscribers
        with pytest.raises(SubscriberTooSlow) as ended:
            await collect(stream, 1)
    assert ended.value.resume_after == delivered[-1].cursor
    async with bus.subscribe(after=ended.value.resume_after) as resumed:
        assert labels(await collect(resumed, 5)) == [f"x{i}" for i in range(5)]


async def test_closing_the_bus_ends_subscriptions(make_bus: BusFactory) -> None:
    bus = await make_bus()
    async with bus.subscribe() as stream:
        await publish_labels(bus, "last")
        assert labels(await collect(stream, 1)) == ["last"]
        await bus.aclose()
        with pytest.raises(StopAsyncIteration):
            await anext(stream)


async def test_ready_and_stats(make_bus: BusFactory) -> None:
    bus = await make_bus()
    assert await bus.ready()
    async with bus.subscribe():
        await publish_labels(bus, "a")
        stats = bus.stats()
        assert stats["subscribers"] == 1
        assert stats["backend"] in {"memory", "redis"}


async def test_events_trimmed_while_a_subscriber_replays_end_it_with_the_gap(
    make_bus: BusFactory,
) -> None:
    bus = await make_bus(retention_count=700, subscriber_queue_size=5_000)
    first = await bus.publish([make_event("first")], NOW)
    await bus.publish([make_event(f"old-{i}") for i in range(600)], NOW)
    async with bus.subscribe(after=first.appended[0].cursor) as stream:
        replayed = await collect(stream, 500)  # the first replay page
        await bus.publish([make_event(f"new-{i}") for i in range(1_000)], NOW)
        with pytest.raises(InvalidCursor, match="discarded") as ended:
            await collect(stream, 1)
    assert labels(replayed) == [f"old-{i}" for i in range(500)]
    assert "subscribe without after" in str(ended.value)


async def test_draining_ends_client_subscriptions_with_the_last_delivered_cursor(
    make_bus: BusFactory,
) -> None:
    bus = await make_bus()
    cursors = await publish_labels(bus, "a", "b", "c")
    async with (
        bus.subscribe(after=cursors[0]) as replaying,
        bus.subscribe() as live,
        bus.subscribe(internal=True) as internal,
    ):
        assert labels(await collect(replaying, 1)) == ["b"]
        (d_cursor,) = await publish_labels(bus, "d")
        assert labels(await collect(live, 1)) == ["d"]
        assert bus.drain() == 2
        await publish_labels(bus, "e")
        # neither the rest of the replay nor queued events: the client resumes elsewhere
        with pytest.raises(ShuttingDown) as replay_end:
            await anext(replaying)
        assert replay_end.value.resume_after == cursors[1]
        with pytest.raises(ShuttingDown) as live_end:
            await anext(live)
        assert live_end.value.resume_after == d_cursor
        assert labels(await collect(internal, 2)) == ["d", "e"]


async def test_a_subscription_started_while_draining_ends_at_once(make_bus: BusFactory) -> None:
    bus = await make_bus()
    cursors = await publish_labels(bus, "a", "b")
    bus.drain()
    async with bus.subscribe(after=cursors[0]) as stream:
        with pytest.raises(ShuttingDown) as ended:
            await anext(stream)
    assert ended.value.resume_after == cursors[0]
