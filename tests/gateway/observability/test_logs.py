"""JSON log lines carry the request id, the GraphQL operation and the provider called;
request ids are taken from ``x-request-id`` only when sane."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from gateway import log_redaction
from gateway.observability.context import request_id_from
from gateway.observability.logs import JsonFormatter, logging_config
from gateway.settings import LogFormat
from tests.gateway.graphql.helpers import gateway
from tests.support import asgi_client, jwt_settings, make_token


@contextmanager
def json_log(name: str) -> Iterator[io.StringIO]:
    """``name``'s records at INFO as JSON lines in the yielded buffer."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger(name)
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield buffer
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def lines(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


async def test_provider_calls_log_the_request_operation_and_provider() -> None:
    query = 'mutation Plan { createRoom(input: {provider: METERED, displayName: "x"}) { id } }'
    with json_log("httpx") as buffer:
        async with gateway() as gw:
            response = await gw.client.post(
                "/graphql", json={"query": query}, headers={"x-request-id": "trace-7"}
            )
    assert response.headers["x-request-id"] == "trace-7"
    assert "errors" not in response.json()
    # the test's own client logs too, outside any request
    calls = [line for line in lines(buffer) if "metered.live" in line["message"]]
    assert calls
    assert all(line["request_id"] == "trace-7" for line in calls)
    assert all(line["operation"] == "Plan" for line in calls)
    assert all(line["provider"] == "metered" for line in calls)
    # Metered's key travels in the query string: redacted in the JSON line
    assert all(
        "secretKey=***" in line["message"] for line in calls if "secretKey" in line["message"]
    )


async def test_lines_carry_the_callers_tenant() -> None:
    query = 'mutation Plan { createRoom(input: {provider: METERED, displayName: "x"}) { id } }'
    token = make_token("rooms:write", tenant="acme")
    with json_log("httpx") as buffer:
        async with gateway(jwt_settings()) as gw:
            response = await gw.client.post(
                "/graphql", json={"query": query}, headers={"authorization": f"Bearer {token}"}
            )
    assert "errors" not in response.json()
    calls = [line for line in lines(buffer) if "metered.live" in line["message"]]
    assert calls
    assert all(line["tenant"] == "acme" for line in calls)


@pytest.mark.parametrize(
    "given",
    [b"x" * 129, b"a\x01b", b"line\r\nbreak", b"", "caf\u00e9".encode(), b"a b", b"<script>"],
)
def test_hostile_request_ids_are_replaced(given: bytes) -> None:
    replaced = request_id_from(given)
    assert replaced != given.decode("latin-1")
    assert len(replaced) == 32
    assert replaced.isalnum()


@pytest.mark.parametrize("given", ["abc", "3f2a-11ee:be56@edge/1", "x" * 128, "YWJj+/="])
def test_sane_request_ids_are_kept(given: str) -> None:
    assert request_id_from(given.encode()) == given


async def test_every_response_carries_a_request_id() -> None:
    async with asgi_client() as client:
        generated = await client.get("/healthz")
        other = await client.get("/healthz")
        hostile = await client.get("/healthz", headers={"x-request-id": "a\tb"})
        too_large = await client.post(
            "/graphql", content=b" " * 2_000_000, headers={"x-request-id": "big-1"}
        )
    ids = [r.headers["x-request-id"] for r in (generated, other, hostile)]
    assert len(set(ids)) == 3
    assert "a\tb" not in ids
    assert too_large.status_code == 413
    assert too_large.headers["x-request-id"] == "big-1"


def test_json_lines_keep_redacting_and_carry_exceptions() -> None:
    log_redaction.install()
    error = ValueError("https://x.example/?token=abc123")
    with json_log("gateway.test") as buffer:
        logging.getLogger("gateway.test").error(
            "calling %s", "https://x.example/api?secretKey=s3cr3t", exc_info=error
        )
    (line,) = lines(buffer)
    assert line["level"] == "ERROR"
    assert line["logger"] == "gateway.test"
    assert line["message"] == "calling https://x.example/api?secretKey=***"
    assert "ValueError" in line["exception"]
    assert "abc123" not in line["exception"]
    assert line["timestamp"].endswith("+00:00")


def test_logging_config_levels_and_formats() -> None:
    quiet = logging_config("info", LogFormat.JSON)
    loud = logging_config("debug", LogFormat.TEXT)
    assert quiet["loggers"]["httpx"]["level"] == "WARNING"
    assert loud["loggers"]["httpx"]["level"] == "DEBUG"
    assert quiet["formatters"]["access"]["()"].endswith("JsonFormatter")
    assert "()" not in loud["formatters"]["root"]
    assert quiet["root"]["level"] == "INFO"
