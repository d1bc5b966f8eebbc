"""Rate limits over HTTP: per client, failed authentications per IP, failed webhook
verifications per provider; 429 with Retry-After, RATE_LIMITED where the answer is GraphQL.
Small numbers per minute: no test waits for a window to pass."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from gateway.app import create_app
from gateway.cli import serve_defaults
from gateway.ratelimit import RateLimits
from gateway.settings import SERVE_CLIENT_RATE, Settings
from providers import WebhookDelivery
from tests.gateway.events.deliveries import gateway as webhook_gateway
from tests.gateway.test_ws import PROTOCOLS, close_code, send, socket, ws_server
from tests.support import asgi_client, gateway_settings, jwt_settings, make_token

REDIS_URL = "redis://127.0.0.1:6379/0"
QUERY = {"query": "{ __typename }"}


def bearer(sub: str) -> dict[str, str]:
    return {"authorization": f"Bearer {make_token(sub=sub)}"}


def assert_rate_limited(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    retry_after = int(response.headers["retry-after"])
    assert 1 <= retry_after <= 60
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "RATE_LIMITED", "retryAfter": retry_after}


async def test_requests_over_the_client_rate_are_429() -> None:
    settings = gateway_settings(limits={"client_rate": "3/minute"})
    async with asgi_client(settings) as client:
        for _ in range(3):
            assert (await client.post("/graphql", json=QUERY)).status_code == 200
        assert_rate_limited(await client.post("/graphql", json=QUERY))
        assert_rate_limited(await client.get("/graphql", params=QUERY))


async def test_each_token_subject_has_its_own_count() -> None:
    settings = jwt_settings()
    settings = settings.model_copy(
        update={"limits": settings.limits.model_copy(update={"client_rate": "2/minute"})}
    )
    async with asgi_client(settings) as client:
        for _ in range(2):
            response = await client.post("/graphql", json=QUERY, headers=bearer("ann"))
            assert response.status_code == 200
        assert_rate_limited(await client.post("/graphql", json=QUERY, headers=bearer("ann")))
        response = await client.post("/graphql", json=QUERY, headers=bearer("bob"))
        assert response.status_code == 200


async def test_an_empty_client_rate_turns_the_limit_off() -> None:
    settings = gateway_settings(limits={"client_rate": ""})
    async with asgi_client(settings) as client:
        for _ in range(30):
            assert (await client.post("/graphql", json=QUERY)).status_code == 200


async def test_failed_authentications_are_limited_per_address() -> None:
    settings = jwt_settings()
    limits = settings.limits.model_copy(update={"auth_failure_rate": "2/minute"})
    settings = settings.model_copy(update={"limits": limits})
    bad = {"authorization": "Bearer not-a-token"}
    async with asgi_client(settings) as client:
        for _ in range(2):
            assert (await client.post("/graphql", json=QUERY, headers=bad)).status_code == 401
        assert_rate_limited(await client.post("/graphql", json=QUERY, headers=bad))
        # even a good token from that address waits: the address is the suspect
        assert_rate_limited(await client.post("/graphql", json=QUERY, headers=bearer("ann")))


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_failed_websocket_authentications_count_against_the_address(protocol: str) -> None:
    settings = jwt_settings()
    limits = settings.limits.model_copy(update={"auth_failure_rate": "2/minute"})
    settings = settings.model_copy(update={"limits": limits})
    bad = {"authorization": "Bearer not-a-token"}
    good = {"authorization": f"Bearer {make_token('rooms:read', sub='ann')}"}
    with ws_server(settings) as url:
        for _ in range(2):
            async with socket(url, protocol) as ws:
                await send(ws, {"type": "connection_init", "payload": bad})
                assert await close_code(ws) == 4403
        for payload in (bad, good):  # even a good token from that address waits
            async with socket(url, protocol) as ws:
                await send(ws, {"type": "connection_init", "payload": payload})
                assert await close_code(ws) == 4429


def forged_vonage() -> WebhookDelivery:
    body = b'{"event": "session:started"}'
    return WebhookDelivery("", {"token": "wrong"}, {"content-type": "application/json"}, body)


async def test_failed_webhook_verifications_are_limited_per_provider() -> None:
    settings = gateway_settings(limits={"webhook_failure_rate": "2/minute"})
    async with webhook_gateway(settings) as gw:
        for _ in range(2):
            assert (await gw.post("vonage", forged_vonage())).status_code == 401
        refused = await gw.post("vonage", forged_vonage())
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) >= 1
        assert gw.services.ingest.stats.deliveries == 2  # the third was not even read
        other = WebhookDelivery("/joined", {"room": "r", "token": "nope"}, {}, b"")
        assert (await gw.post("metered", other)).status_code == 401


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    prefix = f"test-limits-{uuid.uuid4().hex}"
    yield prefix
    client: Redis = Redis.from_url(REDIS_URL)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


async def test_replicas_on_redis_share_the_counts(redis_prefix: str) -> None:
    limits: dict[str, Any] = {"client_rate": "3/minute", "rate_limit_prefix": redis_prefix}
    settings = gateway_settings(redis_url=REDIS_URL, limits=limits)
    async with (
        asgi_client(app=create_app(settings)) as first,
        asgi_client(app=create_app(settings)) as second,
    ):
        for client in (first, second, first):
            assert (await client.post("/graphql", json=QUERY)).status_code == 200
        assert_rate_limited(await second.post("/graphql", json=QUERY))


@pytest.mark.parametrize(
    ("configured", "effective"),
    [({}, SERVE_CLIENT_RATE), ({"client_rate": ""}, ""), ({"client_rate": "5/second"}, "5/second")],
)
def test_serve_limits_each_client_unless_told_otherwise(
    configured: dict[str, str], effective: str
) -> None:
    settings = Settings.model_validate({"limits": configured})
    assert serve_defaults(settings).limits.client_rate == effective


def test_an_app_built_directly_leaves_the_client_rate_off() -> None:
    assert RateLimits(gateway_settings().limits).client is None
