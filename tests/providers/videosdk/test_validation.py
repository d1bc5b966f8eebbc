"""Input refused before any HTTP call, naming the offending field."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from providers import InvalidRequest, RecordingOptions, RoomKind, RoomSpec
from providers.models import WebhookTarget
from providers.videosdk import FakeVideoSDK, VideoSDKAdapter


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        (RoomSpec(display_name="x", kind=RoomKind.LONG_TERM), "kind"),
        (RoomSpec(display_name="x", expires_at=datetime(2030, 1, 1, tzinfo=UTC)), "expiresAt"),
        (RoomSpec(display_name="x", metadata="m"), "metadata"),
        (RoomSpec(display_name="x", theme_id="t"), "themeId"),
        (
            RoomSpec(display_name="x", recording=RecordingOptions(record_only_owner=True)),
            "recording.recordOnlyOwner",
        ),
    ],
)
async def test_room_concepts_videosdk_lacks_are_refused(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK, spec: RoomSpec, field: str
) -> None:
    with pytest.raises(InvalidRequest) as caught:
        await adapter.create_room(spec)
    assert caught.value.field == field
    assert caught.value.provider == "videosdk"
    assert "VideoSDK rooms have no" in caught.value.message
    assert fake.requests == []


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"displayName": "x"}, "providerOptions.displayName"),
        ({"region": "sg001"}, "providerOptions.region"),
        ({"customRoomId": ""}, "providerOptions.customRoomId"),
        ({"customRoomId": 7}, "providerOptions.customRoomId"),
        ({"webhook": "https://x"}, "providerOptions.webhook"),
        ({"webhook": {"events": ["session-started"]}}, "providerOptions.webhook.endPoint"),
        (
            {"webhook": {"endPoint": "ftp://x", "events": ["session-started"]}},
            "providerOptions.webhook.endPoint",
        ),
        ({"webhook": {"endPoint": "https://x", "events": []}}, "providerOptions.webhook.events"),
        (
            {"webhook": {"endPoint": "https://x", "events": ["session-begun"]}},
            "providerOptions.webhook.events[0]",
        ),
        (
            {"webhook": {"endPoint": "https://x", "events": ["*", "video-*"]}},
            "providerOptions.webhook.events[1]",
        ),
        (
            {"webhook": {"endPoint": "https://x", "events": ["*"], "secret": "s"}},
            "providerOptions.webhook.secret",
        ),
        ({"autoCloseConfig": {"duration": 5}}, "providerOptions.autoCloseConfig.type"),
        (
            {"autoCloseConfig": {"type": "session-closes"}},
            "providerOptions.autoCloseConfig.type",
        ),
        (
            {"autoCloseConfig": {"type": "session-ends", "duration": 0}},
            "providerOptions.autoCloseConfig.duration",
        ),
        (
            {"autoCloseConfig": {"type": "session-ends", "duration": "60"}},
            "providerOptions.autoCloseConfig.duration",
        ),
        ({"autoStartConfig": {"livestream": {}}}, "providerOptions.autoStartConfig.livestream"),
        (
            {"autoStartConfig": {"recording": {"config": {"layout": {"gridSize": 5}}}}},
            "providerOptions.autoStartConfig.recording.config.layout.gridSize",
        ),
        (
            {"autoStartConfig": {"recording": {"config": {"layout": {"type": "MOSAIC"}}}}},
            "providerOptions.autoStartConfig.recording.config.layout.type",
        ),
        (
            {"autoStartConfig": {"recording": {"config": {"quality": "ultra"}}}},
            "providerOptions.autoStartConfig.recording.config.quality",
        ),
        (
            # S004's example writes "true" as a string; the field is a boolean
            {"autoStartConfig": {"hls": {"config": {"recording": {"enabled": "true"}}}}},
            "providerOptions.autoStartConfig.hls.config.recording.enabled",
        ),
        (
            {"autoStartConfig": {"recording": {"transcription": {"summary": {"prompt": ""}}}}},
            "providerOptions.autoStartConfig.recording.transcription.summary.prompt",
        ),
        (
            {"autoStartConfig": {"recording": {"templateUrl": "layout.html"}}},
            "providerOptions.autoStartConfig.recording.templateUrl",
        ),
    ],
)
async def test_provider_options_are_checked_against_the_docs(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK, options: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidRequest) as caught:
        await adapter.create_room(RoomSpec(display_name="x", provider_options=options))
    assert caught.value.field == field
    assert field in caught.value.message
    assert fake.requests == []


async def test_region_says_it_is_discontinued(adapter: VideoSDKAdapter) -> None:
    with pytest.raises(InvalidRequest, match="discontinued"):
        await adapter.create_room(RoomSpec(display_name="x", provider_options={"region": "sg001"}))


async def test_explicit_webhook_conflicts_with_the_gateway_webhook(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK
) -> None:
    spec = RoomSpec(
        display_name="x",
        webhook=WebhookTarget(base_url="https://gw/webhooks/videosdk"),
        provider_options={"webhook": {"endPoint": "https://mine", "events": ["*"]}},
    )
    with pytest.raises(InvalidRequest) as caught:
        await adapter.create_room(spec)
    assert caught.value.field == "providerOptions.webhook"
    assert fake.requests == []


@pytest.mark.parametrize("events", [["*"], ["recording-*"], ["participant-track-recording-*"]])
async def test_documented_event_patterns_are_accepted(
    adapter: VideoSDKAdapter, events: list[str]
) -> None:
    options = {"webhook": {"endPoint": "https://hooks.example", "events": events}}
    room = await adapter.create_room(RoomSpec(display_name="x", provider_options=options))
    assert room.available


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"config": {"layout": {"priority": "LOUDEST"}}}, "config.layout.priority"),
        ({"config": {"orientation": "square"}}, "config.orientation"),
        ({"transcription": {"enabled": "yes"}}, "transcription.enabled"),
        ({"webhook_url": "not-a-url"}, "webhookUrl"),
        ({"pre_signed_url": "s3://bucket"}, "preSignedUrl"),
        ({"aws_dir_path": ""}, "awsDirPath"),
    ],
)
async def test_start_recording_input_is_checked(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK, kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidRequest) as caught:
        await adapter.start_recording("abc-defg-hijk", **kwargs)
    assert caught.value.field == field
    assert fake.requests == []


async def test_empty_room_id_is_refused_for_recordings(adapter: VideoSDKAdapter) -> None:
    with pytest.raises(InvalidRequest) as caught:
        await adapter.stop_recording("")
    assert caught.value.field == "roomId"
