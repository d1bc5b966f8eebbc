"""``POST /sandbox/<provider>/rooms/<nativeId>/events``: the provider's own payload, through
the real verification, into the event log."""

from __future__ import annotations

from typing import Any

import pytest

from providers import REGISTRY, EventType
from tests.gateway.events.deliveries import Gateway, gateway
from tests.support import gateway_settings

CREATE = """
mutation($provider: Provider!) {
  createRoom(input: {provider: $provider, displayName: "Standup"}) { nativeId }
}
"""


async def create_room(gw: Gateway, provider: str) -> str:
    """The native id of a new room in ``provider``'s sandbox."""
    variables = {"provider": provider.upper()}
    response = await gw.client.post("/graphql", json={"query": CREATE, "variables": variables})
    native_id: str = response.json()["data"]["createRoom"]["nativeId"]
    return native_id


async def emit(gw: Gateway, provider: str, native_id: str, body: Any) -> Any:
    return await gw.client.post(f"/sandbox/{provider}/rooms/{native_id}/events", json=body)


@pytest.mark.parametrize("provider", sorted(REGISTRY))
async def test_emits_each_event_type_the_provider_can_emit(provider: str) -> None:
    emits = sorted(REGISTRY[provider].adapter.event_types, key=list(EventType).index)
    async with gateway() as gw:
        room = await create_room(gw, provider)
        for event_type in emits:
            body = {"type": event_type.value, "participantName": "Ann", "sessionId": "s-9"}
            response = await emit(gw, provider, room, body)
            assert response.status_code == 202, response.text
            ids = response.json()["eventIds"]
            logged = {item.event.id: item.event for item in await gw.from_providers()}
            assert ids
            assert set(ids) <= set(logged)
            assert event_type in {logged[i].type for i in ids}
            assert all(logged[i].room_id == f"{provider}:{room}" for i in ids)


async def test_participant_details_reach_the_event() -> None:
    body = {"type": "PARTICIPANT_JOINED", "participantName": "Ann", "participantId": "p-42"}
    async with gateway() as gw:
        response = await emit(gw, "videosdk", await create_room(gw, "videosdk"), body)
        (stored,) = await gw.from_providers()
    assert response.json() == {"eventIds": [stored.event.id], "duplicates": []}
    assert stored.event.participant_name == "Ann"
    assert stored.event.participant_id == "p-42"


async def test_a_type_the_provider_cannot_emit_is_400_naming_it() -> None:
    async with gateway() as gw:
        response = await emit(
            gw, "metered", await create_room(gw, "metered"), {"type": "RECORDING_READY"}
        )
        assert response.status_code == 400
        assert "RECORDING_READY" in response.json()["error"]
        assert await gw.from_providers() == []


@pytest.mark.parametrize(
    "body", [{"type": "PARTY_STARTED"}, {}, {"type": None}, ["PARTICIPANT_JOINED"]]
)
async def test_unknown_or_missing_type_is_400(body: object) -> None:
    async with gateway() as gw:
        response = await gw.client.post("/sandbox/vonage/rooms/r-1/events", json=body)
        assert response.status_code == 400
        assert await gw.from_providers() == []


async def test_non_json_body_is_400() -> None:
    async with gateway() as gw:
        response = await gw.client.post("/sandbox/vonage/rooms/r-1/events", content=b"{")
        assert response.status_code == 400


async def test_unknown_provider_is_404() -> None:
    async with gateway() as gw:
        response = await gw.client.post(
            "/sandbox/zoom/rooms/r-1/events", json={"type": "PARTICIPANT_JOINED"}
        )
        assert response.status_code == 404


async def test_not_mounted_without_sandbox_mode() -> None:
    async with gateway(gateway_settings(sandbox=False)) as gw:
        response = await gw.client.post(
            "/sandbox/vonage/rooms/r-1/events", json={"type": "PARTICIPANT_JOINED"}
        )
        assert response.status_code == 404


@pytest.mark.parametrize("provider", sorted(REGISTRY))
async def test_a_room_the_sandbox_does_not_have_is_404_naming_it(provider: str) -> None:
    missing = "1f0c8a3e-0000-4000-8000-000000000000"
    async with gateway() as gw:
        response = await emit(gw, provider, missing, {"type": "PARTICIPANT_JOINED"})
        assert response.status_code == 404
        assert missing in response.json()["error"]
        assert "createRoom" in response.json()["error"]
        assert await gw.from_providers() == []


@pytest.mark.parametrize(
    ("details", "named"),
    [
        ({"name": "Ann"}, "'name'"),
        ({"participantName": 7}, "participantName must be a string"),
        ({"durationSeconds": "60"}, "durationSeconds must be a number"),
        ({"durationSeconds": True}, "durationSeconds must be a number"),
        ({"isHost": "yes"}, "isHost must be true or false"),
        ({"streamKind": "SRT"}, "streamKind must be one of HLS, RTMP"),
    ],
)
async def test_unknown_or_mistyped_details_are_400_naming_them(
    details: dict[str, Any], named: str
) -> None:
    async with gateway() as gw:
        room = await create_room(gw, "vonage")
        response = await emit(gw, "vonage", room, {"type": "PARTICIPANT_JOINED", **details})
        assert response.status_code == 400
        assert named in response.json()["error"]
        assert await gw.from_providers() == []


async def test_null_details_take_the_sandbox_defaults() -> None:
    body = {"type": "PARTICIPANT_JOINED", "participantName": None, "isHost": True}
    async with gateway() as gw:
        response = await emit(gw, "vonage", await create_room(gw, "vonage"), body)
        assert response.status_code == 202, response.text
        (stored,) = await gw.from_providers()
    assert stored.event.participant_name
    assert stored.event.is_host is True
