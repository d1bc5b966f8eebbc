"""Subscriptions over a real WebSocket (graphql-transport-ws) against uvicorn on loopback."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.gateway.events.wsclient import EVENT_FIELDS, subscribe, wait_for_subscribers
from tests.support import gateway_settings, jwt_settings, live_server, make_token

TOKEN = "sandbox-webhook-token"
ENDED_AT = "2026-11-21T09:30:00Z"


def joined(room: str, name: str) -> dict[str, Any]:
    return {
        "event": "session:participant:joined",
        "participant_id": uuid.uuid4().hex,
        "session_id": f"s-{room}",
        "room_id": room,
        "name": name,
        "type": "Guest",
        "is_host": name == "Host",
    }


def ended(room: str) -> dict[str, Any]:
    started = {"started_at": "2026-11-21T09:00:00Z", "ended_at": ENDED_AT}
    return {"event": "session:ended", "session_id": f"s-{room}", "room_id": room} | started


def ready(room: str) -> dict[str, Any]:
    return {
        "event": "recording:ready",
        "recording_id": uuid.uuid4().hex,
        "session_id": f"s-{room}",
        "room_id": room,
        "duration": 61,
        "url": "https://example.com/r.mp4",
    }


async def deliver(base: str, *payloads: dict[str, Any]) -> None:
    async with httpx.AsyncClient(base_url=base) as http:
        for payload in payloads:
            response = await http.post("/webhooks/vonage", params={"token": TOKEN}, json=payload)
            assert response.status_code == 204, response.text


async def test_subscriber_receives_its_rooms_events_with_every_field() -> None:
    ann = joined("room-a", "Ann")
    with live_server(gateway_settings()) as base:
        async with subscribe(base, {"roomId": "vonage:room-a"}) as sub:
            await wait_for_subscribers(base, 1)
            await deliver(base, joined("room-b", "Bob"), ann, ended("room-a"))
            first, second = await sub.events(2)
            assert await sub.quiet()
    assert first["__typename"] == "ParticipantEvent"
    assert first["type"] == "PARTICIPANT_JOINED"
    assert first["provider"] == "VONAGE"
    assert first["roomId"] == "vonage:room-a"
    assert first["sessionId"] == "s-room-a"
    assert (first["participantName"], first["participantId"]) == ("Ann", ann["participant_id"])
    assert (first["role"], first["isHost"], first["reason"]) == ("Guest", False, None)
    assert first["raw"] == ann
    assert first["occurredAt"] == first["receivedAt"]
    assert first["id"].startswith("vonage:")
    assert second["__typename"] == "SessionEvent"
    assert second["occurredAt"] == ENDED_AT == second["endedAt"]
    assert second["cursor"] != first["cursor"]


async def test_participant_recording_and_type_filters() -> None:
    participants = "subscription { participantEvents(provider: VONAGE) { participantName } }"
    recordings = "subscription { recordingEvents { __typename url durationSeconds } }"
    with live_server(gateway_settings()) as base:
        async with (
            subscribe(base, query=participants, field="participantEvents") as people,
            subscribe(base, query=recordings, field="recordingEvents") as records,
            subscribe(base, {"types": ["SESSION_ENDED"]}) as sessions,
        ):
            await wait_for_subscribers(base, 3)
            await deliver(base, joined("r", "Ann"), ready("r"), ended("r"), joined("r", "Bo"))
            assert await people.events(2) == [{"participantName": "Ann"}, {"participantName": "Bo"}]
            assert await records.events(1) == [
                {"__typename": "RecordingEvent", "url": "https://example.com/r.mp4"}
                | {"durationSeconds": 61.0}
            ]
            assert (await sessions.event())["type"] == "SESSION_ENDED"
            for sub in (people, records, sessions):
                assert await sub.quiet(0.2)


async def test_reconnect_with_after_receives_exactly_the_missed_then_live() -> None:
    with live_server(gateway_settings()) as base:
        async with subscribe(base) as sub:
            await wait_for_subscribers(base, 1)
            await deliver(base, joined("r", "one"), joined("r", "two"))
            _, last_seen = await sub.events(2)
        await wait_for_subscribers(base, 0)
        await deliver(base, joined("r", "three"), joined("r", "four"))
        async with subscribe(base, {"after": last_seen["cursor"]}) as sub:
            missed = await sub.events(2)
            await deliver(base, joined("r", "five"))
            live = await sub.event()
            assert await sub.quiet()
    assert [e["participantName"] for e in missed] == ["three", "four"]
    assert live["participantName"] == "five"


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"after": "not-a-cursor"}, "after"),
        ({"after": "bTE6YWJjOjE"}, "after"),
        ({"roomId": "no-provider"}, "roomId"),
        ({"roomId": "zoom:123"}, "roomId"),
        ({"roomId": "vonage:1", "provider": "METERED"}, "provider"),
        ({"types": []}, "types"),
    ],
)
async def test_bad_arguments_are_bad_user_input(variables: dict[str, Any], field: str) -> None:
    with live_server(gateway_settings()) as base:
        async with subscribe(base, variables) as sub:
            error = await sub.error()
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == field


async def test_cursor_older_than_retention_is_bad_user_input() -> None:
    settings = gateway_settings(events={"retention_count": 2})
    with live_server(settings) as base:
        async with subscribe(base) as sub:
            await wait_for_subscribers(base, 1)
            await deliver(base, joined("r", "first"))
            first = await sub.event()
        await deliver(base, *(joined("r", str(i)) for i in range(3)))
        async with subscribe(base, {"after": first["cursor"]}) as sub:
            error = await sub.error()
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "after"}
    assert "retention" in error["message"]


async def test_events_read_scope_is_required() -> None:
    query = f"subscription {{ roomEvents {{ {EVENT_FIELDS} }} }}"
    init = {"authorization": f"Bearer {make_token('rooms:read')}"}
    with live_server(jwt_settings()) as base:
        async with subscribe(base, query=query, init=init) as sub:
            error = await sub.error()
    assert error["extensions"]["code"] == "FORBIDDEN"
