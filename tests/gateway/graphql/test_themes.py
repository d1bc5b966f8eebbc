"""Themes end to end: queries, mutations, validation, and ``Room.theme`` batching."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.gateway.graphql.helpers import Gateway, gateway, requests_to
from tests.support import gateway_settings

FIELDS = """
  id provider nativeId name mainColor brandText shortCompanyUrl brandImageColoredUrl
  brandImageWhiteUrl brandedFaviconUrl raw
"""
CREATE = f"mutation($input: CreateThemeInput!) {{ createTheme(input: $input) {{ {FIELDS} }} }}"
UPDATE = (
    "mutation($id: ID!, $input: UpdateThemeInput!)"
    f" {{ updateTheme(id: $id, input: $input) {{ {FIELDS} }} }}"
)
DELETE = "mutation($id: ID!, $force: Boolean!) { deleteTheme(id: $id, force: $force) }"
DEFAULT = "mutation($id: ID!) { setDefaultTheme(id: $id) { id } }"
THEMES = f"query($provider: Provider) {{ themes(provider: $provider) {{ {FIELDS} }} }}"
THEME = f"query($id: ID!) {{ theme(id: $id) {{ {FIELDS} }} }}"
CREATE_ROOM = """
mutation($input: CreateRoomInput!) { createRoom(input: $input) { id themeId theme { id name } } }
"""


async def create_theme(gw: Gateway, **fields: Any) -> dict[str, Any]:
    values = {"mainColor": "#12f64e", "brandText": "Acme", **fields}
    data = await gw.data(CREATE, {"input": values})
    theme: dict[str, Any] = data["createTheme"]
    return theme


def long_term_room(theme_id: str | None = None) -> dict[str, Any]:
    expires = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    room = {"provider": "VONAGE", "displayName": "Room", "kind": "LONG_TERM", "expiresAt": expires}
    return {"input": room | ({} if theme_id is None else {"themeId": theme_id})}


async def test_create_list_and_read_themes() -> None:
    async with gateway() as gw:
        theme = await create_theme(gw, name="Acme dark", shortCompanyUrl="acme-dark")
        every = await gw.data(THEMES)
        vonage = await gw.data(THEMES, {"provider": "VONAGE"})
        one = await gw.data(THEME, {"id": theme["id"]})
    assert theme["provider"] == "VONAGE"
    assert theme["id"] == f"vonage:{theme['nativeId']}"
    assert (theme["name"], theme["mainColor"], theme["brandText"]) == (
        "Acme dark",
        "#12f64e",
        "Acme",
    )
    assert theme["shortCompanyUrl"] == "acme-dark"
    assert theme["raw"]["theme_id"] == theme["nativeId"]
    assert every["themes"] == vonage["themes"] == [theme]
    assert one["theme"] == theme


async def test_update_set_default_and_delete() -> None:
    async with gateway() as gw:
        theme = await create_theme(gw)
        updated = await gw.data(UPDATE, {"id": theme["id"], "input": {"name": "Renamed"}})
        default = await gw.data(DEFAULT, {"id": theme["id"]})
        deleted = await gw.data(DELETE, {"id": theme["id"], "force": False})
        gone = await gw.data(THEME, {"id": theme["id"]})
        listed = await gw.data(THEMES)
    assert updated["updateTheme"]["name"] == "Renamed"
    assert updated["updateTheme"]["mainColor"] == theme["mainColor"]
    assert default["setDefaultTheme"]["id"] == theme["id"]
    assert deleted == {"deleteTheme": True}
    assert gone == {"theme": None}
    assert listed == {"themes": []}


async def test_a_theme_in_use_needs_force() -> None:
    async with gateway() as gw:
        theme = await create_theme(gw)
        room = (await gw.data(CREATE_ROOM, long_term_room(theme["id"])))["createRoom"]
        refused = await gw.error(DELETE, {"id": theme["id"], "force": False})
        forced = await gw.data(DELETE, {"id": theme["id"], "force": True})
        after = await gw.data("query($id: ID!) { room(id: $id) { themeId } }", {"id": room["id"]})
    assert room["theme"]["id"] == theme["id"]
    assert refused["extensions"]["code"] == "PROVIDER_ERROR"
    assert refused["extensions"]["provider"] == "vonage"
    assert forced == {"deleteTheme": True}
    assert after["room"]["themeId"] != theme["id"]


async def test_an_unknown_theme_is_null_and_a_malformed_id_is_bad_input() -> None:
    async with gateway() as gw:
        missing = await gw.data(THEME, {"id": f"vonage:{uuid.uuid4()}"})
        error = await gw.error(THEME, {"id": "vonage"})
    assert missing == {"theme": None}
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "id"}


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (THEMES, {"provider": "METERED"}),
        (THEME, {"id": "videosdk:abc"}),
        (CREATE, {"input": {"provider": "METERED", "mainColor": "#fff", "brandText": "x"}}),
        (UPDATE, {"id": "metered:abc", "input": {"name": "x"}}),
        (DELETE, {"id": "videosdk:abc", "force": True}),
        (DEFAULT, {"id": "metered:abc"}),
    ],
)
async def test_providers_without_themes_are_unsupported(
    query: str, variables: dict[str, Any]
) -> None:
    async with gateway() as gw:
        error = await gw.error(query, variables)
    assert error["extensions"]["code"] == "UNSUPPORTED"
    assert error["extensions"]["provider"] in {"metered", "videosdk"}


@pytest.mark.parametrize(
    ("query", "variables", "field"),
    [
        (CREATE, {"input": {"mainColor": " ", "brandText": "x"}}, "mainColor"),
        (CREATE, {"input": {"mainColor": "#fff", "brandText": ""}}, "brandText"),
        (CREATE, {"input": {"mainColor": "red", "brandText": "x"}}, "mainColor"),
        (UPDATE, {"id": "vonage:x", "input": {"mainColor": None}}, "mainColor"),
        (UPDATE, {"id": "vonage:x", "input": {"brandText": "  "}}, "brandText"),
        (UPDATE, {"id": "bad", "input": {"name": "x"}}, "id"),
        (DELETE, {"id": "", "force": False}, "id"),
    ],
)
async def test_theme_validation_names_the_field(
    query: str, variables: dict[str, Any], field: str
) -> None:
    async with gateway() as gw:
        error = await gw.error(query, variables)
        sent = [r for r in gw.sandbox("vonage").requests if r.method != "GET"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == field
    assert sent == []


async def test_room_themes_are_loaded_once_per_theme_per_request() -> None:
    async with gateway(gateway_settings(cache_ttl_seconds=0)) as gw:
        themes = [await create_theme(gw, name=f"theme {n}") for n in range(3)]
        await asyncio.gather(
            *(gw.data(CREATE_ROOM, long_term_room(themes[n % 3]["id"])) for n in range(100))
        )
        before = len(requests_to(gw.sandbox("vonage"), "GET", "/themes/"))
        data = await gw.data(
            "{ rooms(provider: VONAGE, first: 100) { nodes { themeId theme { id name } } } }"
        )
        lookups = len(requests_to(gw.sandbox("vonage"), "GET", "/themes/")) - before
    nodes = data["rooms"]["nodes"]
    assert len(nodes) == 100
    assert all(node["theme"]["id"] == node["themeId"] for node in nodes)
    assert {node["theme"]["name"] for node in nodes} == {"theme 0", "theme 1", "theme 2"}
    assert lookups == 3


async def test_a_room_whose_theme_is_gone_has_no_theme() -> None:
    async with gateway(gateway_settings(cache_ttl_seconds=0)) as gw:
        (native,) = gw.sandbox("vonage").seed_rooms(1)
        missing = str(uuid.uuid4())
        vonage: Any = gw.sandbox("vonage")
        vonage.rooms[native]["theme_id"] = missing  # a theme deleted behind the gateway
        data = await gw.data(
            "query($id: ID!) { room(id: $id) { themeId theme { id } } }", {"id": f"vonage:{native}"}
        )
    assert data == {"room": {"themeId": f"vonage:{missing}", "theme": None}}
