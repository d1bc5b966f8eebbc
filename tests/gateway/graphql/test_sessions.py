"""``sessions``, ``session``, ``endSession``, ``removeParticipant`` and ``dialInNumbers``
over HTTP against the sandboxes; VideoSDK's come from its sessions API."""

from __future__ import annotations

from typing import Any, cast

import pytest

from providers.videosdk.fake import FakeVideoSDK
from tests.gateway.graphql.helpers import Gateway, gateway, requests_to
from tests.support import jwt_settings, make_token

CREATE_ROOM = """
mutation($provider: Provider!) {
  createRoom(input: {provider: $provider, displayName: "Standup"}) { id nativeId }
}
"""
SESSIONS = """
query($roomId: ID!, $first: Int! = 20, $after: String) {
  sessions(roomId: $roomId, first: $first, after: $after) {
    nodes {
      id provider nativeId roomId startedAt endedAt active raw
      participants { id name role isHost joinedAt leftAt present }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""
SESSION = """
query($id: ID!) { session(id: $id) { id roomId active participants { id name present } } }
"""
END = """
mutation($roomId: ID!) {
  endSession(roomId: $roomId) { id active endedAt participants { present } }
}
"""
REMOVE = """
mutation($roomId: ID!, $participantId: String!) {
  removeParticipant(roomId: $roomId, participantId: $participantId)
}
"""
DIAL_IN = """
query($provider: Provider) {
  dialInNumbers(provider: $provider) { provider number locale displayName }
}
"""


async def create_room(gw: Gateway, provider: str, token: str | None = None) -> dict[str, str]:
    data = await gw.data(CREATE_ROOM, {"provider": provider.upper()}, token)
    room: dict[str, str] = data["createRoom"]
    return room


def videosdk(gw: Gateway) -> FakeVideoSDK:
    return cast(FakeVideoSDK, gw.sandbox("videosdk"))


async def meeting(gw: Gateway, names: list[str]) -> tuple[dict[str, str], dict[str, Any]]:
    """A VideoSDK room with a running session that ``names`` joined."""
    room = await create_room(gw, "videosdk")
    return room, videosdk(gw).start_session(room["nativeId"], names)


async def test_videosdk_sessions_come_from_its_api_with_participants() -> None:
    async with gateway() as gw:
        room, older = await meeting(gw, ["Ann"])
        fake = videosdk(gw)
        fake.sessions[older["id"]].update(status="ended", end=fake.now())
        running = fake.start_session(room["nativeId"], ["Bob", "Cy"])
        fake.leave(running["id"], running["participants"][1]["participantId"])
        data = await gw.data(SESSIONS, {"roomId": room["id"]})
        listed = requests_to(gw.sandbox("videosdk"), "GET", "/sessions")
    nodes = data["sessions"]["nodes"]
    assert [n["nativeId"] for n in nodes] == [running["id"], older["id"]]  # newest first
    newest = nodes[0]
    assert newest["id"] == f"videosdk:{running['id']}"
    assert newest["roomId"] == room["id"]
    assert newest["provider"] == "VIDEOSDK"
    assert newest["active"] is True
    assert newest["endedAt"] is None
    assert [(p["name"], p["present"]) for p in newest["participants"]] == [
        ("Bob", True),
        ("Cy", False),
    ]
    assert newest["participants"][1]["leftAt"] is not None
    assert newest["raw"]["status"] == "ongoing"
    assert nodes[1]["active"] is False
    assert nodes[1]["endedAt"] is not None
    assert data["sessions"]["pageInfo"]["hasNextPage"] is False
    assert listed[-1].url.params["roomId"] == room["nativeId"]


async def walk(gw: Gateway, room_id: str, first: int) -> list[dict[str, Any]]:
    pages, after = [], None
    while True:
        page = (await gw.data(SESSIONS, {"roomId": room_id, "first": first, "after": after}))[
            "sessions"
        ]
        pages.append(page)
        if not page["pageInfo"]["hasNextPage"]:
            return pages
        after = page["pageInfo"]["endCursor"]


async def test_paging_walks_every_session_once_even_when_one_starts_meanwhile() -> None:
    async with gateway() as gw:
        room, _ = await meeting(gw, [])
        fake = videosdk(gw)
        for _ in range(4):
            for session in fake.sessions.values():
                session.update(status="ended", end=fake.now())
            fake.start_session(room["nativeId"])
        every = [s["id"] for s in reversed(fake.sessions.values())]
        first = (await gw.data(SESSIONS, {"roomId": room["id"], "first": 2}))["sessions"]
        fake.start_session(room["nativeId"])  # pushes the list down by one
        variables = {"roomId": room["id"], "first": 2, "after": first["pageInfo"]["endCursor"]}
        second = (await gw.data(SESSIONS, variables))["sessions"]
        pages = await walk(gw, room["id"], 2)
    assert [n["nativeId"] for n in first["nodes"]] == every[:2]
    assert [n["nativeId"] for n in second["nodes"]] == every[2:4]
    assert [len(p["nodes"]) for p in pages] == [2, 2, 2]
    assert pages[-1]["pageInfo"]["endCursor"] is not None


async def test_a_cursor_of_another_room_or_garbage_is_bad_input() -> None:
    async with gateway() as gw:
        room, _ = await meeting(gw, [])
        other, _ = await meeting(gw, [])
        videosdk(gw).start_session(room["nativeId"])
        page = (await gw.data(SESSIONS, {"roomId": room["id"], "first": 1}))["sessions"]
        cursor = page["pageInfo"]["endCursor"]
        foreign = await gw.error(SESSIONS, {"roomId": other["id"], "after": cursor})
        garbage = await gw.error(SESSIONS, {"roomId": room["id"], "after": "%%%"})
    for error in (foreign, garbage):
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert error["extensions"]["field"] == "after"


@pytest.mark.parametrize("first", [0, 101])
async def test_first_out_of_range_is_refused_before_any_provider_call(first: int) -> None:
    async with gateway() as gw:
        before = len(gw.sandbox("videosdk").requests)
        error = await gw.error(SESSIONS, {"roomId": "videosdk:abc-defg-hijk", "first": first})
        assert len(gw.sandbox("videosdk").requests) == before
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "first"}


@pytest.mark.parametrize("provider", ["videosdk", "vonage", "metered"])
async def test_an_unknown_room_is_not_found_not_an_empty_list(provider: str) -> None:
    native = "3f2b0c52-0000-4000-8000-000000000000" if provider == "vonage" else "no-such-room"
    async with gateway() as gw:
        error = await gw.error(SESSIONS, {"roomId": f"{provider}:{native}"})
        sessions_calls = requests_to(gw.sandbox(provider), "GET", "/sessions")
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert error["extensions"]["provider"] == provider
    assert sessions_calls == []


@pytest.mark.parametrize("room_id", ["no-provider", "zoom:abc", "videosdk:a/b"])
async def test_a_malformed_room_id_is_bad_input_naming_it(room_id: str) -> None:
    async with gateway() as gw:
        error = await gw.error(SESSIONS, {"roomId": room_id})
        assert gw.sandbox("videosdk").requests == []
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "roomId"


async def test_one_session_by_id_and_unknown_ones_are_null() -> None:
    async with gateway() as gw:
        room, running = await meeting(gw, ["Ann"])
        found = await gw.data(SESSION, {"id": f"videosdk:{running['id']}"})
        unknown = await gw.data(SESSION, {"id": "videosdk:" + "0" * 24})
        vonage_unknown = await gw.data(SESSION, {"id": "vonage:1_MX40nothing"})
        bad = await gw.error(SESSION, {"id": "nothing"})
    assert found["session"]["roomId"] == room["id"]
    assert found["session"]["active"] is True
    assert [p["name"] for p in found["session"]["participants"]] == ["Ann"]
    assert unknown == {"session": None}
    assert vonage_unknown == {"session": None}
    assert bad["extensions"] == {"code": "BAD_USER_INPUT", "field": "id"}


async def test_end_session_ends_the_running_one() -> None:
    async with gateway() as gw:
        room, running = await meeting(gw, ["Ann", "Bob"])
        ended = (await gw.data(END, {"roomId": room["id"]}))["endSession"]
        again = await gw.error(END, {"roomId": room["id"]})
        after = (await gw.data(SESSIONS, {"roomId": room["id"]}))["sessions"]["nodes"]
    assert ended["id"] == f"videosdk:{running['id']}"
    assert ended["active"] is False
    assert ended["endedAt"] is not None
    assert ended["participants"] == [{"present": False}, {"present": False}]
    assert after[0]["active"] is False
    assert again["extensions"]["code"] == "PROVIDER_ERROR"  # no running session
    assert again["extensions"]["provider"] == "videosdk"


async def test_remove_participant() -> None:
    async with gateway() as gw:
        room, running = await meeting(gw, ["Ann", "Bob"])
        ann = running["participants"][0]["participantId"]
        removed = await gw.data(REMOVE, {"roomId": room["id"], "participantId": ann})
        unknown = await gw.error(REMOVE, {"roomId": room["id"], "participantId": "nobody"})
        empty = await gw.error(REMOVE, {"roomId": room["id"], "participantId": " "})
        session = (await gw.data(SESSION, {"id": f"videosdk:{running['id']}"}))["session"]
    assert removed == {"removeParticipant": True}
    assert [(p["name"], p["present"]) for p in session["participants"]] == [
        ("Ann", False),
        ("Bob", True),
    ]
    assert unknown["extensions"]["code"] == "NOT_FOUND"
    assert empty["extensions"] == {"code": "BAD_USER_INPUT", "field": "participantId"}


@pytest.mark.parametrize("provider", ["vonage", "metered"])
async def test_session_control_is_unsupported_without_a_sessions_api(provider: str) -> None:
    async with gateway() as gw:
        room = await create_room(gw, provider)
        ended = await gw.error(END, {"roomId": room["id"]})
        removed = await gw.error(REMOVE, {"roomId": room["id"], "participantId": "p-1"})
    for error in (ended, removed):
        assert error["extensions"]["code"] == "UNSUPPORTED"
        assert error["extensions"]["provider"] == provider


async def test_end_session_of_an_unknown_room_is_not_found() -> None:
    async with gateway() as gw:
        error = await gw.error(END, {"roomId": "videosdk:no-such-room"})
        assert requests_to(gw.sandbox("videosdk"), "POST", "/sessions/end") == []
    assert error["extensions"]["code"] == "NOT_FOUND"


async def test_a_provider_failure_is_coded() -> None:
    async with gateway() as gw:
        room, _ = await meeting(gw, [])
        gw.sandbox("videosdk").inject(status=503, times=10, path_contains="/sessions")
        error = await gw.error(SESSIONS, {"roomId": room["id"]})
    assert error["extensions"]["code"] == "PROVIDER_UNAVAILABLE"
    assert error["extensions"]["retryable"] is True


async def test_dial_in_numbers() -> None:
    async with gateway() as gw:
        every = (await gw.data(DIAL_IN))["dialInNumbers"]
        vonage = (await gw.data(DIAL_IN, {"provider": "VONAGE"}))["dialInNumbers"]
        metered = await gw.error(DIAL_IN, {"provider": "METERED"})
    assert every == vonage
    assert vonage[0] == {
        "provider": "VONAGE",
        "number": "442381924626",
        "locale": "en-GB",
        "displayName": "United Kingdom",
    }
    assert len(vonage) == 2
    assert metered["extensions"]["code"] == "UNSUPPORTED"


@pytest.mark.parametrize(
    ("document", "variables", "scopes"),
    [
        (SESSIONS, {"roomId": "videosdk:abc"}, "rooms:read sessions:write"),
        (SESSION, {"id": "videosdk:abc"}, "rooms:read"),
        (END, {"roomId": "videosdk:abc"}, "sessions:read rooms:write"),
        (REMOVE, {"roomId": "videosdk:abc", "participantId": "p"}, "sessions:read"),
        (DIAL_IN, {}, "sessions:read sessions:write"),
    ],
)
async def test_each_field_needs_its_scope(
    document: str, variables: dict[str, Any], scopes: str
) -> None:
    async with gateway(jwt_settings()) as gw:
        error = await gw.error(document, variables, make_token(scopes))
        assert gw.sandbox("videosdk").requests == []
    assert error["extensions"]["code"] == "FORBIDDEN"


async def test_the_right_scopes_are_enough() -> None:
    async with gateway(jwt_settings()) as gw:
        room = await create_room(gw, "videosdk", make_token("rooms:write"))
        videosdk(gw).start_session(room["nativeId"], ["Ann"])
        reader = make_token("sessions:read")
        listed = await gw.data(SESSIONS, {"roomId": room["id"]}, reader)
        ended = await gw.data(END, {"roomId": room["id"]}, make_token("sessions:write"))
        numbers = await gw.data(DIAL_IN, {}, make_token("rooms:read"))
    assert len(listed["sessions"]["nodes"]) == 1
    assert ended["endSession"]["active"] is False
    assert len(numbers["dialInNumbers"]) == 2
