"""Rooms and events on a live gateway, over HTTP, for the tenant tests."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.gateway.tenants.tenants import CREATE

__all__ = ["create_live_room", "join_event"]


async def create_live_room(base: str, token: str) -> dict[str, Any]:
    """A new Vonage sandbox room created with ``token`` on the server at ``base``."""
    variables = {"input": {"provider": "VONAGE", "displayName": "Standup"}}
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base) as http:
        body = {"query": CREATE, "variables": variables}
        response = await http.post("/graphql", json=body, headers=headers)
    result = response.json()
    assert "errors" not in result, result
    room: dict[str, Any] = result["data"]["createRoom"]
    return room


async def join_event(base: str, native_id: str, name: str) -> None:
    """The sandbox's own webhook of a participant joining the room, through the real route."""
    body = {
        "type": "PARTICIPANT_JOINED",
        "sessionId": f"s-{native_id}",
        "participantId": uuid.uuid4().hex,
        "participantName": name,
    }
    async with httpx.AsyncClient(base_url=base) as http:
        response = await http.post(f"/sandbox/vonage/rooms/{native_id}/events", json=body)
    assert response.status_code == 202, response.text
