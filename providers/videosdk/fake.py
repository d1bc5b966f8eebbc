"""In-memory stand-in of the VideoSDK HTTP API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from providers.models import EventType, WebhookDelivery
from providers.videosdk.settings import VideoSDKSettings

__all__ = ["FakeVideoSDK"]


class FakeVideoSDK:
    def settings(self) -> VideoSDKSettings:
        return VideoSDKSettings()

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
