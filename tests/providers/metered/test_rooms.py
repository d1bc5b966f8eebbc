"""Room life cycle through the sandbox: create, get, update, close, list."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from providers import (
    InvalidRequest,
    JoinApproval,
    NotConfigured,
    RecordingOptions,
    ResourceNotFound,
    RoomSpec,
    RoomUpdate,
    WebhookTarget,
)
from providers.metered import FakeMetered, MeteredAdapter, MeteredSettings
from providers.models import Capability, EventType
from tests.support import ManualClock

from .conftest import NOW, make_adapter

EVERY_OPTION = {
    "roomName": "all-fields",
    "privacy": "private",
    "expireUnixSec": int((NOW + timedelta(days=2)).timestamp()),
    "ejectAtRoomExp": True,
    "notBeforeUnixSec": int((NOW + timedelta(hours=1)).timestamp()),
    "maxParticipants": 12,
    "autoJoin": True,
    "showInviteBox": False,
    "enableRequestToJoin": True,
    "enableChat": True,
    "newChatForMeetingSession": False,
    "enableScreenSharing": False,
    "joinVideoOn": False,
    "joinAudioOn": True,
    "enableRecording": True,
    "ownerOnlyBroadcast": True,
    "recordRoom": True,
    "ejectAfterElapsedTimeInSec": 7200,
    "meetingJoinWebhook": "https://hooks.example/joined",
    "meetingLeftWebhook": "https://hooks.example/left",
    "meetingStartedWebhook": "https://hooks.example/started",
    "meetingEndedWebhook": "https://hooks.example/ended",
    "endMeetingAfterNoActivityInSec": 300,
    "audioOnlyRoom": False,
    "enableComposition": True,
    "compositionLayout": "active_speaker",
    "recordComposition": True,
    "enableRTMPOut": True,
    "rtmpOutURL": "rtmp://live.example/app/stream-key",
    "enableLiveStreaming": True,
}


def sent(fake: FakeMetered, index: int = -1) -> dict[str, object]:
    return dict(json.loads(fake.requests[index].content))


def test_declares_what_works() -> None:
    assert MeteredAdapter.capabilities == {
        Capability.ROOMS_CREATE,
        Capability.ROOMS_LIST,
        Capability.ROOMS_GET,
        Capability.ROOMS_UPDATE,
        Capability.ROOMS_CLOSE,
        Capability.ROOMS_JOIN,
        Capability.EVENTS,
    }
    assert MeteredAdapter.event_types == {
        EventType.PARTICIPANT_JOINED,
        EventType.PARTICIPANT_LEFT,
        EventType.SESSION_STARTED,
        EventType.SESSION_ENDED,
    }


async def test_room_life_cycle(adapter: MeteredAdapter, fake: FakeMetered) -> None:
    spec = RoomSpec(
        "Weekly stand-up",
        expires_at=NOW + timedelta(hours=2),
        recording=RecordingOptions(auto_record=True),
        join_approval=JoinApproval.AFTER_OWNER_ONLY,
    )
    created = await adapter.create_room(spec)

    assert re.fullmatch(r"weekly-stand-up-[a-z0-9]{6}", created.native_id)
    assert created.id == f"metered:{created.native_id}"
    assert created.display_name == created.native_id
    assert (
        created.host_url == created.guest_url == f"https://sandbox.metered.live/{created.native_id}"
    )
    assert created.created_at == NOW
    assert created.expires_at == NOW + timedelta(hours=2)
    assert created.recording.auto_record is True
    assert created.join_approval is JoinApproval.AFTER_OWNER_ONLY
    assert created.available is True
    assert created.kind is None
    assert sent(fake)["expireUnixSec"] == int((NOW + timedelta(hours=2)).timestamp())

    assert await adapter.get_room(created.native_id) == created

    updated = await adapter.update_room(
        created.native_id, RoomUpdate(join_approval=JoinApproval.EXPLICIT_APPROVAL)
    )
    assert updated.join_approval is JoinApproval.EXPLICIT_APPROVAL
    assert sent(fake) == {"privacy": "private", "enableRequestToJoin": True}

    closed = await adapter.close_room(created.native_id)
    assert closed.available is False
    assert closed.raw["archived"] is True
    assert [r.method for r in fake.requests[-2:]] == ["DELETE", "GET"]
    assert (await adapter.list_rooms(None, 10)).rooms == (closed,)


async def test_create_sends_every_documented_field(
    adapter: MeteredAdapter, fake: FakeMetered
) -> None:
    room = await adapter.create_room(RoomSpec("ignored", provider_options=EVERY_OPTION))

    assert sent(fake) == EVERY_OPTION
    assert room.native_id == "all-fields"
    assert {key: room.raw[key] for key in EVERY_OPTION} == EVERY_OPTION
    assert room.join_approval is JoinApproval.EXPLICIT_APPROVAL
    assert room.recording.auto_record is True


async def test_minimal_create_is_a_public_room(adapter: MeteredAdapter, fake: FakeMetered) -> None:
    room = await adapter.create_room(RoomSpec("  Ünïcode & spaces!  "))

    assert re.fullmatch(r"unicode-spaces-[a-z0-9]{6}", room.native_id)
    body = sent(fake)
    assert body == {"privacy": "public", "roomName": room.native_id}
    assert room.join_approval is JoinApproval.NONE
    assert room.expires_at is None


async def test_generated_names_differ(adapter: MeteredAdapter) -> None:
    first = await adapter.create_room(RoomSpec("Same"))
    second = await adapter.create_room(RoomSpec("Same"))
    assert first.native_id != second.native_id


async def test_a_name_without_letters_still_makes_a_room_name(adapter: MeteredAdapter) -> None:
    room = await adapter.create_room(RoomSpec("日本語"))
    assert re.fullmatch(r"room-[a-z0-9]{6}", room.native_id)


@pytest.mark.parametrize(
    ("approval", "wire"),
    [
        (JoinApproval.NONE, {"privacy": "public", "enableRequestToJoin": False}),
        (JoinApproval.AFTER_OWNER_ONLY, {"privacy": "private", "enableRequestToJoin": False}),
        (JoinApproval.EXPLICIT_APPROVAL, {"privacy": "private", "enableRequestToJoin": True}),
    ],
)
async def test_join_approval_round_trips(
    adapter: MeteredAdapter, fake: FakeMetered, approval: JoinApproval, wire: dict[str, object]
) -> None:
    room = await adapter.create_room(RoomSpec("gate", join_approval=approval))
    assert {key: sent(fake)[key] for key in wire} == wire
    assert room.join_approval is approval


async def test_webhooks_are_registered_with_room_and_token(
    adapter: MeteredAdapter, fake: FakeMetered
) -> None:
    target = WebhookTarget("https://gw.example/webhooks/metered/", "hook token&more")
    room = await adapter.create_room(
        RoomSpec("hooked", provider_options={"roomName": "hooked"}, webhook=target)
    )

    stored = fake.rooms["hooked"]
    for field, path in [
        ("meetingJoinWebhook", "/joined"),
        ("meetingLeftWebhook", "/left"),
        ("meetingStartedWebhook", "/started"),
        ("meetingEndedWebhook", "/ended"),
    ]:
        url = urlsplit(stored[field])
        assert (
            f"{url.scheme}://{url.netloc}{url.path}" == f"https://gw.example/webhooks/metered{path}"
        )
        assert parse_qs(url.query) == {"room": ["hooked"], "token": ["hook token&more"]}
        assert room.raw[field].endswith("token=***")
    assert "hook+token%26more" not in repr(room)


async def test_webhook_token_falls_back_to_the_configured_one(
    adapter: MeteredAdapter, fake: FakeMetered
) -> None:
    target = WebhookTarget("https://gw.example/webhooks/metered")
    await adapter.create_room(
        RoomSpec("hooked", provider_options={"roomName": "r1"}, webhook=target)
    )
    assert "token=sandbox-webhook-token" in fake.rooms["r1"]["meetingEndedWebhook"]


async def test_webhooks_need_a_token(fake: FakeMetered) -> None:
    settings = fake.settings().model_copy(update={"webhook_token": None})
    adapter = make_adapter(settings, fake)
    with pytest.raises(NotConfigured):
        await adapter.create_room(RoomSpec("x", webhook=WebhookTarget("https://gw.example")))
    assert fake.requests == []
    await adapter.aclose()


async def test_unconfigured_adapter_refuses_calls() -> None:
    adapter = make_adapter(MeteredSettings())
    with pytest.raises(NotConfigured) as caught:
        await adapter.get_room("any")
    assert caught.value.provider == "metered"
    await adapter.aclose()


async def test_get_unknown_room_is_not_found(adapter: MeteredAdapter) -> None:
    with pytest.raises(ResourceNotFound) as caught:
        await adapter.get_room("missing")
    assert caught.value.provider == "metered"
    assert caught.value.status == 400


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
async def test_writes_to_unknown_room_are_not_found(
    adapter: MeteredAdapter, fake: FakeMetered, method: str
) -> None:
    update = RoomUpdate(expires_at=NOW + timedelta(hours=1))
    write = (
        adapter.update_room("missing", update) if method == "PUT" else adapter.close_room("missing")
    )
    with pytest.raises(ResourceNotFound):
        await write
    assert [r.method for r in fake.requests] == [method, "GET"]


async def test_a_refused_write_to_an_existing_room_stays_invalid(
    adapter: MeteredAdapter, fake: FakeMetered
) -> None:
    await adapter.create_room(RoomSpec("x", provider_options={"roomName": "taken"}))
    await adapter.create_room(RoomSpec("x", provider_options={"roomName": "other"}))
    fake.inject(
        status=400,
        body={"success": False, "message": "Invalid request"},
        path_contains="/room/other",
    )
    with pytest.raises(InvalidRequest) as caught:
        await adapter.update_room("other", RoomUpdate(provider_options={"maxParticipants": 3}))
    assert not isinstance(caught.value, ResourceNotFound)
    assert "Invalid request" in caught.value.message


async def test_update_maps_fields(
    adapter: MeteredAdapter, fake: FakeMetered, clock: ManualClock
) -> None:
    room = await adapter.create_room(RoomSpec("u", join_approval=JoinApproval.EXPLICIT_APPROVAL))
    later = NOW + timedelta(days=30)
    updated = await adapter.update_room(
        room.native_id,
        RoomUpdate(
            expires_at=later,
            join_approval=None,
            provider_options={"maxParticipants": 4, "compositionLayout": "grid"},
        ),
    )
    assert sent(fake) == {
        "expireUnixSec": int(later.timestamp()),
        "privacy": "public",
        "enableRequestToJoin": False,
        "maxParticipants": 4,
        "compositionLayout": "grid",
    }
    assert updated.expires_at == later
    assert updated.join_approval is JoinApproval.NONE
    assert updated.raw["maxParticipants"] == 4


async def test_empty_update_reads_the_room(adapter: MeteredAdapter, fake: FakeMetered) -> None:
    room = await adapter.create_room(RoomSpec("u"))
    assert await adapter.update_room(room.native_id, RoomUpdate(theme_id=None)) == room
    assert fake.requests[-1].method == "GET"


async def test_update_without_room_in_answer_reads_it_back(
    adapter: MeteredAdapter, fake: FakeMetered
) -> None:
    room = await adapter.create_room(RoomSpec("u"))
    fake.inject(status=200, body={"success": True}, path_contains="/room/")
    updated = await adapter.update_room(
        room.native_id, RoomUpdate(provider_options={"autoJoin": True})
    )
    assert [r.method for r in fake.requests[-2:]] == ["PUT", "GET"]
    assert updated.native_id == room.native_id


async def test_archiving_twice_keeps_the_room_archived(adapter: MeteredAdapter) -> None:
    room = await adapter.create_room(RoomSpec("twice"))
    await adapter.close_room(room.native_id)
    again = await adapter.close_room(room.native_id)
    assert again.available is False


async def test_room_names_are_quoted_in_paths(adapter: MeteredAdapter, fake: FakeMetered) -> None:
    with pytest.raises(ResourceNotFound):
        await adapter.get_room("é:b+c")
    assert fake.requests[-1].url.raw_path.startswith(b"/api/v1/room/%C3%A9%3Ab%2Bc?")


async def test_room_names_that_leave_the_segment_are_refused_unsent(
    adapter: MeteredAdapter, fake: FakeMetered
) -> None:
    with pytest.raises(InvalidRequest):
        await adapter.get_room("a/b c")
    assert fake.requests == []
