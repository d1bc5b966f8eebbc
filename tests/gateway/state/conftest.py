"""The event tests' buses and Redis prefixes, and projectors of their logs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from gateway.events.base import LogBus
from gateway.settings import Settings, StateSettings
from gateway.state import StateProjector, create_state_store
from gateway.state.store import StateStore
from tests.gateway.events.conftest import REDIS_URL, BusFactory, make_bus, redis_prefix
from tests.gateway.state.projection import Projection, ProjectorFactory

__all__ = ["make_bus", "make_projector", "redis_prefix"]


@pytest.fixture
async def make_projector(
    request: pytest.FixtureRequest, make_bus: BusFactory, redis_prefix: str
) -> AsyncIterator[ProjectorFactory]:
    """Started projectors over buses of the ``make_bus`` backend, sharing one log;
    ``history_providers`` as the projector takes it, the rest are state settings."""
    made: list[Projection] = []
    backend = request.node.callspec.params["make_bus"]
    memory_store: list[StateStore] = []

    async def make(
        bus: LogBus | None = None, history_providers: frozenset[str] = frozenset(), **state: Any
    ) -> Projection:
        bus = bus or await make_bus()
        settings = Settings(
            redis_url=REDIS_URL if backend == "redis" else None,
            events=bus.settings,
            state=StateSettings(**state),
        )
        if backend == "memory":
            # one process: its projectors share the process's store
            memory_store[:] = memory_store or [create_state_store(settings)]
            store = memory_store[0]
        else:
            store = create_state_store(settings)
        projector = StateProjector(bus, store, settings.state, history_providers)
        await projector.start()
        made.append((projector, store))
        return projector, store

    yield make
    for projector, store in made:
        await projector.aclose()
        await store.aclose()
