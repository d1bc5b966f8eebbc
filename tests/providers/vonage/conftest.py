"""Fixtures: the Vonage sandbox and an adapter wired to it, sharing one manual clock."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from providers.vonage import FakeVonage, VonageAdapter
from tests.providers.vonage.helpers import START, build
from tests.support import ManualClock


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def fake(clock: ManualClock) -> FakeVonage:
    return FakeVonage(clock=clock)


@pytest.fixture
async def adapter(fake: FakeVonage, clock: ManualClock) -> AsyncIterator[VonageAdapter]:
    built = build(fake, clock)
    yield built
    await built.aclose()
