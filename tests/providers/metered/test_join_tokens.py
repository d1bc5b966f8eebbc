"""Participant tokens from ``POST /token``: what is asked for, and what Metered signs."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import jwt
import pytest

from providers import InvalidRequest, JoinRequest, ResourceNotFound, RoomSpec
from providers._fake import JoinRefused
from providers.metered import FakeMetered, JoinToken, MeteredAdapter
from tests.support import ManualClock

from .conftest import NOW


def claims(fake: FakeMetered, token: JoinToken, key: str | None = None) -> dict[str, Any]:
    """The verified claims; ``iat`` lies in the tests' future, so it is not checked."""
    secret = key or fake.token_key
    return dict(jwt.decode(token.token, secret, ["HS256"], options={"verify_iat": False}))


async def test_a_room_token_carries_every_documented_field(
    adapter: MeteredAdapter, fake: FakeMetered
) -> None:
    room = await adapter.create_room(RoomSpec("call"))
    expires, not_before = NOW + timedelta(hours=3), NOW + timedelta(minutes=5)

    token = await adapter.create_join_token(
        room.native_id,
        is_admin=True,
        name="Ada Lovelace",
        email="ada@example.com",
        meta='{"team":"core"}',
        external_user_id="user-42",
        expires_at=expires,
        not_before=not_before,
        eject_after_seconds=3600,
        join_video_on=False,
        join_audio_on=True,
        disable_video=False,
        disable_audio=False,
        disable_screen_sharing=True,
    )

    expected = {
        "roomName": room.native_id,
        "isAdmin": True,
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "meta": '{"team":"core"}',
        "externalUserId": "user-42",
        "expireUnixSec": int(expires.timestamp()),
        "notBeforeUnixSec": int(not_before.timestamp()),
        "ejectAfterElapsedTimeInSec": 3600,
        "joinVideoOn": False,
        "joinAudioOn": True,
        "disableVideo": False,
        "disableAudio": False,
        "disableScreenSharing": True,
    }
    assert json.loads(fake.requests[-1].content) == expected
    assert fake.requests[-1].url.path == "/api/v1/token"
    decoded = claims(fake, token)
    assert decoded["data"] == {**expected, "appName": "sandbox"}
    assert decoded["iat"] == int(NOW.timestamp())
    assert token == JoinToken(
        token=token.token,
        room_name=room.native_id,
        is_admin=True,
        global_token=False,
        expires_at=expires,
    )


async def test_a_global_token(adapter: MeteredAdapter, fake: FakeMetered) -> None:
    token = await adapter.create_join_token(None, global_token=True)
    assert claims(fake, token)["data"] == {
        "globalToken": True,
        "isAdmin": False,
        "appName": "sandbox",
    }
    assert token.global_token is True
    assert token.room_name is None


async def test_a_token_signed_by_another_key_does_not_verify(
    adapter: MeteredAdapter, fake: FakeMetered
) -> None:
    token = await adapter.create_join_token(None, global_token=True)
    with pytest.raises(jwt.InvalidSignatureError):
        claims(fake, token, key=FakeMetered().token_key)


async def test_the_token_stays_out_of_reprs(adapter: MeteredAdapter) -> None:
    token = await adapter.create_join_token(None, global_token=True)
    assert token.token not in repr(token)


async def test_a_token_for_an_unknown_room_is_not_found(adapter: MeteredAdapter) -> None:
    with pytest.raises(ResourceNotFound):
        await adapter.create_join_token("nowhere")


@pytest.mark.parametrize(
    ("room", "options", "field"),
    [
        (None, {}, "roomName"),
        ("r", {"global_token": True}, "globalToken"),
        ("has space", {}, "roomName"),
        ("r", {"is_admin": "yes"}, "isAdmin"),
        ("r", {"name": " "}, "name"),
        ("r", {"email": ""}, "email"),
        ("r", {"external_user_id": 42}, "externalUserId"),
        ("r", {"eject_after_seconds": 0}, "ejectAfterSeconds"),
        ("r", {"eject_after_seconds": True}, "ejectAfterSeconds"),
        ("r", {"join_video_on": "on"}, "joinVideoOn"),
        ("r", {"expires_at": NOW - timedelta(seconds=1)}, "expiresAt"),
        ("r", {"expires_at": datetime(2031, 1, 1)}, "expiresAt"),
        ("r", {"not_before": datetime(2031, 1, 1)}, "notBefore"),
        (
            "r",
            {"expires_at": NOW + timedelta(hours=1), "not_before": NOW + timedelta(hours=2)},
            "notBefore",
        ),
    ],
)
async def test_arguments_are_checked_before_any_call(
    adapter: MeteredAdapter,
    fake: FakeMetered,
    room: str | None,
    options: dict[str, Any],
    field: str,
) -> None:
    with pytest.raises(InvalidRequest) as caught:
        await adapter.create_join_token(room, **options)
    assert caught.value.field == field
    assert fake.requests == []


async def test_join_room_token_expires_after_its_ttl(
    adapter: MeteredAdapter, fake: FakeMetered, clock: ManualClock
) -> None:
    room = await adapter.create_room(RoomSpec("call"))
    grant = await adapter.join_room(room.native_id, JoinRequest(ttl_seconds=120))
    assert grant.token is not None
    assert grant.expires_at == NOW + timedelta(seconds=120)
    assert fake.check_join(room.native_id, grant.token).moderator is False
    clock.advance(120)
    with pytest.raises(JoinRefused, match="validity window"):
        fake.check_join(room.native_id, grant.token)


async def test_a_token_signed_by_another_key_is_refused(
    adapter: MeteredAdapter, fake: FakeMetered
) -> None:
    room = await adapter.create_room(RoomSpec("call"))
    forged = jwt.encode({"data": {"roomName": room.native_id, "appName": "sandbox"}}, "k" * 32)
    with pytest.raises(JoinRefused, match="invalid token"):
        fake.check_join(room.native_id, forged)
