"""What hangs off a room follows the room: recordings, sessions, a theme's rooms and
webhook endpoints of one room are the room's tenant's alone."""

from __future__ import annotations

from typing import Any, cast

from providers.videosdk import FakeVideoSDK
from tests.gateway.graphql.helpers import Gateway, gateway
from tests.gateway.graphql.test_recordings import DELETE, RECORDING, RECORDINGS, START, STOP
from tests.gateway.graphql.test_theme_rooms import THEME_ROOMS
from tests.gateway.graphql.test_themes import CREATE as CREATE_THEME
from tests.gateway.outbound.documents import CREATE as CREATE_ENDPOINT
from tests.gateway.outbound.documents import outbound_settings
from tests.gateway.tenants.tenants import create_room, operator, tenant

SESSIONS = "query($roomId: ID!) { sessions(roomId: $roomId) { nodes { id } } }"
SESSION = "query($id: ID!) { session(id: $id) { id } }"
END_SESSION = "mutation($roomId: ID!) { endSession(roomId: $roomId) { id } }"
REMOVE = 'mutation($roomId: ID!) { removeParticipant(roomId: $roomId, participantId: "p") }'


async def recorded_room(gw: Gateway, token: str) -> tuple[dict[str, Any], str, str]:
    """A VideoSDK room of ``token``'s tenant with a running session and one finished
    recording: the room, the session id, the recording id."""
    room = await create_room(gw, token, "VIDEOSDK")
    fake = cast(FakeVideoSDK, gw.sandbox("videosdk"))
    session = fake.start_session(room["nativeId"], ["Ann"])["id"]
    await gw.data(START, {"roomId": room["id"]}, token)
    stopped = await gw.data(STOP, {"roomId": room["id"]}, token)
    return room, session, stopped["stopRecording"]["id"]


async def test_recordings_of_another_tenants_room_are_out_of_reach() -> None:
    async with gateway(outbound_settings(jwt=True)) as gw:
        room, session, recording = await recorded_room(gw, tenant("acme"))
        by_room = await gw.error(RECORDINGS, {"roomId": room["id"]}, tenant("globex"))
        by_session = await gw.data(
            RECORDINGS, {"sessionId": f"videosdk:{session}"}, tenant("globex")
        )
        everywhere = await gw.data(RECORDINGS, {}, tenant("globex"))
        read = await gw.data(RECORDING, {"id": recording}, tenant("globex"))
        start = await gw.error(START, {"roomId": room["id"]}, tenant("globex"))
        delete = await gw.error(DELETE, {"id": recording}, tenant("globex"))
        own = await gw.data(RECORDINGS, {}, tenant("acme"))
        operator_read = await gw.data(RECORDING, {"id": recording}, operator())
    assert by_room["extensions"]["code"] == "NOT_FOUND"
    assert by_session["recordings"]["nodes"] == []
    assert everywhere["recordings"]["nodes"] == []
    assert read["recording"] is None
    assert start["extensions"]["code"] == delete["extensions"]["code"] == "NOT_FOUND"
    assert [node["id"] for node in own["recordings"]["nodes"]] == [recording]
    assert operator_read["recording"]["id"] == recording


async def test_sessions_of_another_tenants_room_are_out_of_reach() -> None:
    async with gateway(outbound_settings(jwt=True)) as gw:
        room, session, _ = await recorded_room(gw, tenant("acme"))
        variables = {"roomId": room["id"]}
        refused = [
            await gw.error(document, variables, tenant("globex"))
            for document in (SESSIONS, END_SESSION, REMOVE)
        ]
        read = await gw.data(SESSION, {"id": f"videosdk:{session}"}, tenant("globex"))
        own = await gw.data(SESSIONS, variables, tenant("acme"))
        own_read = await gw.data(SESSION, {"id": f"videosdk:{session}"}, tenant("acme"))
    assert [error["extensions"]["code"] for error in refused] == ["NOT_FOUND"] * 3
    assert read["session"] is None
    assert [node["id"] for node in own["sessions"]["nodes"]] == [f"videosdk:{session}"]
    assert own_read["session"] == {"id": f"videosdk:{session}"}


async def test_a_shared_theme_lists_only_the_callers_rooms() -> None:
    async with gateway(outbound_settings(jwt=True)) as gw:
        theme_input = {"input": {"mainColor": "#12f64e", "brandText": "Shared"}}
        theme = (await gw.data(CREATE_THEME, theme_input, operator()))["createTheme"]
        mine = await create_room(gw, tenant("acme"), themeId=theme["id"])
        await create_room(gw, tenant("globex"), themeId=theme["id"])
        variables = {"themeId": theme["id"], "first": 10}
        seen = await gw.data(THEME_ROOMS, variables, tenant("acme"))
        every = await gw.data(THEME_ROOMS, variables, operator())
    assert [node["id"] for node in seen["themeRooms"]["nodes"]] == [mine["id"]]
    assert len(every["themeRooms"]["nodes"]) == 2


async def test_an_endpoint_cannot_be_registered_for_another_tenants_room() -> None:
    async with gateway(outbound_settings(jwt=True)) as gw:
        room = await create_room(gw, tenant("acme"))
        variables = {"input": {"url": "http://127.0.0.1:9/hook", "roomId": room["id"]}}
        refused = await gw.error(CREATE_ENDPOINT, variables, tenant("globex"))
        own = await gw.data(CREATE_ENDPOINT, variables, tenant("acme"))
    assert refused["extensions"]["code"] == "NOT_FOUND"
    assert own["createWebhookEndpoint"]["endpoint"]["roomId"] == room["id"]
