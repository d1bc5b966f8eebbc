"""Fixtures of the provider tests: the shared key-value store of each kind."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from providers import KeyValueStore, create_store

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(params=["memory", "redis"])
async def store_of_each_kind(request: pytest.FixtureRequest) -> AsyncIterator[KeyValueStore]:
    """A process-memory store, then a Redis one under a namespace no other test uses."""
    url = REDIS_URL if request.param == "redis" else None
    store = create_store(url, namespace=f"test-store-{uuid.uuid4().hex}")
    yield store
    await store.close()
