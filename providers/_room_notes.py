"""What the gateway remembers of a room that its provider does not keep.

VideoSDK rooms have no display name, and a Metered room's only name is its ``roomName``
(its id, a URL slug). The name given at creation is kept in the shared store
(``KeyValueStore``: process memory, or Redis so that every replica sees it), one JSON value
per room under ``room-notes:<provider>:<native id>``, for ``room_notes_ttl_seconds``
(365 days by default); after that, or for rooms created elsewhere, the provider's own value
is shown. Reads fill the notes into the ``Room`` an adapter built from the provider's answer.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from providers._cache import KeyValueStore
from providers.models import JoinApproval, Room

__all__ = ["RoomNotebook", "RoomNotes", "apply_notes"]

_APPROVALS = frozenset(approval.value for approval in JoinApproval)


@dataclass(frozen=True, slots=True)
class RoomNotes:
    """Room fields the provider does not keep; ``None``: nothing noted."""

    display_name: str | None = None
    auto_record: bool | None = None
    #: who must admit a guest (VideoSDK rooms have no such setting of their own)
    join_approval: str | None = None

    def merged(self, newer: RoomNotes) -> RoomNotes:
        """These notes with what ``newer`` notes replacing them."""
        given = {k: v for k, v in dataclasses.asdict(newer).items() if v is not None}
        return dataclasses.replace(self, **given)


class RoomNotebook:
    """One provider's room notes in the shared store."""

    def __init__(self, store: KeyValueStore, provider: str, ttl: float) -> None:
        self._store = store
        self._provider = provider
        self._ttl = ttl

    def _key(self, native_id: str) -> str:
        return f"room-notes:{self._provider}:{native_id}"

    async def read(self, native_id: str) -> RoomNotes:
        return _decoded(await self._store.get(self._key(native_id)))

    async def write(self, native_id: str, notes: RoomNotes) -> None:
        """Note ``notes`` over what is already noted of the room."""
        merged = (await self.read(native_id)).merged(notes)
        text = json.dumps(dataclasses.asdict(merged), separators=(",", ":"))
        await self._store.set(self._key(native_id), text, ttl=self._ttl)

    async def annotate(self, room: Room) -> Room:
        """``room`` with what is noted of it."""
        return apply_notes(room, await self.read(room.native_id))

    async def annotate_all(self, rooms: Sequence[Room]) -> tuple[Room, ...]:
        """``rooms`` with what is noted of them, from one read of the store (a read per room,
        each its own task, added ~30 MiB to the peak RSS of 1,000 listings at once)."""
        texts = await self._store.get_many([self._key(room.native_id) for room in rooms])
        return tuple(
            apply_notes(room, _decoded(text)) for room, text in zip(rooms, texts, strict=True)
        )


def _decoded(text: str | None) -> RoomNotes:
    if text is None:
        return RoomNotes()
    data: Any = json.loads(text)
    if not isinstance(data, dict):
        return RoomNotes()
    return RoomNotes(
        display_name=data.get("display_name"),
        auto_record=data.get("auto_record"),
        join_approval=data.get("join_approval"),
    )


def apply_notes(room: Room, notes: RoomNotes) -> Room:
    """``room`` with ``notes`` in place of the provider's values."""
    changes: dict[str, Any] = {}
    if notes.display_name is not None:
        changes["display_name"] = notes.display_name
    if notes.auto_record is not None:
        changes["recording"] = dataclasses.replace(room.recording, auto_record=notes.auto_record)
    if notes.join_approval in _APPROVALS:
        changes["join_approval"] = JoinApproval(notes.join_approval)
    return dataclasses.replace(room, **changes) if changes else room
