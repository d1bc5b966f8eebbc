"""One page of rooms merged from several providers, and its opaque cursor.

Order: newest ``createdAt`` first, rooms without one last, ties by gateway id. Each
adapter lists newest first (checked over every adapter by the provider contract tests) and
the merge never reorders a provider's rooms, so the merge is *stable and exhaustive*:
walking every page returns each room exactly once, in the order above.

The cursor is base64url JSON holding, per provider, the native cursor of the provider
page it is in, the ``limit`` that page was fetched with and how many of its rooms were
already returned (``null`` once the provider is exhausted). A page request fetches each
provider's current page, takes the best head among the providers one room at a time and
fetches a provider's next page only when its current one runs out while rooms are still
needed. A provider that fails keeps its position (the next page retries it) and does not
count towards ``hasNextPage``. A provider absent from the cursor (not asked when the walk
began) is not asked during that walk.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from gateway.graphql.errors import bad_input
from gateway.graphql.fanout import Failure, failure
from providers import Room, RoomPage

__all__ = ["MAX_FIRST", "MergedPage", "PageFetcher", "Position", "decode_cursor", "merge_page"]

MAX_FIRST = 100
_VERSION = 1

#: ``(provider, native cursor, limit)`` -> one provider page
PageFetcher = Callable[[str, str | None, int], Awaitable[RoomPage]]


@dataclass(frozen=True, slots=True)
class Position:
    """Where a provider's next unread room is: page ``cursor`` (fetched with ``limit``),
    after its first ``offset`` rooms."""

    cursor: str | None
    limit: int
    offset: int = 0


#: provider name -> position; ``None`` when the provider has nothing left
Positions = dict[str, Position | None]


def encode_cursor(scope: str | None, positions: Positions) -> str:
    state = {
        "v": _VERSION,
        "s": scope,
        "p": {
            name: None if pos is None else [pos.cursor, pos.limit, pos.offset]
            for name, pos in sorted(positions.items())
        },
    }
    text = json.dumps(state, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(value: str, scope: str | None) -> Positions:
    """The positions in ``value``; ``BAD_USER_INPUT`` naming ``after`` when it is not a
    cursor of this query."""
    try:
        padded = value + "=" * (-len(value) % 4)
        state = json.loads(base64.urlsafe_b64decode(padded.encode()))
        positions = _positions(state)
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError, KeyError):
        raise bad_input("after is not a cursor returned by rooms", field="after") from None
    if state["s"] != scope:
        raise bad_input("after belongs to a rooms query with another provider", field="after")
    return positions


def _positions(state: Any) -> Positions:
    if (
        not isinstance(state, dict)
        or state.get("v") != _VERSION
        or not isinstance(state["p"], dict)
    ):
        raise ValueError("not a cursor")
    return {str(name): _position(item) for name, item in state["p"].items()}


def _position(item: Any) -> Position | None:
    if item is None:
        return None
    cursor, limit, offset = item
    valid_limit = type(limit) is int and 1 <= limit <= MAX_FIRST
    if not (cursor is None or isinstance(cursor, str)) or not valid_limit:
        raise ValueError("not a position")
    if type(offset) is not int or offset < 0:
        raise ValueError("not a position")
    return Position(cursor, limit, offset)


def sort_key(room: Room) -> tuple[bool, float, str]:
    """Newest first, rooms without ``createdAt`` last, ties by gateway id."""
    created: datetime | None = room.created_at
    return (created is None, 0.0 if created is None else -created.timestamp(), room.id)


@dataclass
class _Stream:
    """One provider's rooms as the merge reads them."""

    provider: str
    position: Position | None
    page: RoomPage | None = None
    failed: bool = False

    @property
    def head(self) -> Room | None:
        if self.page is None or self.position is None or self.failed:
            return None
        rooms = self.page.rooms
        return rooms[self.position.offset] if self.position.offset < len(rooms) else None

    @property
    def needs_page(self) -> bool:
        return not self.failed and self.position is not None and self.page is None

    @property
    def has_more(self) -> bool:
        return not self.failed and self.position is not None

    def loaded(self, page: RoomPage, next_limit: int) -> None:
        self.page = page
        self._settle(next_limit)

    def take(self, next_limit: int) -> Room:
        room = self.head
        if room is None or self.position is None:
            raise AssertionError("take() without a head")
        pos = self.position
        self.position = Position(pos.cursor, pos.limit, pos.offset + 1)
        self._settle(next_limit)
        return room

    def _settle(self, next_limit: int) -> None:
        """Step to the next provider page once the current one is used up."""
        if self.page is None or self.position is None:
            return
        if self.position.offset < len(self.page.rooms):
            return
        following = self.page.next_cursor
        self.position = None if following is None else Position(following, next_limit)
        self.page = None


@dataclass
class MergedPage:
    """Rooms (each with the positions right after it), paging state and failed providers.

    A room's cursor is encoded only when asked for (``cursor``): most queries read
    ``endCursor`` alone."""

    scope: str | None = None
    rooms: list[tuple[Room, Positions]] = field(default_factory=list)
    has_next: bool = False
    end_cursor: str | None = None
    failures: list[Failure] = field(default_factory=list)

    def cursor(self, positions: Positions) -> str:
        """The cursor for ``positions``: pass it as ``after`` to continue from there."""
        return encode_cursor(self.scope, positions)


async def merge_page(
    start: Positions, first: int, fetch: PageFetcher, scope: str | None = None
) -> MergedPage:
    """The next ``first`` rooms after ``start`` across its providers."""
    streams = [_Stream(name, pos) for name, pos in start.items()]
    result = MergedPage(scope)
    while len(result.rooms) < first:
        await _load(streams, first, fetch, result.failures)
        best = min((s for s in streams if s.head is not None), key=_head_key, default=None)
        if best is None:
            break
        room = best.take(first)
        result.rooms.append((room, _snapshot(streams)))
    result.has_next = any(s.has_more for s in streams)
    result.end_cursor = result.cursor(result.rooms[-1][1]) if result.rooms else None
    return result


def _head_key(stream: _Stream) -> tuple[bool, float, str]:
    head = stream.head
    if head is None:
        raise AssertionError("only streams with a head are compared")
    return sort_key(head)


def _snapshot(streams: Sequence[_Stream]) -> Positions:
    return {s.provider: s.position for s in streams}


async def _load(
    streams: Sequence[_Stream], first: int, fetch: PageFetcher, failures: list[Failure]
) -> None:
    """Fetch, concurrently, the page of every provider whose head is not known yet."""
    while waiting := [s for s in streams if s.needs_page]:
        pages = await asyncio.gather(*(_fetch(s, fetch) for s in waiting), return_exceptions=True)
        for stream, page in zip(waiting, pages, strict=True):
            if isinstance(page, RoomPage):
                stream.loaded(page, first)
            elif isinstance(page, Exception):
                stream.failed = True
                failures.append(failure(stream.provider, page))
            else:
                raise page


async def _fetch(stream: _Stream, fetch: PageFetcher) -> RoomPage:
    position = stream.position
    if position is None:
        raise AssertionError("only streams with a position fetch")
    return await fetch(stream.provider, position.cursor, position.limit)
