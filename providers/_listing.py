"""Newest-first pages over a provider's whole room list, with keyset cursors.

For providers whose API cannot list newest first page by page (Metered answers every room
at once; Vonage pages oldest first), the adapter reads the whole list, orders it here
and serves pages from it. The order is the gateway's: newest ``created_at`` first, rooms
without one last, ties by native id. A cursor is the sort key of the last room returned
(``"<epoch microseconds>:<native id>"``, ``"-:<native id>"`` without a creation time) and
the next page starts strictly after it, so a walk returns each room exactly once even when
rooms are created meanwhile (they sort before the cursor) or when the list is read afresh
for every page.

Reading a whole list on every page of a walk is costly, so the ordered list of each path
is kept for ``cache_seconds`` (``ListingCache``): at most ``MAX_LISTS`` paths per adapter,
concurrent readers of one path sharing a single read. Keyset cursors keep a walk exact
whichever reading serves each page; staleness costs only freshness (a room created or
changed elsewhere shows up within ``cache_seconds``), and the adapter forgets every list
after each change it makes. A list longer than ``max_rooms`` is refused.
"""

from __future__ import annotations

import asyncio
import bisect
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from providers.errors import InvalidRequest
from providers.models import Room, RoomPage

__all__ = [
    "MAX_LISTS",
    "ListingCache",
    "ListingSettings",
    "SortKey",
    "check_page",
    "keyset_page",
    "newest_first",
    "sort_key",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)

#: (no creation time, minus epoch microseconds, native id): ascending is newest first
SortKey = tuple[bool, int, str]


def sort_key(room: Room) -> SortKey:
    """Newest first, rooms without ``created_at`` last, ties by native id."""
    created = room.created_at
    if created is None:
        return (True, 0, room.native_id)
    return (False, -((created - _EPOCH) // _MICROSECOND), room.native_id)


def newest_first(rooms: Iterable[Room]) -> list[Room]:
    """``rooms`` in the gateway's listing order."""
    return sorted(rooms, key=sort_key)


def _encode(key: SortKey) -> str:
    missing, minus_micros, native_id = key
    return f"-:{native_id}" if missing else f"{-minus_micros}:{native_id}"


def _decode(provider: str, cursor: str) -> SortKey:
    micros, sep, native_id = cursor.partition(":")
    if sep and native_id and micros == "-":
        return (True, 0, native_id)
    if sep and native_id and micros.lstrip("-").isdigit() and micros.isascii():
        return (False, -int(micros), native_id)
    raise InvalidRequest(provider, f"not a {provider} room cursor", field="after")


def check_page(provider: str, cursor: str | None, limit: int) -> SortKey | None:
    """The key after which the page starts; ``InvalidRequest`` naming ``after`` or ``first``
    for a cursor not made here or a ``limit`` below 1 (check before asking the provider)."""
    if limit < 1:
        raise InvalidRequest(provider, "must be at least 1", field="first")
    return None if cursor is None else _decode(provider, cursor)


def keyset_page(provider: str, ordered: Sequence[Room], cursor: str | None, limit: int) -> RoomPage:
    """The ``limit`` rooms of ``ordered`` (sorted by ``sort_key``) after ``cursor``."""
    after = check_page(provider, cursor, limit)
    start = 0 if after is None else bisect.bisect_right(ordered, after, key=sort_key)
    rooms = tuple(ordered[start : start + limit])
    more = start + limit < len(ordered)
    return RoomPage(rooms, _encode(sort_key(rooms[-1])) if more and rooms else None)


class ListingSettings(BaseModel):
    """Whole room lists read to be ordered (``GATEWAY_PROVIDERS__<NAME>__LISTING__…``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    cache_seconds: float = Field(
        default=5.0, ge=0, le=300, description="how long one read list serves later pages"
    )
    max_rooms: int = Field(
        default=10_000,
        ge=1,
        le=1_000_000,
        description="a longer list is refused: it cannot be ordered newest first",
    )


#: how many paths (the room list and the rooms of each theme) are kept at once
MAX_LISTS = 64


class ListingCache:
    """Ordered room lists by path, each for ``ttl`` seconds of ``time.monotonic``."""

    def __init__(self, load: Callable[[str], Awaitable[list[Room]]], ttl: float) -> None:
        self._load = load
        self._ttl = ttl
        self._kept: OrderedDict[str, tuple[float, list[Room]]] = OrderedDict()
        self._reading: dict[str, asyncio.Future[list[Room]]] = {}
        self._generation = 0

    async def read(self, path: str) -> list[Room]:
        """The list of ``path``, from memory while fresh, else read once for all waiters."""
        kept = self._kept.get(path)
        if kept is not None and kept[0] > time.monotonic():
            return kept[1]
        running = self._reading.get(path)
        if running is None:
            running = asyncio.ensure_future(self._read(path))
            self._reading[path] = running
            running.add_done_callback(lambda done: self._finished(path, done))
        return await asyncio.shield(running)

    def _finished(self, path: str, done: asyncio.Future[list[Room]]) -> None:
        if self._reading.get(path) is done:
            del self._reading[path]

    async def _read(self, path: str) -> list[Room]:
        generation = self._generation
        rooms = await self._load(path)
        if self._ttl > 0 and generation == self._generation:
            self._kept[path] = (time.monotonic() + self._ttl, rooms)
            self._kept.move_to_end(path)
            while len(self._kept) > MAX_LISTS:
                self._kept.popitem(last=False)
        return rooms

    def clear(self) -> None:
        """Forget every list; a read already under way is not kept either."""
        self._kept.clear()
        self._reading.clear()
        self._generation += 1
