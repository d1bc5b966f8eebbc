"""Room mutations end to end: create, update, close, validation, provider errors, webhooks."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from tests.gateway.graphql.helpers import Gateway, gateway, requests_to
from tests.support import gateway_settings

CREATE = """
mutation($input: CreateRoomInput!) {
  createRoom(input: $input) {
    id provider nativeId displayName kind createdAt expiresAt available hostUrl guestUrl
    metadata themeId recording { autoRecord recordOnlyOwner } raw
  }
}
"""
UPDATE = """
mutation($id: ID!, $input: UpdateRoomInput!) {
  updateRoom(id: $id, input: $input) { id expiresAt themeId joinApproval }
}
"""
CLOSE = "mutation($id: ID!) { closeRoom(id: $id) { id available } }"
ROOM = "query($id: ID!) { room(id: $id) { id available expiresAt } }"


def in_days(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0).isoformat()


async def create(gw: Gateway, **fields: Any) -> dict[str, Any]:
    data = await gw.data(CREATE, {"input": {"displayName": "Standup", **fields}})
    room: dict[str, Any] = data["createRoom"]
    return room


def posts(gw: Gateway, name: str) -> list[str]:
    return [request.content.decode() for request in requests_to(gw.sandbox(name), "POST")]


@pytest.mark.parametrize("provider", ["VONAGE", "METERED", "VIDEOSDK"])
async def test_create_room_then_read_it(provider: str) -> None:
    async with gateway() as gw:
        room = await create(gw, provider=provider)
        again = await gw.data(ROOM, {"id": room["id"]})
    assert room["provider"] == provider
    assert room["id"] == f"{provider.lower()}:{room['nativeId']}"
    assert room["available"] is True
    assert room["createdAt"].endswith("Z")
    assert again["room"]["id"] == room["id"]


async def test_create_maps_every_input_field() -> None:
    expires = in_days(30)
    async with gateway() as gw:
        room = await create(
            gw,
            provider="VONAGE",
            kind="LONG_TERM",
            expiresAt=expires,
            metadata="weekly",
            recording={"autoRecord": True},
            joinApproval="EXPLICIT_APPROVAL",
            providerOptions={"expire_after_use": True},
        )
        (body,) = posts(gw, "vonage")
    assert room["kind"] == "LONG_TERM"
    assert room["expiresAt"] == expires.replace("+00:00", "Z")
    assert room["metadata"] == "weekly"
    assert room["recording"] == {"autoRecord": True, "recordOnlyOwner": False}
    sent = json.loads(body)
    assert sent["expire_after_use"] is True
    assert sent["join_approval_level"] == "explicit_approval"


async def test_an_offset_other_than_utc_is_converted() -> None:
    local = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    async with gateway() as gw:
        room = await create(
            gw,
            provider="VONAGE",
            kind="LONG_TERM",
            expiresAt=local.astimezone(timezone(timedelta(hours=2))).isoformat(),
        )
    assert room["expiresAt"] == local.isoformat().replace("+00:00", "Z")


async def test_update_and_close_a_room() -> None:
    async with gateway() as gw:
        room = await create(gw, provider="VONAGE", kind="LONG_TERM", expiresAt=in_days(30))
        later = in_days(60)
        updated = await gw.data(UPDATE, {"id": room["id"], "input": {"expiresAt": later}})
        closed = await gw.data(CLOSE, {"id": room["id"]})
        metered = await create(gw, provider="METERED")
        archived = await gw.data(CLOSE, {"id": metered["id"]})
    assert updated["updateRoom"]["expiresAt"] == later.replace("+00:00", "Z")
    assert closed["closeRoom"]["id"] == room["id"]
    assert archived["closeRoom"] == {"id": metered["id"], "available": False}


async def test_the_default_provider_serves_creates_without_a_provider() -> None:
    async with gateway(gateway_settings(default_provider="metered")) as gw:
        room = await create(gw)
    assert room["provider"] == "METERED"


async def test_the_only_provider_that_creates_is_the_default() -> None:
    async with gateway() as gw:
        for name in ("vonage", "videosdk"):  # leave Metered as the only configured provider
            handle = gw.services.providers[name]
            assert handle.adapter is not None
            await handle.adapter.aclose()
            handle.adapter = None
        room = await create(gw)
    assert room["provider"] == "METERED"


async def test_without_a_default_the_provider_is_required() -> None:
    async with gateway() as gw:
        error = await gw.error(CREATE, {"input": {"displayName": "Standup"}})
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "provider"}


NAIVE = "2030-01-01T10:00:00"

INVALID_CREATES = [
    ({"displayName": "   "}, "displayName"),
    ({"themeId": "metered:5f0d"}, "themeId"),
    ({"themeId": "no-provider"}, "themeId"),
    ({"themeId": "zoom:42"}, "themeId"),
    ({"kind": "LONG_TERM", "expiresAt": NAIVE}, "expiresAt"),
    ({"providerOptions": [1, 2]}, "providerOptions"),
    ({"providerOptions": "text"}, "providerOptions"),
    ({"idempotencyKey": ""}, "idempotencyKey"),
    ({"idempotencyKey": "k" * 256}, "idempotencyKey"),
]


@pytest.mark.parametrize(("fields", "field"), INVALID_CREATES)
async def test_gateway_validation_names_the_field_before_any_provider_call(
    fields: dict[str, Any], field: str
) -> None:
    async with gateway() as gw:
        error = await gw.error(
            CREATE, {"input": {"provider": "VONAGE", "displayName": "Standup", **fields}}
        )
        sent = posts(gw, "vonage")
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field}
    assert sent == []


@pytest.mark.parametrize(
    ("provider", "fields", "field"),
    [
        ("VONAGE", {"providerOptions": {"bogus": 1}}, "providerOptions.bogus"),
        ("METERED", {"providerOptions": {"bogus": 1}}, "providerOptions.bogus"),
        ("VIDEOSDK", {"providerOptions": {"bogus": 1}}, "providerOptions.bogus"),
        ("METERED", {"metadata": "not at Metered"}, "metadata"),
        ("VONAGE", {"kind": "LONG_TERM"}, "expiresAt"),
    ],
)
async def test_provider_validation_names_the_field(
    provider: str, fields: dict[str, Any], field: str
) -> None:
    async with gateway() as gw:
        error = await gw.error(
            CREATE, {"input": {"provider": provider, "displayName": "Standup", **fields}}
        )
        sent = posts(gw, provider.lower())
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == field
    assert error["extensions"]["provider"] == provider.lower()
    assert sent == []


async def test_a_naive_datetime_literal_names_the_field() -> None:
    query = (
        'mutation { createRoom(input: {provider: VONAGE, displayName: "x", kind: LONG_TERM,'
        f' expiresAt: "{NAIVE}"}}) {{ id }} }}'
    )
    async with gateway() as gw:
        error = await gw.error(query)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "expiresAt"}
    assert "UTC offset" in error["message"]


async def test_a_datetime_that_is_not_iso_8601_is_bad_input() -> None:
    async with gateway() as gw:
        error = await gw.error(
            CREATE, {"input": {"provider": "VONAGE", "displayName": "x", "expiresAt": "soon"}}
        )
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "expiresAt"}
    assert "at .expiresAt: expected an ISO-8601" in error["message"]


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"id": "nonsense", "input": {"expiresAt": "2030-01-01T00:00:00Z"}}, "id"),
        ({"id": "vonage:5f0d", "input": {"expiresAt": NAIVE}}, "expiresAt"),
        ({"id": "vonage:5f0d", "input": {"themeId": "metered:x"}}, "themeId"),
        ({"id": "vonage:5f0d", "input": {"providerOptions": 3}}, "providerOptions"),
    ],
)
async def test_update_validation_names_the_field(variables: dict[str, Any], field: str) -> None:
    async with gateway() as gw:
        error = await gw.error(UPDATE, variables)
        sent = requests_to(gw.sandbox("vonage"), "PATCH")
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field}
    assert sent == []


async def test_an_operation_the_provider_lacks_is_unsupported() -> None:
    async with gateway() as gw:
        room = await create(gw, provider="VIDEOSDK")
        error = await gw.error(UPDATE, {"id": room["id"], "input": {"expiresAt": in_days(1)}})
    assert error["extensions"]["code"] == "UNSUPPORTED"
    assert error["extensions"]["provider"] == "videosdk"


async def test_closing_an_unknown_room_is_not_found() -> None:
    async with gateway() as gw:
        error = await gw.error(CLOSE, {"id": "videosdk:abc-defg-hij"})
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert error["extensions"]["provider"] == "videosdk"


@pytest.mark.parametrize(
    ("fault", "code", "retryable"),
    [
        ({"status": 429, "retry_after": 7}, "RATE_LIMITED", True),
        ({"status": 503}, "PROVIDER_UNAVAILABLE", True),
        ({"status": 500}, "PROVIDER_UNAVAILABLE", True),
        # a create that timed out after it was sent may have happened: not retryable
        ({"timeout": True}, "PROVIDER_TIMEOUT", False),
        ({"status": 401}, "PROVIDER_AUTH", False),
    ],
)
async def test_provider_failures_keep_their_code(
    fault: dict[str, Any], code: str, retryable: bool
) -> None:
    async with gateway() as gw:
        gw.sandbox("metered").inject(**fault)
        error = await gw.error(CREATE, {"input": {"provider": "METERED", "displayName": "x"}})
        attempts = requests_to(gw.sandbox("metered"), "POST")
    assert error["extensions"]["code"] == code
    assert error["extensions"]["provider"] == "metered"
    assert error["extensions"]["retryable"] is retryable
    assert len(attempts) == 1  # creates are never retried
    if code == "RATE_LIMITED":
        assert error["extensions"]["retryAfter"] == 7


@pytest.mark.parametrize(
    ("provider", "token"),
    [("vonage", "sandbox-webhook-token"), ("metered", "sandbox-webhook-token"), ("videosdk", None)],
)
async def test_create_registers_the_gateway_webhooks(provider: str, token: str | None) -> None:
    async with gateway(gateway_settings(public_url="https://gw.example/base/")) as gw:
        await create(gw, provider=provider.upper())
        (body,) = posts(gw, provider)
    assert f"https://gw.example/base/webhooks/{provider}" in body
    if token is not None:
        assert f"token={token}" in body


@pytest.mark.parametrize("provider", ["vonage", "metered", "videosdk"])
async def test_nothing_is_registered_without_a_public_url(provider: str) -> None:
    async with gateway() as gw:
        await create(gw, provider=provider.upper())
        (body,) = posts(gw, provider)
    assert "/webhooks/" not in body
