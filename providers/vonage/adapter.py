"""Vonage Meetings adapter."""

from __future__ import annotations

import httpx

from providers.base import ProviderAdapter
from providers.models import Capability, EventType
from providers.vonage.settings import VonageSettings

__all__ = ["VonageAdapter"]


class VonageAdapter(ProviderAdapter[VonageSettings]):
    name = "vonage"
    title = "Vonage Meetings"
    capabilities = frozenset[Capability]()
    event_types = frozenset[EventType]()

    def _build_client(self, transport: httpx.AsyncBaseTransport | None) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.settings.api_base_url, timeout=self._timeout(), transport=transport
        )
