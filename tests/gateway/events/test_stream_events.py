"""The stream and transcription events, from the VideoSDK sandbox's own signed payloads
through ``/webhooks/videosdk`` to a WebSocket subscriber, as their GraphQL types."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from gateway.app import create_app
from gateway.services import Services
from providers import EventType
from tests.gateway.events.deliveries import post_delivery
from tests.gateway.events.wsclient import subscribe, wait_for_subscribers
from tests.support import gateway_settings, live_server

NEW_TYPES = ["TRANSCRIPTION_READY", "STREAM_STARTED", "STREAM_STOPPED", "STREAM_FAILED"]
ROOM_EVENTS = """
subscription($types: [EventType!]) {
  roomEvents(types: $types) {
    __typename type provider roomId sessionId raw
    ... on StreamEvent { kind playbackUrl }
    ... on TranscriptionEvent { transcriptionId url }
  }
}
"""
PLAYBACK = "https://cdn.videosdk.live/hls/abc/index.m3u8"

CASES: list[tuple[EventType, dict[str, Any], dict[str, Any]]] = [
    (
        EventType.TRANSCRIPTION_READY,
        {"transcriptionId": "t-7"},
        {"__typename": "TranscriptionEvent", "transcriptionId": "t-7", "sessionId": None},
    ),
    (
        EventType.STREAM_STARTED,
        {"streamKind": "HLS", "url": PLAYBACK, "sessionId": "s-1"},
        {"__typename": "StreamEvent", "kind": "HLS", "playbackUrl": PLAYBACK, "sessionId": "s-1"},
    ),
    (
        EventType.STREAM_STARTED,
        {"streamKind": "RTMP", "sessionId": "s-1"},
        {"__typename": "StreamEvent", "kind": "RTMP", "playbackUrl": None},
    ),
    (
        EventType.STREAM_STOPPED,
        {"streamKind": "HLS", "sessionId": "s-1"},
        {"__typename": "StreamEvent", "kind": "HLS", "playbackUrl": None},
    ),
    (
        EventType.STREAM_STOPPED,
        {"streamKind": "RTMP", "sessionId": "s-1"},
        {"__typename": "StreamEvent", "kind": "RTMP"},
    ),
    (
        EventType.STREAM_FAILED,
        {"streamKind": "HLS", "sessionId": "s-1"},
        {"__typename": "StreamEvent", "kind": "HLS"},
    ),
    (
        EventType.STREAM_FAILED,
        {"streamKind": "RTMP", "sessionId": "s-1"},
        {"__typename": "StreamEvent", "kind": "RTMP"},
    ),
]


@pytest.mark.parametrize(("event_type", "details", "expected"), CASES)
async def test_sandbox_payload_reaches_a_subscriber_as_its_type(
    event_type: EventType, details: dict[str, Any], expected: dict[str, Any]
) -> None:
    app = create_app(gateway_settings())
    with live_server(app=app) as base:
        services: Services = app.state.services
        sandbox = services.providers["videosdk"].sandbox
        assert sandbox is not None
        async with subscribe(base, {"types": NEW_TYPES}, query=ROOM_EVENTS) as sub:
            await wait_for_subscribers(base, 1)
            delivery = sandbox.webhook("abc-defg-hijk", event_type, details, None)
            async with httpx.AsyncClient(base_url=base) as http:
                response = await post_delivery(http, "videosdk", delivery)
            assert response.status_code == 204, response.text
            event = await sub.event()
            assert await sub.quiet()
    assert event["type"] == event_type.value
    assert event["provider"] == "VIDEOSDK"
    assert event["roomId"] == "videosdk:abc-defg-hijk"
    assert {key: event[key] for key in expected} == expected


async def test_providers_tell_which_types_they_emit() -> None:
    query = "{ providers { id eventTypes } }"
    app = create_app(gateway_settings())
    with live_server(app=app) as base:
        async with httpx.AsyncClient(base_url=base) as http:
            body = (await http.post("/graphql", json={"query": query})).json()
    emits = {item["id"]: set(item["eventTypes"]) for item in body["data"]["providers"]}
    lifecycle = {"ROOM_CREATED", "ROOM_UPDATED", "ROOM_CLOSED"}
    assert set(NEW_TYPES) <= emits["VIDEOSDK"]
    assert "ROOM_EXPIRED" not in emits["VIDEOSDK"]
    assert emits["VIDEOSDK"] & lifecycle == {"ROOM_CREATED", "ROOM_CLOSED"}
    assert emits["VONAGE"] & set(NEW_TYPES) == set()
    assert "RECORDING_FAILED" not in emits["VONAGE"]
    assert emits["METERED"] == {
        "PARTICIPANT_JOINED",
        "PARTICIPANT_LEFT",
        "SESSION_STARTED",
        "SESSION_ENDED",
        *lifecycle,
    }
