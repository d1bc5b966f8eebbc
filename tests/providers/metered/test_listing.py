"""Listing: Metered answers with every room; pages are keyset slices of it, newest first."""

from __future__ import annotations

import pytest

from providers import InvalidRequest, ProviderUnavailable, RoomPage, RoomSpec
from providers._listing import ListingSettings
from providers.metered import FakeMetered, MeteredAdapter
from tests.providers.metered.conftest import make_adapter
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
    cursors = [page.next_cursor for page in pages]
    assert cursors[-1] is None
    assert [cursor.rsplit(":", 1)[1] for cursor in cursors[:-1] if cursor] == listed[4:20:5]


async def test_order_is_newest_first_then_name(
    adapter: MeteredAdapter, fake: FakeMetered, clock: ManualClock
) -> None:
    late = await adapter.create_room(RoomSpec("x", provider_options={"roomName": "aaa-late"}))
    clock.advance(-60)
    early = await adapter.create_room(RoomSpec("x", provider_options={"roomName": "zzz-early"}))

    page = await adapter.list_rooms(None, 10)

    assert [room.native_id for room in page.rooms] == [late.native_id, early.native_id]
    assert page.next_cursor is None


async def test_a_room_created_mid_walk_is_not_in_that_walk(
    adapter: MeteredAdapter, fake: FakeMetered, clock: ManualClock
) -> None:
    names = fake.seed_rooms(6)
    first = await adapter.list_rooms(None, 4)
    clock.advance(1)
    newcomer = await adapter.create_room(RoomSpec("newcomer"))
    rest = await walk_from(adapter, first.next_cursor, 4)

    listed = [room.native_id for room in first.rooms] + rest
    assert listed == sorted(names)
    again = await walk(adapter, 4)
    assert again[0].rooms[0].native_id == newcomer.native_id


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
    assert await adapter.list_rooms("-:zzz", 10) == RoomPage(rooms=(), next_cursor=None)


@pytest.mark.parametrize("cursor", ["5", "x:abc", "12:", ":abc"])
async def test_a_foreign_cursor_names_after(
    adapter: MeteredAdapter, fake: FakeMetered, cursor: str
) -> None:
    fake.seed_rooms(2)
    with pytest.raises(InvalidRequest) as caught:
        await adapter.list_rooms(cursor, 10)
    assert caught.value.field == "after"


async def test_exact_multiple_ends_without_a_dangling_cursor(
    adapter: MeteredAdapter, fake: FakeMetered
) -> None:
    fake.seed_rooms(10)
    pages = await walk(adapter, 5)
    assert [len(page.rooms) for page in pages] == [5, 5]
    assert pages[-1].next_cursor is None


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


async def test_a_walk_reads_the_list_once_while_it_is_kept(
    adapter: MeteredAdapter, fake: FakeMetered
) -> None:
    fake.seed_rooms(9)
    pages = await walk(adapter, 2)
    assert len(pages) == 5
    assert len([r for r in fake.requests if r.url.path.endswith("/rooms")]) == 1


async def test_a_list_longer_than_the_bound_is_refused(
    fake: FakeMetered, clock: ManualClock
) -> None:
    listing = ListingSettings(cache_seconds=0, max_rooms=3)
    adapter = make_adapter(fake.settings().model_copy(update={"listing": listing}), fake, clock)
    fake.seed_rooms(3)
    assert len((await adapter.list_rooms(None, 10)).rooms) == 3
    fake.seed_rooms(1)
    with pytest.raises(ProviderUnavailable, match="more than 3 rooms") as caught:
        await adapter.list_rooms(None, 10)
    await adapter.aclose()
    assert not caught.value.retryable
