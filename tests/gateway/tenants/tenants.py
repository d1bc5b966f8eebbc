"""Tokens and documents shared by the tenant tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from gateway.auth import ALL_SCOPES
from tests.gateway.graphql.helpers import Gateway
from tests.support import make_token

__all__ = [
    "CLOSE",
    "CREATE",
    "JOIN",
    "ROOM",
    "ROOMS",
    "ROOM_STATE",
    "UPDATE",
    "create_room",
    "operator",
    "tenant",
    "without_tenant",
]

#: every scope a tenant's client may hold (not the operator's tenants:all)
TENANT_SCOPES = " ".join(sorted(ALL_SCOPES - {"tenants:all"}))

CREATE = """
mutation($input: CreateRoomInput!) { createRoom(input: $input) { id nativeId } }
"""
ROOM = "query($id: ID!) { room(id: $id) { id } }"
ROOMS = """
query($after: String) {
  rooms(provider: VONAGE, first: 2, after: $after) {
    nodes { id } pageInfo { hasNextPage endCursor }
  }
}
"""


def _in_days(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0).isoformat()


#: long-term rooms (instant ones cannot be changed), and a later expiry to change them to
_LONG_TERM, _LATER = {"kind": "LONG_TERM", "expiresAt": _in_days(2)}, _in_days(3)
UPDATE = f"""
mutation($id: ID!) {{ updateRoom(id: $id, input: {{expiresAt: "{_LATER}"}}) {{ id }} }}
"""
CLOSE = "mutation($id: ID!) { closeRoom(id: $id) { id } }"
JOIN = "mutation($id: ID!) { joinRoom(input: {roomId: $id}) { roomId url } }"
ROOM_STATE = "query($id: ID!) { roomState(roomId: $id) { roomId } }"


def tenant(name: str, **claims: Any) -> str:
    """A client token of tenant ``name``."""
    return make_token(TENANT_SCOPES, tenant=name, **claims)


def operator() -> str:
    """An operator's token: every scope, tenants:all, no tenant."""
    return make_token(" ".join(sorted(ALL_SCOPES | {"tenants:all"})))


def without_tenant() -> str:
    """A client token with no tenant claim."""
    return make_token(TENANT_SCOPES)


async def create_room(
    gw: Gateway, token: str, provider: str = "VONAGE", **fields: Any
) -> dict[str, Any]:
    """A new sandbox room (Vonage: long-term) created with ``token``: its ``id`` and
    ``nativeId``."""
    kind = _LONG_TERM if provider == "VONAGE" else {}
    variables = {"input": {"provider": provider, "displayName": "Standup", **kind, **fields}}
    room: dict[str, Any] = (await gw.data(CREATE, variables, token))["createRoom"]
    return room
