"""Signed webhooks: verification (raw and compact forms), normalization, key fetching."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pydantic import ValidationError

from providers import (
    EventType,
    MalformedWebhook,
    ProviderUnavailable,
    StreamKind,
    UnsupportedOperation,
    WebhookAuthError,
    WebhookDelivery,
)
from providers.videosdk import FakeVideoSDK, VideoSDKAdapter, VideoSDKSettings
from providers.videosdk.keys import REFRESH_INTERVAL, RETRY_AFTER_FAILURE
from providers.videosdk.webhooks import (
    SUBSCRIBED_EVENTS,
    WEBHOOK_EVENTS,
    load_public_key,
    normalize,
    verify_signature,
)
from tests.support import ManualClock

from .conftest import build
from .test_payloads import fixture

HOOKS: dict[str, Any] = fixture("webhooks.json")
ROOM, SESSION = "bcd-efgh-ijkl", "6634600a9f1e2a0012349999"
STOPPED_URL = HOOKS["recording-stopped"]["data"]["fileUrl"]
HLS_URL = "https://cdn.videosdk.live/hls/index.m3u8"
HLS, RTMP = StreamKind.HLS, StreamKind.RTMP
#: stream steps whose payload carries no playback URL
STREAM_STEPS = [
    ("starting", EventType.STREAM_STARTED, "STARTING"),
    ("stopping", EventType.STREAM_STOPPED, "STOPPING"),
    ("stopped", EventType.STREAM_STOPPED, "STOPPED"),
    ("failed", EventType.STREAM_FAILED, "FAILED"),
]
START = datetime(2024, 5, 2, 9, 30, 0, 250000, tzinfo=UTC)
END = datetime(2024, 5, 2, 10, 5, 10, 750000, tzinfo=UTC)


def _delivery(body: bytes, signature: str | None) -> WebhookDelivery:
    headers = {} if signature is None else {"videosdk-signature": signature}
    return WebhookDelivery(path="", query={}, headers=headers, body=body)


EXPECTED: list[tuple[str, list[tuple[EventType, dict[str, Any]]]]] = [
    (
        "participant-joined",
        [
            (
                EventType.PARTICIPANT_JOINED,
                {"participant_id": "k3n8q2zt", "participant_name": "Asha"},
            )
        ],
    ),
    (
        "participant-left",
        [
            (
                EventType.PARTICIPANT_LEFT,
                {"participant_id": "k3n8q2zt", "reason": "connection-error"},
            )
        ],
    ),
    (
        "session-started",
        [(EventType.SESSION_STARTED, {"occurred_at": START, "started_at": START})],
    ),
    (
        "session-ended",
        [
            (
                EventType.SESSION_ENDED,
                {
                    "occurred_at": END,
                    "started_at": START,
                    "ended_at": END,
                    "reason": "Meeting Ended.",
                },
            )
        ],
    ),
    ("recording-starting", [(EventType.RECORDING_STARTED, {"status": "STARTING"})]),
    (
        "recording-started",
        [
            (
                EventType.RECORDING_STARTED,
                {"recording_id": "663461119f1e2a001234cccc", "status": "RECORDING"},
            )
        ],
    ),
    (
        "recording-stopping",
        [
            (
                EventType.RECORDING_STOPPED,
                {"recording_id": "663461119f1e2a001234cccc", "status": "STOPPING"},
            )
        ],
    ),
    (
        "recording-stopped",
        [
            (EventType.RECORDING_STOPPED, {"url": STOPPED_URL, "status": "PROCESSING"}),
            (EventType.RECORDING_READY, {"url": STOPPED_URL, "status": "READY"}),
        ],
    ),
    (
        "recording-failed",
        [(EventType.RECORDING_FAILED, {"reason": "Composer crashed", "occurred_at": None})],
    ),
    (
        "participant-recording-started",
        [(EventType.RECORDING_STARTED, {"participant_id": "p0w9x7yu"})],
    ),
    (
        "participant-recording-stopped",
        [(EventType.RECORDING_STOPPED, {"recording_id": "663461119f1e2a001234dddd", "url": None})],
    ),
    (
        "participant-track-recording-failed",
        [(EventType.RECORDING_FAILED, {"participant_id": "p0w9x7yu", "reason": "Track ended"})],
    ),
    (
        "merge-recording-completed",
        [
            (
                EventType.RECORDING_READY,
                {"url": "https://cdn.videosdk.live/uploads/videos/merged.mp4"},
            )
        ],
    ),
    ("merge-recording-failed", [(EventType.RECORDING_FAILED, {})]),
    (
        "participant-recording-starting",
        [(EventType.RECORDING_STARTED, {"participant_id": "p0w9x7yu", "status": "STARTING"})],
    ),
    (
        "participant-recording-stopping",
        [(EventType.RECORDING_STOPPED, {"participant_id": "p0w9x7yu", "status": "STOPPING"})],
    ),
    (
        "participant-recording-failed",
        [(EventType.RECORDING_FAILED, {"reason": "Participant left", "status": "FAILED"})],
    ),
    (
        "participant-track-recording-starting",
        [(EventType.RECORDING_STARTED, {"status": "STARTING"})],
    ),
    (
        "participant-track-recording-started",
        [(EventType.RECORDING_STARTED, {"recording_id": "663461119f1e2a001234eeee"})],
    ),
    (
        "participant-track-recording-stopping",
        [(EventType.RECORDING_STOPPED, {"status": "STOPPING"})],
    ),
    (
        "participant-track-recording-stopped",
        [(EventType.RECORDING_STOPPED, {"status": "PROCESSING", "url": None})],
    ),
    (
        "transcription-completed",
        [
            (
                EventType.TRANSCRIPTION_READY,
                {"transcription_id": "663461119f1e2a0012340abc", "url": None, "session_id": None},
            )
        ],
    ),
    *[
        (f"livestream-{step}", [(event_type, {"stream_kind": RTMP, "status": status, "url": None})])
        for step, event_type, status in STREAM_STEPS
    ],
    *[
        (f"hls-{step}", [(event_type, {"stream_kind": HLS, "status": status, "url": None})])
        for step, event_type, status in STREAM_STEPS
    ],
    (
        "livestream-started",
        [(EventType.STREAM_STARTED, {"stream_kind": RTMP, "status": "LIVE", "url": None})],
    ),
    (
        "hls-started",
        [(EventType.STREAM_STARTED, {"stream_kind": HLS, "status": "LIVE", "url": HLS_URL})],
    ),
    (
        "hls-playable",
        [(EventType.STREAM_STARTED, {"stream_kind": HLS, "status": "PLAYABLE", "url": HLS_URL})],
    ),
]


def test_expectations_cover_every_documented_webhook_type() -> None:
    assert {name for name, _ in EXPECTED} == set(WEBHOOK_EVENTS)
    assert len(WEBHOOK_EVENTS) == 33


def test_rooms_register_for_every_documented_webhook_type() -> None:
    assert set(SUBSCRIBED_EVENTS) == set(WEBHOOK_EVENTS)


def test_event_types_are_exactly_what_the_webhooks_emit() -> None:
    emitted = {event_type for _, events in EXPECTED for event_type, _ in events}
    assert emitted == VideoSDKAdapter.event_types


def test_expectations_cover_every_fixture() -> None:
    assert {name for name, _ in EXPECTED} == set(HOOKS)


@pytest.mark.parametrize(("name", "expected"), EXPECTED, ids=[name for name, _ in EXPECTED])
async def test_documented_payloads_normalize(
    adapter: VideoSDKAdapter,
    fake: FakeVideoSDK,
    name: str,
    expected: list[tuple[EventType, dict[str, Any]]],
) -> None:
    payload = HOOKS[name]
    events = await adapter.parse_webhook(fake.deliver(payload))
    assert [e.type for e in events] == [event_type for event_type, _ in expected]
    for event, (_, fields) in zip(events, expected, strict=True):
        assert {key: getattr(event, key) for key in fields} == fields
    for event in events:
        assert event.provider == "videosdk"
        assert event.room_native_id == ROOM
        assert event.room_id == f"videosdk:{ROOM}"
        assert event.session_id == (None if name == "transcription-completed" else SESSION)
        assert event.raw == payload
        assert event.type in adapter.event_types
    assert len({e.id for e in events}) == len(events)


async def test_unknown_event_types_are_ignored(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK
) -> None:
    payload = {"webhookType": "whiteboard-opened", "data": {"meetingId": ROOM}}
    assert await adapter.parse_webhook(fake.deliver(payload)) == []


def test_transcription_uses_room_id() -> None:
    payload = {"webhookType": "recording-started", "data": {"roomId": ROOM}}
    (event,) = normalize(payload)
    assert event.room_native_id == ROOM


def test_an_unreadable_time_is_none_not_an_error() -> None:
    data = HOOKS["session-ended"]["data"] | {"end": "2022-07-05T15:60:35.047+00:00"}
    (event,) = normalize({"webhookType": "session-ended", "data": data})
    assert event.ended_at is None
    assert event.occurred_at is None
    assert event.started_at == START


async def test_event_ids_are_stable_across_deliveries(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK
) -> None:
    payload = HOOKS["participant-joined"]
    first = await adapter.parse_webhook(fake.deliver(payload))
    again = await adapter.parse_webhook(fake.deliver(payload))
    spaced = await adapter.parse_webhook(fake.deliver(payload, spaced=True))
    assert first[0].id == again[0].id == spaced[0].id
    assert first[0].id.startswith("videosdk:")
    other = dict(payload, data=payload["data"] | {"participantId": "zzzz9999"})
    assert (await adapter.parse_webhook(fake.deliver(other)))[0].id != first[0].id


# signature
async def test_signature_over_compact_json_verifies_a_spaced_body(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK
) -> None:
    delivery = fake.deliver(HOOKS["session-started"], spaced=True)
    assert b"\n" in delivery.body
    (event,) = await adapter.parse_webhook(delivery)
    assert event.type is EventType.SESSION_STARTED


async def test_signature_over_the_raw_bytes_verifies(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK
) -> None:
    body = json.dumps(HOOKS["session-started"], indent=1).encode()
    (event,) = await adapter.parse_webhook(_delivery(body, fake.sign(body)))
    assert event.type is EventType.SESSION_STARTED


def test_compact_form_keeps_key_order_and_unicode(fake: FakeVideoSDK) -> None:
    payload = {"webhookType": "participant-joined", "data": {"participantName": "Zoë", "b": 1}}
    signed = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    body = json.dumps(payload, indent=2).encode()  # ASCII escapes and spaces
    key = load_public_key(fake.public_key_pem)
    verify_signature(body, fake.sign(signed), key)
    reordered = json.dumps({"data": payload["data"], "webhookType": "participant-joined"})
    with pytest.raises(WebhookAuthError):
        verify_signature(reordered.encode(), fake.sign(signed), key)


@pytest.mark.parametrize(
    "signature", [None, "", "not base64 !!", base64.b64encode(b"x" * 256).decode()]
)
async def test_missing_or_bad_signatures_are_refused(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK, signature: str | None
) -> None:
    body = fake.deliver(HOOKS["participant-joined"]).body
    with pytest.raises(WebhookAuthError) as caught:
        await adapter.parse_webhook(_delivery(body, signature))
    assert caught.value.provider == "videosdk"
    assert fake.requests == []


async def test_a_tampered_body_is_refused(adapter: VideoSDKAdapter, fake: FakeVideoSDK) -> None:
    delivery = fake.deliver(HOOKS["participant-joined"])
    forged = delivery.body.replace(b"Asha", b"Mallory")
    with pytest.raises(WebhookAuthError):
        await adapter.parse_webhook(_delivery(forged, delivery.headers["videosdk-signature"]))


async def test_a_signature_from_another_key_is_refused(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK
) -> None:
    body = fake.deliver(HOOKS["participant-joined"]).body
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    signature = base64.b64encode(other.sign(body, padding.PKCS1v15(), hashes.SHA256())).decode()
    with pytest.raises(WebhookAuthError):
        await adapter.parse_webhook(_delivery(body, signature))


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[1, 2]", b'{"data": {}}', b'{"webhookType": "session-started", "data": 5}'],
)
async def test_verified_but_unreadable_bodies_are_malformed(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK, body: bytes
) -> None:
    with pytest.raises(MalformedWebhook):
        await adapter.parse_webhook(_delivery(body, fake.sign(body)))


def test_an_invalid_configured_key_is_a_settings_error() -> None:
    with pytest.raises(ValidationError, match="webhook_public_key"):
        VideoSDKSettings(
            webhook_public_key="-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"
        )


# public key fetching
@pytest.mark.parametrize("key_format", ["json", "pem"])
async def test_the_key_is_fetched_once_without_credentials(
    fake: FakeVideoSDK, clock: ManualClock, key_format: str
) -> None:
    fake.public_key_format = key_format
    adapter = build(fake, clock, webhook_public_key=None)
    for name in ("participant-joined", "participant-left", "session-started"):
        assert await adapter.parse_webhook(fake.deliver(HOOKS[name]))
    await adapter.aclose()
    (request,) = fake.requests
    assert request.url.path == "/v2/public/rsa-public-key"
    assert "authorization" not in request.headers
    assert adapter.public_keys.fetches == 1


async def test_a_rotated_key_is_refetched_at_most_every_five_minutes(
    fake: FakeVideoSDK, clock: ManualClock
) -> None:
    adapter = build(fake, clock, webhook_public_key=None)
    assert await adapter.parse_webhook(fake.deliver(HOOKS["participant-joined"]))
    fake.rotate_webhook_key()
    rotated = fake.deliver(HOOKS["participant-left"])
    with pytest.raises(WebhookAuthError):
        await adapter.parse_webhook(rotated)
    assert adapter.public_keys.fetches == 1
    clock.advance(REFRESH_INTERVAL)
    (event,) = await adapter.parse_webhook(rotated)
    assert event.type is EventType.PARTICIPANT_LEFT
    assert adapter.public_keys.fetches == 2
    forged = _delivery(rotated.body, base64.b64encode(b"f" * 256).decode())
    clock.advance(REFRESH_INTERVAL - 1)
    with pytest.raises(WebhookAuthError):
        await adapter.parse_webhook(forged)
    assert adapter.public_keys.fetches == 2
    await adapter.aclose()


async def test_a_configured_key_is_never_refreshed(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK, clock: ManualClock
) -> None:
    fake.rotate_webhook_key()
    clock.advance(10 * REFRESH_INTERVAL)
    with pytest.raises(WebhookAuthError):
        await adapter.parse_webhook(fake.deliver(HOOKS["participant-joined"]))
    assert fake.requests == []


async def test_an_unavailable_key_is_the_providers_failure_not_the_senders(
    fake: FakeVideoSDK, clock: ManualClock
) -> None:
    # not a WebhookAuthError: a refused delivery is lost, an unavailable one is retried
    adapter = build(fake, clock, webhook_public_key=None)
    fake.inject(status=500, times=10, path_contains="rsa-public-key")
    with pytest.raises(ProviderUnavailable, match="public key") as caught:
        await adapter.parse_webhook(fake.deliver(HOOKS["participant-joined"]))
    assert caught.value.provider == "videosdk"
    fake.faults.clear()
    fake.public_key_format = "json"
    clock.advance(RETRY_AFTER_FAILURE)
    assert await adapter.parse_webhook(fake.deliver(HOOKS["participant-joined"]))
    await adapter.aclose()


async def test_a_burst_during_a_key_outage_costs_one_fetch(
    fake: FakeVideoSDK, clock: ManualClock
) -> None:
    adapter = build(fake, clock, webhook_public_key=None)
    fake.inject(status=503, times=1_000, path_contains="rsa-public-key")
    for _ in range(20):
        with pytest.raises(ProviderUnavailable, match="public key"):
            await adapter.parse_webhook(fake.deliver(HOOKS["participant-joined"]))
    assert adapter.public_keys.fetches == 1
    clock.advance(RETRY_AFTER_FAILURE)
    fake.faults.clear()
    assert await adapter.parse_webhook(fake.deliver(HOOKS["participant-joined"]))
    assert adapter.public_keys.fetches == 2
    await adapter.aclose()


async def test_a_key_answer_without_a_pem_is_the_providers_failure(
    fake: FakeVideoSDK, clock: ManualClock
) -> None:
    adapter = build(fake, clock, webhook_public_key=None)
    fake.inject(status=200, times=1, body={"status": "ok"}, path_contains="rsa-public-key")
    with pytest.raises(ProviderUnavailable, match="public key"):
        await adapter.parse_webhook(fake.deliver(HOOKS["participant-joined"]))
    await adapter.aclose()


# sandbox deliveries
@pytest.mark.parametrize("event_type", [t for t in EventType if t in VideoSDKAdapter.event_types])
async def test_sandbox_webhooks_round_trip(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK, event_type: EventType
) -> None:
    details = {
        "participantId": "abcd1234",
        "participantName": "Dana",
        "sessionId": "s-1",
        "recordingId": "rec-1",
        "url": "https://cdn.videosdk.live/x.mp4",
        "reason": "user-left",
    }
    delivery = fake.webhook("abc-defg-hijk", event_type, details, token=None)
    events = await adapter.parse_webhook(delivery)
    assert events[0].type is event_type
    assert events[0].room_native_id == "abc-defg-hijk"
    # transcription-completed goes to the recording's webhookUrl and names no session
    no_session = event_type is EventType.TRANSCRIPTION_READY
    assert events[0].session_id == (None if no_session else "s-1")
    assert delivery.headers["content-type"] == "application/json"


@pytest.mark.parametrize(
    ("event_type", "kind", "webhook_type", "playback"),
    [
        (EventType.STREAM_STARTED, "HLS", "hls-started", "https://cdn.videosdk.live/x.m3u8"),
        (EventType.STREAM_STOPPED, "HLS", "hls-stopped", None),
        (EventType.STREAM_FAILED, "HLS", "hls-failed", None),
        (EventType.STREAM_STARTED, "RTMP", "livestream-started", None),
        (EventType.STREAM_STOPPED, "RTMP", "livestream-stopped", None),
        (EventType.STREAM_FAILED, "RTMP", "livestream-failed", None),
    ],
)
async def test_sandbox_stream_webhooks_by_kind(
    adapter: VideoSDKAdapter,
    fake: FakeVideoSDK,
    event_type: EventType,
    kind: str,
    webhook_type: str,
    playback: str | None,
) -> None:
    details = {"streamKind": kind, "url": "https://cdn.videosdk.live/x.m3u8"}
    delivery = fake.webhook("abc-defg-hijk", event_type, details, token=None)
    assert json.loads(delivery.body)["webhookType"] == webhook_type
    (event,) = await adapter.parse_webhook(delivery)
    assert event.type is event_type
    assert event.stream_kind is StreamKind(kind)
    assert event.url == playback


async def test_sandbox_transcription_names_the_room_as_room_id(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK
) -> None:
    details = {"transcriptionId": "t-1"}
    delivery = fake.webhook("abc-defg-hijk", EventType.TRANSCRIPTION_READY, details, token=None)
    payload = json.loads(delivery.body)
    assert payload == {
        "webhookType": "transcription-completed",
        "data": {"id": "t-1", "roomId": "abc-defg-hijk"},
    }
    (event,) = await adapter.parse_webhook(delivery)
    assert event.transcription_id == "t-1"
    assert event.room_id == "videosdk:abc-defg-hijk"


def test_sandbox_refuses_an_unknown_stream_kind(fake: FakeVideoSDK) -> None:
    with pytest.raises(UnsupportedOperation, match="SRT"):
        fake.webhook("abc-defg-hijk", EventType.STREAM_STARTED, {"streamKind": "SRT"}, None)


async def test_sandbox_webhook_fills_defaults_from_its_state(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK
) -> None:
    room = fake.seed_rooms(1)[0]
    session = fake.start_session(room)
    delivery = fake.webhook(room, EventType.PARTICIPANT_JOINED, {}, token=None)
    (event,) = await adapter.parse_webhook(delivery)
    assert event.session_id == session["id"]
    assert event.participant_id
    assert event.participant_name


def test_sandbox_has_no_room_expired_event(fake: FakeVideoSDK) -> None:
    with pytest.raises(UnsupportedOperation):
        fake.webhook("abc-defg-hijk", EventType.ROOM_EXPIRED, {}, token=None)
