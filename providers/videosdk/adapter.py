"""VideoSDK adapter."""

from __future__ import annotations

import httpx

from providers.base import ProviderAdapter
from providers.models import Capability, EventType
from providers.videosdk.settings import VideoSDKSettings

__all__ = ["VideoSDKAdapter"]


class VideoSDKAdapter(ProviderAdapter[VideoSDKSettings]):
    name = "videosdk"
    title = "VideoSDK"
    capabilities = frozenset[Capability]()
    event_types = frozenset[EventType]()

    def _build_client(self, transport: httpx.AsyncBaseTransport | None) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.settings.api_base_url, timeout=self._timeout(), transport=transport
        )
