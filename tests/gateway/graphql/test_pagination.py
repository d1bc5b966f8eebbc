"""The multi-provider merge and its cursor, with in-memory provider pages."""

from __future__ import annotations

import asyncio
import base64
import json
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.graphql.errors import GatewayError
from gateway.graphql.pagination import (
    MergedPage,
    Position,
    Positions,
    decode_cursor,
    merge_page,
    sort_key,
)
from providers import ProviderUnavailable, Room, RoomPage

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


class Listing:
    """A provider that pages its rooms by offset cursors, counting the pages it serves."""

    def __init__(self, name: str, rooms: list[Room]) -> None:
        self.name = name
        self.rooms = rooms
        self.fetches = 0
        self.fail = False

    async def page(self, cursor: str | None, limit: int) -> RoomPage:
        self.fetches += 1
        if self.fail:
            raise ProviderUnavailable(self.name, "HTTP 500: down")
        start = int(cursor or 0)
        end = start + limit
        following = str(end) if end < len(self.rooms) else None
        return RoomPage(tuple(self.rooms[start:end]), following)


def make_rooms(name: str, ages: list[int | None]) -> list[Room]:
    """Rooms created ``age`` minutes before the epoch (``None``: unknown), in that order."""
    return [
        Room(
            provider=name,
            native_id=f"r{index:03d}",
            raw={},
            created_at=None if age is None else EPOCH - timedelta(minutes=age),
        )
        for index, age in enumerate(ages)
    ]


def start(listings: list[Listing], first: int) -> Positions:
    return {listing.name: Position(None, first) for listing in listings}


async def walk(
    listings: list[Listing], sizes: list[int], scope: str | None = None
) -> list[MergedPage]:
    by_name = {listing.name: listing for listing in listings}

    async def fetch(name: str, cursor: str | None, limit: int) -> RoomPage:
        return await by_name[name].page(cursor, limit)

    pages: list[MergedPage] = []
    positions = start(listings, sizes[0])
    for number in range(1000):
        first = sizes[number % len(sizes)]
        page = await merge_page(positions, first, fetch, scope)
        pages.append(page)
        if not page.has_next:
            return pages
        assert page.end_cursor is not None
        positions = decode_cursor(page.end_cursor, scope)
    raise AssertionError("the walk did not end")


ages = st.lists(st.one_of(st.none(), st.integers(0, 50)), max_size=25)


@settings(max_examples=200, deadline=None)
@given(
    counts=st.lists(ages, min_size=1, max_size=4),
    sizes=st.lists(st.integers(1, 9), min_size=1, max_size=4),
)
def test_every_room_exactly_once_with_full_pages(
    counts: list[list[int | None]], sizes: list[int]
) -> None:
    listings = [Listing(f"p{i}", make_rooms(f"p{i}", a)) for i, a in enumerate(counts)]
    pages = asyncio.run(walk(listings, sizes))
    seen = [room.id for page in pages for room, _ in page.rooms]
    assert Counter(seen) == Counter(room.id for listing in listings for room in listing.rooms)
    for number, page in enumerate(pages[:-1]):
        assert len(page.rooms) == sizes[number % len(sizes)]


@settings(max_examples=200, deadline=None)
@given(
    counts=st.lists(ages, min_size=1, max_size=4),
    sizes=st.lists(st.integers(1, 9), min_size=1, max_size=4),
)
def test_newest_first_when_every_provider_lists_newest_first(
    counts: list[list[int | None]], sizes: list[int]
) -> None:
    listings = []
    for i, a in enumerate(counts):
        rooms = sorted(make_rooms(f"p{i}", a), key=sort_key)
        listings.append(Listing(f"p{i}", rooms))
    pages = asyncio.run(walk(listings, sizes))
    seen = [room for page in pages for room, _ in page.rooms]
    assert seen == sorted(seen, key=sort_key)


async def test_order_is_newest_first_nulls_last_ties_by_id() -> None:
    a = Listing("a", make_rooms("a", [1, 1, None]))
    b = Listing("b", make_rooms("b", [0, 1, None]))
    page = await walk([a, b], [10])
    ids = [room.id for room, _ in page[0].rooms]
    assert ids == ["b:r000", "a:r000", "a:r001", "b:r001", "a:r002", "b:r002"]


async def test_a_page_fetches_only_the_provider_pages_it_needs() -> None:
    a = Listing("a", make_rooms("a", list(range(0, 40, 2))))  # 20 rooms, newer
    b = Listing("b", make_rooms("b", list(range(100, 120))))  # 20 older rooms

    async def fetch(name: str, cursor: str | None, limit: int) -> RoomPage:
        return await {"a": a, "b": b}[name].page(cursor, limit)

    first = await merge_page(start([a, b], 5), 5, fetch)
    assert [room.provider for room, _ in first.rooms] == ["a"] * 5
    assert (a.fetches, b.fetches) == (1, 1)
    a.fetches = b.fetches = 0
    pages = await walk([a, b], [5])
    assert len(pages) == 8
    # one page of each provider that still has rooms per request, nothing ahead
    assert (a.fetches, b.fetches) == (4, 8)


async def test_each_edge_cursor_resumes_right_after_its_room() -> None:
    a = Listing("a", make_rooms("a", [0, 2, 4, 6]))
    b = Listing("b", make_rooms("b", [1, 3, 5]))
    (page,) = await walk([a, b], [10])
    ordered = [room.id for room, _ in page.rooms]

    async def fetch(name: str, cursor: str | None, limit: int) -> RoomPage:
        return await {"a": a, "b": b}[name].page(cursor, limit)

    for index, (_, positions) in enumerate(page.rooms):
        rest = await merge_page(decode_cursor(page.cursor(positions), None), 10, fetch)
        assert [room.id for room, _ in rest.rooms] == ordered[index + 1 :]


async def test_a_failing_provider_keeps_its_position_and_is_reported() -> None:
    a = Listing("a", make_rooms("a", [0, 1, 2]))
    b = Listing("b", make_rooms("b", [3, 4]))
    b.fail = True

    async def fetch(name: str, cursor: str | None, limit: int) -> RoomPage:
        return await {"a": a, "b": b}[name].page(cursor, limit)

    page = await merge_page(start([a, b], 10), 10, fetch)
    assert [room.provider for room, _ in page.rooms] == ["a"] * 3
    assert [(f.provider, f.code, f.retryable) for f in page.failures] == [
        ("b", "PROVIDER_UNAVAILABLE", True)
    ]
    assert page.has_next is False
    b.fail = False
    assert page.end_cursor is not None
    retried = await merge_page(decode_cursor(page.end_cursor, None), 10, fetch)
    assert [room.id for room, _ in retried.rooms] == ["b:r000", "b:r001"]
    assert retried.failures == []


def encode(state: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(state).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "not a cursor!",
        "e30",  # {}
        encode({"v": 2, "s": None, "p": {}}),
        encode({"v": 1, "s": None, "p": []}),
        encode({"v": 1, "s": None, "p": {"vonage": ["x", 0, 0]}}),
        encode({"v": 1, "s": None, "p": {"vonage": ["x", 101, 0]}}),
        encode({"v": 1, "s": None, "p": {"vonage": ["x", 5, -1]}}),
        encode({"v": 1, "s": None, "p": {"vonage": [3, 5, 0]}}),
        encode({"v": 1, "s": None, "p": {"vonage": ["x", 5]}}),
        encode({"v": 1, "s": "metered", "p": {}}),
        encode([1, 2]),
    ],
)
def test_a_malformed_cursor_names_after(cursor: str) -> None:
    with pytest.raises(GatewayError) as caught:
        decode_cursor(cursor, None)
    assert caught.value.extensions == {"code": "BAD_USER_INPUT", "field": "after"}


def test_cursor_round_trip() -> None:
    cursor = encode({"v": 1, "s": "vonage", "p": {"vonage": ["17", 20, 3], "metered": None}})
    assert decode_cursor(cursor, "vonage") == {"vonage": Position("17", 20, 3), "metered": None}
