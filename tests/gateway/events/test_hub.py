"""The hub's overflow policy on a manual clock: a full queue, or an event waiting too long."""

from __future__ import annotations

import pytest

from gateway.events import EventFilter, StoredEvent
from gateway.events.hub import Hub, Overflowed, Subscriber
from tests.gateway.events.events import NOW, make_event
from tests.support import ManualClock


def stored(n: int) -> StoredEvent:
    return StoredEvent(event=make_event(f"e{n}"), position=(n,), cursor=str(n), received_at=NOW)


def subscriber(clock: ManualClock, maxsize: int = 100) -> Subscriber:
    return Subscriber(EventFilter(), maxsize, max_lag_seconds=10, clock=clock)


async def test_a_reader_that_keeps_up_is_never_ended_however_long_it_runs() -> None:
    clock = ManualClock(0)
    reader = subscriber(clock)
    for n in range(100):
        assert reader.offer(stored(n))
        clock.advance(60)
        assert (await reader.get()).position == (n,)


async def test_an_event_waiting_longer_than_the_lag_ends_the_subscriber() -> None:
    clock = ManualClock(0)
    reader = subscriber(clock)
    assert reader.offer(stored(1))
    clock.advance(9)
    assert reader.offer(stored(2))
    assert (await reader.get()).position == (1,)
    clock.advance(2)  # event 2 has waited 2 s: still fine
    assert reader.offer(stored(3))
    clock.advance(9)  # event 2 has waited 11 s
    assert not reader.offer(stored(4))
    with pytest.raises(Overflowed):
        await reader.get()


async def test_hub_ends_only_the_lagging_subscriber_and_counts_it() -> None:
    clock = ManualClock(0)
    hub = Hub()
    lagging, reading = subscriber(clock), subscriber(clock)
    hub.add(lagging)
    hub.add(reading)
    hub.dispatch(stored(1))
    await reading.get()
    clock.advance(11)
    hub.dispatch(stored(2))
    assert (await reading.get()).position == (2,)
    assert hub.stats.slow_subscribers_ended == 1
    assert hub.stats.subscribers == 1
