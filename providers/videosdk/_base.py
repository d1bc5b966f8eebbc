"""What every VideoSDK operation shares: the authenticated client, JSON reading, paging."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from providers.base import ProviderAdapter, id_segment
from providers.errors import ProviderUnavailable
from providers.videosdk.auth import build_auth
from providers.videosdk.payloads import PROVIDER, PageInfo, to_page
from providers.videosdk.settings import VideoSDKSettings

__all__ = ["PAGE_SIZE", "VideoSDKBase", "segment"]

#: page size used when walking a list to its end
PAGE_SIZE = 100


def segment(value: str) -> str:
    """``value`` as one URL path segment; ids that would reach another endpoint are refused."""
    return id_segment(PROVIDER, value)


class VideoSDKBase(ProviderAdapter[VideoSDKSettings]):
    """The shared plumbing of the VideoSDK operation groups."""

    name = PROVIDER
    title = "VideoSDK"

    def _build_client(self, transport: httpx.AsyncBaseTransport | None) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.settings.api_base_url,
            timeout=self._timeout(),
            transport=self._transport(transport),
            auth=build_auth(self.settings, self.clock),
        )

    async def _object(self, method: str, path: str, **kwargs: Any) -> Mapping[str, Any]:
        """A JSON object answer, or ``ProviderUnavailable``."""
        body = await self._json(method, path, **kwargs)
        if not isinstance(body, Mapping):
            raise ProviderUnavailable(PROVIDER, f"{method} answered {type(body).__name__}")
        return body

    async def _page(
        self, path: str, page: int, per_page: int, params: Mapping[str, str] | None = None
    ) -> tuple[Any, PageInfo]:
        query = {**(params or {}), "page": str(page), "perPage": str(per_page)}
        return to_page(await self._json("GET", path, params=query))

    async def _walk(self, path: str, params: Mapping[str, str] | None = None) -> list[Any]:
        """The ``data`` of every page of a list, from the first page to the last."""
        pages: list[Any] = []
        page = 1
        while True:
            data, info = await self._page(path, page, PAGE_SIZE, params)
            pages.append(data)
            if page >= info.last_page or not data:
                return pages
            page += 1
