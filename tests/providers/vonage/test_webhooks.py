"""Callbacks: token (and optional signature) verification, normalization of every
documented payload and spelling, the session-to-room map, sandbox round trips."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import jwt
import pytest

from providers import (
    EventType,
    KeyValueStore,
    MalformedWebhook,
    RoomSpec,
    UnsupportedOperation,
    WebhookAuthError,
    WebhookDelivery,
    create_store,
)
from providers.vonage import FakeVonage, VonageAdapter
from providers.vonage.adapter import session_room_key
from providers.vonage.webhooks import normalize, parse_delivery
from tests.providers.vonage.helpers import TOKEN, build, fixture
from tests.support import ManualClock

SECRET = "a-signature-secret-long-enough-for-hs256"
ROOM = "b307d837-c0ce-4619-8c5c-70e418ef9693"


def delivery(
    payload: Any, *, token: str | None = TOKEN, headers: dict[str, str] | None = None
) -> WebhookDelivery:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    query = {} if token is None else {"token": token}
    return WebhookDelivery(path="", query=query, headers=headers or {}, body=body)


def signed(body: bytes, *, secret: str = SECRET, **claims: Any) -> dict[str, str]:
    values = {
        "iat": 1_790_000_000,
        "jti": str(uuid.uuid4()),
        "iss": "Vonage",
        "payload_hash": hashlib.sha256(body).hexdigest(),
        **claims,
    }
    return {"authorization": f"Bearer {jwt.encode(values, secret, algorithm='HS256')}"}


@pytest.mark.parametrize(
    "case", fixture("callbacks.json"), ids=lambda case: case["payload"]["event"]
)
def test_every_documented_callback_normalizes(case: dict[str, Any]) -> None:
    payload = case["payload"]
    (event,) = parse_delivery(delivery(payload), token=TOKEN, signature_secret=None, now=0)
    assert event.type is EventType[case["expect"]]
    assert event.provider == "vonage"
    assert event.raw == payload
    assert event.session_id == payload.get("session_id")
    assert event.room_native_id == payload.get("room_id")
    assert event.id.startswith("vonage:")


def test_participant_fields() -> None:
    event = normalize(fixture("s003_participant_joined.json"))
    assert event is not None
    assert event.type is EventType.PARTICIPANT_JOINED
    assert event.participant_id == "b424e1c4-e988-4ce2-8ab9-e3efea7de542"
    assert event.participant_name == "New Joiner"
    assert event.role == "Guest"
    assert event.is_host is True
    assert event.room_id == f"vonage:{ROOM}"
    assert event.occurred_at is None


def test_recording_fields_and_lenient_duration() -> None:
    ready, uploaded = (case["payload"] for case in fixture("callbacks.json")[10:12])
    for payload in (ready, uploaded):
        event = normalize(payload)
        assert event is not None
        assert event.recording_id == "17461b93-f793-48a0-9392-7d82de40432f"
        assert event.duration_seconds == 3598.0
        assert event.url is not None
        assert event.url.endswith("archive.mp4?X=1")
        assert event.ended_at == datetime(2023, 6, 6, 8, 15, 11, 974000, tzinfo=UTC)
    assert normalize({**ready, "duration": "n/a"}).duration_seconds is None  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("index", "expected"),
    [
        (6, datetime(2023, 6, 6, 7, 15, 13, 974000, tzinfo=UTC)),
        (7, datetime(2023, 6, 6, 8, 15, 11, 974000, tzinfo=UTC)),
        (9, datetime(2023, 6, 6, 8, 15, 11, 974000, tzinfo=UTC)),
        (12, datetime(2023, 6, 6, 6, 55, 7, 134000, tzinfo=UTC)),
        (0, None),
        (10, None),
    ],
)
def test_occurred_at_is_the_providers_time(index: int, expected: datetime | None) -> None:
    event = normalize(fixture("callbacks.json")[index]["payload"])
    assert event is not None
    assert event.occurred_at == expected


def test_same_delivery_same_id_and_different_delivery_different_id() -> None:
    payload = fixture("callbacks.json")[0]["payload"]
    first = normalize(payload)
    again = normalize(json.loads(json.dumps(payload, indent=2)))
    other = normalize({**payload, "participant_id": "someone-else"})
    assert first is not None
    assert again is not None
    assert other is not None
    assert first.id == again.id != other.id


def test_unknown_event_is_ignored() -> None:
    body = {"event": "session:whiteboard:opened", "session_id": "s"}
    assert parse_delivery(delivery(body), token=TOKEN, signature_secret=None, now=0) == []


@pytest.mark.parametrize("token", [None, "", "wrong", TOKEN + "x"])
def test_bad_token_is_refused(token: str | None) -> None:
    with pytest.raises(WebhookAuthError):
        parse_delivery(
            delivery({"event": "room:expired"}, token=token),
            token=TOKEN,
            signature_secret=None,
            now=0,
        )


def test_without_a_configured_token_everything_is_refused() -> None:
    with pytest.raises(WebhookAuthError, match="no webhook token"):
        parse_delivery(
            delivery({"event": "room:expired"}), token=None, signature_secret=None, now=0
        )


def test_verification_comes_before_parsing() -> None:
    with pytest.raises(WebhookAuthError):
        parse_delivery(
            delivery(b"not json", token="bad"), token=TOKEN, signature_secret=None, now=0
        )


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"no": "event"}', b'{"event": 3}'])
def test_malformed_body(body: bytes) -> None:
    with pytest.raises(MalformedWebhook):
        parse_delivery(delivery(body), token=TOKEN, signature_secret=None, now=0)


def test_other_paths_are_malformed() -> None:
    other = WebhookDelivery(path="/joined", query={"token": TOKEN}, headers={}, body=b"{}")
    with pytest.raises(MalformedWebhook):
        parse_delivery(other, token=TOKEN, signature_secret=None, now=0)


def test_signed_callback_is_accepted() -> None:
    body = json.dumps(fixture("callbacks.json")[0]["payload"]).encode()
    events = parse_delivery(
        delivery(body, headers=signed(body)),
        token=TOKEN,
        signature_secret=SECRET,
        now=1_790_000_000,
    )
    assert [event.type for event in events] == [EventType.PARTICIPANT_JOINED]


def test_signature_without_payload_hash_is_accepted() -> None:
    body = b'{"event": "room:expired", "room_id": "r"}'
    token = jwt.encode({"iat": 1_790_000_000}, SECRET, algorithm="HS256")
    headers = {"authorization": f"Bearer {token}"}
    events = parse_delivery(
        delivery(body, headers=headers), token=TOKEN, signature_secret=SECRET, now=1_790_000_000
    )
    assert [event.type for event in events] == [EventType.ROOM_EXPIRED]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"authorization": "Basic abc"},
        signed(b"other body"),
        signed(b'{"event": "room:expired"}', secret="another-secret-long-enough-for-hs256"),
        signed(b'{"event": "room:expired"}', exp=1_700_000_000),
        signed(b'{"event": "room:expired"}', nbf=1_800_000_000),
        {"authorization": "Bearer not.a.jwt"},
    ],
    ids=["missing", "basic", "hash", "secret", "expired", "not-before", "garbage"],
)
def test_bad_signature_is_refused(headers: dict[str, str]) -> None:
    body = b'{"event": "room:expired"}'
    with pytest.raises(WebhookAuthError):
        parse_delivery(
            delivery(body, headers=headers), token=TOKEN, signature_secret=SECRET, now=1_790_000_000
        )


def test_a_signature_issued_before_the_replay_window_is_refused() -> None:
    body = b'{"event": "room:expired", "room_id": "r"}'
    now, window = 1_790_000_000, 600.0
    for issued, accepted in ((now - 599, True), (now - 601, False)):
        captured = replace(delivery(body, headers=signed(body, iat=issued)), max_age_seconds=window)
        if accepted:
            assert parse_delivery(captured, token=TOKEN, signature_secret=SECRET, now=now)
            continue
        with pytest.raises(WebhookAuthError, match="replay"):
            parse_delivery(captured, token=TOKEN, signature_secret=SECRET, now=now)


def test_refusals_never_echo_secrets() -> None:
    body = b'{"event": "room:expired"}'
    with pytest.raises(WebhookAuthError) as caught:
        parse_delivery(delivery(body, token="guess"), token=TOKEN, signature_secret=SECRET, now=0)
    assert TOKEN not in str(caught.value)
    assert "guess" not in str(caught.value)
    assert SECRET not in str(caught.value)


@pytest.mark.parametrize("event_type", [t for t in EventType if t in VonageAdapter.event_types])
async def test_sandbox_callbacks_round_trip(
    adapter: VonageAdapter, fake: FakeVonage, event_type: EventType
) -> None:
    room = await adapter.create_room(RoomSpec(display_name="Live"))
    await adapter.parse_webhook(fake.webhook(room.native_id, EventType.SESSION_STARTED, {}, TOKEN))
    details = {"participantName": "Ann", "participantId": "p-1", "durationSeconds": 12}
    (event,) = await adapter.parse_webhook(fake.webhook(room.native_id, event_type, details, TOKEN))
    assert event.type is event_type
    assert event_type in adapter.event_types
    assert event.room_native_id == room.native_id
    if event_type is EventType.PARTICIPANT_JOINED:
        assert event.raw["event"] == "session:participant:joined"
        assert (event.participant_name, event.participant_id) == ("Ann", "p-1")
    if event_type is EventType.RECORDING_STOPPED:
        assert event.duration_seconds == 12


async def test_sandbox_has_no_recording_failed_callback(fake: FakeVonage) -> None:
    with pytest.raises(UnsupportedOperation):
        fake.webhook(ROOM, EventType.RECORDING_FAILED, {}, TOKEN)


async def test_sandbox_callbacks_need_the_token(adapter: VonageAdapter, fake: FakeVonage) -> None:
    with pytest.raises(WebhookAuthError):
        await adapter.parse_webhook(fake.webhook(ROOM, EventType.SESSION_STARTED, {}, None))


async def test_signed_sandbox_callbacks(clock: ManualClock) -> None:
    fake = FakeVonage(clock=clock, signature_secret=SECRET)
    adapter = build(fake, clock)
    sent = fake.webhook(ROOM, EventType.SESSION_ENDED, {}, TOKEN)
    assert sent.headers["authorization"].startswith("Bearer ")
    (event,) = await adapter.parse_webhook(sent)
    assert event.type is EventType.SESSION_ENDED
    tampered = WebhookDelivery(
        sent.path, sent.query, sent.headers, sent.body.replace(b"ended", b"ENDED")
    )
    with pytest.raises(WebhookAuthError):
        await adapter.parse_webhook(tampered)
    await adapter.aclose()


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[KeyValueStore]:
    built = create_store(None if request.param == "memory" else "redis://127.0.0.1:6379/0")
    yield built
    await built.close()


async def test_recording_callbacks_learn_their_room_through_the_store(
    fake: FakeVonage, clock: ManualClock, store: KeyValueStore
) -> None:
    adapter = VonageAdapter(fake.settings(), store=store, transport=fake.transport(), clock=clock)
    session = f"2_MX40test-{uuid.uuid4().hex}"
    started = {"event": "recording:started", "recording_id": "r-1", "session_id": session}
    (before,) = await adapter.parse_webhook(delivery(started))
    assert before.room_native_id is None
    joined = {
        "event": "session:participant:joined",
        "session_id": session,
        "room_id": ROOM,
        "participant_id": "p",
        "name": "Ann",
        "type": "Guest",
        "is_host": False,
    }
    await adapter.parse_webhook(delivery(joined))
    assert await store.get(session_room_key(session)) == ROOM
    ended = {
        "event": "recording:ended",
        "recording_id": "r-1",
        "session_id": session,
        "duration": 5,
    }
    (after,) = await adapter.parse_webhook(delivery(ended))
    assert after.room_native_id == ROOM
    assert after.id == (await adapter.parse_webhook(delivery(ended)))[0].id
    await store.delete(session_room_key(session))
    await adapter.aclose()


async def test_session_room_is_shared_between_adapters_through_redis(
    fake: FakeVonage, clock: ManualClock
) -> None:
    session = f"2_MX40shared-{uuid.uuid4().hex}"
    stores = [create_store("redis://127.0.0.1:6379/0") for _ in range(2)]
    learner, reader = (
        VonageAdapter(fake.settings(), store=s, transport=fake.transport(), clock=clock)
        for s in stores
    )
    started = {
        "event": "session:started",
        "session_id": session,
        "room_id": ROOM,
        "started_at": "2023-06-06T07:15:13.974Z",
    }
    await learner.parse_webhook(delivery(started))
    ready = {"event": "recording:started", "recording_id": "r", "session_id": session}
    (event,) = await reader.parse_webhook(delivery(ready))
    assert event.room_native_id == ROOM
    await stores[0].delete(session_room_key(session))
    for adapter in (learner, reader):
        await adapter.aclose()
    for built in stores:
        await built.close()
