"""Recordings over GraphQL against the three sandboxes: list, read, start, stop, delete."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import pytest

from providers.videosdk import FakeVideoSDK
from providers.vonage import FakeVonage
from tests.gateway.graphql.helpers import Gateway, gateway, requests_to
from tests.support import jwt_settings, make_token

FIELDS = "id provider nativeId roomId sessionId status startedAt endedAt url sizeBytes"
RECORDINGS = f"""
query($roomId: ID, $sessionId: ID, $provider: Provider, $first: Int! = 20, $after: String) {{
  recordings(roomId: $roomId, sessionId: $sessionId, provider: $provider, first: $first,
             after: $after) {{
    nodes {{ {FIELDS} }}
    pageInfo {{ hasNextPage endCursor }}
    failures {{ provider code message }}
  }}
}}
"""
RECORDING = f"query($id: ID!) {{ recording(id: $id) {{ {FIELDS} }} }}"
START = f"mutation($roomId: ID!) {{ startRecording(roomId: $roomId) {{ {FIELDS} }} }}"
STOP = f"mutation($roomId: ID!) {{ stopRecording(roomId: $roomId) {{ {FIELDS} }} }}"
DELETE = "mutation($id: ID!) { deleteRecording(id: $id) }"
CREATE_ROOM = """
mutation($provider: Provider!) {
  createRoom(input: {provider: $provider, displayName: "Recorded"}) { id nativeId }
}
"""


async def create_room(gw: Gateway, provider: str) -> dict[str, str]:
    room: dict[str, str] = (await gw.data(CREATE_ROOM, {"provider": provider}))["createRoom"]
    return room


def videosdk(gw: Gateway) -> FakeVideoSDK:
    return cast(FakeVideoSDK, gw.sandbox("videosdk"))


def vonage(gw: Gateway) -> FakeVonage:
    return cast(FakeVonage, gw.sandbox("vonage"))


async def recorded_videosdk_room(gw: Gateway, count: int = 1) -> tuple[dict[str, str], str]:
    """A VideoSDK room with ``count`` finished recordings of one session; the session id."""
    room = await create_room(gw, "VIDEOSDK")
    session: str = videosdk(gw).start_session(room["nativeId"], ["Ann"])["id"]
    for _ in range(count):
        await gw.data(START, {"roomId": room["id"]})
        await gw.data(STOP, {"roomId": room["id"]})
    return room, session


async def listed(gw: Gateway, **variables: Any) -> dict[str, Any]:
    page: dict[str, Any] = (await gw.data(RECORDINGS, variables))["recordings"]
    return page


async def test_videosdk_start_stop_list_get_delete() -> None:
    async with gateway() as gw:
        room = await create_room(gw, "VIDEOSDK")
        session = videosdk(gw).start_session(room["nativeId"], ["Ann"])["id"]
        started = (await gw.data(START, {"roomId": room["id"]}))["startRecording"]
        assert started["status"] == "RECORDING"
        assert started["id"] == f"videosdk:{started['nativeId']}"
        assert (started["roomId"], started["sessionId"]) == (room["id"], session)
        assert started["url"] is None
        stopped = (await gw.data(STOP, {"roomId": room["id"]}))["stopRecording"]
        assert stopped["id"] == started["id"]
        assert stopped["status"] == "READY"
        assert stopped["url"].startswith("https://cdn.videosdk.live/")
        assert stopped["sizeBytes"] is not None
        by_room = await listed(gw, roomId=room["id"])
        by_session = await listed(gw, sessionId=f"videosdk:{session}")
        assert by_room["nodes"] == by_session["nodes"] == [stopped]
        assert by_room["failures"] == []
        got = (await gw.data(RECORDING, {"id": stopped["id"]}))["recording"]
        assert got == stopped
        assert (await gw.data(DELETE, {"id": stopped["id"]}))["deleteRecording"] is True
        assert (await gw.data(RECORDING, {"id": stopped["id"]}))["recording"] is None
        again = await gw.error(DELETE, {"id": stopped["id"]})
        assert (await listed(gw, roomId=room["id"]))["nodes"] == []
    assert again["extensions"]["code"] == "NOT_FOUND"


async def test_starting_without_a_running_session_is_the_providers_error() -> None:
    async with gateway() as gw:
        room = await create_room(gw, "VIDEOSDK")
        error = await gw.error(START, {"roomId": room["id"]})
    assert error["extensions"]["code"] == "PROVIDER_ERROR"
    assert "No active session" in error["message"]


@pytest.mark.parametrize("provider", ["VONAGE", "METERED"])
@pytest.mark.parametrize("mutation", [START, STOP])
async def test_start_and_stop_are_unsupported_without_a_start_call(
    provider: str, mutation: str
) -> None:
    async with gateway() as gw:
        room = await create_room(gw, provider)
        sandbox = gw.sandbox(provider.lower())
        before = len(sandbox.requests)
        error = await gw.error(mutation, {"roomId": room["id"]})
        assert len(sandbox.requests) == before
    assert error["extensions"]["code"] == "UNSUPPORTED"
    assert error["extensions"]["provider"] == provider.lower()


async def wait_for_session(gw: Gateway, native_room: str, session: str) -> None:
    for _ in range(200):
        state = await gw.services.room_states.current("vonage", native_room)
        if state.session_id == session:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the room state never learnt the session")


async def test_vonage_room_recordings_come_from_its_session_known_by_events() -> None:
    async with gateway() as gw:
        room = await create_room(gw, "VONAGE")
        fake = vonage(gw)
        session = fake.session_for(room["nativeId"])
        ready = fake.seed_recording(session)
        running = fake.seed_recording(session, status="started")
        assert (await listed(gw, roomId=room["id"]))["nodes"] == []  # no session known yet
        body = {"type": "SESSION_STARTED", "sessionId": session}
        path = f"/sandbox/vonage/rooms/{room['nativeId']}/events"
        assert (await gw.client.post(path, json=body)).status_code == 202
        await wait_for_session(gw, room["nativeId"], session)
        by_room = (await listed(gw, roomId=room["id"]))["nodes"]
        by_session = (await listed(gw, sessionId=f"vonage:{session}"))["nodes"]
        both = await listed(gw, roomId=room["id"], sessionId=f"vonage:{session}")
        got = (await gw.data(RECORDING, {"id": f"vonage:{ready}"}))["recording"]
        refused = await gw.error(DELETE, {"id": f"vonage:{running}"})
        deleted = await gw.data(DELETE, {"id": f"vonage:{ready}"})
    assert {node["nativeId"] for node in by_room} == {ready, running}
    assert by_room == by_session == both["nodes"]
    assert {node["roomId"] for node in by_room} == {room["id"]}
    statuses = {node["nativeId"]: node["status"] for node in by_room}
    assert statuses == {ready: "READY", running: "RECORDING"}
    assert got["url"].startswith("https://prod-meetings-recordings.s3.amazonaws.com/")
    assert refused["extensions"]["code"] == "PROVIDER_ERROR"
    assert refused["extensions"]["field"] == "id"
    assert "only a READY recording can be deleted" in refused["message"]
    assert deleted == {"deleteRecording": True}


async def test_metered_has_no_recordings() -> None:
    async with gateway() as gw:
        room = await create_room(gw, "METERED")
        errors = [
            await gw.error(RECORDINGS, {"roomId": room["id"]}),
            await gw.error(RECORDINGS, {"provider": "METERED"}),
            await gw.error(RECORDING, {"id": "metered:rec-1"}),
            await gw.error(DELETE, {"id": "metered:rec-1"}),
        ]
        assert requests_to(gw.sandbox("metered"), "GET", "/recording") == []
    assert {error["extensions"]["code"] for error in errors} == {"UNSUPPORTED"}
    assert all(error["extensions"]["provider"] == "metered" for error in errors)


async def test_every_recording_pages_across_providers() -> None:
    async with gateway() as gw:
        room, _ = await recorded_videosdk_room(gw, count=3)
        other, _ = await recorded_videosdk_room(gw, count=2)
        pages = []
        after = None
        while True:
            page = await listed(gw, first=2, after=after)
            pages.append(page)
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        named = await gw.error(RECORDINGS, {"provider": "VONAGE"})
    nodes = [node for page in pages for node in page["nodes"]]
    assert [len(page["nodes"]) for page in pages] == [2, 2, 1]
    assert len({node["id"] for node in nodes}) == 5
    assert {node["roomId"] for node in nodes} == {room["id"], other["id"]}
    starts = [node["startedAt"] for node in nodes]
    assert starts == sorted(starts, reverse=True)
    # Vonage lists per session only: reported, not silently empty; Metered is not asked
    assert pages[0]["failures"] == [
        {
            "provider": "VONAGE",
            "code": "UNSUPPORTED",
            "message": "vonage: Vonage Meetings does not support listing every recording "
            "(ask per room or session)",
        }
    ]
    assert named["extensions"]["code"] == "UNSUPPORTED"


async def test_a_failing_provider() -> None:
    async with gateway() as gw:
        room, _ = await recorded_videosdk_room(gw)
        videosdk(gw).inject(status=503, times=100, path_contains="/recordings")
        error = await gw.error(RECORDINGS, {"roomId": room["id"]})
        page = await listed(gw)
    assert error["extensions"]["code"] == "PROVIDER_UNAVAILABLE"
    assert error["extensions"]["provider"] == "videosdk"
    assert page["nodes"] == []
    codes = {(f["provider"], f["code"]) for f in page["failures"]}
    assert ("VIDEOSDK", "PROVIDER_UNAVAILABLE") in codes


@pytest.mark.parametrize(
    ("query", "variables", "field"),
    [
        (RECORDING, {"id": "no-provider"}, "id"),
        (RECORDING, {"id": "zoom:abc"}, "id"),
        (RECORDING, {"id": "videosdk:../rooms"}, "id"),
        (DELETE, {"id": "vonage:"}, "id"),
        (START, {"roomId": "videosdk"}, "roomId"),
        (RECORDINGS, {"roomId": "nope"}, "roomId"),
        (RECORDINGS, {"sessionId": "nope"}, "sessionId"),
        (RECORDINGS, {"roomId": "vonage:r", "sessionId": "videosdk:s"}, "sessionId"),
        (RECORDINGS, {"roomId": "vonage:r", "provider": "VIDEOSDK"}, "provider"),
        (RECORDINGS, {"first": 0}, "first"),
        (RECORDINGS, {"first": 101}, "first"),
        (RECORDINGS, {"after": "not a cursor"}, "after"),
    ],
)
async def test_bad_input_is_refused_before_any_provider_call(
    query: str, variables: dict[str, Any], field: str
) -> None:
    async with gateway() as gw:
        error = await gw.error(query, variables)
        sent = sum(len(gw.sandbox(name).requests) for name in ("vonage", "videosdk", "metered"))
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == field
    assert sent == 0


async def test_unknown_recordings() -> None:
    async with gateway() as gw:
        missing = await gw.data(RECORDING, {"id": "videosdk:0123456789abcdef"})
        vonage_missing = await gw.data(RECORDING, {"id": "vonage:not-a-uuid"})
        error = await gw.error(DELETE, {"id": "vonage:0c8bb2b8-4a7b-4f51-a3c4-6b6f5e1d9c00"})
    assert missing == vonage_missing == {"recording": None}
    assert error["extensions"]["code"] == "NOT_FOUND"


async def test_a_cursor_of_another_query_is_refused() -> None:
    async with gateway() as gw:
        room, _ = await recorded_videosdk_room(gw, count=2)
        first = await listed(gw, roomId=room["id"], first=1)
        error = await gw.error(RECORDINGS, {"first": 1, "after": first["pageInfo"]["endCursor"]})
        second = await listed(gw, roomId=room["id"], first=1, after=first["pageInfo"]["endCursor"])
    assert error["extensions"]["field"] == "after"
    assert first["pageInfo"]["hasNextPage"] is True
    assert second["pageInfo"]["hasNextPage"] is False
    assert first["nodes"][0]["id"] != second["nodes"][0]["id"]


@pytest.mark.parametrize(
    ("query", "variables", "held", "missing"),
    [
        (RECORDINGS, {}, "recordings:write", "recordings:read"),
        (RECORDING, {"id": "videosdk:x"}, "recordings:write", "recordings:read"),
        (START, {"roomId": "videosdk:x"}, "recordings:read", "recordings:write"),
        (STOP, {"roomId": "videosdk:x"}, "recordings:read", "recordings:write"),
        (DELETE, {"id": "videosdk:x"}, "recordings:read rooms:write", "recordings:write"),
    ],
)
async def test_each_field_needs_its_scope(
    query: str, variables: dict[str, Any], held: str, missing: str
) -> None:
    async with gateway(jwt_settings()) as gw:
        error = await gw.error(query, variables, token=make_token(held))
        allowed = await gw.execute(query, variables, token=make_token(missing))
    assert error["extensions"] == {"code": "FORBIDDEN", "scope": missing}
    assert all(e["extensions"]["code"] != "FORBIDDEN" for e in allowed.get("errors", []))
