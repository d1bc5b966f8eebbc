"""``list_rooms``: page/perPage underneath, an opaque cursor that never skips or repeats."""

from __future__ import annotations

import pytest

from providers import InvalidRequest, RoomSpec
from providers.videosdk import FakeVideoSDK, VideoSDKAdapter


async def _walk(adapter: VideoSDKAdapter, limits: list[int]) -> list[str]:
    seen: list[str] = []
    cursor: str | None = None
    step = 0
    while True:
        limit = limits[step % len(limits)]
        page = await adapter.list_rooms(cursor, limit)
        assert len(page.rooms) <= limit
        seen += [room.native_id for room in page.rooms]
        step += 1
        if page.next_cursor is None:
            return seen
        cursor = page.next_cursor


def _newest_first(created: list[str]) -> list[str]:
    return list(reversed(created))


@pytest.mark.parametrize("limit", [1, 7, 20, 23, 24, 100])
async def test_walk_to_the_end_in_provider_order(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK, limit: int
) -> None:
    created = fake.seed_rooms(23)
    assert await _walk(adapter, [limit]) == _newest_first(created)


async def test_aligned_pages_cost_one_request_each(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK
) -> None:
    fake.seed_rooms(30)
    await _walk(adapter, [10])
    queries = [dict(r.url.params) for r in fake.requests]
    assert queries == [{"page": str(n), "perPage": "10"} for n in (1, 2, 3)]


async def test_changing_limits_neither_skip_nor_repeat(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK
) -> None:
    created = fake.seed_rooms(41)
    assert await _walk(adapter, [3, 10, 7, 1, 16]) == _newest_first(created)


async def test_an_empty_account_is_one_empty_page(adapter: VideoSDKAdapter) -> None:
    page = await adapter.list_rooms(None, 20)
    assert page.rooms == ()
    assert page.next_cursor is None


async def test_rooms_created_during_a_walk_are_not_repeated(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK
) -> None:
    created = fake.seed_rooms(12)
    first = await adapter.list_rooms(None, 5)
    for _ in range(3):  # newest first: new rooms push the rest down
        await adapter.create_room(RoomSpec(display_name="late"))
    rest: list[str] = []
    cursor = first.next_cursor
    while cursor is not None:
        page = await adapter.list_rooms(cursor, 5)
        rest += [room.native_id for room in page.rooms]
        cursor = page.next_cursor
    assert [r.native_id for r in first.rooms] + rest == _newest_first(created)


async def test_a_whole_window_of_new_rooms_is_skipped_over(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK
) -> None:
    created = fake.seed_rooms(6)
    first = await adapter.list_rooms(None, 3)
    fake.seed_rooms(3)
    second = await adapter.list_rooms(first.next_cursor, 3)
    seen = [r.native_id for r in first.rooms + second.rooms]
    assert seen == _newest_first(created)
    assert second.next_cursor is None


async def test_a_capped_page_size_is_followed(adapter: VideoSDKAdapter, fake: FakeVideoSDK) -> None:
    fake.max_per_page = 4
    created = fake.seed_rooms(19)
    assert await _walk(adapter, [10, 3]) == _newest_first(created)
    assert all(r.url.params["perPage"] in {"10", "3", "4"} for r in fake.requests)


@pytest.mark.parametrize("cursor", ["", "abc", "-3:x", "x:1"])
async def test_a_foreign_cursor_is_refused(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK, cursor: str
) -> None:
    with pytest.raises(InvalidRequest) as caught:
        await adapter.list_rooms(cursor, 10)
    assert caught.value.field == "after"
    assert fake.requests == []


async def test_limit_must_be_positive(adapter: VideoSDKAdapter) -> None:
    with pytest.raises(InvalidRequest) as caught:
        await adapter.list_rooms(None, 0)
    assert caught.value.field == "first"


async def test_listed_rooms_carry_the_provider_record(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK
) -> None:
    fake.add_room("alias")
    (room,) = (await adapter.list_rooms(None, 5)).rooms
    assert room.display_name == "alias"
    assert set(room.raw["user"]) == {"email", "name", "discontinuedReason", "id"}
    assert room.raw["roomId"] == room.native_id
