"""``createRoom`` with an ``idempotencyKey``: one room per key and input, across retries
and replicas."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import jwt
import pytest

from gateway.settings import Settings
from tests.gateway.graphql.helpers import Gateway, gateway, requests_to
from tests.support import JWT_SECRET, gateway_settings, jwt_settings

REDIS_URL = "redis://127.0.0.1:6379/0"

CREATE = "mutation($input: CreateRoomInput!) { createRoom(input: $input) { id displayName } }"


def room_input(key: str, **fields: Any) -> dict[str, Any]:
    return {
        "input": {"provider": "METERED", "displayName": "Standup", "idempotencyKey": key, **fields}
    }


def creates(gw: Gateway) -> int:
    return len(requests_to(gw.sandbox("metered"), "POST", "/room"))


def settings_for(store: str, **overrides: Any) -> Settings:
    return gateway_settings(redis_url=REDIS_URL if store == "redis" else None, **overrides)


@pytest.mark.parametrize("store", ["memory", "redis"])
async def test_twenty_concurrent_retries_create_one_room(store: str) -> None:
    variables = room_input(str(uuid.uuid4()))
    async with gateway(settings_for(store)) as gw:
        gw.sandbox("metered").latency = 0.05  # the winner is still creating while others arrive
        results = await asyncio.gather(*(gw.data(CREATE, variables) for _ in range(20)))
        posts = creates(gw)
    assert {result["createRoom"]["id"] for result in results} == {results[0]["createRoom"]["id"]}
    assert posts == 1


async def test_replicas_sharing_redis_create_one_room() -> None:
    variables = room_input(str(uuid.uuid4()))
    async with gateway(settings_for("redis")) as one, gateway(settings_for("redis")) as two:
        one.sandbox("metered").latency = two.sandbox("metered").latency = 0.05
        calls = [gw.data(CREATE, variables) for gw in (one, two) for _ in range(10)]
        results = await asyncio.gather(*calls)
        posts = creates(one) + creates(two)
    assert len({result["createRoom"]["id"] for result in results}) == 1
    assert posts == 1


@pytest.mark.parametrize("store", ["memory", "redis"])
async def test_a_later_retry_returns_the_first_room(store: str) -> None:
    key = str(uuid.uuid4())
    async with gateway(settings_for(store)) as gw:
        first = await gw.data(CREATE, room_input(key))
        again = await gw.data(CREATE, room_input(key))
        other = await gw.data(CREATE, room_input(str(uuid.uuid4())))
        posts = creates(gw)
    assert again == first
    assert other["createRoom"]["id"] != first["createRoom"]["id"]
    assert posts == 2


@pytest.mark.parametrize("store", ["memory", "redis"])
async def test_the_same_key_with_another_input_is_refused(store: str) -> None:
    key = str(uuid.uuid4())
    async with gateway(settings_for(store)) as gw:
        await gw.data(CREATE, room_input(key))
        error = await gw.error(CREATE, room_input(key, displayName="Retro"))
        posts = creates(gw)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "idempotencyKey"}
    assert posts == 1


async def test_a_failed_create_can_be_retried_with_the_same_key() -> None:
    key = str(uuid.uuid4())
    async with gateway() as gw:
        gw.sandbox("metered").inject(status=503, times=1)
        error = await gw.error(CREATE, room_input(key))
        room = await gw.data(CREATE, room_input(key))
        posts = creates(gw)
    assert error["extensions"]["code"] == "PROVIDER_UNAVAILABLE"
    assert room["createRoom"]["id"].startswith("metered:")
    assert posts == 2


@pytest.mark.parametrize("store", ["memory", "redis"])
async def test_a_create_that_may_have_happened_is_not_repeated(store: str) -> None:
    key = str(uuid.uuid4())
    async with gateway(settings_for(store)) as gw:
        gw.sandbox("metered").inject(timeout=True, times=1)  # sent, answer never read
        first = await gw.error(CREATE, room_input(key))
        retry = await gw.error(CREATE, room_input(key))
        fresh = await gw.data(CREATE, room_input(str(uuid.uuid4())))
        posts = creates(gw)
    assert first["extensions"]["code"] == "PROVIDER_TIMEOUT"
    assert first["extensions"]["retryable"] is False
    assert retry["extensions"] == {"code": "BAD_USER_INPUT", "field": "idempotencyKey"}
    assert "outcome is unknown" in retry["message"]
    assert fresh["createRoom"]["id"].startswith("metered:")
    assert posts == 2  # the timed-out create and the one with a new key; never a repeat


async def test_keys_expire_after_the_retention_window() -> None:
    key = str(uuid.uuid4())
    async with gateway(gateway_settings(idempotency_ttl_seconds=1)) as gw:
        first = await gw.data(CREATE, room_input(key))
        await asyncio.sleep(1.3)
        second = await gw.data(CREATE, room_input(key))
    assert first["createRoom"]["id"] != second["createRoom"]["id"]


def _token(**claims: Any) -> str:
    now = int(time.time())
    payload = {"scope": "rooms:write", "iat": now, "exp": now + 300, **claims}
    return jwt.encode(payload, JWT_SECRET, algorithm="HS256")


async def test_tokens_without_a_subject_cannot_share_keys() -> None:
    variables = room_input(str(uuid.uuid4()))
    async with gateway(jwt_settings()) as gw:
        first = await gw.execute(CREATE, variables, token=_token(jti="one"))
        second = await gw.execute(CREATE, variables, token=_token(jti="two"))
        posts = creates(gw)
    for result in (first, second):
        [error] = result["errors"]
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "idempotencyKey"}
    assert posts == 0


async def test_a_token_without_a_subject_creates_without_a_key() -> None:
    variables = room_input("unused")
    del variables["input"]["idempotencyKey"]
    async with gateway(jwt_settings()) as gw:
        await gw.data(CREATE, variables, token=_token())
        posts = creates(gw)
    assert posts == 1


async def test_subjects_and_keys_cannot_combine_into_anothers_scope() -> None:
    async with gateway(jwt_settings()) as gw:
        one = await gw.data(CREATE, room_input("c"), token=_token(sub="a:b"))
        two = await gw.data(CREATE, room_input("b:c"), token=_token(sub="a"))
        posts = creates(gw)
    assert one["createRoom"]["id"] != two["createRoom"]["id"]
    assert posts == 2


@pytest.mark.parametrize(
    "subjects",
    [
        pytest.param(({"sub": "same"}, {"sub": "same"}, {"sub": "other"}), id="with-sub"),
        pytest.param(({"jti": "1"}, {"jti": "2"}, {"jti": "3"}), id="without-sub"),
    ],
)
async def test_keys_are_the_tenants_whoever_uses_them(subjects: tuple[dict[str, str], ...]) -> None:
    acme, globex, other_acme = subjects
    variables = room_input(str(uuid.uuid4()))
    async with gateway(jwt_settings()) as gw:
        first = await gw.data(CREATE, variables, token=_token(tenant="acme", **acme))
        second = await gw.data(CREATE, variables, token=_token(tenant="globex", **globex))
        retry = await gw.data(CREATE, variables, token=_token(tenant="acme", **other_acme))
        posts = creates(gw)
    assert first["createRoom"]["id"] != second["createRoom"]["id"]
    assert retry == first  # another user of the tenant retries the same create
    assert posts == 2


async def test_a_tenant_cannot_name_its_way_into_a_subjects_keys() -> None:
    async with gateway(jwt_settings()) as gw:
        subject = await gw.data(CREATE, room_input("k"), token=_token(sub="@acme"))
        tenant = await gw.data(CREATE, room_input("k"), token=_token(tenant="acme"))
    assert subject["createRoom"]["id"] != tenant["createRoom"]["id"]
