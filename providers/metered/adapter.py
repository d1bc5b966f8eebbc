"""Metered adapter."""

from __future__ import annotations

import httpx

from providers.base import ProviderAdapter
from providers.metered.settings import MeteredSettings
from providers.models import Capability, EventType

__all__ = ["MeteredAdapter"]


class MeteredAdapter(ProviderAdapter[MeteredSettings]):
    name = "metered"
    title = "Metered"
    capabilities = frozenset[Capability]()
    event_types = frozenset[EventType]()

    def _build_client(self, transport: httpx.AsyncBaseTransport | None) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.settings.api_base_url, timeout=self._timeout(), transport=transport
        )
