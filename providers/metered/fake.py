"""In-memory stand-in of the Metered HTTP API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from providers.metered.settings import MeteredSettings
from providers.models import EventType, WebhookDelivery

__all__ = ["FakeMetered"]


class FakeMetered:
    def settings(self) -> MeteredSettings:
        return MeteredSettings()

    def transport(self) -> httpx.AsyncBaseTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(501)

    def webhook(
        self,
        room_native_id: str,
        event_type: EventType,
        details: Mapping[str, Any],
        token: str | None,
    ) -> WebhookDelivery:
        raise NotImplementedError
