"""In-memory stand-in of the Vonage Meetings HTTP API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from providers.models import EventType, WebhookDelivery
from providers.vonage.settings import VonageSettings

__all__ = ["FakeVonage"]


class FakeVonage:
    def settings(self) -> VonageSettings:
        return VonageSettings()

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
