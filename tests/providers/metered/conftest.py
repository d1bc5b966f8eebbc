"""Fixtures: a Metered sandbox, an adapter talking to it, and a clock the tests move."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from providers import HttpTimeouts, create_store
from providers.metered import FakeMetered, MeteredAdapter, MeteredSettings
from tests.support import ManualClock

NOW = datetime(2030, 1, 1, tzinfo=UTC)
FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def make_adapter(
    settings: MeteredSettings, fake: FakeMetered | None = None, clock: ManualClock | None = None
) -> MeteredAdapter:
    return MeteredAdapter(
        settings,
        store=create_store(None, namespace="metered-tests"),
        transport=None if fake is None else fake.transport(),
        clock=clock or ManualClock(NOW.timestamp()),
    )


def quick(settings: MeteredSettings, **timeouts: Any) -> MeteredSettings:
    """``settings`` with short timeouts, so failure paths finish fast."""
    limits = HttpTimeouts(**{"connect": 0.5, "read": 0.5, "total": 3.0, **timeouts})
    return settings.model_copy(update={"timeouts": limits})


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW.timestamp())


@pytest.fixture
def fake(clock: ManualClock) -> FakeMetered:
    return FakeMetered(clock=clock)


@pytest.fixture
async def adapter(fake: FakeMetered, clock: ManualClock) -> AsyncIterator[MeteredAdapter]:
    adapter = make_adapter(quick(fake.settings()), fake, clock)
    yield adapter
    await adapter.aclose()
