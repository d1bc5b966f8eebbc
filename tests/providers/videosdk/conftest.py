"""Fixtures: the VideoSDK sandbox and an adapter wired to it, sharing one manual clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from providers import create_store
from providers.videosdk import FakeVideoSDK, VideoSDKAdapter
from tests.support import ManualClock

START = 1_774_000_000.0


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def fake(clock: ManualClock) -> FakeVideoSDK:
    return FakeVideoSDK(clock=clock)


def build(fake: FakeVideoSDK, clock: ManualClock, **settings: Any) -> VideoSDKAdapter:
    """An adapter on the sandbox, with settings overridden as given."""
    return VideoSDKAdapter(
        fake.settings().model_copy(update=settings),
        store=create_store(),
        transport=fake.transport(),
        clock=clock,
    )


@pytest.fixture
async def adapter(fake: FakeVideoSDK, clock: ManualClock) -> AsyncIterator[VideoSDKAdapter]:
    built = build(fake, clock)
    yield built
    await built.aclose()
