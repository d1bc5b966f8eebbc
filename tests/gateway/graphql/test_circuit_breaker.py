"""A provider that keeps failing is skipped at once, then probed again after a cool-down."""

from __future__ import annotations

import asyncio
from typing import Any

from prometheus_client import REGISTRY

from gateway.settings import setting_names
from tests.gateway.graphql.helpers import Gateway, gateway
from tests.support import ManualClock, gateway_settings

ROOMS = """{ rooms(first: 5) {
  nodes { id }
  failures { provider code message retryable retryAfter }
} }"""
HEALTH = "{ providers { id health { state retryAfter } } }"
ROOM = "query ($id: ID!) { room(id: $id) { id } }"


def settings(**breaker: Any) -> Any:
    """VideoSDK opens after 3 failures for 30 s; reads are not retried (one request each)."""
    return gateway_settings(
        providers={
            "videosdk": {
                "breaker": {"failures": 3, "cool_down_seconds": 30, **breaker},
                "timeouts": {"retries": 0},
            }
        }
    )


def fake_clock(gw: Gateway) -> ManualClock:
    clock = ManualClock(1_000.0)
    adapter = gw.services.providers["videosdk"].adapter
    assert adapter is not None
    adapter.breaker.clock = clock
    return clock


async def health(gw: Gateway, provider: str = "VIDEOSDK") -> dict[str, Any]:
    providers = (await gw.data(HEALTH))["providers"]
    found: dict[str, Any] = next(p["health"] for p in providers if p["id"] == provider)
    return found


async def videosdk_failures(gw: Gateway) -> list[dict[str, Any]]:
    """The fan-out's failures; the other providers must have answered."""
    rooms = (await gw.data(ROOMS))["rooms"]
    assert [f["provider"] for f in rooms["failures"]] in ([], ["VIDEOSDK"])
    failures: list[dict[str, Any]] = rooms["failures"]
    return failures


async def open_breaker(gw: Gateway) -> None:
    """Three provider failures in a row: a 503, a timeout and a 500."""
    sandbox = gw.sandbox("videosdk")
    for fault in ({"status": 503}, {"timeout": True}, {"status": 500}):
        sandbox.inject(**fault)
        [failure] = await videosdk_failures(gw)
        assert failure["code"] in {"PROVIDER_UNAVAILABLE", "PROVIDER_TIMEOUT"}
        assert failure["retryAfter"] is None  # the provider's own failure


async def test_repeated_failures_open_it_and_calls_are_skipped_without_a_request() -> None:
    async with gateway(settings()) as gw:
        clock = fake_clock(gw)
        gw.sandbox("metered").seed_rooms(1)
        await open_breaker(gw)
        assert await health(gw) == {"state": "OPEN", "retryAfter": 30.0}
        assert await health(gw, "METERED") == {"state": "CLOSED", "retryAfter": 0.0}
        sent = len(gw.sandbox("videosdk").requests)
        clock.advance(12)
        rooms = (await gw.data(ROOMS))["rooms"]
        assert len(gw.sandbox("videosdk").requests) == sent
    [failure] = rooms["failures"]
    assert failure["provider"] == "VIDEOSDK"
    assert failure["code"] == "PROVIDER_UNAVAILABLE"
    assert failure["retryable"] is True
    assert failure["retryAfter"] == 18.0
    assert len(rooms["nodes"]) == 1  # Metered still answered


async def test_a_single_read_fails_at_once_with_retry_after() -> None:
    async with gateway(settings()) as gw:
        fake_clock(gw)
        await open_breaker(gw)
        sent = len(gw.sandbox("videosdk").requests)
        error = await gw.error(ROOM, {"id": "videosdk:abcd-efgh-ijkl"})
        assert len(gw.sandbox("videosdk").requests) == sent
    assert error["extensions"]["code"] == "PROVIDER_UNAVAILABLE"
    assert error["extensions"]["retryable"] is True
    assert error["extensions"]["retryAfter"] == 30.0
    assert error["extensions"]["provider"] == "videosdk"


async def test_after_the_cool_down_one_probe_goes_through_and_its_success_closes_it() -> None:
    async with gateway(settings()) as gw:
        clock = fake_clock(gw)
        sandbox = gw.sandbox("videosdk")
        await open_breaker(gw)
        clock.advance(30)
        assert await health(gw) == {"state": "OPEN", "retryAfter": 0.0}
        sandbox.seed_rooms(2)
        sent = len(sandbox.requests)
        rooms = (await gw.data(ROOMS))["rooms"]
        assert len(sandbox.requests) == sent + 1
        assert rooms["failures"] == []
        assert len(rooms["nodes"]) == 2
        assert await health(gw) == {"state": "CLOSED", "retryAfter": 0.0}


async def test_a_failed_probe_opens_it_for_another_cool_down() -> None:
    async with gateway(settings()) as gw:
        clock = fake_clock(gw)
        sandbox = gw.sandbox("videosdk")
        await open_breaker(gw)
        clock.advance(31)
        sandbox.inject(status=502)
        sent = len(sandbox.requests)
        [probe] = await videosdk_failures(gw)
        assert len(sandbox.requests) == sent + 1
        assert "HTTP 502" in probe["message"]
        assert await health(gw) == {"state": "OPEN", "retryAfter": 30.0}
        clock.advance(29)
        [skipped] = await videosdk_failures(gw)
        assert len(sandbox.requests) == sent + 1
        assert skipped["retryAfter"] == 1.0


async def test_only_one_probe_is_in_flight_while_half_open() -> None:
    async with gateway(settings()) as gw:
        clock = fake_clock(gw)
        sandbox = gw.sandbox("videosdk")
        await open_breaker(gw)
        clock.advance(30)
        sandbox.latency = 0.2
        sent = len(sandbox.requests)
        probing = asyncio.ensure_future(gw.data(ROOMS))
        await asyncio.sleep(0.1)
        assert await health(gw) == {"state": "HALF_OPEN", "retryAfter": 1.0}
        [skipped] = await videosdk_failures(gw)
        assert (await probing)["rooms"]["failures"] == []
        assert len(sandbox.requests) == sent + 1
    assert skipped["code"] == "PROVIDER_UNAVAILABLE"
    assert skipped["retryAfter"] == 1.0


async def test_client_errors_do_not_count_and_an_answer_resets_the_count() -> None:
    async with gateway(settings()) as gw:
        fake_clock(gw)
        sandbox = gw.sandbox("videosdk")
        for _ in range(4):
            sandbox.inject(status=400, body={"message": "bad request"})
            [failure] = await videosdk_failures(gw)
            assert failure["code"] == "PROVIDER_ERROR"
        for status in (503, 503, 404, 503, 503):  # never three provider failures in a row
            sandbox.inject(status=status)
            await videosdk_failures(gw)
        assert await health(gw) == {"state": "CLOSED", "retryAfter": 0.0}
        sent = len(sandbox.requests)
        assert await videosdk_failures(gw) == []
        assert len(sandbox.requests) == sent + 1


async def test_a_disabled_breaker_never_skips_a_provider() -> None:
    async with gateway(settings(enabled=False)) as gw:
        sandbox = gw.sandbox("videosdk")
        for _ in range(5):
            sandbox.inject(status=503)
            await videosdk_failures(gw)
        sent = len(sandbox.requests)
        assert await videosdk_failures(gw) == []
        assert len(sandbox.requests) == sent + 1
        assert await health(gw) == {"state": "CLOSED", "retryAfter": 0.0}


async def test_the_state_is_a_prometheus_gauge() -> None:
    def gauge() -> float | None:
        labels = {"provider": "videosdk"}
        return REGISTRY.get_sample_value("gateway_provider_breaker_state", labels)

    async with gateway(settings()) as gw:
        clock = fake_clock(gw)
        assert gauge() == 0
        await open_breaker(gw)
        assert gauge() == 2
        clock.advance(30)
        await videosdk_failures(gw)
        assert gauge() == 0


def test_the_settings_are_read_from_the_environment() -> None:
    names = setting_names()
    for name in ("ENABLED", "FAILURES", "COOL_DOWN_SECONDS"):
        assert f"GATEWAY_PROVIDERS__VIDEOSDK__BREAKER__{name}" in names
