"""The fan-out under load: a provider's in-flight cap, its queue and the request's deadline."""

from __future__ import annotations

import asyncio
import time

import pytest

from gateway.graphql.fanout import Deadline
from providers import ProviderTimeout
from tests.gateway.graphql.helpers import gateway
from tests.support import gateway_settings

ROOMS = "{ rooms(first: 5) { nodes { id } failures { provider code message retryable } } }"


async def test_a_call_queued_behind_a_stuck_provider_fails_fast_as_unavailable() -> None:
    settings = gateway_settings(
        limits={"fanout_budget_seconds": 0.3},
        providers={"videosdk": {"concurrency": {"max_in_flight": 1}}},
    )
    async with gateway(settings) as gw:
        gw.sandbox("metered").seed_rooms(2)
        gw.sandbox("videosdk").latency = 30.0
        answers = await asyncio.gather(gw.data(ROOMS), gw.data(ROOMS))
        gw.sandbox("videosdk").latency = 0.0
        sent = len(gw.sandbox("videosdk").requests)
    failures = [failure for answer in answers for failure in answer["rooms"]["failures"]]
    assert sorted((f["provider"], f["code"]) for f in failures) == [
        ("VIDEOSDK", "PROVIDER_TIMEOUT"),
        ("VIDEOSDK", "PROVIDER_UNAVAILABLE"),
    ]
    assert all(f["retryable"] for f in failures)
    assert all(len(answer["rooms"]["nodes"]) == 2 for answer in answers)
    assert sent == 1  # the queued call never reached the provider


async def test_a_full_queue_refuses_at_once_while_other_providers_answer() -> None:
    settings = gateway_settings(
        limits={"fanout_budget_seconds": 0.3},
        providers={"videosdk": {"concurrency": {"max_in_flight": 1, "max_queued": 0}}},
    )
    async with gateway(settings) as gw:
        gw.sandbox("metered").seed_rooms(1)
        gw.sandbox("videosdk").latency = 30.0
        answers = await asyncio.gather(*(gw.data(ROOMS) for _ in range(3)))
        gw.sandbox("videosdk").latency = 0.0
    codes = sorted(f["code"] for a in answers for f in a["rooms"]["failures"])
    assert codes == ["PROVIDER_TIMEOUT", "PROVIDER_UNAVAILABLE", "PROVIDER_UNAVAILABLE"]
    assert all(len(answer["rooms"]["nodes"]) == 1 for answer in answers)


async def test_a_budget_spent_before_the_resolver_ran_sends_nothing() -> None:
    sent: list[str] = []

    async def call() -> str:
        sent.append("call")
        return "answer"

    deadline = Deadline(1.0, start=time.monotonic() - 2.0)
    with pytest.raises(ProviderTimeout):
        await deadline.run("vonage", call())
    assert sent == []
