"""Rooms through the sandbox: create with every field, read, list, update, close."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from providers import (
    InvalidRequest,
    JoinApproval,
    ProviderUnavailable,
    RecordingOptions,
    ResourceNotFound,
    RoomKind,
    RoomSpec,
    RoomUpdate,
    ThemeSpec,
    WebhookTarget,
)
from providers._listing import ListingSettings
from providers.vonage import FakeVonage, VonageAdapter
from providers.vonage.payloads import format_time
from tests.providers.vonage.helpers import build
from tests.support import ManualClock

FULL_OPTIONS: dict[str, Any] = {
    "expire_after_use": True,
    "initial_join_options": {"microphone_state": "off"},
    "callback_urls": {
        "rooms_callback_url": "https://hooks.example/rooms",
        "sessions_callback_url": "https://hooks.example/sessions",
        "recordings_callback_url": "http://hooks.example/recordings",
    },
    "available_features": {
        "is_recording_available": False,
        "is_chat_available": True,
        "is_whiteboard_available": False,
        "is_locale_switcher_available": True,
        "is_captions_available": True,
    },
    "ui_settings": {"language": "es"},
}


def _sent(fake: FakeVonage) -> Any:
    return json.loads(fake.requests[-1].content)


def long_term(clock: ManualClock, **kwargs: Any) -> RoomSpec:
    values: dict[str, Any] = {
        "display_name": "Weekly sync",
        "kind": RoomKind.LONG_TERM,
        "expires_at": clock.datetime() + timedelta(days=30),
        **kwargs,
    }
    return RoomSpec(**values)


async def test_create_instant_room(
    adapter: VonageAdapter, fake: FakeVonage, clock: ManualClock
) -> None:
    room = await adapter.create_room(RoomSpec(display_name="Stand-up"))
    assert _sent(fake) == {"display_name": "Stand-up", "type": "instant"}
    assert room.kind is RoomKind.INSTANT
    assert room.expires_at == room.created_at + timedelta(minutes=10)  # type: ignore[operator]
    assert room.available
    assert room.meeting_code is not None
    assert room.meeting_code.isdigit()
    assert room.guest_url == f"https://meetings.vonage.com/{room.meeting_code}"
    assert room.host_url is not None
    assert f"room_token={room.meeting_code}&participant_token=" in room.host_url
    assert room.join_approval is JoinApproval.NONE


async def test_create_long_term_room_with_every_field(
    adapter: VonageAdapter, fake: FakeVonage, clock: ManualClock
) -> None:
    theme = await adapter.create_theme(ThemeSpec(main_color="#112233", brand_text="Acme"))
    spec = long_term(
        clock,
        metadata="team=blue",
        theme_id=theme.native_id,
        recording=RecordingOptions(auto_record=True, record_only_owner=True),
        join_approval=JoinApproval.EXPLICIT_APPROVAL,
        provider_options=FULL_OPTIONS,
    )
    room = await adapter.create_room(spec)
    sent = _sent(fake)
    assert sent == {
        "display_name": "Weekly sync",
        "type": "long_term",
        "expires_at": format_time(clock.datetime() + timedelta(days=30)),
        "metadata": "team=blue",
        "theme_id": theme.native_id,
        "recording_options": {"auto_record": True, "record_only_owner": True},
        "join_approval_level": "explicit_approval",
        **FULL_OPTIONS,
    }
    assert fake.requests[-1].method == "POST"
    assert room.kind is RoomKind.LONG_TERM
    assert room.metadata == "team=blue"
    assert room.recording == RecordingOptions(auto_record=True, record_only_owner=True)
    assert room.join_approval is JoinApproval.EXPLICIT_APPROVAL
    assert room.theme_id == theme.native_id
    assert room.expires_at == clock.datetime() + timedelta(days=30)
    for key, value in FULL_OPTIONS.items():
        assert room.raw[key] == value


async def test_webhook_registration_sets_all_three_callback_urls(
    adapter: VonageAdapter, fake: FakeVonage
) -> None:
    target = WebhookTarget("https://gw.example/webhooks/vonage", token="a b&c")
    room = await adapter.create_room(RoomSpec(display_name="Hooked", webhook=target))
    expected = "https://gw.example/webhooks/vonage?token=a%20b%26c"
    assert _sent(fake)["callback_urls"] == {
        "rooms_callback_url": expected,
        "sessions_callback_url": expected,
        "recordings_callback_url": expected,
    }
    # whoever may read rooms must not learn the token that authenticates callbacks
    masked = "https://gw.example/webhooks/vonage?token=***"
    assert room.raw["callback_urls"] == dict.fromkeys(
        ("rooms_callback_url", "sessions_callback_url", "recordings_callback_url"), masked
    )
    for read in (await adapter.get_room(room.native_id), *(await adapter.list_all_rooms())):
        assert "a%20b%26c" not in json.dumps(read.raw)


async def test_explicit_callback_urls_conflict_with_webhook_registration(
    adapter: VonageAdapter, fake: FakeVonage
) -> None:
    spec = RoomSpec(
        display_name="Hooked",
        webhook=WebhookTarget("https://gw.example/webhooks/vonage", token="t"),
        provider_options={"callback_urls": FULL_OPTIONS["callback_urls"]},
    )
    with pytest.raises(InvalidRequest) as caught:
        await adapter.create_room(spec)
    assert caught.value.field == "providerOptions.callback_urls"
    assert fake.requests == []


async def test_get_room(adapter: VonageAdapter) -> None:
    created = await adapter.create_room(RoomSpec(display_name="Stand-up"))
    fetched = await adapter.get_room(created.native_id)
    assert fetched.native_id == created.native_id
    assert fetched.display_name == "Stand-up"


@pytest.mark.parametrize("room_id", ["0c8bb2b8-4a7b-4f51-a3c4-6b6f5e1d9c00", "not-a-uuid"])
async def test_unknown_room_is_not_found(adapter: VonageAdapter, room_id: str) -> None:
    with pytest.raises(ResourceNotFound) as caught:
        await adapter.get_room(room_id)
    assert caught.value.provider == "vonage"


async def test_instant_room_expires_in_ten_minutes(
    adapter: VonageAdapter, clock: ManualClock
) -> None:
    room = await adapter.create_room(RoomSpec(display_name="Quick"))
    clock.advance(601)
    assert not (await adapter.get_room(room.native_id)).available


def seed_over_time(fake: FakeVonage, clock: ManualClock, count: int) -> list[str]:
    """``count`` rooms, one a second; their ids, oldest first."""
    seeded: list[str] = []
    for _ in range(count):
        seeded += fake.seed_rooms(1)
        clock.advance(1)
    return seeded


async def walk_ids(adapter: VonageAdapter, limit: int) -> list[list[str]]:
    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        page = await adapter.list_rooms(cursor, limit)
        assert len(page.rooms) <= limit
        pages.append([room.native_id for room in page.rooms])
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor


async def test_list_rooms_walks_newest_first_reading_the_list_once(
    adapter: VonageAdapter, fake: FakeVonage, clock: ManualClock
) -> None:
    seeded = seed_over_time(fake, clock, 47)
    pages = await walk_ids(adapter, 10)
    assert [room for page in pages for room in page] == seeded[::-1]
    assert len(pages) == 5
    # the API pages oldest first: the whole list is read once, then kept briefly
    (read,) = [r for r in fake.requests if r.method == "GET"]
    assert read.url.params["page_size"] == "1000"


async def test_a_room_created_here_is_listed_at_once_and_not_in_a_walk_begun_before(
    adapter: VonageAdapter, fake: FakeVonage, clock: ManualClock
) -> None:
    seeded = seed_over_time(fake, clock, 4)
    first = await adapter.list_rooms(None, 2)
    newcomer = await adapter.create_room(RoomSpec(display_name="Newcomer"))
    rest = await adapter.list_rooms(first.next_cursor, 10)
    walked = [room.native_id for room in (*first.rooms, *rest.rooms)]
    assert walked == seeded[::-1]
    again = await adapter.list_rooms(None, 1)
    assert again.rooms[0].native_id == newcomer.native_id


async def test_without_keeping_lists_each_page_reads_the_list(
    fake: FakeVonage, clock: ManualClock
) -> None:
    adapter = build(fake, clock, listing=ListingSettings(cache_seconds=0))
    seeded = seed_over_time(fake, clock, 5)
    pages = await walk_ids(adapter, 2)
    await adapter.aclose()
    assert [room for page in pages for room in page] == seeded[::-1]
    assert len([r for r in fake.requests if r.method == "GET"]) == 3


async def test_a_list_longer_than_the_bound_is_refused(
    fake: FakeVonage, clock: ManualClock
) -> None:
    adapter = build(fake, clock, listing=ListingSettings(cache_seconds=0, max_rooms=5))
    fake.seed_rooms(5)
    assert len((await adapter.list_rooms(None, 10)).rooms) == 5
    fake.seed_rooms(1)
    with pytest.raises(ProviderUnavailable, match="more than 5 rooms") as caught:
        await adapter.list_rooms(None, 10)
    await adapter.aclose()
    assert not caught.value.retryable
    assert fake.requests[-1].url.params["page_size"] == "6"


async def test_exact_multiple_of_the_page_size_ends_with_an_empty_page(
    adapter: VonageAdapter, fake: FakeVonage
) -> None:
    seeded = fake.seed_rooms(20)
    rooms = await adapter.list_all_rooms(page_size=10)
    assert [room.native_id for room in rooms] == seeded


async def test_list_all_rooms(adapter: VonageAdapter, fake: FakeVonage) -> None:
    seeded = fake.seed_rooms(7)
    rooms = await adapter.list_all_rooms(page_size=3)
    assert [room.native_id for room in rooms] == seeded
    assert all(room.kind is RoomKind.LONG_TERM for room in rooms)


async def test_empty_listing(adapter: VonageAdapter) -> None:
    page = await adapter.list_rooms(None, 20)
    assert page.rooms == ()
    assert page.next_cursor is None


@pytest.mark.parametrize(("cursor", "limit", "field"), [("abc", 10, "after"), (None, 0, "first")])
async def test_bad_page_arguments(
    adapter: VonageAdapter, fake: FakeVonage, cursor: str | None, limit: int, field: str
) -> None:
    with pytest.raises(InvalidRequest) as caught:
        await adapter.list_rooms(cursor, limit)
    assert caught.value.field == field
    assert fake.requests == []


async def test_update_long_term_room(
    adapter: VonageAdapter, fake: FakeVonage, clock: ManualClock
) -> None:
    room = await adapter.create_room(long_term(clock))
    theme = await adapter.create_theme(ThemeSpec(main_color="#abc", brand_text="Acme"))
    later = clock.datetime() + timedelta(days=60)
    update = RoomUpdate(
        expires_at=later,
        theme_id=theme.native_id,
        join_approval=JoinApproval.AFTER_OWNER_ONLY,
        provider_options={
            "expire_after_use": True,
            "initial_join_options": {"microphone_state": "on"},
            "available_features": {"is_chat_available": False},
            "callback_urls": {"rooms_callback_url": "https://hooks.example/r"},
        },
    )
    updated = await adapter.update_room(room.native_id, update)
    assert fake.requests[-1].method == "PATCH"
    assert _sent(fake) == {
        "update_details": {
            "expires_at": format_time(later),
            "theme_id": theme.native_id,
            "join_approval_level": "after_owner_only",
            "expire_after_use": True,
            "initial_join_options": {"microphone_state": "on"},
            "available_features": {"is_chat_available": False},
            "callback_urls": {"rooms_callback_url": "https://hooks.example/r"},
        }
    }
    assert updated.expires_at == later
    assert updated.theme_id == theme.native_id
    assert updated.join_approval is JoinApproval.AFTER_OWNER_ONLY
    assert updated.raw["expire_after_use"] is True
    assert updated.raw["available_features"]["is_chat_available"] is False


async def test_removing_the_theme_sends_null(
    adapter: VonageAdapter, fake: FakeVonage, clock: ManualClock
) -> None:
    theme = await adapter.create_theme(ThemeSpec(main_color="#abc", brand_text="Acme"))
    room = await adapter.create_room(long_term(clock, theme_id=theme.native_id))
    updated = await adapter.update_room(room.native_id, RoomUpdate(theme_id=None))
    assert _sent(fake) == {"update_details": {"theme_id": None}}
    assert updated.theme_id is None


async def test_clearing_join_approval_resets_it_to_none(
    adapter: VonageAdapter, fake: FakeVonage, clock: ManualClock
) -> None:
    room = await adapter.create_room(long_term(clock, join_approval=JoinApproval.EXPLICIT_APPROVAL))
    updated = await adapter.update_room(room.native_id, RoomUpdate(join_approval=None))
    assert _sent(fake) == {"update_details": {"join_approval_level": "none"}}
    assert updated.join_approval is JoinApproval.NONE


async def test_instant_room_cannot_be_updated(adapter: VonageAdapter, fake: FakeVonage) -> None:
    room = await adapter.create_room(RoomSpec(display_name="Quick"))
    with pytest.raises(InvalidRequest, match="instant room and cannot be updated"):
        await adapter.update_room(room.native_id, RoomUpdate(theme_id=None))
    assert [request.method for request in fake.requests] == ["POST", "GET"]


async def test_the_api_refuses_updating_an_instant_room(
    adapter: VonageAdapter, fake: FakeVonage
) -> None:
    room = await adapter.create_room(RoomSpec(display_name="Quick"))
    response = await adapter.client.patch(
        f"/rooms/{room.native_id}", json={"update_details": {"theme_id": None}}
    )
    assert response.status_code == 400
    assert response.json() == {
        "message": f"The room with id: {room.native_id} could not be updated "
        "because of its type: temporary",
        "name": "BadRequestError",
        "status": 400,
    }


async def test_empty_update_is_refused_before_any_request(
    adapter: VonageAdapter, fake: FakeVonage
) -> None:
    with pytest.raises(InvalidRequest, match="nothing to update"):
        await adapter.update_room("0c8bb2b8-4a7b-4f51-a3c4-6b6f5e1d9c00", RoomUpdate())
    assert fake.requests == []


async def test_the_api_refuses_an_empty_update(adapter: VonageAdapter, clock: ManualClock) -> None:
    room = await adapter.create_room(long_term(clock))
    response = await adapter.client.patch(f"/rooms/{room.native_id}", json={"update_details": {}})
    assert response.status_code == 400
    assert response.json()["message"] == '"update_details" must have at least 1 key'


async def test_update_of_unknown_room_is_not_found(adapter: VonageAdapter) -> None:
    with pytest.raises(ResourceNotFound):
        await adapter.update_room(
            "0c8bb2b8-4a7b-4f51-a3c4-6b6f5e1d9c00", RoomUpdate(join_approval=JoinApproval.NONE)
        )


async def test_close_long_term_room_sets_the_earliest_expiry(
    adapter: VonageAdapter, fake: FakeVonage, clock: ManualClock
) -> None:
    room = await adapter.create_room(long_term(clock))
    closed = await adapter.close_room(room.native_id)
    earliest = clock.datetime() + timedelta(minutes=11)
    assert _sent(fake) == {
        "update_details": {"expires_at": format_time(earliest), "expire_after_use": True}
    }
    assert closed.expires_at == earliest
    assert closed.raw["expire_after_use"] is True
    clock.advance(11 * 60 + 1)
    assert not (await adapter.get_room(room.native_id)).available


async def test_close_keeps_an_expiry_that_is_already_sooner(
    adapter: VonageAdapter, fake: FakeVonage, clock: ManualClock
) -> None:
    soon = clock.datetime() + timedelta(minutes=10, seconds=30)
    room = await adapter.create_room(long_term(clock, expires_at=soon))
    closed = await adapter.close_room(room.native_id)
    assert _sent(fake) == {"update_details": {"expire_after_use": True}}
    assert closed.expires_at == soon
    await adapter.close_room(room.native_id)
    assert fake.requests[-1].method == "GET"


async def test_close_instant_room_returns_it_unchanged(
    adapter: VonageAdapter, fake: FakeVonage
) -> None:
    room = await adapter.create_room(RoomSpec(display_name="Quick"))
    closed = await adapter.close_room(room.native_id)
    assert [request.method for request in fake.requests] == ["POST", "GET"]
    assert closed.kind is RoomKind.INSTANT
    assert closed.expires_at == room.expires_at
    assert closed.available


async def test_close_unknown_room_is_not_found(adapter: VonageAdapter) -> None:
    with pytest.raises(ResourceNotFound):
        await adapter.close_room("0c8bb2b8-4a7b-4f51-a3c4-6b6f5e1d9c00")


async def test_room_quota(adapter: VonageAdapter, fake: FakeVonage) -> None:
    fake.max_rooms = 1
    await adapter.create_room(RoomSpec(display_name="one"))
    with pytest.raises(InvalidRequest, match="Maximum number of rooms") as caught:
        await adapter.create_room(RoomSpec(display_name="two"))
    assert caught.value.status == 403
