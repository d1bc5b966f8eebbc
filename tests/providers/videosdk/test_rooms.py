"""Room life cycle through the sandbox: create, get, validate, close."""

from __future__ import annotations

import json
import string
from datetime import UTC, datetime
from typing import Any

import pytest

from providers import (
    Capability,
    InvalidRequest,
    RecordingOptions,
    ResourceConflict,
    ResourceNotFound,
    RoomSpec,
    UnsupportedOperation,
    WebhookTarget,
)
from providers.models import RoomUpdate
from providers.videosdk import FakeVideoSDK, VideoSDKAdapter
from providers.videosdk.webhooks import SUBSCRIBED_EVENTS


def _sent(fake: FakeVideoSDK) -> Any:
    return json.loads(fake.requests[-1].content)


async def test_create_sends_only_videosdk_fields(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK
) -> None:
    room = await adapter.create_room(RoomSpec(display_name="Weekly sync"))
    request = fake.requests[-1]
    assert (request.method, request.url.path) == ("POST", "/v2/rooms")
    assert _sent(fake) == {}
    assert room.provider == "videosdk"
    assert room.native_id in fake.rooms
    assert room.id == f"videosdk:{room.native_id}"
    assert room.display_name == "Weekly sync"  # VideoSDK has none: the gateway keeps it
    assert room.available
    assert room.created_at is not None
    assert room.created_at.tzinfo is UTC
    assert room.recording == RecordingOptions()
    assert room.host_url is room.guest_url is None


async def test_create_passes_documented_provider_options(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK
) -> None:
    options = {
        "customRoomId": "weekly-sync",
        "webhook": {"endPoint": "https://hooks.example/v", "events": ["session-started", "hls-*"]},
        "autoCloseConfig": {"type": "session-end-and-deactivate", "duration": 60},
        "autoStartConfig": {
            "recording": {
                "transcription": {"enabled": True, "summary": {"enabled": True, "prompt": "Notes"}},
                "config": {"layout": {"type": "GRID", "priority": "SPEAKER", "gridSize": 4}},
            },
            "hls": {"config": {"theme": "DARK", "recording": {"enabled": True}}},
        },
    }
    room = await adapter.create_room(RoomSpec(display_name="x", provider_options=options))
    assert _sent(fake) == options
    assert room.display_name == "x"  # the given name, not the customRoomId alias
    assert room.recording.auto_record


async def test_auto_record_reads_back_though_the_api_never_echoes_it(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK
) -> None:
    spec = RoomSpec(display_name="x", recording=RecordingOptions(auto_record=True))
    room = await adapter.create_room(spec)
    plain = await adapter.create_room(RoomSpec(display_name="y"))
    assert "autoStartConfig" not in fake.rooms[room.native_id]
    assert (await adapter.get_room(room.native_id)).recording.auto_record
    assert not (await adapter.get_room(plain.native_id)).recording.auto_record
    listed = {
        r.native_id: r.recording.auto_record for r in (await adapter.list_rooms(None, 5)).rooms
    }
    assert listed == {room.native_id: True, plain.native_id: False}


async def test_auto_record_becomes_auto_start_recording(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK
) -> None:
    spec = RoomSpec(display_name="x", recording=RecordingOptions(auto_record=True))
    room = await adapter.create_room(spec)
    assert _sent(fake) == {"autoStartConfig": {"recording": {}}}
    assert room.recording.auto_record


async def test_webhook_target_registers_every_normalized_event(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK
) -> None:
    target = WebhookTarget(base_url="https://gw.example/webhooks/videosdk", token="unused")
    room = await adapter.create_room(RoomSpec(display_name="x", webhook=target))
    webhook = _sent(fake)["webhook"]
    assert webhook["endPoint"] == "https://gw.example/webhooks/videosdk"
    assert webhook["events"] == list(SUBSCRIBED_EVENTS)
    assert {
        "participant-joined",
        "participant-left",
        "session-started",
        "session-ended",
        "recording-started",
        "recording-stopped",
        "recording-failed",
        "participant-recording-stopped",
        "participant-track-recording-failed",
        "merge-recording-completed",
        "merge-recording-failed",
    } <= set(webhook["events"])
    assert {"hls-started", "livestream-failed", "transcription-completed"} <= set(webhook["events"])
    assert fake.rooms[room.native_id]["webhook"] == webhook


async def test_duplicate_custom_room_id_is_a_conflict(adapter: VideoSDKAdapter) -> None:
    spec = RoomSpec(display_name="x", provider_options={"customRoomId": "taken"})
    await adapter.create_room(spec)
    with pytest.raises(ResourceConflict) as caught:
        await adapter.create_room(spec)
    assert caught.value.provider == "videosdk"


async def test_get_by_room_id_and_by_custom_room_id(adapter: VideoSDKAdapter) -> None:
    spec = RoomSpec(display_name="x", provider_options={"customRoomId": "alias-1"})
    created = await adapter.create_room(spec)
    by_id = await adapter.get_room(created.native_id)
    by_alias = await adapter.get_room("alias-1")
    assert by_id.native_id == by_alias.native_id == created.native_id
    assert by_id.raw["user"]["id"] == by_id.raw["userId"]


async def test_unknown_room_is_not_found(adapter: VideoSDKAdapter, fake: FakeVideoSDK) -> None:
    with pytest.raises(ResourceNotFound) as caught:
        await adapter.get_room("nop-nope-nope")
    assert caught.value.provider == "videosdk"
    assert caught.value.status == 404
    assert len(fake.requests) == 1  # a 404 is not retried


async def test_room_ids_are_escaped_in_paths(adapter: VideoSDKAdapter, fake: FakeVideoSDK) -> None:
    with pytest.raises(ResourceNotFound):
        await adapter.get_room("a:b+é")
    assert fake.requests[-1].url.raw_path == b"/v2/rooms/a%3Ab%2B%C3%A9"


async def test_room_ids_that_leave_the_segment_are_refused_unsent(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK
) -> None:
    with pytest.raises(InvalidRequest):
        await adapter.get_room("a/b")
    assert fake.requests == []


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_validate_uses_get_and_falls_back_to_post(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK, method: str
) -> None:
    fake.validate_method = method
    room_id = fake.seed_rooms(1)[0]
    room = await adapter.validate_room(room_id)
    assert room.native_id == room_id
    methods = [r.method for r in fake.requests]
    assert methods == (["GET"] if method == "GET" else ["GET", "POST"])
    assert {r.url.path for r in fake.requests} == {f"/v2/rooms/validate/{room_id}"}


async def test_validate_unknown_room_is_not_found(adapter: VideoSDKAdapter) -> None:
    with pytest.raises(ResourceNotFound):
        await adapter.validate_room("nop-nope-nope")


async def test_close_deactivates_and_maps_legacy_names(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK
) -> None:
    spec = RoomSpec(display_name="x", provider_options={"customRoomId": "closing"})
    created = await adapter.create_room(spec)
    closed = await adapter.close_room(created.native_id)
    assert _sent(fake) == {"roomId": created.native_id}
    assert fake.requests[-1].url.path == "/v2/rooms/deactivate"
    assert "meetingId" in closed.raw
    assert closed.native_id == created.native_id
    assert closed.display_name == "x"
    assert not closed.available
    assert not (await adapter.get_room(created.native_id)).available


async def test_close_unknown_room_is_not_found(adapter: VideoSDKAdapter) -> None:
    with pytest.raises(ResourceNotFound):
        await adapter.close_room("nop-nope-nope")


async def test_declared_capabilities_match_what_works(adapter: VideoSDKAdapter) -> None:
    assert Capability.ROOMS_UPDATE not in adapter.capabilities
    assert Capability.THEMES not in adapter.capabilities
    assert Capability.EVENTS_SIGNED in adapter.capabilities
    with pytest.raises(UnsupportedOperation):
        await adapter.update_room("abc-defg-hijk", RoomUpdate())
    with pytest.raises(UnsupportedOperation):
        await adapter.list_themes()


def test_fake_room_shape_is_documented(fake: FakeVideoSDK) -> None:
    room = fake.add_room("final-testing")
    assert set(room) == {
        "roomId", "customRoomId", "userId", "disabled", "createdAt", "updatedAt", "id", "links"
    }  # fmt: skip
    parts = room["roomId"].split("-")
    assert [len(p) for p in parts] == [3, 4, 4]
    assert len(room["id"]) == 24
    assert set(room["id"]) <= set(string.hexdigits)
    assert datetime.fromisoformat(room["createdAt"]).tzinfo is not None
