"""Queries and mutations over one WebSocket connection (graphql-transport-ws), live server."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from tests.support import live_server

_ids = itertools.count(1)


@asynccontextmanager
async def connection() -> AsyncIterator[ClientConnection]:
    with live_server() as base:
        url = base.replace("http://", "ws://") + "/graphql"
        protocols = [Subprotocol("graphql-transport-ws")]
        async with connect(url, subprotocols=protocols, open_timeout=5) as ws:
            await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            yield ws


async def run(
    ws: ClientConnection, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The one ``next`` (or ``error``) payload of an operation."""
    op_id = str(next(_ids))
    payload = {"query": query, "variables": variables or {}}
    await ws.send(json.dumps({"id": op_id, "type": "subscribe", "payload": payload}))
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
        if message.get("id") != op_id:
            continue
        if message["type"] == "error":
            return {"errors": message["payload"]}
        assert message["type"] == "next", message
        result: dict[str, Any] = message["payload"]
        return result


async def data(ws: ClientConnection, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    result = await run(ws, query, variables)
    assert "errors" not in result, result
    values: dict[str, Any] = result["data"]
    return values


CREATE_THEME = "mutation($i: CreateThemeInput!) { createTheme(input: $i) { id } }"
RENAME_THEME = (
    "mutation($id: ID!, $i: UpdateThemeInput!) { updateTheme(id: $id, input: $i) { id } }"
)
CREATE_ROOM = "mutation($i: CreateRoomInput!) { createRoom(input: $i) { id } }"
ROOM_THEME = "query($id: ID!) { room(id: $id) { theme { name } } }"


async def test_a_theme_renamed_on_the_connection_is_read_renamed_by_the_next_query() -> None:
    expires = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    async with connection() as ws:
        theme = await data(
            ws, CREATE_THEME, {"i": {"name": "Before", "mainColor": "#12f64e", "brandText": "Acme"}}
        )
        theme_id = theme["createTheme"]["id"]
        room_input = {
            "provider": "VONAGE",
            "displayName": "Room",
            "kind": "LONG_TERM",
            "expiresAt": expires,
            "themeId": theme_id,
        }
        room = await data(ws, CREATE_ROOM, {"i": room_input})
        room_id = room["createRoom"]["id"]
        before = await data(ws, ROOM_THEME, {"id": room_id})
        await data(ws, RENAME_THEME, {"id": theme_id, "i": {"name": "After"}})
        after = await data(ws, ROOM_THEME, {"id": room_id})
    assert before["room"]["theme"] == {"name": "Before"}
    assert after["room"]["theme"] == {"name": "After"}


async def test_a_variable_of_the_wrong_type_names_its_field_over_a_websocket() -> None:
    async with connection() as ws:
        result = await run(ws, CREATE_ROOM, {"i": {"displayName": "x", "expiresAt": "soon"}})
    [error] = result["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "expiresAt"}
    assert "at .expiresAt: expected an ISO-8601" in error["message"]
