"""The per-provider cap on in-flight calls, its bounded queue and the caller's deadline.

Small numbers and a manual clock: every check is about what happens, never how long it takes.
"""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from providers import CallLimiter, ProviderUnavailable, create_store, deadline_within
from providers._fake import FakeAPI, json_response
from providers._http import request
from providers._limits import QUEUE_HEADROOM_SECONDS, current_deadline
from providers.vonage import FakeVonage, VonageAdapter
from tests.support import ManualClock


async def settle() -> None:
    """Let every ready task run until it blocks."""
    for _ in range(5):
        await asyncio.sleep(0)


async def hold(limiter: CallLimiter, release: asyncio.Event, order: list[int], n: int) -> None:
    async with limiter.slot():
        order.append(n)
        await release.wait()


async def test_calls_beyond_the_cap_wait_in_line_and_start_in_order() -> None:
    limiter = CallLimiter("example", max_in_flight=2, max_queued=10)
    release, order = asyncio.Event(), list[int]()
    tasks = [asyncio.create_task(hold(limiter, release, order, n)) for n in range(5)]
    await settle()
    assert (limiter.in_flight, limiter.queued, order) == (2, 3, [0, 1])
    release.set()
    await asyncio.gather(*tasks)
    assert order == [0, 1, 2, 3, 4]
    assert (limiter.in_flight, limiter.queued) == (0, 0)


async def test_a_call_is_refused_at_once_when_the_queue_is_full() -> None:
    limiter = CallLimiter("example", max_in_flight=1, max_queued=1)
    release = asyncio.Event()
    tasks = [asyncio.create_task(hold(limiter, release, [], n)) for n in range(2)]
    await settle()
    with pytest.raises(ProviderUnavailable) as refused:
        async with limiter.slot():
            pass
    assert refused.value.retryable
    assert refused.value.provider == "example"
    release.set()
    await asyncio.gather(*tasks)


async def test_a_call_whose_deadline_leaves_no_time_to_wait_is_refused_at_once() -> None:
    clock = ManualClock(1000.0)
    limiter = CallLimiter("example", max_in_flight=1, max_queued=10, clock=clock)
    release = asyncio.Event()
    holder = asyncio.create_task(hold(limiter, release, [], 0))
    await settle()
    with pytest.raises(ProviderUnavailable, match="time budget"):
        async with limiter.slot(deadline=clock() + QUEUE_HEADROOM_SECONDS / 2):
            pass
    assert limiter.queued == 0
    release.set()
    await holder


async def test_a_free_slot_is_taken_even_when_the_deadline_has_passed() -> None:
    clock = ManualClock(1000.0)
    limiter = CallLimiter("example", max_in_flight=1, max_queued=0, clock=clock)
    async with limiter.slot(deadline=clock() - 1):
        assert limiter.in_flight == 1


async def test_a_waiter_that_runs_out_of_time_leaves_the_line() -> None:
    limiter = CallLimiter("example", max_in_flight=1, max_queued=10)
    release = asyncio.Event()
    holder = asyncio.create_task(hold(limiter, release, [], 0))
    await settle()
    deadline = time.monotonic() + QUEUE_HEADROOM_SECONDS + 0.01
    with pytest.raises(ProviderUnavailable, match="time budget"):
        async with limiter.slot(deadline=deadline):
            pass
    assert (limiter.in_flight, limiter.queued) == (1, 0)
    release.set()
    await holder
    assert limiter.in_flight == 0


async def test_a_cancelled_waiter_gives_back_nothing_it_did_not_get() -> None:
    limiter = CallLimiter("example", max_in_flight=1, max_queued=10)
    release, order = asyncio.Event(), list[int]()
    holder = asyncio.create_task(hold(limiter, release, order, 0))
    waiter = asyncio.create_task(hold(limiter, release, order, 1))
    await settle()
    waiter.cancel()
    release.set()
    await holder
    assert (limiter.in_flight, limiter.queued, order) == (0, 0, [0])


async def test_a_slot_handed_to_a_waiter_cancelled_meanwhile_passes_on() -> None:
    limiter = CallLimiter("example", max_in_flight=1, max_queued=10)
    release, order = asyncio.Event(), list[int]()
    held = limiter.slot()
    await held.__aenter__()
    second = asyncio.create_task(hold(limiter, release, order, 1))
    third = asyncio.create_task(hold(limiter, release, order, 2))
    await settle()
    await held.__aexit__(None, None, None)  # hands the slot to the second without yielding
    second.cancel()
    release.set()
    await asyncio.gather(second, third, return_exceptions=True)
    assert order == [2]
    assert (limiter.in_flight, limiter.queued) == (0, 0)


def test_deadlines_nest_to_the_earlier_one() -> None:
    assert current_deadline() is None
    with deadline_within(5.0, start=100.0) as outer, deadline_within(10.0, start=100.0):
        assert current_deadline() == outer == 105.0
    assert current_deadline() is None


class Slow(FakeAPI):
    """``GET /thing`` after a moment; remembers how many requests it served at once."""

    def __init__(self, gate: asyncio.Event) -> None:
        super().__init__()
        self.gate = gate
        self.now = 0
        self.most = 0
        self.route("GET", "/thing", self._thing)

    async def _thing(self, _request: httpx.Request, _args: dict[str, str]) -> httpx.Response:
        self.now += 1
        self.most = max(self.most, self.now)
        await self.gate.wait()
        self.now -= 1
        return json_response(200, {"ok": True})


async def test_a_burst_of_50_against_a_cap_of_2_is_served_two_at_a_time() -> None:
    gate = asyncio.Event()
    api = Slow(gate)
    limiter = CallLimiter("example", max_in_flight=2, max_queued=100)
    async with httpx.AsyncClient(base_url="https://api.example", transport=api.transport()) as c:
        calls = [
            asyncio.create_task(request(c, "example", "GET", "/thing", limiter=limiter))
            for _ in range(50)
        ]
        await settle()
        assert (limiter.in_flight, limiter.queued) == (2, 48)
        gate.set()
        answers = await asyncio.gather(*calls)
    assert all(answer.status_code == 200 for answer in answers)
    assert api.most == 2
    assert len(api.requests) == 50


async def test_a_burst_beyond_the_queue_is_refused_without_reaching_the_provider() -> None:
    gate = asyncio.Event()
    api = Slow(gate)
    limiter = CallLimiter("example", max_in_flight=2, max_queued=8)
    async with httpx.AsyncClient(base_url="https://api.example", transport=api.transport()) as c:
        calls = [
            asyncio.create_task(request(c, "example", "GET", "/thing", limiter=limiter))
            for _ in range(50)
        ]
        await settle()
        gate.set()
        answers = await asyncio.gather(*calls, return_exceptions=True)
    refused = [a for a in answers if isinstance(a, ProviderUnavailable)]
    assert len(refused) == 40
    assert all(error.retryable for error in refused)
    assert len(api.requests) == 10


async def test_a_call_queued_past_the_callers_deadline_fails_fast_and_unsent() -> None:
    gate = asyncio.Event()
    api = Slow(gate)
    limiter = CallLimiter("example", max_in_flight=1, max_queued=10)
    async with httpx.AsyncClient(base_url="https://api.example", transport=api.transport()) as c:
        first = asyncio.create_task(request(c, "example", "GET", "/thing", limiter=limiter))
        await settle()
        with (
            deadline_within(QUEUE_HEADROOM_SECONDS + 0.01),
            pytest.raises(ProviderUnavailable, match="too busy"),
        ):
            await request(c, "example", "GET", "/thing", limiter=limiter)
        gate.set()
        await first
    assert len(api.requests) == 1


async def test_an_adapter_caps_its_calls_as_its_settings_say() -> None:
    sandbox = FakeVonage()
    settings = sandbox.settings().model_copy(
        update={
            "concurrency": sandbox.settings().concurrency.model_copy(update={"max_in_flight": 3})
        }
    )
    adapter = VonageAdapter(settings, store=create_store(), transport=sandbox.transport())
    assert adapter.limiter.max_in_flight == 3
    (room,) = sandbox.seed_rooms(1)
    sandbox.latency = 0.01
    rooms = await asyncio.gather(*(adapter.get_room(room) for _ in range(12)))
    await adapter.aclose()
    assert {r.native_id for r in rooms} == {room}
    assert adapter.limiter.in_flight == 0
