"""``themeRooms``: the rooms that use a theme, paged, against the sandboxes."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

from tests.gateway.graphql.helpers import Gateway, gateway, requests_to
from tests.gateway.graphql.test_themes import CREATE_ROOM, create_theme, long_term_room
from tests.support import ManualClock, jwt_settings, make_token

THEME_ROOMS = """
query($themeId: ID!, $first: Int!, $after: String) {
  themeRooms(themeId: $themeId, first: $first, after: $after) {
    nodes { id themeId theme { id } }
    edges { cursor node { id } }
    pageInfo { hasNextPage endCursor }
    failures { provider }
  }
}
"""


async def themed_rooms(gw: Gateway, theme_id: str, count: int) -> list[str]:
    """``count`` rooms of the theme created a second apart (on the sandbox's clock)."""
    sandbox = gw.sandbox("vonage")
    if not isinstance(sandbox.clock, ManualClock):
        sandbox.clock = ManualClock(time.time())
    clock = sandbox.clock
    rooms = []
    for _ in range(count):
        clock.advance(1)
        rooms.append(await gw.data(CREATE_ROOM, long_term_room(theme_id)))
    return [room["createRoom"]["id"] for room in rooms]


async def walk(gw: Gateway, theme_id: str, first: int) -> list[dict[str, Any]]:
    """Every page of ``themeRooms`` from the start, following ``endCursor``."""
    pages: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        variables = {"themeId": theme_id, "first": first, "after": after}
        page = (await gw.data(THEME_ROOMS, variables))["themeRooms"]
        pages.append(page)
        if not page["pageInfo"]["hasNextPage"]:
            return pages
        after = page["pageInfo"]["endCursor"]


async def test_walking_every_page_returns_each_themed_room_once() -> None:
    async with gateway() as gw:
        theme = await create_theme(gw)
        other = await create_theme(gw, name="other")
        await gw.data(CREATE_ROOM, long_term_room())
        mine = await themed_rooms(gw, theme["id"], 7)
        await themed_rooms(gw, other["id"], 2)
        pages = await walk(gw, theme["id"], 3)
    nodes = [node for page in pages for node in page["nodes"]]
    assert [node["id"] for node in nodes] == mine[::-1]  # newest first
    assert all(node["themeId"] == node["theme"]["id"] == theme["id"] for node in nodes)
    assert [len(page["nodes"]) for page in pages][:3] == [3, 3, 1]
    assert all(page["failures"] == [] for page in pages)
    last = pages[-1]
    assert last["edges"][-1]["cursor"] == last["pageInfo"]["endCursor"]


async def test_an_edge_cursor_continues_right_after_its_room() -> None:
    async with gateway() as gw:
        theme = await create_theme(gw)
        mine = await themed_rooms(gw, theme["id"], 4)
        first = await gw.data(THEME_ROOMS, {"themeId": theme["id"], "first": 4})
        cursor = first["themeRooms"]["edges"][1]["cursor"]
        rest = await gw.data(THEME_ROOMS, {"themeId": theme["id"], "first": 4, "after": cursor})
    assert [node["id"] for node in rest["themeRooms"]["nodes"]] == mine[::-1][2:]


async def test_a_theme_without_rooms_has_an_empty_page() -> None:
    async with gateway() as gw:
        theme = await create_theme(gw)
        data = await gw.data(THEME_ROOMS, {"themeId": theme["id"], "first": 5})
    assert data["themeRooms"]["nodes"] == []
    assert data["themeRooms"]["pageInfo"] == {"hasNextPage": False, "endCursor": None}


async def test_an_unknown_theme_is_not_found() -> None:
    async with gateway() as gw:
        error = await gw.error(THEME_ROOMS, {"themeId": f"vonage:{uuid.uuid4()}", "first": 5})
        not_uuid = await gw.error(THEME_ROOMS, {"themeId": "vonage:nope", "first": 5})
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert error["extensions"]["provider"] == "vonage"
    assert not_uuid["extensions"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize("theme_id", ["metered:some-room", "videosdk:abcd-efgh-ijkl"])
async def test_providers_without_themes_are_unsupported(theme_id: str) -> None:
    async with gateway() as gw:
        error = await gw.error(THEME_ROOMS, {"themeId": theme_id, "first": 5})
    assert error["extensions"]["code"] == "UNSUPPORTED"
    assert error["extensions"]["provider"] == theme_id.split(":", maxsplit=1)[0]


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"first": 0}, "first"),
        ({"first": 101}, "first"),
        ({"first": 5, "after": "not-a-cursor"}, "after"),
        ({"themeId": "vonage", "first": 5}, "themeId"),
        ({"themeId": "zoom:abc", "first": 5}, "themeId"),
    ],
)
async def test_bad_input_names_the_argument(variables: dict[str, Any], field: str) -> None:
    async with gateway() as gw:
        theme = await create_theme(gw)
        error = await gw.error(THEME_ROOMS, {"themeId": theme["id"], **variables})
        asked = requests_to(gw.sandbox("vonage"), "GET", "/rooms")
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == field
    assert asked == []


async def test_a_cursor_of_another_theme_or_of_rooms_is_refused() -> None:
    async with gateway() as gw:
        theme = await create_theme(gw)
        other = await create_theme(gw, name="other")
        await themed_rooms(gw, theme["id"], 2)
        await themed_rooms(gw, other["id"], 2)
        page = await gw.data(THEME_ROOMS, {"themeId": other["id"], "first": 1})
        rooms = await gw.data("{ rooms(provider: VONAGE, first: 1) { pageInfo { endCursor } } }")
        cursors = [
            page["themeRooms"]["pageInfo"]["endCursor"],
            rooms["rooms"]["pageInfo"]["endCursor"],
        ]
        errors = [
            await gw.error(THEME_ROOMS, {"themeId": theme["id"], "first": 1, "after": cursor})
            for cursor in cursors
        ]
    for error in errors:
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "after"}
        assert "themeRooms" in error["message"]


async def test_a_provider_failure_fails_the_query() -> None:
    async with gateway() as gw:
        theme = await create_theme(gw)
        gw.sandbox("vonage").inject(status=503, times=10, path_contains="/rooms")
        result = await gw.execute(THEME_ROOMS, {"themeId": theme["id"], "first": 5})
    (error,) = result["errors"]
    assert error["extensions"]["code"] == "PROVIDER_UNAVAILABLE"
    assert error["extensions"]["provider"] == "vonage"
    assert result["data"] is None


@pytest.mark.parametrize(
    ("scopes", "missing"),
    [("themes:read", "rooms:read"), ("rooms:read", "themes:read")],
)
async def test_both_read_scopes_are_needed(scopes: str, missing: str) -> None:
    async with gateway(jwt_settings()) as gw:
        theme = (
            await gw.data(
                'mutation { createTheme(input: {mainColor: "#fff", brandText: "x"}) { id } }',
                token=make_token("themes:write"),
            )
        )["createTheme"]
        variables = {"themeId": theme["id"], "first": 5}
        error = await gw.error(THEME_ROOMS, variables, token=make_token(scopes))
        allowed = await gw.data(THEME_ROOMS, variables, token=make_token("themes:read rooms:read"))
        asked = len(requests_to(gw.sandbox("vonage"), "GET", "/rooms"))
    assert error["extensions"] == {"code": "FORBIDDEN", "scope": missing}
    assert allowed["themeRooms"]["nodes"] == []
    assert asked == 1
