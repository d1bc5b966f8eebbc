"""``POST /sandbox/<provider>/rooms/<nativeId>/events``: the provider's own payload, through
the real verification, into the event log."""

from __future__ import annotations

import pytest

from providers import REGISTRY, EventType
from tests.gateway.events.deliveries import gateway
from tests.support import gateway_settings


@pytest.mark.parametrize("provider", sorted(REGISTRY))
async def test_emits_each_event_type_the_provider_can_emit(provider: str) -> None:
    emits = sorted(REGISTRY[provider].adapter.event_types, key=list(EventType).index)
    async with gateway() as gw:
        for event_type in emits:
            body = {"type": event_type.value, "participantName": "Ann", "sessionId": "s-9"}
            response = await gw.client.post(f"/sandbox/{provider}/rooms/room-7/events", json=body)
            assert response.status_code == 202, response.text
            ids = response.json()["eventIds"]
            logged = {item.event.id: item.event for item in await gw.logged()}
            assert ids
            assert set(ids) <= set(logged)
            assert event_type in {logged[i].type for i in ids}
            assert all(logged[i].room_id == f"{provider}:room-7" for i in ids)


async def test_participant_details_reach_the_event() -> None:
    body = {"type": "PARTICIPANT_JOINED", "participantName": "Ann", "participantId": "p-42"}
    async with gateway() as gw:
        response = await gw.client.post("/sandbox/videosdk/rooms/r-1/events", json=body)
        (stored,) = await gw.logged()
    assert response.json() == {"eventIds": [stored.event.id], "duplicates": []}
    assert stored.event.participant_name == "Ann"
    assert stored.event.participant_id == "p-42"


async def test_a_type_the_provider_cannot_emit_is_400_naming_it() -> None:
    async with gateway() as gw:
        response = await gw.client.post(
            "/sandbox/metered/rooms/r-1/events", json={"type": "RECORDING_READY"}
        )
        assert response.status_code == 400
        assert "RECORDING_READY" in response.json()["error"]
        assert await gw.logged() == []


@pytest.mark.parametrize(
    "body", [{"type": "PARTY_STARTED"}, {}, {"type": None}, ["PARTICIPANT_JOINED"]]
)
async def test_unknown_or_missing_type_is_400(body: object) -> None:
    async with gateway() as gw:
        response = await gw.client.post("/sandbox/vonage/rooms/r-1/events", json=body)
        assert response.status_code == 400
        assert await gw.logged() == []


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
