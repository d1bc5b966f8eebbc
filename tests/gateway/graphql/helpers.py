"""A gateway in process with its provider sandboxes, and GraphQL helpers for the tests."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol, cast

import httpx

from gateway.app import create_app
from gateway.services import Services
from gateway.settings import Settings
from tests.support import asgi_client, gateway_settings

__all__ = ["Gateway", "SandboxAPI", "gateway", "requests_to"]


class SandboxAPI(Protocol):
    """What the tests use of a provider sandbox (``providers/<name>/fake.py``)."""

    requests: list[httpx.Request]
    latency: float
    clock: Callable[[], float]

    def inject(self, fault: Any = None, /, **kwargs: Any) -> Any: ...

    def seed_rooms(self, count: int) -> list[str]: ...


@dataclass
class Gateway:
    client: httpx.AsyncClient
    services: Services

    def sandbox(self, name: str) -> SandboxAPI:
        sandbox = self.services.providers[name].sandbox
        assert sandbox is not None, f"{name} is not served by a sandbox"
        return cast(SandboxAPI, sandbox)

    async def execute(
        self, query: str, variables: Mapping[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        """The GraphQL response body (errors included)."""
        headers = {} if token is None else {"Authorization": f"Bearer {token}"}
        body = {"query": query, "variables": dict(variables or {})}
        response = await self.client.post("/graphql", json=body, headers=headers)
        result: dict[str, Any] = response.json()
        return result

    async def data(
        self, query: str, variables: Mapping[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        """The ``data`` of a response that must carry no errors."""
        result = await self.execute(query, variables, token)
        assert "errors" not in result, json.dumps(result["errors"], indent=1)
        data: dict[str, Any] = result["data"]
        return data

    async def error(
        self, query: str, variables: Mapping[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        """The only error of a response that must fail."""
        result = await self.execute(query, variables, token)
        errors = result.get("errors")
        assert errors is not None, result
        assert len(errors) == 1, result
        error: dict[str, Any] = errors[0]
        return error


@asynccontextmanager
async def gateway(settings: Settings | None = None) -> AsyncIterator[Gateway]:
    """The app (sandbox providers, auth off unless ``settings`` say otherwise) with its client."""
    app = create_app(settings or gateway_settings())
    async with asgi_client(app=app) as client:
        yield Gateway(client, app.state.services)


def requests_to(sandbox: SandboxAPI, method: str, path_contains: str = "") -> list[httpx.Request]:
    """The requests the sandbox received with ``method`` and a path containing the text."""
    return [
        request
        for request in sandbox.requests
        if request.method == method and path_contains in request.url.path
    ]
