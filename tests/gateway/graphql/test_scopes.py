"""Each root field demands its scope from the caller's token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.gateway.graphql.helpers import Gateway, gateway, requests_to
from tests.support import jwt_settings, make_token

OPERATIONS = {
    "rooms": ("rooms:read", "{ rooms { nodes { id } } }"),
    "room": ("rooms:read", '{ room(id: "metered:abc") { id } }'),
    "createRoom": (
        "rooms:write",
        'mutation { createRoom(input: {provider: METERED, displayName: "x"}) { id } }',
    ),
    "updateRoom": (
        "rooms:write",
        'mutation { updateRoom(id: "metered:abc", input: {}) { id } }',
    ),
    "closeRoom": ("rooms:write", 'mutation { closeRoom(id: "metered:abc") { id } }'),
    "themes": ("themes:read", "{ themes { id } }"),
    "theme": ("themes:read", '{ theme(id: "vonage:abc") { id } }'),
    "createTheme": (
        "themes:write",
        'mutation { createTheme(input: {mainColor: "#fff", brandText: "x"}) { id } }',
    ),
    "updateTheme": (
        "themes:write",
        'mutation { updateTheme(id: "vonage:abc", input: {name: "x"}) { id } }',
    ),
    "deleteTheme": ("themes:write", 'mutation { deleteTheme(id: "vonage:abc") }'),
    "setDefaultTheme": ("themes:write", 'mutation { setDefaultTheme(id: "vonage:abc") { id } }'),
}
ALL = "rooms:read rooms:write themes:read themes:write events:read"


@pytest.mark.parametrize("field", sorted(OPERATIONS))
async def test_a_token_without_the_scope_is_forbidden(field: str) -> None:
    scope, query = OPERATIONS[field]
    others = " ".join(s for s in ALL.split() if s != scope)
    async with gateway(jwt_settings()) as gw:
        error = await gw.error(query, token=make_token(others))
        sent = [r for name in ("vonage", "metered") for r in gw.sandbox(name).requests]
    assert error["extensions"] == {"code": "FORBIDDEN", "scope": scope}
    assert error["path"] == [field]
    assert sent == []


async def test_the_scope_alone_is_enough() -> None:
    async with gateway(jwt_settings()) as gw:
        room = await gw.data(OPERATIONS["createRoom"][1], token=make_token("rooms:write"))
        listed = await gw.data(OPERATIONS["rooms"][1], token=make_token("rooms:read"))
        themes = await gw.data(OPERATIONS["themes"][1], token=make_token("themes:read"))
    assert listed["rooms"]["nodes"] == [room["createRoom"]]
    assert themes == {"themes": []}


async def _room_with_theme(gw: Gateway) -> str:
    theme = await gw.data(OPERATIONS["createTheme"][1], token=make_token("themes:write"))
    theme_id: str = theme["createTheme"]["id"]
    await gw.data(
        "mutation($input: CreateRoomInput!) { createRoom(input: $input) { id } }",
        {
            "input": {
                "provider": "VONAGE",
                "displayName": "x",
                "kind": "LONG_TERM",
                "expiresAt": (datetime.now(UTC) + timedelta(days=9)).isoformat(),
                "themeId": theme_id,
            }
        },
        token=make_token("rooms:write"),
    )
    return theme_id


ROOM_THEMES = "{ rooms { nodes { id theme { id } } } }"


async def test_room_theme_needs_themes_read() -> None:
    async with gateway(jwt_settings()) as gw:
        await _room_with_theme(gw)
        vonage = gw.sandbox("vonage")
        before = len(requests_to(vonage, "GET", "/themes"))
        result = await gw.execute(ROOM_THEMES, token=make_token("rooms:read"))
        after = len(requests_to(vonage, "GET", "/themes"))
    [error] = result["errors"]
    assert error["extensions"] == {"code": "FORBIDDEN", "scope": "themes:read"}
    assert error["path"] == ["rooms", "nodes", 0, "theme"]
    assert result["data"]["rooms"]["nodes"][0]["theme"] is None
    assert after == before


async def test_room_theme_with_both_read_scopes() -> None:
    async with gateway(jwt_settings()) as gw:
        theme_id = await _room_with_theme(gw)
        data = await gw.data(ROOM_THEMES, token=make_token("rooms:read themes:read"))
    assert [node["theme"] for node in data["rooms"]["nodes"]] == [{"id": theme_id}]
