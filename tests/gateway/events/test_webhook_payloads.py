"""Every provider payload of providers.md, and every sandbox payload, through the HTTP
endpoint into the event log, normalized."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from providers import REGISTRY, EventType, StreamKind, WebhookDelivery
from tests.gateway.events.deliveries import Gateway, gateway, json_delivery
from tests.support import gateway_settings

TOKEN = "sandbox-webhook-token"
VONAGE_ROOM = "b307d837-c0ce-4619-8c5c-70e418ef9693"
VONAGE_SESSION = "2_MX40fake-fg"
RECORDING = "17461b93-f793-48a0-9392-7d82de40432f"
S3_URL = f"https://prod-meetings-recordings.s3.amazonaws.com/123/{RECORDING}/archive.mp4?X=1"
VIDEOSDK_ROOM = "abcd-efgh-ijkl"
VIDEOSDK_SESSION = "62c2b9c0e2a3c1d2e3f4a5b6"
CDN_URL = "https://cdn.videosdk.live/encoded/videos/rec.mp4"
METERED_ROOM = "standup"

J = EventType.PARTICIPANT_JOINED
L = EventType.PARTICIPANT_LEFT


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _vonage_participant(event: str) -> dict[str, Any]:
    return {
        "event": event,
        "participant_id": "b424e1c4-e988-4ce2-8ab9-e3efea7de542",
        "session_id": VONAGE_SESSION,
        "room_id": VONAGE_ROOM,
        "name": "Ann",
        "type": "Guest",
        "is_host": False,
    }


_ANN = {
    "participant_name": "Ann",
    "participant_id": "b424e1c4-e988-4ce2-8ab9-e3efea7de542",
    "role": "Guest",
    "is_host": False,
    "room_native_id": VONAGE_ROOM,
    "session_id": VONAGE_SESSION,
}
_TIMES = {"started_at": "2023-06-06T07:15:13.974Z", "ended_at": "2023-06-06T08:15:11.974Z"}
_REC = {"recording_id": RECORDING, "session_id": VONAGE_SESSION}

VONAGE_CASES: list[tuple[dict[str, Any], EventType, dict[str, Any]]] = [
    (_vonage_participant("session:participant:joined"), J, _ANN),
    (_vonage_participant("participant:joined"), J, _ANN),
    (_vonage_participant("participant-joined"), J, _ANN),
    (_vonage_participant("session:participant:left"), L, _ANN),
    (
        {"event": "session:started", "session_id": VONAGE_SESSION, "room_id": VONAGE_ROOM}
        | {"started_at": _TIMES["started_at"]},
        EventType.SESSION_STARTED,
        {"room_native_id": VONAGE_ROOM, "occurred_at": at(_TIMES["started_at"])},
    ),
    (
        {"event": "session:ended", "session_id": VONAGE_SESSION, "room_id": VONAGE_ROOM} | _TIMES,
        EventType.SESSION_ENDED,
        {"occurred_at": at(_TIMES["ended_at"]), "started_at": at(_TIMES["started_at"])},
    ),
    ({"event": "recording:started"} | _REC, EventType.RECORDING_STARTED, _REC),
    (
        {"event": "recording:ended", "duration": 3598} | _REC | _TIMES,
        EventType.RECORDING_STOPPED,
        {"duration_seconds": 3598.0, "occurred_at": at(_TIMES["ended_at"])},
    ),
    (
        {"event": "recording:ready", "room_id": VONAGE_ROOM, "duration": 3598, "url": S3_URL}
        | _REC
        | _TIMES,
        EventType.RECORDING_READY,
        {"url": S3_URL, "duration_seconds": 3598.0, "room_native_id": VONAGE_ROOM} | _REC,
    ),
    (
        {"event": "recording:uploaded", "duration": "3598", "url": S3_URL} | _REC | _TIMES,
        EventType.RECORDING_READY,
        {"url": S3_URL, "duration_seconds": 3598.0},
    ),
    (
        {
            "event": "room:expired",
            "room_id": "9f6fe8ae-3458-4a72-b532-8276d5533e97",
            "room_type": "instant",
            "expires_at": "2023-06-06T06:55:07.134Z",
            "created_at": "2023-06-06T06:45:07.135Z",
        },
        EventType.ROOM_EXPIRED,
        {
            "room_native_id": "9f6fe8ae-3458-4a72-b532-8276d5533e97",
            "occurred_at": at("2023-06-06T06:55:07.134Z"),
        },
    ),
]


def _vs(webhook_type: str, **data: Any) -> dict[str, Any]:
    base = {"meetingId": VIDEOSDK_ROOM, "sessionId": VIDEOSDK_SESSION}
    return {"webhookType": webhook_type, "data": base | data}


_VS_ROOM = {"room_native_id": VIDEOSDK_ROOM, "session_id": VIDEOSDK_SESSION}
_VS_PERSON = {"participantId": "p-1", "participantName": "Ann"}
_VS_STOPPED = {"filePath": "encoded/videos/rec.mp4", "fileUrl": CDN_URL}
_VS_START, _VS_END = "2022-07-05T15:50:35.047+00:00", "2022-07-05T15:59:35.047+00:00"
#: the documented samples are years old: a replay window (the dedupe window) that covers them
SAMPLES_IN_WINDOW = gateway_settings(events={"dedupe_seconds": 20 * 365 * 86_400.0})

VIDEOSDK_CASES: list[tuple[dict[str, Any], list[EventType], dict[str, Any]]] = [
    (_vs("participant-joined", **_VS_PERSON), [J], {"participant_name": "Ann"} | _VS_ROOM),
    (_vs("participant-left", **_VS_PERSON, reason="user-left"), [L], {"reason": "user-left"}),
    (
        _vs("session-started", start=_VS_START),
        [EventType.SESSION_STARTED],
        {"occurred_at": at(_VS_START), "started_at": at(_VS_START)} | _VS_ROOM,
    ),
    (
        _vs("session-ended", start=_VS_START, end=_VS_END, reason="Meeting Ended.", error=None),
        [EventType.SESSION_ENDED],
        {"occurred_at": at(_VS_END), "ended_at": at(_VS_END)},
    ),
    (_vs("recording-started", id="c-1"), [EventType.RECORDING_STARTED], {"recording_id": "c-1"}),
    (
        _vs("recording-stopped", **_VS_STOPPED),
        [EventType.RECORDING_STOPPED, EventType.RECORDING_READY],
        {"url": CDN_URL} | _VS_ROOM,
    ),
    (
        _vs("recording-failed", id="c-1", message="no media"),
        [EventType.RECORDING_FAILED],
        {"recording_id": "c-1"},
    ),
    (
        _vs("participant-recording-started", participantId="p-1"),
        [EventType.RECORDING_STARTED],
        {"participant_id": "p-1"},
    ),
    (
        _vs("participant-track-recording-failed", participantId="p-1"),
        [EventType.RECORDING_FAILED],
        {},
    ),
    (_vs("merge-recording-completed", fileUrl=CDN_URL), [EventType.RECORDING_READY], {}),
    (_vs("merge-recording-failed"), [EventType.RECORDING_FAILED], {}),
    (_vs("recording-starting"), [EventType.RECORDING_STARTED], {"status": "STARTING"}),
    (_vs("recording-stopping", id="c-1"), [EventType.RECORDING_STOPPED], {"status": "STOPPING"}),
    (
        _vs("livestream-started"),
        [EventType.STREAM_STARTED],
        {"stream_kind": StreamKind.RTMP, "status": "LIVE"} | _VS_ROOM,
    ),
    (
        _vs("hls-playable", playbackHlsUrl="https://x/h.m3u8", livestreamUrl="https://x/l.m3u8"),
        [EventType.STREAM_STARTED],
        {"stream_kind": StreamKind.HLS, "url": "https://x/h.m3u8", "status": "PLAYABLE"},
    ),
    (_vs("hls-stopped"), [EventType.STREAM_STOPPED], {"stream_kind": StreamKind.HLS}),
    (_vs("livestream-failed"), [EventType.STREAM_FAILED], {"stream_kind": StreamKind.RTMP}),
    (
        {"webhookType": "transcription-completed", "data": {"id": "t-1", "roomId": VIDEOSDK_ROOM}},
        [EventType.TRANSCRIPTION_READY],
        {"transcription_id": "t-1", "room_native_id": VIDEOSDK_ROOM, "session_id": None},
    ),
]

VIDEOSDK_IGNORED = [_vs("some-future-event"), _vs("whiteboard-opened")]


def _check(event: Any, expected: dict[str, Any]) -> None:
    for name, value in expected.items():
        assert getattr(event, name) == value, name


async def _only_event(gw: Gateway, provider: str, delivery: WebhookDelivery) -> list[Any]:
    response = await gw.post(provider, delivery)
    assert response.status_code == 204, response.text
    return [item.event for item in await gw.logged()]


@pytest.mark.parametrize(("payload", "event_type", "expected"), VONAGE_CASES)
async def test_vonage_callbacks(
    payload: dict[str, Any], event_type: EventType, expected: dict[str, Any]
) -> None:
    async with gateway() as gw:
        delivery = json_delivery(payload, query={"token": TOKEN})
        (event,) = await _only_event(gw, "vonage", delivery)
    assert event.type is event_type
    assert event.provider == "vonage"
    assert event.raw == payload
    _check(event, expected)


async def test_vonage_recording_callbacks_learn_the_room_of_their_session() -> None:
    started = {"event": "session:started", "session_id": VONAGE_SESSION, "room_id": VONAGE_ROOM}
    async with gateway() as gw:
        for payload in (started, {"event": "recording:started"} | _REC):
            assert (
                await gw.post("vonage", json_delivery(payload, query={"token": TOKEN}))
            ).is_success
        recording = (await gw.logged())[-1]
    assert recording.event.type is EventType.RECORDING_STARTED
    assert recording.event.room_id == f"vonage:{VONAGE_ROOM}"


@pytest.mark.parametrize(("payload", "event_types", "expected"), VIDEOSDK_CASES)
async def test_videosdk_webhooks(
    payload: dict[str, Any], event_types: list[EventType], expected: dict[str, Any]
) -> None:
    async with gateway(SAMPLES_IN_WINDOW) as gw:
        delivery = gw.sandbox("videosdk").deliver(payload)  # type: ignore[attr-defined]
        events = await _only_event(gw, "videosdk", delivery)
    assert [event.type for event in events] == event_types
    for event in events:
        assert event.raw == payload
        _check(event, expected)


async def test_videosdk_body_reserialized_with_spaces_still_verifies() -> None:
    payload = _vs("participant-joined", **_VS_PERSON)
    async with gateway() as gw:
        delivery = gw.sandbox("videosdk").deliver(payload, spaced=True)  # type: ignore[attr-defined]
        (event,) = await _only_event(gw, "videosdk", delivery)
    assert event.participant_name == "Ann"


@pytest.mark.parametrize("payload", VIDEOSDK_IGNORED)
async def test_videosdk_events_without_contract_event_are_accepted_and_counted(
    payload: dict[str, Any],
) -> None:
    async with gateway() as gw:
        delivery = gw.sandbox("videosdk").deliver(payload)  # type: ignore[attr-defined]
        assert await _only_event(gw, "videosdk", delivery) == []
        assert gw.services.ingest.stats.ignored == 1
        readyz = (await gw.client.get("/readyz")).json()
    assert readyz["details"]["webhooks"]["ignored"] == 1


METERED_CASES: list[tuple[str, bytes, EventType, dict[str, Any]]] = [
    (
        "/joined",
        b'{"roomName": "standup", "externalUserId": "u-7", "meta": {"team": "a"}}',
        J,
        {"participant_id": "u-7"},
    ),
    ("/left", b'{"roomName": "standup", "externalUserId": "u-7"}', L, {"participant_id": "u-7"}),
    ("/started", b"", EventType.SESSION_STARTED, {}),
    ("/ended", b"", EventType.SESSION_ENDED, {}),
    ("/joined", b"roomName=standup&externalUserId=u-8", J, {"participant_id": "u-8"}),
]


@pytest.mark.parametrize(("path", "body", "event_type", "expected"), METERED_CASES)
async def test_metered_webhooks_by_url(
    path: str, body: bytes, event_type: EventType, expected: dict[str, Any]
) -> None:
    query = {"room": METERED_ROOM, "token": TOKEN}
    delivery = WebhookDelivery(path=path, query=query, headers={}, body=body)
    async with gateway() as gw:
        (event,) = await _only_event(gw, "metered", delivery)
    assert event.type is event_type
    assert event.room_id == f"metered:{METERED_ROOM}"
    _check(event, expected)


SANDBOX_CASES = [
    (name, event_type)
    for name, entry in REGISTRY.items()
    for event_type in sorted(entry.adapter.event_types, key=list(EventType).index)
]


@pytest.mark.parametrize(("provider", "event_type"), SANDBOX_CASES)
async def test_sandbox_payloads_normalize_through_the_endpoint(
    provider: str, event_type: EventType
) -> None:
    details = {"participantName": "Ann", "sessionId": "s-1", "recordingId": "r-1"}
    async with gateway() as gw:
        sandbox = gw.sandbox(provider)
        if event_type is not EventType.SESSION_STARTED:
            # a session starts first, as in a meeting: Vonage's recording callbacks name
            # no room, and the gateway learns it from the session
            started = sandbox.webhook("room-1", EventType.SESSION_STARTED, details, TOKEN)
            await _only_event(gw, provider, started)
        before = len(await gw.logged())
        delivery = sandbox.webhook("room-1", event_type, details, TOKEN)
        events = (await _only_event(gw, provider, delivery))[before:]
    assert event_type in [event.type for event in events]
    event = next(event for event in events if event.type is event_type)
    assert event.provider == provider
    assert event.room_id == f"{provider}:room-1"
    if event_type in (J, L):
        assert event.participant_name == "Ann"
