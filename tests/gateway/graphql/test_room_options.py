"""The typed room options of ``createRoom``: mapped per provider, refused where not honoured."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gateway.graphql.loaders import resource_cache
from tests.gateway.graphql.helpers import Gateway, gateway, requests_to

CREATE = """
mutation($input: CreateRoomInput!) { createRoom(input: $input) { id nativeId raw } }
"""
ROOM = "query($id: ID!) { room(id: $id) { id raw } }"
OPTIONS = """
query($id: ID!) {
  room(id: $id) {
    options {
      chat screenSharing maxParticipants closeWhenIdleSeconds cameraOffAtStart
      microphoneOffAtStart
    }
  }
}
"""

EVERY_OPTION: dict[str, Any] = {
    "chat": True,
    "screenSharing": False,
    "maxParticipants": 12,
    "closeWhenIdleSeconds": 300,
    "cameraOffAtStart": True,
    "microphoneOffAtStart": True,
}


async def create(gw: Gateway, provider: str, **fields: Any) -> dict[str, Any]:
    variables = {"input": {"provider": provider, "displayName": "Standup", **fields}}
    data = await gw.data(CREATE, variables)
    room: dict[str, Any] = data["createRoom"]
    return room


def sent_bodies(gw: Gateway, name: str) -> list[dict[str, Any]]:
    return [json.loads(request.content) for request in requests_to(gw.sandbox(name), "POST")]


async def read_back(gw: Gateway, room_id: str) -> dict[str, Any]:
    data = await gw.data(ROOM, {"id": room_id})
    raw: dict[str, Any] = data["room"]["raw"]
    return raw


async def test_metered_honours_every_option() -> None:
    async with gateway() as gw:
        room = await create(gw, "METERED", **EVERY_OPTION)
        (body,) = sent_bodies(gw, "metered")
        raw = await read_back(gw, room["id"])
    expected = {
        "enableChat": True,
        "enableScreenSharing": False,
        "maxParticipants": 12,
        "endMeetingAfterNoActivityInSec": 300,
        "joinVideoOn": False,
        "joinAudioOn": False,
    }
    assert {key: body[key] for key in expected} == expected
    assert {key: raw[key] for key in expected} == expected


async def typed_read_back(gw: Gateway, room_id: str) -> dict[str, Any]:
    data = await gw.data(OPTIONS, {"id": room_id})
    options: dict[str, Any] = data["room"]["options"]
    return options


async def test_metered_reports_every_option_back() -> None:
    async with gateway() as gw:
        room = await create(gw, "METERED", **EVERY_OPTION)
        cached = await typed_read_back(gw, room["id"])
        await resource_cache(gw.services).invalidate("metered")
        fetched = await typed_read_back(gw, room["id"])
        gets = requests_to(gw.sandbox("metered"), "GET", "/room/")
    assert cached == EVERY_OPTION
    assert fetched == EVERY_OPTION
    assert len(gets) == 1


async def test_vonage_reports_chat_and_the_microphone_back() -> None:
    async with gateway() as gw:
        room = await create(gw, "VONAGE", chat=False, microphoneOffAtStart=True)
        given = await typed_read_back(gw, room["id"])
        plain = await create(gw, "VONAGE")
        defaults = await typed_read_back(gw, plain["id"])
    nothing = dict.fromkeys(EVERY_OPTION)
    assert given == nothing | {"chat": False, "microphoneOffAtStart": True}
    # the API's defaults: chat available, microphone state "default" (not reported as on/off)
    assert defaults == nothing | {"chat": True}


async def test_videosdk_reports_no_option() -> None:
    async with gateway() as gw:
        room = await create(gw, "VIDEOSDK")
        options = await typed_read_back(gw, room["id"])
    assert options == dict.fromkeys(EVERY_OPTION)


async def test_metered_false_turns_the_camera_and_microphone_on() -> None:
    async with gateway() as gw:
        await create(gw, "METERED", cameraOffAtStart=False, microphoneOffAtStart=False, chat=False)
        (body,) = sent_bodies(gw, "metered")
    assert (body["joinVideoOn"], body["joinAudioOn"], body["enableChat"]) == (True, True, False)


async def test_options_left_out_or_null_send_nothing() -> None:
    async with gateway() as gw:
        await create(gw, "METERED", chat=None, maxParticipants=None)
        await create(gw, "VONAGE", microphoneOffAtStart=None)
        await create(gw, "VIDEOSDK", screenSharing=None)
        (metered,) = sent_bodies(gw, "metered")
        (vonage,) = sent_bodies(gw, "vonage")
    assert not {"enableChat", "maxParticipants", "joinVideoOn", "joinAudioOn"} & set(metered)
    assert not {"initial_join_options", "available_features"} & set(vonage)


async def test_vonage_honours_chat_and_the_microphone() -> None:
    async with gateway() as gw:
        room = await create(gw, "VONAGE", chat=False, microphoneOffAtStart=True)
        (body,) = sent_bodies(gw, "vonage")
        raw = await read_back(gw, room["id"])
    assert body["available_features"] == {"is_chat_available": False}
    assert body["initial_join_options"] == {"microphone_state": "off"}
    assert raw["available_features"]["is_chat_available"] is False
    assert raw["available_features"]["is_recording_available"] is True  # others keep defaults
    assert raw["initial_join_options"] == {"microphone_state": "off"}


async def test_vonage_merges_typed_options_with_other_provider_options() -> None:
    options = {
        "available_features": {"is_whiteboard_available": False},
        "ui_settings": {"language": "fr"},
    }
    async with gateway() as gw:
        await create(gw, "VONAGE", chat=True, microphoneOffAtStart=False, providerOptions=options)
        (body,) = sent_bodies(gw, "vonage")
    assert body["available_features"] == {
        "is_whiteboard_available": False,
        "is_chat_available": True,
    }
    assert body["initial_join_options"] == {"microphone_state": "on"}
    assert body["ui_settings"] == {"language": "fr"}


REFUSED = [
    ("VONAGE", "screenSharing", True),
    ("VONAGE", "maxParticipants", 20),
    ("VONAGE", "closeWhenIdleSeconds", 600),
    ("VONAGE", "cameraOffAtStart", True),
    ("VIDEOSDK", "chat", True),
    ("VIDEOSDK", "screenSharing", False),
    ("VIDEOSDK", "maxParticipants", 20),
    ("VIDEOSDK", "closeWhenIdleSeconds", 600),
    ("VIDEOSDK", "cameraOffAtStart", False),
    ("VIDEOSDK", "microphoneOffAtStart", True),
]


@pytest.mark.parametrize(("provider", "field", "value"), REFUSED)
async def test_an_option_the_provider_cannot_honour_is_refused_before_any_call(
    provider: str, field: str, value: Any
) -> None:
    variables = {"input": {"provider": provider, "displayName": "Standup", field: value}}
    async with gateway() as gw:
        error = await gw.error(CREATE, variables)
        calls = gw.sandbox(provider.lower()).requests
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == field
    assert error["extensions"]["provider"] == provider.lower()
    assert f"{field}: " in error["message"]
    assert calls == []


OUT_OF_RANGE = [
    ("maxParticipants", 0),
    ("maxParticipants", -3),
    ("maxParticipants", 10_001),
    ("closeWhenIdleSeconds", 59),
    ("closeWhenIdleSeconds", 0),
    ("closeWhenIdleSeconds", 86_401),
]


@pytest.mark.parametrize("provider", ["METERED", "VONAGE", "VIDEOSDK"])
@pytest.mark.parametrize(("field", "value"), OUT_OF_RANGE)
async def test_out_of_range_values_are_refused_before_any_call(
    provider: str, field: str, value: int
) -> None:
    variables = {"input": {"provider": provider, "displayName": "Standup", field: value}}
    async with gateway() as gw:
        error = await gw.error(CREATE, variables)
        calls = gw.sandbox(provider.lower()).requests
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field}
    assert "between" in error["message"]
    assert calls == []


async def test_bounds_are_inclusive() -> None:
    async with gateway() as gw:
        await create(gw, "METERED", maxParticipants=1, closeWhenIdleSeconds=60)
        await create(gw, "METERED", maxParticipants=10_000, closeWhenIdleSeconds=86_400)
        low, high = sent_bodies(gw, "metered")
    assert (low["maxParticipants"], low["endMeetingAfterNoActivityInSec"]) == (1, 60)
    assert (high["maxParticipants"], high["endMeetingAfterNoActivityInSec"]) == (10_000, 86_400)


CONFLICTS = [
    ("METERED", "chat", True, {"enableChat": False}, "providerOptions.enableChat"),
    (
        "METERED",
        "screenSharing",
        True,
        {"enableScreenSharing": True},
        "providerOptions.enableScreenSharing",
    ),
    ("METERED", "maxParticipants", 5, {"maxParticipants": 5}, "providerOptions.maxParticipants"),
    (
        "METERED",
        "closeWhenIdleSeconds",
        120,
        {"endMeetingAfterNoActivityInSec": 60},
        "providerOptions.endMeetingAfterNoActivityInSec",
    ),
    ("METERED", "cameraOffAtStart", True, {"joinVideoOn": True}, "providerOptions.joinVideoOn"),
    (
        "METERED",
        "microphoneOffAtStart",
        False,
        {"joinAudioOn": True},
        "providerOptions.joinAudioOn",
    ),
    (
        "VONAGE",
        "chat",
        True,
        {"available_features": {"is_chat_available": True}},
        "providerOptions.available_features.is_chat_available",
    ),
    (
        "VONAGE",
        "microphoneOffAtStart",
        True,
        {"initial_join_options": {"microphone_state": "default"}},
        "providerOptions.initial_join_options.microphone_state",
    ),
]


@pytest.mark.parametrize(("provider", "field", "value", "options", "named"), CONFLICTS)
async def test_an_option_given_typed_and_in_provider_options_is_refused(
    provider: str, field: str, value: Any, options: dict[str, Any], named: str
) -> None:
    variables = {
        "input": {
            "provider": provider,
            "displayName": "Standup",
            field: value,
            "providerOptions": options,
        }
    }
    async with gateway() as gw:
        error = await gw.error(CREATE, variables)
        calls = gw.sandbox(provider.lower()).requests
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == named
    assert field in error["message"]
    assert calls == []


async def test_a_typed_option_joins_the_idempotency_fingerprint() -> None:
    base = {"provider": "METERED", "displayName": "Standup", "idempotencyKey": "k-1"}
    async with gateway() as gw:
        first = await gw.data(CREATE, {"input": {**base, "maxParticipants": 4}})
        again = await gw.data(CREATE, {"input": {**base, "maxParticipants": 4}})
        other = await gw.error(CREATE, {"input": {**base, "maxParticipants": 5}})
        creates = sent_bodies(gw, "metered")
    assert first["createRoom"]["id"] == again["createRoom"]["id"]
    assert other["extensions"]["code"] == "BAD_USER_INPUT"
    assert len(creates) == 1
