"""Provider failures map onto the error tree, named ``videosdk``; reads retry, creates never."""

from __future__ import annotations

import pytest

from providers import (
    HttpTimeouts,
    InvalidRequest,
    ProviderTimeout,
    ProviderUnavailable,
    RateLimited,
    ResourceConflict,
    RoomSpec,
)
from providers.videosdk import FakeVideoSDK, VideoSDKAdapter
from tests.support import ManualClock

from .conftest import build


async def test_429_with_retry_after_is_retried_for_reads(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK
) -> None:
    room = fake.seed_rooms(1)[0]
    fake.inject(status=429, retry_after=0, times=2)
    assert (await adapter.get_room(room)).native_id == room
    assert len(fake.requests) == 3


async def test_429_that_persists_is_rate_limited_with_retry_after(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK
) -> None:
    fake.inject(status=429, retry_after=0, times=10)
    with pytest.raises(RateLimited) as caught:
        await adapter.list_rooms(None, 10)
    assert caught.value.provider == "videosdk"
    assert caught.value.retry_after == 0
    assert caught.value.retryable
    assert len(fake.requests) == 4  # one attempt and three retries


async def test_create_is_never_retried(adapter: VideoSDKAdapter, fake: FakeVideoSDK) -> None:
    fake.inject(status=503, times=1)
    with pytest.raises(ProviderUnavailable) as caught:
        await adapter.create_room(RoomSpec(display_name="x"))
    assert caught.value.status == 503
    assert len(fake.requests) == 1
    assert fake.rooms == {}


async def test_create_rate_limited_is_not_retried(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK
) -> None:
    fake.inject(status=429, retry_after=0, times=1)
    with pytest.raises(RateLimited):
        await adapter.create_room(RoomSpec(display_name="x"))
    assert len(fake.requests) == 1


async def test_5xx_reads_are_retried(adapter: VideoSDKAdapter, fake: FakeVideoSDK) -> None:
    room = fake.seed_rooms(1)[0]
    fake.inject(status=502, retry_after=0, times=1)
    fake.inject(status=503, retry_after=0, times=1)
    assert (await adapter.get_room(room)).native_id == room
    assert len(fake.requests) == 3


async def test_500_is_unavailable_and_not_retried(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK
) -> None:
    fake.inject(status=500, times=5, body={"statusCode": 500, "message": "boom"})
    with pytest.raises(ProviderUnavailable) as caught:
        await adapter.get_room("abc-defg-hijk")
    assert caught.value.provider == "videosdk"
    assert "boom" in caught.value.message
    assert len(fake.requests) == 1


async def test_timeouts_become_provider_timeout(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK
) -> None:
    fake.inject(timeout=True, times=10)
    with pytest.raises(ProviderTimeout) as caught:
        await adapter.get_room("abc-defg-hijk")
    assert caught.value.provider == "videosdk"
    assert caught.value.retryable
    assert len(fake.requests) == 4


async def test_a_create_that_timed_out_is_not_repeated(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK
) -> None:
    fake.inject(timeout=True, times=1)
    with pytest.raises(ProviderTimeout):
        await adapter.create_room(RoomSpec(display_name="x"))
    assert len(fake.requests) == 1


async def test_slow_provider_hits_the_operation_budget(
    fake: FakeVideoSDK, clock: ManualClock
) -> None:
    adapter = build(fake, clock, timeouts=HttpTimeouts(connect=0.05, read=0.05, total=0.1))
    fake.latency = 0.5
    with pytest.raises(ProviderTimeout):
        await adapter.get_room("abc-defg-hijk")
    await adapter.aclose()


async def test_409_is_a_conflict_and_400_is_invalid(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK
) -> None:
    fake.inject(status=409, times=1, body={"statusCode": 409, "message": "already running"})
    with pytest.raises(ResourceConflict, match="already running"):
        await adapter.create_room(RoomSpec(display_name="x"))
    fake.inject(status=400, times=1, body={"statusCode": 400, "message": "bad input"})
    with pytest.raises(InvalidRequest) as caught:
        await adapter.create_room(RoomSpec(display_name="x"))
    assert caught.value.status == 400
    assert caught.value.field is None


async def test_an_answer_that_is_not_a_room_is_unavailable(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK
) -> None:
    fake.inject(status=200, times=1, body="Room created")
    with pytest.raises(ProviderUnavailable, match="answered"):
        await adapter.create_room(RoomSpec(display_name="x"))
