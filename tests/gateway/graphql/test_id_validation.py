"""Ids that could address another provider endpoint are refused before any provider call."""

from __future__ import annotations

from typing import Any

import pytest

from tests.gateway.graphql.helpers import Gateway, gateway

BAD_IDS = [
    "metered:..",
    "metered:.",
    "videosdk:..",
    "vonage:.",
    "metered:",
    "videosdk:a/b",
    "metered:rooms?x=1",
    "metered:a#b",
    "videosdk:%2e%2e",
    "metered:a b",
    "metered:a\tb",
    "videosdk:a\x00b",
    "metered:a\x7fb",
    "metered:a\\b",
]
OPERATIONS = {
    "room": "query($id: ID!) { room(id: $id) { id } }",
    "closeRoom": "mutation($id: ID!) { closeRoom(id: $id) { id } }",
    "updateRoom": "mutation($id: ID!) { updateRoom(id: $id, input: {}) { id } }",
    "theme": "query($id: ID!) { theme(id: $id) { id } }",
    "deleteTheme": "mutation($id: ID!) { deleteTheme(id: $id) }",
}
PROVIDERS = ("vonage", "metered", "videosdk")


def _sent(gw: Gateway) -> int:
    return sum(len(gw.sandbox(name).requests) for name in PROVIDERS)


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
@pytest.mark.parametrize("bad_id", BAD_IDS, ids=ascii)
async def test_a_bad_id_is_bad_user_input_and_reaches_no_provider(
    operation: str, bad_id: str
) -> None:
    async with gateway() as gw:
        error = await gw.error(OPERATIONS[operation], {"id": bad_id})
        sent = _sent(gw)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "id"}
    assert sent == 0


CREATE = "mutation($input: CreateRoomInput!) { createRoom(input: $input) { id } }"


@pytest.mark.parametrize("room_name", ["..", ".", "a/b", "a?b", "a%2fb", "a b", ""], ids=ascii)
async def test_a_metered_room_name_that_is_not_an_id_is_refused(room_name: str) -> None:
    variables: dict[str, Any] = {
        "input": {
            "provider": "METERED",
            "displayName": "x",
            "providerOptions": {"roomName": room_name},
        }
    }
    async with gateway() as gw:
        error = await gw.error(CREATE, variables)
        sent = len(gw.sandbox("metered").requests)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "providerOptions.roomName"
    assert sent == 0
