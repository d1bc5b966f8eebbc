"""Introspection: off unless turned on (``gateway dev`` turns it on), refused with a code."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from gateway.settings import Settings
from tests.gateway.test_cli import running
from tests.support import asgi_client, gateway_settings

SCHEMA = {"query": "{ __schema { queryType { name } } }"}
TYPE = {"query": '{ __type(name: "Room") { name } }'}
REFUSED = {
    "message": "introspection is disabled on this server",
    "locations": [{"line": 1, "column": 3}],
    "extensions": {"code": "FORBIDDEN"},
}


async def _post(settings: Settings, body: dict[str, Any]) -> dict[str, Any]:
    async with asgi_client(settings) as client:
        response = await client.post("/graphql", json=body)
    result: dict[str, Any] = response.json()
    return result


@pytest.mark.parametrize("body", [SCHEMA, TYPE], ids=["__schema", "__type"])
async def test_off_when_unset(body: dict[str, Any]) -> None:
    result = await _post(gateway_settings(), body)
    assert result == {"errors": [REFUSED]}


async def test_typename_is_not_introspection() -> None:
    result = await _post(gateway_settings(), {"query": "{ __typename }"})
    assert result == {"data": {"__typename": "Query"}}


async def test_on_when_set() -> None:
    result = await _post(gateway_settings(introspection=True), SCHEMA)
    assert result == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


async def test_the_environment_turns_it_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_INTROSPECTION", "true")
    result = await _post(Settings(sandbox=True, auth={"mode": "none"}), SCHEMA)
    assert "errors" not in result


@pytest.mark.parametrize(
    ("args", "variables", "allowed"),
    [
        (("serve", "--insecure"), {}, False),
        (("serve", "--insecure"), {"GATEWAY_INTROSPECTION": "true"}, True),
        (("dev",), {}, True),
        (("dev",), {"GATEWAY_INTROSPECTION": "false"}, False),
    ],
    ids=["serve", "serve-on", "dev", "dev-off"],
)
def test_by_command_unless_set(
    args: tuple[str, ...], variables: dict[str, str], allowed: bool
) -> None:
    with running(*args, **variables) as (base, _):
        result = httpx.post(f"{base}/graphql", json=SCHEMA).json()
    assert ("errors" not in result) is allowed
