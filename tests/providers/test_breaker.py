"""The circuit breaker's edge cases: what counts as a failure and probes that never answer."""

from __future__ import annotations

import asyncio

import pytest

from providers import (
    BreakerSettings,
    BreakerState,
    CircuitBreaker,
    CircuitOpen,
    Overloaded,
    ProviderTimeout,
    ResourceNotFound,
)
from tests.support import ManualClock


def breaker(failures: int = 2) -> tuple[CircuitBreaker, ManualClock]:
    clock = ManualClock(0.0)
    settings = BreakerSettings(failures=failures, cool_down_seconds=10)
    return CircuitBreaker("vonage", settings, clock=clock), clock


async def fail(brk: CircuitBreaker, error: BaseException) -> None:
    with pytest.raises(type(error)):
        async with brk.guard():
            raise error


async def open_it(brk: CircuitBreaker) -> None:
    for _ in range(brk.settings.failures):
        await fail(brk, ProviderTimeout("vonage", "timed out"))
    assert brk.health.state is BreakerState.OPEN


async def test_refusals_of_our_own_queue_do_not_count() -> None:
    brk, _ = breaker()
    for _ in range(5):
        await fail(brk, Overloaded("vonage", "too busy"))
    assert brk.health.state is BreakerState.CLOSED


async def test_an_open_breaker_refuses_before_the_block_runs() -> None:
    brk, clock = breaker()
    await open_it(brk)
    clock.advance(4)
    ran = False
    with pytest.raises(CircuitOpen) as refused:
        async with brk.guard():
            ran = True
    assert not ran
    assert refused.value.retry_after == 6
    assert refused.value.retryable


async def test_a_late_failure_of_a_call_sent_before_it_opened_does_not_extend_it() -> None:
    brk, clock = breaker()

    async def sent_before_it_opened() -> None:
        async with brk.guard():
            await open_it(brk)
            clock.advance(9)
            raise ProviderTimeout("vonage", "timed out")

    with pytest.raises(ProviderTimeout):
        await sent_before_it_opened()
    assert brk.health.state is BreakerState.OPEN
    assert brk.health.retry_after == 1


async def test_a_cancelled_probe_lets_the_next_call_probe() -> None:
    brk, clock = breaker()
    await open_it(brk)
    clock.advance(10)
    await fail(brk, asyncio.CancelledError())
    states = [brk.health.state]
    async with brk.guard():
        states.append(brk.health.state)
    states.append(brk.health.state)
    assert states == [BreakerState.OPEN, BreakerState.HALF_OPEN, BreakerState.CLOSED]


async def test_a_provider_answer_to_the_probe_closes_it() -> None:
    brk, clock = breaker()
    await open_it(brk)
    clock.advance(10)
    await fail(brk, ResourceNotFound("vonage", "HTTP 404: no such room", status=404))
    assert brk.health.state is BreakerState.CLOSED
