"""The Vonage adapter's plumbing: client, credentials, error bodies, JSON and paging."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx

from providers._listing import check_page, keyset_page, newest_first
from providers.base import ProviderAdapter, id_segment
from providers.errors import NotConfigured, ProviderUnavailable, ResourceNotFound
from providers.models import Room, RoomPage
from providers.vonage.auth import vonage_auth
from providers.vonage.payloads import PROVIDER, describe_error, to_room_page
from providers.vonage.room_input import is_uuid
from providers.vonage.settings import VonageSettings

__all__ = ["MAX_PAGE_SIZE", "VonageCore", "segment"]

#: the API documents no maximum; the Java SDK asks for 1000 when unset
MAX_PAGE_SIZE = 1000


def segment(value: str) -> str:
    """One path segment, escaped so that an id can never reach another endpoint."""
    return id_segment(PROVIDER, value)


class VonageCore(ProviderAdapter[VonageSettings]):
    """Client, auth and helpers shared by the room, theme and recording operations."""

    name: ClassVar[str] = PROVIDER
    title: ClassVar[str] = "Vonage Meetings"

    def _build_client(self, transport: httpx.AsyncBaseTransport | None) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.settings.api_base_url,
            timeout=self._timeout(),
            transport=self._transport(transport),
            auth=vonage_auth(self.settings, self.clock),
            headers={"Accept": "application/json"},
        )

    def _error_message(self, body: Any) -> str | None:
        return describe_error(body)

    async def _request(
        self, method: str, path: str, *, retry: bool | None = None, **kwargs: Any
    ) -> httpx.Response:
        if not self.settings.configured:
            raise NotConfigured(self.name, "application_id and private_key are not configured")
        return await super()._request(method, path, retry=retry, **kwargs)

    async def _record(
        self, method: str, path: str, *, key: str = "id", **kwargs: Any
    ) -> Mapping[str, Any]:
        """A single resource (room, theme, recording): an object with its id ``key``."""
        body = await self._json(method, path, **kwargs)
        if not isinstance(body, Mapping) or key not in body:
            raise ProviderUnavailable(self.name, f"{method} {path}: unexpected answer")
        return body

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def _known_id(self, value: str, kind: str) -> str:
        """Ids are UUIDs: anything else cannot exist, so it is not found without asking."""
        checked = segment(value)
        if not is_uuid(value):
            raise ResourceNotFound(self.name, f"no {kind} {value!r}")
        return checked

    async def _room_page(self, path: str, cursor: str | None, limit: int) -> RoomPage:
        """A newest-first page of ``path`` (``/rooms`` or ``/themes/{id}/rooms``).

        The API pages oldest first only (keyset over its internal ids), so the whole list
        is read, ordered and sliced by a keyset cursor (``providers._listing``)."""
        check_page(self.name, cursor, limit)
        return keyset_page(self.name, await self._listings.read(path), cursor, limit)

    async def _api_page(self, path: str, start_id: str | None, size: int) -> RoomPage:
        """One page as the API serves it: ``size`` rooms from ``start_id``, oldest first."""
        params: dict[str, Any] = {"page_size": size}
        if start_id is not None:
            params["start_id"] = start_id
        body = await self._json("GET", path, params=params)
        return to_room_page(body, requested=size, cursor=start_id)

    async def _every_room(self, path: str) -> list[Room]:
        """Every room of ``path`` in the gateway's order; refused beyond ``max_rooms``."""
        bound = self.settings.listing.max_rooms
        rooms: list[Room] = []
        start_id: str | None = None
        while True:
            page = await self._api_page(path, start_id, min(MAX_PAGE_SIZE, bound + 1))
            rooms.extend(page.rooms)
            if len(rooms) > bound:
                message = f"more than {bound} rooms: too many to list newest first"
                raise ProviderUnavailable(self.name, message, retryable=False)
            if page.next_cursor is None:
                return newest_first(rooms)
            start_id = page.next_cursor
