"""``roomState``: a room's projection through each provider's sandbox events, as a query and
as a WebSocket subscription (snapshot, then one update per event, with no gap), on one
gateway and on two sharing Redis."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import httpx
import pytest

from gateway.auth import ALL_SCOPES
from providers import REGISTRY, EventType
from providers.videosdk.fake import FakeVideoSDK
from tests.gateway.events.conftest import REDIS_URL, redis_prefix
from tests.gateway.events.wsclient import Subscription, subscribe
from tests.gateway.graphql.helpers import Gateway, gateway
from tests.gateway.graphql.test_event_sessions import eventually
from tests.support import gateway_settings, jwt_settings, live_server, make_token

__all__ = ["redis_prefix"]

STATE = "roomId provider active sessionId recording cursor participants { id name present }"
ROOM_STATE = f"query($roomId: ID!) {{ roomState(roomId: $roomId) {{ {STATE} }} }}"
ROOM_STATE_UPDATES = f"""
subscription($roomId: ID!) {{
  roomState(roomId: $roomId) {{
    state {{ {STATE} }} event {{ type cursor ... on ParticipantEvent {{ participantId }} }}
  }}
}}
"""
CREATE_ROOM = """
mutation($provider: Provider!) {
  createRoom(input: {provider: $provider, displayName: "Standup"}) { id nativeId }
}
"""
PROVIDERS = sorted(REGISTRY)


def emits(provider: str, event_type: EventType) -> bool:
    return event_type in REGISTRY[provider].adapter.event_types


async def create_room(http: httpx.AsyncClient, provider: str) -> tuple[str, str]:
    """``(gateway id, native id)`` of a new room in ``provider``'s sandbox."""
    body = {"query": CREATE_ROOM, "variables": {"provider": provider.upper()}}
    room = (await http.post("/graphql", json=body)).json()["data"]["createRoom"]
    return room["id"], room["nativeId"]


async def emit(
    http: httpx.AsyncClient, provider: str, native_id: str, event_type: EventType, **details: Any
) -> None:
    """The sandbox's own webhook delivery for ``event_type``, through the real route."""
    body = {"type": event_type.value, "sessionId": "s-1", **details}
    response = await http.post(f"/sandbox/{provider}/rooms/{native_id}/events", json=body)
    assert response.status_code == 202, response.text


def joined(name: str) -> dict[str, Any]:
    return {"participantId": name.lower(), "participantName": name}


async def state_of(gw: Gateway, room_id: str) -> dict[str, Any]:
    state: dict[str, Any] = (await gw.data(ROOM_STATE, {"roomId": room_id}))["roomState"]
    return state


def present(state: dict[str, Any]) -> list[str]:
    return sorted(p["id"] for p in state["participants"])


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_join_join_leave_then_the_sessions_end_clears_the_roster(provider: str) -> None:
    async with gateway() as gw:
        room_id, native = await create_room(gw.client, provider)
        empty = await state_of(gw, room_id)
        if emits(provider, EventType.SESSION_STARTED):
            await emit(gw.client, provider, native, EventType.SESSION_STARTED)
        await emit(gw.client, provider, native, EventType.PARTICIPANT_JOINED, **joined("Ann"))
        await emit(gw.client, provider, native, EventType.PARTICIPANT_JOINED, **joined("Bob"))
        await emit(gw.client, provider, native, EventType.PARTICIPANT_LEFT, **joined("Ann"))
        during = await eventually(lambda: state_of(gw, room_id), lambda s: present(s) == ["bob"])
        await emit(gw.client, provider, native, EventType.SESSION_ENDED)
        after = await eventually(lambda: state_of(gw, room_id), lambda s: not s["active"])
    assert empty == {
        "roomId": room_id,
        "provider": provider.upper(),
        "active": False,
        "sessionId": None,
        "recording": None,
        "cursor": None,
        "participants": [],
    }
    assert during["active"] is True
    assert during["sessionId"] == "s-1"
    assert during["participants"] == [{"id": "bob", "name": "Bob", "present": True}]
    assert after["participants"] == []
    assert after["cursor"] != during["cursor"]


async def test_recording_status_follows_the_recording_events() -> None:
    async with gateway() as gw:
        room_id, native = await create_room(gw.client, "videosdk")
        await emit(gw.client, "videosdk", native, EventType.SESSION_STARTED)
        await emit(gw.client, "videosdk", native, EventType.RECORDING_STARTED)
        recording = await eventually(
            lambda: state_of(gw, room_id), lambda s: s["recording"] is not None
        )
    assert recording["recording"] == "RECORDING"


async def updates(sub: Subscription, count: int) -> list[dict[str, Any]]:
    return await sub.events(count, wait=10)


def roster(update: dict[str, Any]) -> list[str]:
    return present(update["state"])


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_the_subscription_sends_the_state_then_one_update_per_event(provider: str) -> None:
    with live_server(gateway_settings()) as base:
        async with httpx.AsyncClient(base_url=base) as http:
            room_id, native = await create_room(http, provider)
            await emit(http, provider, native, EventType.PARTICIPANT_JOINED, **joined("Ann"))
            query = {"query": ROOM_STATE, "variables": {"roomId": room_id}}

            async def read() -> dict[str, Any]:
                state: dict[str, Any] = (await http.post("/graphql", json=query)).json()
                return state

            await eventually(read, lambda r: bool(r["data"]["roomState"]["participants"]))
            variables = {"roomId": room_id}
            async with subscribe(
                base, variables, query=ROOM_STATE_UPDATES, field="roomState"
            ) as sub:
                (first,) = await updates(sub, 1)
                await emit(http, provider, native, EventType.PARTICIPANT_JOINED, **joined("Bob"))
                await emit(http, provider, native, EventType.PARTICIPANT_LEFT, **joined("Ann"))
                second, third = await updates(sub, 2)
    assert first["event"] is None
    assert roster(first) == ["ann"]
    assert [second["event"]["type"], third["event"]["type"]] == [
        "PARTICIPANT_JOINED",
        "PARTICIPANT_LEFT",
    ]
    assert roster(second) == ["ann", "bob"]
    assert roster(third) == ["bob"]
    assert second["state"]["cursor"] == second["event"]["cursor"]
    assert third["state"]["cursor"] == third["event"]["cursor"]


async def test_a_subscriber_joining_mid_stream_misses_nothing_and_repeats_nothing() -> None:
    """Events keep arriving while the subscription takes its snapshot: the snapshot plus the
    updates that follow it hold every participant exactly once."""
    names = [f"P{n}" for n in range(30)]
    with live_server(gateway_settings()) as base:
        async with httpx.AsyncClient(base_url=base) as http:
            room_id, native = await create_room(http, "videosdk")

            async def join_all() -> None:
                for name in names:
                    await emit(
                        http, "videosdk", native, EventType.PARTICIPANT_JOINED, **joined(name)
                    )

            joining = asyncio.create_task(join_all())
            await asyncio.sleep(0.05)
            variables = {"roomId": room_id}
            async with subscribe(
                base, variables, query=ROOM_STATE_UPDATES, field="roomState"
            ) as sub:
                (snapshot,) = await updates(sub, 1)
                await joining
                later = await updates(sub, len(names) - len(roster(snapshot)))
                assert await sub.quiet()
    everyone = sorted(name.lower() for name in names)
    arrived = [u["event"]["participantId"] for u in later]
    assert sorted(roster(snapshot) + arrived) == everyone
    for count, update in enumerate(later, start=1):
        assert roster(update) == sorted(roster(snapshot) + arrived[:count])


async def test_two_replicas_sharing_redis_answer_the_same_state(redis_prefix: str) -> None:
    settings = gateway_settings(redis_url=REDIS_URL, events={"redis_prefix": redis_prefix})
    async with gateway(settings) as a, gateway(settings) as b:
        room_id, native = await create_room(a.client, "vonage")
        await emit(a.client, "vonage", native, EventType.SESSION_STARTED)
        await emit(a.client, "vonage", native, EventType.PARTICIPANT_JOINED, **joined("Ann"))
        on_a = await eventually(lambda: state_of(a, room_id), lambda s: present(s) == ["ann"])
        on_b = await eventually(lambda: state_of(b, room_id), lambda s: present(s) == ["ann"])
    async with gateway(settings) as restarted:
        after_restart = await state_of(restarted, room_id)
    assert on_a == on_b
    assert after_restart == on_a


async def test_an_unknown_room_is_not_found_and_a_bad_id_names_the_argument() -> None:
    async with gateway() as gw:
        unknown = await gw.error(ROOM_STATE, {"roomId": "vonage:no-such-room"})
        malformed = await gw.error(ROOM_STATE, {"roomId": "no-provider"})
    assert unknown["extensions"]["code"] == "NOT_FOUND"
    assert malformed["extensions"]["code"] == "BAD_USER_INPUT"
    assert malformed["extensions"]["field"] == "roomId"


async def test_room_state_needs_sessions_read() -> None:
    without = " ".join(sorted(ALL_SCOPES - {"sessions:read"}))
    async with gateway(jwt_settings()) as gw:
        room_id, _ = await create_room_with_token(gw)
        refused = await gw.error(ROOM_STATE, {"roomId": room_id}, make_token(without))
        allowed = await gw.data(ROOM_STATE, {"roomId": room_id}, make_token("sessions:read"))
    assert refused["extensions"] == {"code": "FORBIDDEN", "scope": "sessions:read"}
    assert allowed["roomState"]["roomId"] == room_id


async def create_room_with_token(gw: Gateway) -> tuple[str, str]:
    token = make_token(" ".join(sorted(ALL_SCOPES)))
    data = await gw.data(CREATE_ROOM, {"provider": "VONAGE"}, token)
    return data["createRoom"]["id"], data["createRoom"]["nativeId"]


async def test_a_videosdk_room_without_events_is_seeded_from_its_running_session() -> None:
    async with gateway() as gw:
        room_id, native = await create_room(gw.client, "videosdk")
        fake = cast(FakeVideoSDK, gw.sandbox("videosdk"))
        running = fake.start_session(native, ["Ann", "Bob"])
        fake.leave(running["id"], running["participants"][0]["participantId"])
        seeded = await state_of(gw, room_id)
        bob = running["participants"][1]["participantId"]
        await emit(gw.client, "videosdk", native, EventType.PARTICIPANT_JOINED, **joined("Cy"))
        after_event = await eventually(lambda: state_of(gw, room_id), lambda s: s["cursor"])
    assert seeded["active"] is True
    assert seeded["sessionId"] == running["id"]
    assert seeded["cursor"] is None
    assert seeded["participants"] == [{"id": bob, "name": "Bob", "present": True}]
    # once events reach the room, its state is theirs alone (documented)
    assert present(after_event) == ["cy"]


async def test_a_room_whose_provider_lists_no_sessions_is_not_seeded() -> None:
    async with gateway() as gw:
        room_id, _ = await create_room(gw.client, "videosdk")
        state = await state_of(gw, room_id)
    assert state["active"] is False
    assert state["participants"] == []
