"""The in-process store: TTLs honoured, and never more than its bound of keys."""

from __future__ import annotations

from providers import create_store
from providers._cache import MEMORY_STORE_MAX_ENTRIES, BoundedMemoryStore
from tests.support import ManualClock


async def test_the_default_memory_store_is_bounded() -> None:
    store = create_store()
    assert isinstance(store, BoundedMemoryStore)
    for i in range(MEMORY_STORE_MAX_ENTRIES + 50):
        await store.set(f"k{i}", "v", ttl=86_400)
    assert len(store) == MEMORY_STORE_MAX_ENTRIES
    assert await store.get("k0") is None
    assert await store.get(f"k{MEMORY_STORE_MAX_ENTRIES + 49}") == "v"


async def test_the_least_recently_used_key_goes_first() -> None:
    store = BoundedMemoryStore(max_entries=2)
    await store.set("a", "1")
    await store.set("b", "2")
    assert await store.get("a") == "1"  # a is now the most recently used
    await store.set("c", "3")
    assert (await store.get("a"), await store.get("b"), await store.get("c")) == ("1", None, "3")


async def test_a_key_expires_after_its_ttl_and_add_sees_it_gone() -> None:
    clock = ManualClock(1_000.0)
    store = BoundedMemoryStore(clock=clock)
    assert await store.add("key", "first", ttl=10)
    assert not await store.add("key", "second", ttl=10)
    clock.advance(9.9)
    assert await store.get("key") == "first"
    clock.advance(0.1)
    assert await store.get("key") is None
    assert len(store) == 0
    assert await store.add("key", "third")
    assert await store.get("key") == "third"
    await store.delete("key")
    assert await store.get("key") is None


async def test_get_many_answers_in_order_with_none_for_missing_and_expired_keys() -> None:
    clock = ManualClock(1_000.0)
    store = BoundedMemoryStore(clock=clock)
    await store.set("a", "1")
    await store.set("b", "2", ttl=10)
    clock.advance(10)
    assert await store.get_many(["a", "missing", "b", "a"]) == ["1", None, None, "1"]
    assert await store.get_many([]) == []
