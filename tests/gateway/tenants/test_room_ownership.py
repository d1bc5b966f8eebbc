"""Owners of many rooms come from one read of the shared store, in memory and on Redis."""

from __future__ import annotations

from gateway.tenancy import RoomOwnership
from providers import KeyValueStore
from tests.support import counting_tasks


async def test_owners_of_a_page_in_order_without_a_task_per_room(
    store_of_each_kind: KeyValueStore,
) -> None:
    ownership = RoomOwnership(store_of_each_kind, ttl=60)
    await ownership.record("vonage", "r1", "acme")
    await ownership.record("metered", "r3", "globex")
    rooms = [("vonage", "r1"), ("vonage", "r2"), ("metered", "r3"), ("metered", "r1")]
    with counting_tasks() as tasks:
        owners = await ownership.owners(rooms)
    assert len(tasks) <= 1  # redis-py sends each command (here the one MGET) in a task
    assert owners == ["acme", None, "globex", None]
    assert owners == [await ownership.owner(*room) for room in rooms]
