"""VideoSDK participant tokens: the sandbox's meeting server checks them as VideoSDK would."""

from __future__ import annotations

import uuid
from typing import Any

import jwt
import pytest
from redis.asyncio import Redis

from providers import JoinApproval, JoinRequest, ParticipantRole, RoomSpec, create_store
from providers._fake import JoinRefused
from providers.videosdk import FakeVideoSDK, VideoSDKAdapter
from providers.videosdk.joins import permissions
from tests.support import ManualClock

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.mark.parametrize(
    ("role", "approval", "granted"),
    [
        (ParticipantRole.GUEST, None, ["allow_join"]),
        (ParticipantRole.GUEST, JoinApproval.NONE, ["allow_join"]),
        (ParticipantRole.GUEST, JoinApproval.AFTER_OWNER_ONLY, ["ask_join"]),
        (ParticipantRole.GUEST, JoinApproval.EXPLICIT_APPROVAL, ["ask_join"]),
        (ParticipantRole.HOST, JoinApproval.EXPLICIT_APPROVAL, ["allow_join", "allow_mod"]),
    ],
)
def test_permissions(
    role: ParticipantRole, approval: JoinApproval | None, granted: list[str]
) -> None:
    assert permissions(role, approval) == granted


def resigned(fake: FakeVideoSDK, token: str, **changes: Any) -> str:
    claims = jwt.decode(token, fake.secret, ["HS256"], options={"verify_exp": False})
    claims.update(changes)
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, fake.secret, "HS256")


async def test_a_token_expires_after_its_ttl(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK, clock: ManualClock
) -> None:
    room = await adapter.create_room(RoomSpec("x"))
    grant = await adapter.join_room(room.native_id, JoinRequest(ttl_seconds=60))
    assert grant.token is not None
    assert fake.check_join(room.native_id, grant.token).participant_id == grant.participant_id
    clock.advance(60)
    with pytest.raises(JoinRefused, match="expired"):
        fake.check_join(room.native_id, grant.token)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"apikey": "another"}, "another API key"),
        ({"permissions": ["allow_mod"]}, "no join permission"),
        ({"roles": ["crawler"]}, "no rtc role"),
        ({"version": None}, "need version 2"),
    ],
)
async def test_the_meeting_server_refuses_what_videosdk_would(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK, changes: dict[str, Any], reason: str
) -> None:
    room = await adapter.create_room(RoomSpec("x"))
    grant = await adapter.join_room(room.native_id, JoinRequest())
    assert grant.token is not None
    with pytest.raises(JoinRefused, match=reason):
        fake.check_join(room.native_id, resigned(fake, grant.token, **changes))


async def test_a_room_by_its_alias_gets_a_token_for_its_room_id(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK
) -> None:
    room = await adapter.create_room(RoomSpec("x", provider_options={"customRoomId": "weekly"}))
    grant = await adapter.join_room("weekly", JoinRequest())
    assert grant.native_room_id == room.native_id
    assert grant.token is not None
    assert fake.check_join("weekly", grant.token).room_id == room.native_id


async def test_a_server_token_cannot_join(adapter: VideoSDKAdapter, fake: FakeVideoSDK) -> None:
    room = await adapter.create_room(RoomSpec("x"))
    server_token = fake.requests[-1].headers["authorization"]
    with pytest.raises(JoinRefused, match="no rtc role"):
        fake.check_join(room.native_id, server_token)


async def test_join_approval_is_kept_with_the_room_notes_and_expires_with_them(
    fake: FakeVideoSDK, clock: ManualClock
) -> None:
    namespace = f"test-approval-{uuid.uuid4().hex}"
    store = create_store(REDIS_URL, namespace=namespace)
    settings = fake.settings().model_copy(update={"room_notes_ttl_seconds": 600.0})
    adapter = VideoSDKAdapter(settings, store=store, transport=fake.transport(), clock=clock)
    redis = Redis.from_url(REDIS_URL)
    try:
        room = await adapter.create_room(
            RoomSpec("x", join_approval=JoinApproval.EXPLICIT_APPROVAL)
        )
        assert (await adapter.get_room(room.native_id)).join_approval is (
            JoinApproval.EXPLICIT_APPROVAL
        )
        keys = [key.decode() async for key in redis.scan_iter(f"{namespace}*")]
        assert len(keys) == 1, "one record per room: its notes, the approval among them"
        assert 0 < await redis.ttl(keys[0]) <= 600
        grant = await adapter.join_room(room.native_id, JoinRequest())
        assert grant.token is not None
        claims = jwt.decode(grant.token, fake.secret, ["HS256"], options={"verify_exp": False})
        assert claims["permissions"] == ["ask_join"]
    finally:
        await redis.delete(*[key async for key in redis.scan_iter(f"{namespace}*")] or ["-"])
        await redis.aclose()
        await adapter.aclose()
        await store.close()
