"""The ``gateway`` command, run as a subprocess like an operator would."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from tests.support import JWT_SECRET, free_port, make_token

GATEWAY = str(Path(sys.executable).parent / "gateway")
START_TIMEOUT = 30


def environment(**variables: str) -> dict[str, str]:
    """The current environment without any GATEWAY_ variable, plus ``variables``.

    No drain delay unless given: most tests stop the process and wait for it.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env["GATEWAY_SHUTDOWN__DRAIN_SECONDS"] = "0"
    env.update(variables)
    return env


def run(*args: str, **variables: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own entry point
        [GATEWAY, *args],
        env=environment(**variables),
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT,
        check=False,
    )


def wait_until_healthy(base: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gateway exited with {process.returncode}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    pytest.fail("gateway did not answer /healthz in time")


@contextmanager
def running(
    *args: str, log_level: str = "warning", **variables: str
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """Start ``gateway <args>`` on a free loopback port; terminate it afterwards."""
    port = free_port()
    command = [GATEWAY, *args, "--host", "127.0.0.1", "--port", str(port), "--log-level", log_level]
    process = subprocess.Popen(  # noqa: S603 - our own entry point
        command,
        env=environment(**variables),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base, process)
        yield base, process
    finally:
        process.terminate()
        process.wait(timeout=15)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def test_serve_refuses_to_start_without_auth() -> None:
    result = run("serve", "--port", str(free_port()))
    assert result.returncode != 0
    assert "refusing to start without client authentication" in result.stderr
    assert "GATEWAY_AUTH__MODE" in result.stderr


def test_serve_insecure_starts_and_answers() -> None:
    with running("serve", "--insecure") as (base, _):
        assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
        response = httpx.post(f"{base}/graphql", json={"query": "{ __typename }"})
        assert response.status_code == 200


def test_serve_with_auth_mode_none_chosen_explicitly_warns_loudly() -> None:
    with running("serve", GATEWAY_AUTH__MODE="none") as (base, process):
        assert httpx.get(f"{base}/healthz").status_code == 200
        process.terminate()
        _, stderr = process.communicate(timeout=15)
    assert "NO CLIENT AUTHENTICATION" in stderr


def test_serve_with_jwt_auth_demands_tokens() -> None:
    variables = {"GATEWAY_AUTH__MODE": "jwt", "GATEWAY_AUTH__JWT_SECRET": JWT_SECRET}
    with running("serve", **variables) as (base, _):
        response = httpx.post(f"{base}/graphql", json={"query": "{ __typename }"})
    assert response.status_code == 401


@pytest.mark.parametrize(("require", "tenantless_status"), [(None, 401), ("false", 200)])
def test_serve_with_jwt_auth_requires_the_tenant_claim_unless_told_not_to(
    require: str | None, tenantless_status: int
) -> None:
    variables = {"GATEWAY_AUTH__MODE": "jwt", "GATEWAY_AUTH__JWT_SECRET": JWT_SECRET}
    if require is not None:
        variables["GATEWAY_AUTH__REQUIRE_TENANT"] = require
    body = {"query": "{ __typename }"}
    with running("serve", **variables) as (base, _):
        tenantless = httpx.post(f"{base}/graphql", json=body, headers=bearer(make_token()))
        with_tenant = httpx.post(
            f"{base}/graphql", json=body, headers=bearer(make_token(tenant="acme"))
        )
    assert tenantless.status_code == tenantless_status
    if tenantless_status == 401:
        assert "token lacks the 'tenant' claim" in tenantless.text
    assert with_tenant.status_code == 200


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("GATEWAY_AUTH__MODE", "kerberos-secret-value"),
        ("GATEWAY_AUTH__JWT_SECRET", "too-short-secret-value"),
        ("GATEWAY_AUTH__PUBLIC_KEY", "not-a-pem-secret-value"),
        ("GATEWAY_PROVIDERS__VONAGE__PRIVATE_KEY", "garbage-secret-value"),
        ("GATEWAY_LIMITS__MAX_BODY_BYTES", "-1"),
    ],
)
def test_invalid_configuration_names_the_variable_not_the_value(variable: str, value: str) -> None:
    result = run("serve", "--insecure", **{variable: value})
    assert result.returncode != 0
    assert "invalid configuration" in result.stderr
    assert f"{variable}:" in result.stderr
    assert value not in result.stderr + result.stdout


def test_webhook_tokens_stay_out_of_the_access_log() -> None:
    event = {"event": "session:started", "session_id": "s1", "room_id": "r1"}
    with running("dev", log_level="info") as (base, process):
        answer = httpx.post(f"{base}/webhooks/vonage?token=sandbox-webhook-token", json=event)
        process.terminate()
        stdout, stderr = process.communicate(timeout=15)
    assert answer.status_code == 204
    logs = stdout + stderr  # uvicorn's access log goes to stdout
    assert "/webhooks/vonage?token=***" in logs
    assert "sandbox-webhook-token" not in logs


def test_several_workers_need_redis() -> None:
    result = run("serve", "--insecure", "--workers", "2", "--port", str(free_port()))
    assert result.returncode != 0
    assert "GATEWAY_REDIS_URL" in result.stderr


def test_several_workers_share_redis() -> None:
    variables = {"GATEWAY_AUTH__MODE": "none", "GATEWAY_REDIS_URL": "redis://127.0.0.1:6379/0"}
    with running("serve", "--workers", "2", **variables) as (base, _):
        assert httpx.get(f"{base}/readyz").status_code == 200


def test_dev_serves_sandboxes_without_auth_and_graphiql() -> None:
    variables = {
        "GATEWAY_AUTH__MODE": "jwt",
        "GATEWAY_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
    }
    with running("dev", **variables) as (base, process):
        ready = httpx.get(f"{base}/readyz")
        page = httpx.get(f"{base}/graphql", headers={"accept": "text/html"})
        providers = httpx.post(
            f"{base}/graphql", json={"query": "{ providers { id sandbox configured } }"}
        ).json()["data"]["providers"]
        process.terminate()
        _, banner = process.communicate(timeout=15)
    assert ready.status_code == 200, "dev uses in-process backends, never GATEWAY_REDIS_URL"
    assert page.status_code == 200
    assert "<title>" in page.text
    assert all(p["sandbox"] and p["configured"] for p in providers)
    assert "DEVELOPMENT MODE" in banner
    assert "NO AUTHENTICATION" in banner
    assert f"GraphiQL: {base}/graphql" in banner


def test_export_schema_prints_the_sdl() -> None:
    result = run("export-schema")
    assert result.returncode == 0
    assert "type Query {" in result.stdout
    assert "providers: [ProviderInfo!]!" in result.stdout


async def _negotiated_extensions(base: str) -> str | None:
    url = base.replace("http://", "ws://") + "/graphql"
    protocols = [Subprotocol("graphql-transport-ws")]
    async with connect(url, subprotocols=protocols, compression="deflate") as ws:
        assert ws.response is not None
        return ws.response.headers.get("Sec-WebSocket-Extensions")


async def test_websocket_compression_is_off_unless_configured() -> None:
    with running("dev") as (base, _):
        assert await _negotiated_extensions(base) is None
    with running("dev", GATEWAY_EVENTS__WEBSOCKET_COMPRESSION="true") as (base, _):
        assert "permessage-deflate" in (await _negotiated_extensions(base) or "")
