"""The sandbox itself: credential rules, page shapes and callbacks as documented."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import jwt
import pytest

from providers import Capability, EventType, RecordingStatus, RoomSpec
from providers.vonage import FakeVonage, VonageAdapter
from providers.vonage.fake_wire import UNAUTHORIZED
from tests.providers.vonage.helpers import TOKEN
from tests.support import ManualClock

BASE = "https://api-eu.vonage.com/v1/meetings"


def _token(fake: FakeVonage, now: float, **overrides: Any) -> str:
    key = fake.settings().private_key
    assert key is not None
    claims = {
        "application_id": fake.application_id,
        "iat": int(now),
        "exp": int(now) + 900,
        "jti": str(uuid.uuid4()),
        **overrides,
    }
    claims = {name: value for name, value in claims.items() if value is not None}
    return jwt.encode(claims, key.get_secret_value(), algorithm="RS256")


async def _get(fake: FakeVonage, token: str | None, path: str = "/themes") -> httpx.Response:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(transport=fake.transport(), base_url=BASE) as client:
        return await client.get(path, headers=headers)


@pytest.mark.parametrize(
    ("overrides", "age"),
    [
        ({}, 0),
        ({"exp": None}, 14 * 60),
        ({"exp": 1_790_000_000 + 20 * 3600}, 19 * 3600),
    ],
    ids=["fresh", "no-exp-within-15-min", "long-exp-within-24-h"],
)
async def test_accepted_tokens(
    fake: FakeVonage, clock: ManualClock, overrides: dict[str, Any], age: float
) -> None:
    token = _token(fake, clock(), **overrides)
    clock.advance(age)
    assert (await _get(fake, token)).status_code == 200


@pytest.mark.parametrize(
    ("overrides", "age"),
    [
        ({"exp": None}, 16 * 60),
        ({"exp": 1_790_000_000 + 48 * 3600}, 25 * 3600),
        ({}, 901),
        ({"iat": 1_790_000_000 + 3600}, 0),
        ({"iat": None}, 0),
        ({"application_id": "someone-else"}, 0),
    ],
    ids=["no-exp-too-old", "over-24-h", "expired", "issued-in-future", "no-iat", "other-app"],
)
async def test_refused_tokens(
    fake: FakeVonage, clock: ManualClock, overrides: dict[str, Any], age: float
) -> None:
    token = _token(fake, clock(), **overrides)
    clock.advance(age)
    response = await _get(fake, token)
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED


async def test_missing_or_symmetric_tokens_are_refused(
    fake: FakeVonage, clock: ManualClock
) -> None:
    assert (await _get(fake, None)).status_code == 401
    forged = jwt.encode(
        {"application_id": fake.application_id, "iat": int(clock())},
        "guess-the-secret-long-enough-for-hs256",
        algorithm="HS256",
    )
    assert (await _get(fake, forged)).status_code == 401


async def test_room_pages_look_like_the_api(fake: FakeVonage, clock: ManualClock) -> None:
    fake.seed_rooms(3)
    token = _token(fake, clock())
    body = (await _get(fake, token, "/rooms?page_size=2")).json()
    assert body["page_size"] == 2
    assert body["total_items"] == 3
    assert isinstance(body["_embedded"], list)
    assert (
        body["_links"]["next"]["href"]
        == "api-eu.vonage.com/meetings/rooms?page_size=2&start_id=2006650"
    )
    assert (
        body["_links"]["prev"]["href"]
        == "api-eu.vonage.com/meetings/rooms?page_size=2&end_id=2006647"
    )
    rest = (await _get(fake, token, "/rooms?page_size=2&start_id=2006650")).json()
    assert len(rest["_embedded"]) == 1
    assert "next" in rest["_links"]  # linked even on a short page
    before = (await _get(fake, token, "/rooms?page_size=5&end_id=2006649")).json()
    assert len(before["_embedded"]) == 1


async def test_no_themes_is_an_empty_object(fake: FakeVonage, clock: ManualClock) -> None:
    assert (await _get(fake, _token(fake, clock()))).json() == {}


async def test_participant_callback_payload(fake: FakeVonage) -> None:
    room = "b307d837-c0ce-4619-8c5c-70e418ef9693"
    details = {"participantName": "Ann", "isHost": True, "sessionId": "2_MX40s"}
    sent = fake.webhook(room, EventType.PARTICIPANT_JOINED, details, TOKEN)
    payload = json.loads(sent.body)
    assert sent.path == ""
    assert sent.query == {"token": TOKEN}
    assert "authorization" not in sent.headers
    assert payload["event"] == "session:participant:joined"
    assert (payload["name"], payload["is_host"], payload["type"]) == ("Ann", True, "Guest")
    assert (payload["room_id"], payload["session_id"]) == (room, "2_MX40s")


async def test_recording_callbacks_follow_one_recording(
    adapter: VonageAdapter, fake: FakeVonage
) -> None:
    room = await adapter.create_room(RoomSpec(display_name="Recorded"))
    started = json.loads(fake.webhook(room.native_id, EventType.RECORDING_STARTED, {}, TOKEN).body)
    assert "room_id" not in started
    ready = json.loads(fake.webhook(room.native_id, EventType.RECORDING_READY, {}, TOKEN).body)
    assert ready["recording_id"] == started["recording_id"]
    recording = await adapter.get_recording(started["recording_id"])
    assert recording.status is RecordingStatus.READY
    assert recording.raw["status"] == "uploaded"
    assert recording.url == ready["url"]


async def test_session_end_closes_an_expire_after_use_room(
    adapter: VonageAdapter, fake: FakeVonage, clock: ManualClock
) -> None:
    (room_id,) = fake.seed_rooms(1)
    fake.rooms[room_id]["expire_after_use"] = True
    fake.webhook(room_id, EventType.SESSION_ENDED, {}, TOKEN)
    clock.advance(1)
    assert not (await adapter.get_room(room_id)).available


def test_sandbox_settings_and_defaults() -> None:
    fake = FakeVonage()
    settings = fake.settings()
    assert settings.configured
    assert settings.application_id == fake.application_id
    assert settings.webhook_token is not None
    assert settings.webhook_token.get_secret_value() == "sandbox-webhook-token"
    assert settings.signature_secret is None
    assert fake.settings().private_key == settings.private_key


def test_declared_capabilities_and_events() -> None:
    assert VonageAdapter.capabilities == {
        Capability.ROOMS_CREATE,
        Capability.ROOMS_LIST,
        Capability.ROOMS_GET,
        Capability.ROOMS_UPDATE,
        Capability.ROOMS_CLOSE,
        Capability.ROOMS_JOIN,
        Capability.THEMES,
        Capability.RECORDINGS,
        Capability.EVENTS,
        Capability.DIAL_IN,
    }
    assert EventType.RECORDING_FAILED not in VonageAdapter.event_types
    assert len(VonageAdapter.event_types) == 8
