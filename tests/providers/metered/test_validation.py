"""Input is checked before any call, and the error names the offending field."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from providers import (
    UNSET,
    InvalidRequest,
    JoinApproval,
    RecordingOptions,
    RoomKind,
    RoomSpec,
    RoomUpdate,
    WebhookTarget,
)
from providers.metered import FakeMetered, MeteredAdapter

from .conftest import NOW, fixture

LATER = NOW + timedelta(hours=1)


async def refused(adapter: MeteredAdapter, fake: FakeMetered, spec: RoomSpec) -> InvalidRequest:
    with pytest.raises(InvalidRequest) as caught:
        await adapter.create_room(spec)
    assert fake.requests == []
    assert caught.value.provider == "metered"
    return caught.value


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        (RoomSpec(" "), "displayName"),
        (RoomSpec("m", metadata="notes"), "metadata"),
        (RoomSpec("t", theme_id="0f6e"), "themeId"),
        (RoomSpec("k", kind=RoomKind.LONG_TERM, expires_at=LATER), "kind"),
        (
            RoomSpec("r", recording=RecordingOptions(record_only_owner=True)),
            "recording.recordOnlyOwner",
        ),
        (RoomSpec("e", expires_at=NOW - timedelta(seconds=1)), "expiresAt"),
        (RoomSpec("e", expires_at=NOW), "expiresAt"),
        (RoomSpec("e", expires_at=datetime(2031, 1, 1)), "expiresAt"),
    ],
)
async def test_common_fields_metered_cannot_honour(
    adapter: MeteredAdapter, fake: FakeMetered, spec: RoomSpec, field: str
) -> None:
    error = await refused(adapter, fake, spec)
    assert error.field == field
    assert field in error.message


async def test_metadata_and_theme_messages_say_what_metered_lacks(
    adapter: MeteredAdapter, fake: FakeMetered
) -> None:
    assert (
        "Metered rooms have no metadata"
        in (await refused(adapter, fake, RoomSpec("m", metadata="x"))).message
    )
    assert (
        "Metered rooms have no theme"
        in (await refused(adapter, fake, RoomSpec("t", theme_id="x"))).message
    )


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("color", "red", "not a documented Metered field"),
        ("room_name", "x", "not a documented Metered field"),
        ("roomName", "has space", "URL-friendly"),
        ("roomName", "a/b", "URL-friendly"),
        ("roomName", "", "URL-friendly"),
        ("roomName", 7, "URL-friendly"),
        ("privacy", "secret", "one of public, private"),
        ("compositionLayout", "mosaic", "one of grid, active_speaker"),
        ("autoJoin", "true", "boolean"),
        ("enableChat", 1, "boolean"),
        ("maxParticipants", "10", "positive integer"),
        ("maxParticipants", True, "positive integer"),
        ("maxParticipants", 2.5, "positive integer"),
        ("expireUnixSec", 0, "positive integer"),
        ("notBeforeUnixSec", 0, "positive integer"),
        ("ejectAfterElapsedTimeInSec", -5, "positive integer"),
        ("endMeetingAfterNoActivityInSec", 0, "positive integer"),
        ("meetingJoinWebhook", "string", "http(s) URL"),
        ("meetingEndedWebhook", "ftp://x", "http(s) URL"),
        ("rtmpOutURL", " ", "non-empty string"),
    ],
)
async def test_provider_options_are_checked(
    adapter: MeteredAdapter, fake: FakeMetered, key: str, value: Any, problem: str
) -> None:
    error = await refused(adapter, fake, RoomSpec("o", provider_options={key: value}))
    assert error.field == f"providerOptions.{key}"
    assert problem in error.message


async def test_rtmp_out_needs_its_url(adapter: MeteredAdapter, fake: FakeMetered) -> None:
    error = await refused(adapter, fake, RoomSpec("o", provider_options={"enableRTMPOut": True}))
    assert error.field == "providerOptions.rtmpOutURL"


async def test_not_before_must_precede_expiry(adapter: MeteredAdapter, fake: FakeMetered) -> None:
    options = {"notBeforeUnixSec": int(LATER.timestamp()) + 10}
    error = await refused(adapter, fake, RoomSpec("o", expires_at=LATER, provider_options=options))
    assert error.field == "providerOptions.notBeforeUnixSec"


@pytest.mark.parametrize(
    ("spec", "field", "source"),
    [
        (
            RoomSpec("c", expires_at=LATER, provider_options={"expireUnixSec": 2_000_000_000}),
            "expireUnixSec",
            "expiresAt",
        ),
        (
            RoomSpec("c", recording=RecordingOptions(), provider_options={"recordRoom": True}),
            "recordRoom",
            "recording.autoRecord",
        ),
        (
            RoomSpec("c", join_approval=JoinApproval.NONE, provider_options={"privacy": "private"}),
            "privacy",
            "joinApproval",
        ),
        (
            RoomSpec(
                "c", join_approval=JoinApproval.NONE, provider_options={"enableRequestToJoin": True}
            ),
            "enableRequestToJoin",
            "joinApproval",
        ),
        (
            RoomSpec(
                "c",
                webhook=WebhookTarget("https://gw.example", "t"),
                provider_options={"meetingLeftWebhook": "https://elsewhere.example"},
            ),
            "meetingLeftWebhook",
            "webhook",
        ),
    ],
)
async def test_a_field_set_twice_is_a_conflict(
    adapter: MeteredAdapter, fake: FakeMetered, spec: RoomSpec, field: str, source: str
) -> None:
    error = await refused(adapter, fake, spec)
    assert error.field == f"providerOptions.{field}"
    assert source in error.message


async def test_documented_request_sample_keys_are_accepted(
    adapter: MeteredAdapter, fake: FakeMetered
) -> None:
    """S002's request sample: its zeros and "string" placeholders are refused, its keys are not."""
    sample = fixture("seed_create_room_request.json")
    error = await refused(adapter, fake, RoomSpec("s", provider_options=sample))
    assert error.field == "providerOptions.expireUnixSec"
    usable = {key: value for key, value in sample.items() if value not in {0, "string"}}
    usable |= {"roomName": "sample", "meetingJoinWebhook": "https://hooks.example/j"}
    room = await adapter.create_room(RoomSpec("s", provider_options=usable))
    assert {key: room.raw[key] for key in usable} == usable


@pytest.mark.parametrize(
    ("update", "field"),
    [
        (RoomUpdate(theme_id="abc"), "themeId"),
        (RoomUpdate(expires_at=None), "expiresAt"),
        (RoomUpdate(expires_at=NOW - timedelta(minutes=1)), "expiresAt"),
        (RoomUpdate(provider_options={"roomName": "renamed"}), "providerOptions.roomName"),
        (RoomUpdate(provider_options={"bogus": 1}), "providerOptions.bogus"),
        (RoomUpdate(provider_options={"maxParticipants": 0}), "providerOptions.maxParticipants"),
        (
            RoomUpdate(join_approval=JoinApproval.NONE, provider_options={"privacy": "private"}),
            "providerOptions.privacy",
        ),
        (
            RoomUpdate(expires_at=LATER, provider_options={"expireUnixSec": 2_000_000_000}),
            "providerOptions.expireUnixSec",
        ),
    ],
)
async def test_updates_are_checked(
    adapter: MeteredAdapter, fake: FakeMetered, update: RoomUpdate, field: str
) -> None:
    with pytest.raises(InvalidRequest) as caught:
        await adapter.update_room("any-room", update)
    assert caught.value.field == field
    assert fake.requests == []


async def test_unset_update_fields_are_not_sent(adapter: MeteredAdapter, fake: FakeMetered) -> None:
    room = await adapter.create_room(RoomSpec("u"))
    update = RoomUpdate(
        expires_at=UNSET, join_approval=UNSET, provider_options={"enableChat": True}
    )
    await adapter.update_room(room.native_id, update)
    assert json.loads(fake.requests[-1].content) == {"enableChat": True}


@pytest.mark.parametrize(
    ("cursor", "limit", "field"), [("x", 5, "after"), ("-1", 5, "after"), (None, 0, "first")]
)
async def test_list_arguments_are_checked(
    adapter: MeteredAdapter, fake: FakeMetered, cursor: str | None, limit: int, field: str
) -> None:
    with pytest.raises(InvalidRequest) as caught:
        await adapter.list_rooms(cursor, limit)
    assert caught.value.field == field
    assert fake.requests == []
