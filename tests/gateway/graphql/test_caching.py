"""Single rooms and themes are read through a short cache that mutations keep fresh."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.gateway.graphql.helpers import Gateway, gateway, requests_to
from tests.support import gateway_settings

ROOM = "query($id: ID!) { room(id: $id) { id expiresAt themeId } }"
ROOMS = "{ rooms(provider: VONAGE) { nodes { id expiresAt } } }"
THEME = "query($id: ID!) { theme(id: $id) { id name } }"
THEMES = "{ themes { id name } }"


def in_days(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0).isoformat()


def as_output(value: str) -> str:
    return value.replace("+00:00", "Z")


def reads(gw: Gateway, path: str) -> int:
    return len(requests_to(gw.sandbox("vonage"), "GET", path))


def cached(store: str, **overrides: Any) -> Any:
    redis = "redis://127.0.0.1:6379/0" if store == "redis" else None
    return gateway_settings(redis_url=redis, cache_ttl_seconds=30, **overrides)


async def seed_room(gw: Gateway) -> str:
    (native,) = gw.sandbox("vonage").seed_rooms(1)
    return native


@pytest.mark.parametrize("store", ["memory", "redis"])
async def test_a_room_is_read_once_within_the_ttl(store: str) -> None:
    async with gateway(cached(store)) as gw:
        native = await seed_room(gw)
        first = await gw.data(ROOM, {"id": f"vonage:{native}"})
        second = await gw.data(ROOM, {"id": f"vonage:{native}"})
        count = reads(gw, f"/rooms/{native}")
    assert first == second
    assert count == 1


@pytest.mark.parametrize("store", ["memory", "redis"])
async def test_an_update_is_visible_at_once_in_room_and_rooms(store: str) -> None:
    later = in_days(90)
    async with gateway(cached(store)) as gw:
        native = await seed_room(gw)
        room_id = f"vonage:{native}"
        await gw.data(ROOM, {"id": room_id})
        await gw.data(
            "mutation($id: ID!, $at: DateTime) {"
            " updateRoom(id: $id, input: {expiresAt: $at}) { id } }",
            {"id": room_id, "at": later},
        )
        single = await gw.data(ROOM, {"id": room_id})
        listed = await gw.data(ROOMS)
    assert single["room"]["expiresAt"] == as_output(later)
    assert listed["rooms"]["nodes"] == [{"id": room_id, "expiresAt": as_output(later)}]


@pytest.mark.parametrize("store", ["memory", "redis"])
async def test_theme_mutations_refresh_cached_themes_and_rooms(store: str) -> None:
    async with gateway(cached(store)) as gw:
        created = await gw.data(
            'mutation { createTheme(input: {mainColor: "#123456", brandText: "A"}) { id } }'
        )
        theme_id = created["createTheme"]["id"]
        room = await gw.data(
            "mutation($input: CreateRoomInput!) { createRoom(input: $input) { id } }",
            {
                "input": {
                    "provider": "VONAGE",
                    "displayName": "R",
                    "kind": "LONG_TERM",
                    "expiresAt": in_days(5),
                    "themeId": theme_id,
                }
            },
        )
        room_id = room["createRoom"]["id"]
        assert (await gw.data(ROOM, {"id": room_id}))["room"]["themeId"] == theme_id
        await gw.data(THEME, {"id": theme_id})
        await gw.data(
            'mutation($id: ID!) { updateTheme(id: $id, input: {name: "New"}) { id } }',
            {"id": theme_id},
        )
        renamed = await gw.data(THEME, {"id": theme_id})
        listed = await gw.data(THEMES)
        await gw.data("mutation($id: ID!) { deleteTheme(id: $id, force: true) }", {"id": theme_id})
        gone = await gw.data(THEME, {"id": theme_id})
        rethemed = await gw.data(ROOM, {"id": room_id})
    assert renamed["theme"] == {"id": theme_id, "name": "New"}
    assert listed["themes"] == [{"id": theme_id, "name": "New"}]
    assert gone == {"theme": None}
    assert rethemed["room"]["themeId"] != theme_id


async def test_a_zero_ttl_turns_the_cache_off() -> None:
    async with gateway(gateway_settings(cache_ttl_seconds=0)) as gw:
        native = await seed_room(gw)
        for _ in range(2):
            await gw.data(ROOM, {"id": f"vonage:{native}"})
        count = reads(gw, f"/rooms/{native}")
    assert count == 2


async def test_lists_are_not_cached_by_the_read_through_cache() -> None:
    # whole lists read to be ordered are kept a few seconds of their own (providers._listing)
    no_list_memory = {"vonage": {"listing": {"cache_seconds": 0}}}
    async with gateway(cached("memory", providers=no_list_memory)) as gw:
        await seed_room(gw)
        for _ in range(2):
            await gw.data(ROOMS)
            await gw.data(THEMES)
        room_lists, theme_lists = reads(gw, "/rooms"), reads(gw, "/themes")
    assert (room_lists, theme_lists) == (2, 2)
