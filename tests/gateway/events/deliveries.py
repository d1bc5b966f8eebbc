"""Posting provider deliveries to a gateway and reading what its event log holds."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from gateway.app import create_app
from gateway.events import StoredEvent
from gateway.events.base import LogBus
from gateway.services import Services
from gateway.settings import Settings
from providers import LIFECYCLE_EVENT_TYPES as LIFECYCLE
from providers import Sandbox, WebhookDelivery
from tests.support import asgi_client, gateway_settings

__all__ = [
    "Gateway",
    "gateway",
    "json_delivery",
    "logged",
    "post_delivery",
]


class Gateway:
    """An app running in process: its HTTP client and its services."""

    def __init__(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        self.app = app
        self.client = client

    @property
    def services(self) -> Services:
        services: Services = self.app.state.services
        return services

    def sandbox(self, provider: str) -> Sandbox:
        sandbox = self.services.providers[provider].sandbox
        assert sandbox is not None
        return sandbox

    async def post(self, provider: str, delivery: WebhookDelivery) -> httpx.Response:
        return await post_delivery(self.client, provider, delivery)

    async def logged(self) -> list[StoredEvent]:
        return await logged(self.services)

    async def from_providers(self) -> list[StoredEvent]:
        """The log less the gateway's own room lifecycle events (``createRoom`` adds one)."""
        return [item for item in await self.logged() if item.event.type not in LIFECYCLE]


@asynccontextmanager
async def gateway(settings: Settings | None = None) -> AsyncIterator[Gateway]:
    """A gateway with sandbox providers (unless ``settings`` say otherwise)."""
    app = create_app(settings or gateway_settings())
    async with asgi_client(app=app) as client:
        yield Gateway(app, client)


async def post_delivery(
    client: httpx.AsyncClient, provider: str, delivery: WebhookDelivery
) -> httpx.Response:
    """Send ``delivery`` the way the provider would: its path, query, headers and body."""
    return await client.post(
        f"/webhooks/{provider}{delivery.path}",
        params=dict(delivery.query),
        headers=dict(delivery.headers),
        content=delivery.body,
    )


def json_delivery(
    payload: Any, *, path: str = "", query: dict[str, str] | None = None
) -> WebhookDelivery:
    """An unsigned JSON delivery."""
    return WebhookDelivery(
        path=path,
        query=query or {},
        headers={"content-type": "application/json"},
        body=json.dumps(payload).encode(),
    )


async def logged(services: Services) -> list[StoredEvent]:
    """Everything in the event log, oldest first."""
    bus = services.bus
    assert isinstance(bus, LogBus)
    return await bus.read_after(bus.origin, 10_000)
