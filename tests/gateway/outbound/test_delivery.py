"""Deliveries to a real loopback receiver that verifies Standard Webhooks signatures."""

from __future__ import annotations

import asyncio
from typing import Any

from gateway.services import Services
from providers import EventType, MeetingEvent, StreamKind
from tests.gateway.events.events import NOW
from tests.gateway.graphql.helpers import Gateway, gateway
from tests.gateway.outbound.documents import CREATE, LIST, ROTATE, outbound_settings
from tests.gateway.outbound.receiver import Receiver, receiver

CREATE_ROOM = """
mutation($provider: Provider!) {
  createRoom(input: {provider: $provider, displayName: "Weekly"}) { id hostUrl }
}
"""


def joined(
    i: int, room: str = "room-1", kind: EventType = EventType.PARTICIPANT_JOINED
) -> MeetingEvent:
    return MeetingEvent(
        id=f"vonage:event-{room}-{i}",
        provider="vonage",
        type=kind,
        raw={"n": i},
        room_native_id=room,
        session_id="s-1",
        participant_id=f"p{i}",
        participant_name=f"Person {i}",
    )


async def publish(services: Services, *events: MeetingEvent) -> None:
    for event in events:
        await services.bus.publish([event], NOW)


async def create(g: Gateway, target: Receiver, **extra: Any) -> dict[str, Any]:
    variables = {"input": {"url": target.url, **extra}}
    created: dict[str, Any] = (await g.data(CREATE, variables))["createWebhookEndpoint"]
    return created


async def test_events_arrive_in_log_order_signed_with_every_field() -> None:
    async with receiver() as target, gateway(outbound_settings()) as g:
        created = await create(g, target)
        await publish(g.services, *(joined(i) for i in range(5)))
        seen = await target.wait_count(5)
        listed = (await g.data(LIST))["webhookEndpoints"][0]
    assert [d.event["participantName"] for d in seen] == [f"Person {i}" for i in range(5)]
    assert all(d.verifies_with(created["secret"]) for d in seen)
    first = seen[0]
    assert first.headers["webhook-id"] == "vonage:event-room-1-0"
    assert first.headers["content-type"] == "application/json"
    assert first.event == {
        "id": "vonage:event-room-1-0",
        "type": "PARTICIPANT_JOINED",
        "provider": "VONAGE",
        "roomId": "vonage:room-1",
        "sessionId": "s-1",
        "occurredAt": "2026-11-21T10:00:00Z",
        "receivedAt": "2026-11-21T10:00:00Z",
        "cursor": first.event["cursor"],
        "participantId": "p0",
        "participantName": "Person 0",
        "isHost": None,
        "role": None,
        "reason": None,
    }
    assert first.envelope.keys() == {"type", "timestamp", "data"}
    assert first.envelope["type"] == "participant.joined"
    assert first.envelope["timestamp"] == "2026-11-21T10:00:00Z"
    assert listed["lastDeliveryAt"] is not None
    assert listed["failingSince"] is None


async def test_events_before_creation_are_not_delivered_and_filters_apply() -> None:
    async with receiver() as target, gateway(outbound_settings()) as g:
        await publish(g.services, joined(0))
        await create(g, target, types=["PARTICIPANT_LEFT"], roomId="vonage:room-2")
        await publish(
            g.services,
            joined(1, "room-2"),
            joined(2, "room-1", EventType.PARTICIPANT_LEFT),
            joined(3, "room-2", EventType.PARTICIPANT_LEFT),
        )
        await target.wait_count(1)
        await asyncio.sleep(0.3)
    assert target.ids() == ["vonage:event-room-2-3"]


async def test_failed_delivery_is_retried_and_later_events_wait_for_it() -> None:
    async with receiver() as target, gateway(outbound_settings()) as g:
        target.answers = [500, 503]
        created = await create(g, target)
        await publish(g.services, joined(0), joined(1))
        await target.wait_count(3)
        failing = (await g.data(LIST))["webhookEndpoints"][0]
        seen = await target.wait_count(4)
        await asyncio.sleep(0.2)
        recovered = (await g.data(LIST))["webhookEndpoints"][0]
    assert [d.event["participantId"] for d in seen] == ["p0", "p0", "p0", "p1"]
    assert len({d.headers["webhook-id"] for d in seen[:3]}) == 1
    assert all(d.verifies_with(created["secret"]) for d in seen)
    assert failing["failingSince"] is not None
    assert recovered["failingSince"] is None
    assert recovered["enabled"] is True


async def test_endpoint_failing_past_the_limit_is_disabled() -> None:
    settings = outbound_settings(disable_after_seconds=0.3)
    async with receiver() as target, gateway(settings) as g:
        target.answers = [500] * 1000
        await create(g, target)
        await publish(g.services, joined(0))
        await target.wait_count(2)
        await asyncio.sleep(0.8)
        count = len(target.deliveries)
        await asyncio.sleep(0.4)
        listed = (await g.data(LIST))["webhookEndpoints"][0]
    assert len(target.deliveries) == count
    assert listed["enabled"] is False
    assert listed["failingSince"] is not None


async def test_rotation_signs_with_the_new_secret_only() -> None:
    async with receiver() as target, gateway(outbound_settings()) as g:
        created = await create(g, target)
        await publish(g.services, joined(0))
        before = (await target.wait_count(1))[0]
        rotated = await g.data(ROTATE, {"id": created["endpoint"]["id"]})
        new_secret = rotated["rotateWebhookEndpointSecret"]["secret"]
        await publish(g.services, joined(1))
        after = (await target.wait_count(2))[1]
    assert before.verifies_with(created["secret"])
    assert after.verifies_with(new_secret)
    assert not after.verifies_with(created["secret"])


async def test_redirects_are_not_followed() -> None:
    async with (
        receiver() as target,
        receiver("/elsewhere") as other,
        gateway(outbound_settings()) as g,
    ):
        target.answers = [307] * 1000
        await create(g, target)
        await publish(g.services, joined(0))
        await target.wait_count(2)
        listed = (await g.data(LIST))["webhookEndpoints"][0]
    assert other.deliveries == []
    assert listed["failingSince"] is not None


async def test_deleted_endpoint_receives_nothing_more() -> None:
    async with receiver() as target, gateway(outbound_settings()) as g:
        created = await create(g, target)
        await publish(g.services, joined(0))
        await target.wait_count(1)
        await g.data(
            "mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }",
            {"id": created["endpoint"]["id"]},
        )
        await publish(g.services, joined(1))
        await asyncio.sleep(0.4)
    assert target.ids() == ["vonage:event-room-1-0"]


async def test_a_slow_endpoint_times_out_and_is_retried() -> None:
    async with receiver() as target, gateway(outbound_settings(timeout_seconds=0.2)) as g:
        target.delay = 0.5
        await create(g, target)
        await publish(g.services, joined(0))
        await target.wait_count(1)
        failing = (await g.data(LIST))["webhookEndpoints"][0]
        target.delay = 0.0
        seen = await target.wait_count(3)
    assert failing["failingSince"] is not None
    assert {d.event["id"] for d in seen} == {"vonage:event-room-1-0"}


async def test_stream_transcription_and_lifecycle_events_carry_their_own_fields() -> None:
    """A created room (through the mutation), then a stream and a transcription event: each
    body has the fields of its GraphQL type, and the room never its host link."""
    stream = MeetingEvent(
        id="videosdk:stream-1",
        provider="videosdk",
        type=EventType.STREAM_STARTED,
        raw={},
        room_native_id="abc-defg-hijk",
        stream_kind=StreamKind.HLS,
        url="https://cdn.example/live.m3u8",
    )
    transcript = MeetingEvent(
        id="videosdk:transcript-1",
        provider="videosdk",
        type=EventType.TRANSCRIPTION_READY,
        raw={},
        room_native_id="abc-defg-hijk",
        transcription_id="t-1",
        url="https://cdn.example/t-1.txt",
    )
    async with receiver() as target, gateway(outbound_settings()) as g:
        await create(g, target)
        room = (await g.data(CREATE_ROOM, {"provider": "VONAGE"}))["createRoom"]
        await publish(g.services, stream, transcript)
        created, streamed, transcribed = await target.wait_count(3)
    assert created.event["type"] == "ROOM_CREATED"
    assert [d.envelope["type"] for d in (created, streamed, transcribed)] == [
        "room.created",
        "stream.started",
        "transcription.ready",
    ]
    assert created.event["room"]["id"] == room["id"]
    assert created.event["room"]["displayName"] == "Weekly"
    assert "hostUrl" not in created.event["room"]
    assert room["hostUrl"] not in created.body.decode()
    assert (streamed.event["kind"], streamed.event["playbackUrl"]) == (
        "HLS",
        "https://cdn.example/live.m3u8",
    )
    assert (transcribed.event["transcriptionId"], transcribed.event["url"]) == (
        "t-1",
        "https://cdn.example/t-1.txt",
    )
