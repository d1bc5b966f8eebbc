"""Operations through the ``gateway`` command run as a subprocess: JSON logs with request
ids, metrics summed over workers, configuration mistakes in one line, ``--version``."""

from __future__ import annotations

import json
from importlib.metadata import version
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.gateway.test_cli import run, running
from tests.support import free_port


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_serve_logs_json_lines_with_the_request_id() -> None:
    variables = {"GATEWAY_AUTH__MODE": "none", "GATEWAY_SANDBOX": "true"}
    with running("serve", log_level="info", **variables) as (base, process):
        given = httpx.get(f"{base}/healthz", headers={"x-request-id": "req-42.abc"})
        hostile = httpx.get(f"{base}/healthz", headers={"x-request-id": "x" * 500})
        webhook = httpx.post(
            f"{base}/webhooks/vonage?token=sandbox-webhook-token",
            json={"event": "session:started", "session_id": "s1", "room_id": "r1"},
        )
        process.terminate()
        stdout, stderr = process.communicate(timeout=15)
    assert given.headers["x-request-id"] == "req-42.abc"
    replaced = hostile.headers["x-request-id"]
    assert replaced != "x" * 500
    assert len(replaced) == 32
    assert webhook.status_code == 204
    lines = json_lines(stdout + stderr)
    assert lines, stdout + stderr
    for line in lines:
        assert {"timestamp", "level", "logger", "message"} <= line.keys(), line
    access = [line for line in lines if line.get("request_id") == "req-42.abc"]
    assert access
    assert access[0]["logger"] == "uvicorn.access"
    assert access[0]["path"] == "/healthz"
    assert access[0]["status"] == 200
    assert any(line.get("request_id") == replaced for line in lines)
    assert "sandbox-webhook-token" not in stdout + stderr
    assert any("/webhooks/vonage?token=***" in line["message"] for line in lines)


def test_text_logs_on_request() -> None:
    variables = {"GATEWAY_AUTH__MODE": "none", "GATEWAY_LOG_FORMAT": "text"}
    with running("serve", log_level="info", **variables) as (base, process):
        httpx.get(f"{base}/healthz")
        process.terminate()
        stdout, stderr = process.communicate(timeout=15)
    assert "GET /healthz" in stdout
    assert json_lines(stdout + stderr) == []


def test_unknown_setting_names_the_nearest_valid_one() -> None:
    result = run("serve", "--insecure", "--port", str(free_port()), GATEWAY_REDIS_ULR="x")
    assert result.returncode != 0
    assert "GATEWAY_REDIS_ULR" in result.stderr
    assert "did you mean GATEWAY_REDIS_URL" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_dev_refuses_unknown_settings_too() -> None:
    result = run("dev", "--port", str(free_port()), GATEWAY_METRICS_TOKEN="secret-value")
    assert result.returncode != 0
    assert "did you mean GATEWAY_METRICS__TOKEN" in result.stderr
    assert "secret-value" not in result.stderr


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("GATEWAY_CORS_ORIGINS", "http://app.example", "GATEWAY_CORS_ORIGINS: must be a JSON list"),
        ("GATEWAY_AUTH", "{not json", "GATEWAY_AUTH: must be a JSON object"),
        ("GATEWAY_LOG_FORMAT", "xml", "GATEWAY_LOG_FORMAT: Input should be 'json' or 'text'"),
    ],
)
def test_undecodable_values_fail_in_one_line(variable: str, value: str, expected: str) -> None:
    result = run("serve", "--insecure", "--port", str(free_port()), **{variable: value})
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"gateway: invalid configuration: {expected}")
    assert value not in result.stderr


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"gateway {version('meetings-gateway')}"


def test_serve_warns_loudly_without_providers() -> None:
    with running("serve", GATEWAY_AUTH__MODE="none") as (base, process):
        assert httpx.get(f"{base}/healthz").status_code == 200
        process.terminate()
        _, stderr = process.communicate(timeout=15)
    assert "NO PROVIDER IS CONFIGURED" in stderr


def test_serve_with_sandboxes_does_not_warn() -> None:
    with running("serve", GATEWAY_AUTH__MODE="none", GATEWAY_SANDBOX="true") as (base, process):
        assert httpx.get(f"{base}/healthz").status_code == 200
        process.terminate()
        _, stderr = process.communicate(timeout=15)
    assert "NO PROVIDER IS CONFIGURED" not in stderr


def requests_counted(text: str) -> float:
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "gateway_graphql_requests_total"
        and sample.labels.get("operation") == "Counted"
    )


def test_metrics_sum_over_workers() -> None:
    variables = {
        "GATEWAY_AUTH__MODE": "none",
        "GATEWAY_REDIS_URL": "redis://127.0.0.1:6379/0",
        "GATEWAY_METRICS__TOKEN": "scrape-token",
    }
    with (
        running("serve", "--workers", "2", **variables) as (base, _),
        httpx.Client(base_url=base) as client,
    ):
        for _ in range(12):
            # a new connection each time, so that both workers answer some
            response = client.post(
                "/graphql",
                json={"query": "query Counted { __typename }"},
                headers={"connection": "close"},
            )
            assert response.status_code == 200
        refused = client.get("/metrics")
        scraped = client.get("/metrics", headers={"Authorization": "Bearer scrape-token"})
    assert refused.status_code == 401
    assert scraped.status_code == 200
    assert requests_counted(scraped.text) == 12


def test_dev_logs_provider_calls_as_sandbox_calls() -> None:
    query = {"query": "{ rooms(first: 1) { edges { node { id } } } }"}
    with running("dev", log_level="debug", GATEWAY_LOG_FORMAT="json") as (base, process):
        assert httpx.post(f"{base}/graphql", json=query).status_code == 200
        process.terminate()
        stdout, stderr = process.communicate(timeout=15)
    calls = [line for line in json_lines(stdout + stderr) if line["logger"] == "httpx"]
    assert {line["provider"] for line in calls} == {"vonage", "metered", "videosdk"}
    for line in calls:
        assert line["sandbox"] is True, line
        assert " sandbox:https://" in line["message"], line


def test_text_logs_mark_sandbox_urls() -> None:
    query = {"query": "{ rooms(first: 1) { edges { node { id } } } }"}
    with running("dev", log_level="debug") as (base, process):
        assert httpx.post(f"{base}/graphql", json=query).status_code == 200
        process.terminate()
        _, stderr = process.communicate(timeout=15)
    calls = [line for line in stderr.splitlines() if "HTTP Request:" in line]
    assert len(calls) == 3, stderr
    assert all("GET sandbox:https://" in line for line in calls), calls
