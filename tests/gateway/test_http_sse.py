"""GraphQL over Server-Sent Events (graphql-sse, distinct connections) on a live server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.gateway.probe_schema import SECRET_DETAIL, probe_app
from tests.support import gateway_settings, jwt_settings, live_server, make_token

SSE = "text/event-stream"


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    settings = gateway_settings()
    with live_server(app=probe_app(settings)) as base:
        yield base


def read_events(response: httpx.Response) -> list[tuple[str, Any]]:
    """``(event, data)`` pairs until ``complete``; comment lines (heartbeats) skipped."""
    events: list[tuple[str, Any]] = []
    event, data = "", ""
    for line in response.iter_lines():
        if line.startswith("event:"):
            event = line.removeprefix("event:").strip()
        elif line.startswith("data:"):
            data = line.removeprefix("data:").strip()
        elif line == "" and event:
            events.append((event, json.loads(data) if data else None))
            if event == "complete":
                return events
            event, data = "", ""
    return events


def stream(base: str, body: dict[str, Any], **headers: str) -> list[tuple[str, Any]]:
    headers = {"accept": SSE, **headers}
    with httpx.stream("POST", f"{base}/graphql", json=body, headers=headers, timeout=10) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith(SSE)
        assert r.headers["cache-control"].startswith("no-cache")
        return read_events(r)


def test_subscription_streams_every_result_then_completes(base_url: str) -> None:
    events = stream(base_url, {"query": "subscription { probeTicks(count: 3) }"})
    assert events == [
        ("next", {"data": {"probeTicks": 0}}),
        ("next", {"data": {"probeTicks": 1}}),
        ("next", {"data": {"probeTicks": 2}}),
        ("complete", None),
    ]


def test_get_subscription_over_sse(base_url: str) -> None:
    params = {"query": "subscription { probeTicks(count: 1) }"}
    with httpx.stream("GET", f"{base_url}/graphql", params=params, headers={"accept": SSE}) as r:
        assert r.status_code == 200
        assert read_events(r) == [("next", {"data": {"probeTicks": 0}}), ("complete", None)]


def test_query_over_sse_is_one_result(base_url: str) -> None:
    events = stream(base_url, {"query": "{ __typename }"})
    assert events == [("next", {"data": {"__typename": "Query"}}), ("complete", None)]


def test_validation_error_is_reported_in_the_stream(base_url: str) -> None:
    events = stream(base_url, {"query": "subscription { noSuchField }"})
    assert events[-1] == ("complete", None)
    (kind, payload) = events[0]
    assert kind == "next"
    assert "noSuchField" in payload["errors"][0]["message"]


def test_unexpected_error_in_a_stream_is_masked(base_url: str) -> None:
    events = stream(base_url, {"query": "subscription { probeCrash }"})
    assert events[0] == ("next", {"data": {"probeCrash": 1}})
    errors = events[1][1]["errors"]
    assert errors[0]["extensions"]["code"] == "INTERNAL"
    assert SECRET_DETAIL not in json.dumps(events)


def test_malformed_request_is_refused_before_streaming(base_url: str) -> None:
    response = httpx.post(
        f"{base_url}/graphql",
        content=b"{oops",
        headers={"accept": SSE, "content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/json")


def test_sse_requires_a_token_when_auth_is_on() -> None:
    settings = jwt_settings()
    body = {"query": "subscription { probeWhoami }"}
    with live_server(app=probe_app(settings)) as base:
        refused = httpx.post(f"{base}/graphql", json=body, headers={"accept": SSE})
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"].startswith("Bearer")
        token = make_token("events:read")
        events = stream(base, body, authorization=f"Bearer {token}")
    assert events[0] == ("next", {"data": {"probeWhoami": "tester:events:read"}})


def test_idle_stream_gets_heartbeats() -> None:
    settings = gateway_settings(events={"keepalive_seconds": 0.2})
    body = {"query": "subscription { probeWait }"}
    with (
        live_server(app=probe_app(settings)) as base,
        httpx.stream("POST", f"{base}/graphql", json=body, headers={"accept": SSE}) as response,
    ):
        lines = response.iter_lines()
        seen = [next(lines) for _ in range(6)]
    assert "event: next" in seen
    assert ": ping" in seen
