"""Listing: Metered answers with every room; pages are stable offsets into a sorted list."""

from __future__ import annotations

import pytest

from providers import ProviderUnavailable, RoomPage, RoomSpec
from providers.metered import FakeMetered, MeteredAdapter
from tests.support import ManualClock


async def walk(adapter: MeteredAdapter, limit: int) -> list[RoomPage]:
    pages = [await adapter.list_rooms(None, limit)]
    while pages[-1].next_cursor is not None:
        pages.append(await adapter.list_rooms(pages[-1].next_cursor, limit))
    return pages


async def test_pages_to_the_end_without_skips_or_repeats(
    adapter: MeteredAdapter, fake: FakeMetered
) -> None:
    names = fake.seed_rooms(23)

    pages = await walk(adapter, 5)

    assert [len(page.rooms) for page in pages] == [5, 5, 5, 5, 3]
    listed = [room.native_id for page in pages for room in page.rooms]
    assert listed == sorted(names)  # same creation time: ordered by name
    assert [page.next_cursor for page in pages] == ["5", "10", "15", "20", None]


async def test_order_is_creation_time_then_name(
    adapter: MeteredAdapter, fake: FakeMetered, clock: ManualClock
) -> None:
    late = await adapter.create_room(RoomSpec("x", provider_options={"roomName": "aaa-late"}))
    clock.advance(-60)
    early = await adapter.create_room(RoomSpec("x", provider_options={"roomName": "zzz-early"}))

    page = await adapter.list_rooms(None, 10)

    assert [room.native_id for room in page.rooms] == [early.native_id, late.native_id]
    assert page.next_cursor is None


async def test_a_room_created_mid_walk_is_listed_once_at_the_end(
    adapter: MeteredAdapter, fake: FakeMetered, clock: ManualClock
) -> None:
    names = fake.seed_rooms(6)
    first = await adapter.list_rooms(None, 4)
    clock.advance(1)
    newcomer = await adapter.create_room(RoomSpec("newcomer"))
    rest = await walk_from(adapter, first.next_cursor, 4)

    listed = [room.native_id for room in first.rooms] + rest
    assert listed == [*sorted(names), newcomer.native_id]


async def walk_from(adapter: MeteredAdapter, cursor: str | None, limit: int) -> list[str]:
    names: list[str] = []
    while cursor is not None:
        page = await adapter.list_rooms(cursor, limit)
        names += [room.native_id for room in page.rooms]
        cursor = page.next_cursor
    return names


async def test_empty_app_lists_nothing(adapter: MeteredAdapter) -> None:
    assert await adapter.list_rooms(None, 20) == RoomPage(rooms=(), next_cursor=None)


async def test_a_cursor_past_the_end_gives_an_empty_last_page(
    adapter: MeteredAdapter, fake: FakeMetered
) -> None:
    fake.seed_rooms(2)
    assert await adapter.list_rooms("50", 10) == RoomPage(rooms=(), next_cursor=None)


async def test_exact_multiple_ends_without_a_dangling_cursor(
    adapter: MeteredAdapter, fake: FakeMetered
) -> None:
    fake.seed_rooms(10)
    pages = await walk(adapter, 5)
    assert [page.next_cursor for page in pages] == ["5", None]


@pytest.mark.parametrize(
    "body",
    [{"success": True}, "not a list", [{"privacy": "public"}]],
    ids=["object", "text", "nameless"],
)
async def test_an_unexpected_list_is_a_provider_failure(
    adapter: MeteredAdapter, fake: FakeMetered, body: object
) -> None:
    fake.inject(status=200, body=body, path_contains="/rooms")
    with pytest.raises(ProviderUnavailable) as caught:
        await adapter.list_rooms(None, 5)
    assert caught.value.provider == "metered"
