"""``/metrics`` after real traffic over ASGI: the counters move, label values stay bounded,
and the endpoint can be protected, moved or turned off."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

from gateway.observability.metrics import MAX_OPERATION_NAME_LENGTH
from providers._observe import operation_of
from tests.gateway.graphql.helpers import Gateway, gateway
from tests.gateway.observability.scrape import Samples, label_values, scrape, total
from tests.support import asgi_client, gateway_settings

CREATE = """
mutation CreateStandup($input: CreateRoomInput!) {
  createRoom(input: $input) { id nativeId }
}
"""
READ = "query ReadRoom($id: ID!) { room(id: $id) { id } }"
TOKEN = "sandbox-webhook-token"
JOINED = {
    "event": "session:participant:joined",
    "participant_id": "p-metrics",
    "session_id": "s-metrics",
    "room_id": "room-metrics",
    "name": "Ann",
    "type": "Guest",
    "is_host": False,
}
#: a provider operation: a method and a path of literal segments and ``{id}``
TEMPLATE = re.compile(
    r"^(GET|POST|PUT|PATCH|DELETE) (external|/([\w-]+|\{id\})(/([\w-]+|\{id\}))*|/)$"
)


def delta(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return total(after, name, **labels) - total(before, name, **labels)


async def webhook(gw: Gateway, token: str) -> int:
    response = await gw.client.post("/webhooks/vonage", params={"token": token}, json=JOINED)
    return response.status_code


async def traffic(gw: Gateway) -> dict[str, Any]:
    created = (await gw.data(CREATE, {"input": {"provider": "VONAGE", "displayName": "x"}}))[
        "createRoom"
    ]
    for _ in range(2):
        await gw.data(READ, {"id": created["id"]})
    missing = {"id": f"vonage:{uuid.uuid4()}"}
    assert (await gw.data(READ, missing))["room"] is None
    refused = await gw.error(READ, {"id": "zoom:1"})
    assert refused["extensions"]["code"] == "BAD_USER_INPUT"
    await gw.data("{ providers { id } }")
    assert [await webhook(gw, TOKEN) for _ in range(2)] == [204, 204]
    assert await webhook(gw, "wrong-token") == 401
    return dict(created)


async def test_counters_move_with_traffic() -> None:
    async with gateway() as gw:
        before = await scrape(gw.client)
        room = await traffic(gw)
        after = await scrape(gw.client)

    def moved(name: str, **labels: str) -> float:
        return delta(before, after, name, **labels)

    requests = "gateway_graphql_requests_total"
    assert moved(requests, operation="CreateStandup", type="mutation", outcome="ok") == 1
    assert moved(requests, operation="ReadRoom", type="query", outcome="ok") == 3
    assert moved(requests, operation="ReadRoom", outcome="BAD_USER_INPUT") == 1
    assert moved(requests, operation="anonymous", type="query", outcome="ok") == 1
    assert moved("gateway_graphql_request_duration_seconds_count", operation="ReadRoom") == 4
    calls = "gateway_provider_calls_total"
    assert moved(calls, provider="vonage", operation="POST /rooms", outcome="ok") == 1
    missing = {"operation": "GET /rooms/{id}", "outcome": "ResourceNotFound"}
    assert moved(calls, provider="vonage", **missing) == 1
    assert moved("gateway_provider_call_duration_seconds_count", provider="vonage") == 2
    assert moved("gateway_provider_tokens_minted_total", provider="vonage") == 1
    # the created room was cached as createRoom returned it
    assert moved("gateway_cache_requests_total", kind="room", result="hit") == 2
    assert moved("gateway_cache_requests_total", kind="room", result="miss") == 1
    assert moved("gateway_webhooks_received_total", provider="vonage") == 3
    assert moved("gateway_webhooks_verified_total", provider="vonage") == 2
    assert moved("gateway_webhooks_rejected_total", provider="vonage", reason="auth") == 1
    assert moved("gateway_webhook_events_deduplicated_total", provider="vonage") == 1
    assert moved("gateway_events_published_total", provider="vonage") == 1
    operations = label_values(after, calls, "operation")
    assert all(TEMPLATE.match(operation) for operation in operations), operations
    assert not any(room["nativeId"] in operation for operation in operations)


async def test_operation_names_are_bounded() -> None:
    long_name = "Q" * 100
    async with gateway() as gw:
        await gw.data(f"query {long_name} {{ providers {{ id }} }}")
        samples = await scrape(gw.client)
    names = label_values(samples, "gateway_graphql_requests_total", "operation")
    assert "Q" * MAX_OPERATION_NAME_LENGTH in names
    assert long_name not in names


async def chunks() -> AsyncIterator[bytes]:
    for _ in range(10):
        yield b" " * 20


async def test_oversized_requests_count_by_the_limit_that_applied() -> None:
    settings = gateway_settings(limits={"max_webhook_body_bytes": 64})
    async with gateway(settings) as gw:
        before = await scrape(gw.client)
        declared = await gw.client.post("/webhooks/vonage", content=b" " * 100)
        streamed = await gw.client.post("/webhooks/vonage", content=chunks())
        graphql = await gw.client.post("/graphql", content=b" " * 2_000_000)
        after = await scrape(gw.client)
    assert declared.status_code == streamed.status_code == graphql.status_code == 413
    assert delta(before, after, "gateway_requests_too_large_total", limit="/webhooks") == 2
    assert delta(before, after, "gateway_requests_too_large_total", limit="default") == 1


async def test_a_token_protects_the_endpoint() -> None:
    settings = gateway_settings(metrics={"token": "scrape-token"})
    async with asgi_client(settings) as client:
        missing = await client.get("/metrics")
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
        right = await client.get("/metrics", headers={"Authorization": "Bearer scrape-token"})
    assert missing.status_code == wrong.status_code == 401
    assert "scrape-token" not in missing.text
    assert right.status_code == 200
    assert "gateway_graphql_requests_total" in right.text


async def test_the_endpoint_can_move_or_be_turned_off() -> None:
    async with asgi_client(gateway_settings(metrics={"path": "/internal/metrics"})) as client:
        moved = await client.get("/internal/metrics")
        old = await client.get("/metrics")
    async with asgi_client(gateway_settings(metrics={"enabled": False})) as client:
        off = await client.get("/metrics")
    assert moved.status_code == 200
    assert old.status_code == off.status_code == 404


def test_a_metrics_path_may_not_hide_another_route() -> None:
    for path in ("/graphql", "/webhooks/x", "/", "metrics"):
        try:
            gateway_settings(metrics={"path": path})
        except ValueError:
            continue
        raise AssertionError(f"{path} was accepted")


async def test_metrics_need_no_graphql_credentials() -> None:
    settings = gateway_settings(auth={"mode": "jwt", "jwt_secret": "x" * 40})
    async with asgi_client(settings) as client:
        graphql = await client.post("/graphql", json={"query": "{ __typename }"})
        metrics = await client.get("/metrics")
    assert graphql.status_code == 401
    assert metrics.status_code == 200


def test_operation_templates_hide_ids() -> None:
    assert operation_of("get", "/rooms/4f1c2e") == "GET /rooms/{id}"
    assert operation_of("PUT", "/themes/abc/finalizeLogos") == "PUT /themes/{id}/finalizeLogos"
    assert operation_of("GET", "/room/my-standup?x=1") == "GET /room/{id}"
    assert operation_of("POST", "https://bucket.example/upload/key?sig=1") == "POST external"
