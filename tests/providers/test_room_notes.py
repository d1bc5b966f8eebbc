"""A listing's room notes come from one read of the shared store, in memory and on Redis."""

from __future__ import annotations

from providers import KeyValueStore
from providers._room_notes import RoomNotebook, RoomNotes
from providers.models import Room
from tests.support import counting_tasks


async def test_a_page_of_rooms_is_annotated_from_one_read_without_a_task_per_room(
    store_of_each_kind: KeyValueStore,
) -> None:
    notebook = RoomNotebook(store_of_each_kind, "metered", ttl=60)
    rooms = [Room("metered", f"room-{i}", {}, display_name=f"slug-{i}") for i in range(50)]
    await notebook.write("room-3", RoomNotes(display_name="Standup"))
    await notebook.write("room-40", RoomNotes(display_name="Retro"))
    with counting_tasks() as tasks:
        annotated = await notebook.annotate_all(rooms)
    # a task per room, 1,000 listings at once, added ~30 MiB to the gateway's peak RSS
    assert len(tasks) <= 1  # redis-py sends each command (here the one MGET) in a task
    names = [room.display_name for room in annotated]
    assert names == [{3: "Standup", 40: "Retro"}.get(i, f"slug-{i}") for i in range(50)]
    assert await notebook.annotate_all([]) == ()
