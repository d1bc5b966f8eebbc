"""Metered adapter: rooms, participant tokens and per-room webhooks over the REST API."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Unpack

import httpx

from providers._listing import check_page, keyset_page
from providers._room_notes import RoomNotes
from providers.base import ProviderAdapter, id_segment
from providers.errors import (
    InvalidRequest,
    NotConfigured,
    ProviderError,
    ProviderUnavailable,
    ResourceNotFound,
)
from providers.metered.auth import SecretKeyTransport, scrub
from providers.metered.join_tokens import JoinToken, JoinTokenOptions, token_body
from providers.metered.options import PROVIDER
from providers.metered.payloads import error_message, parse_instant, rooms_from_list, to_room
from providers.metered.room_input import create_body, update_body
from providers.metered.settings import MeteredSettings
from providers.metered.webhooks import parse_delivery
from providers.models import (
    Capability,
    EventType,
    JoinGrant,
    JoinRequest,
    MeetingEvent,
    ParticipantRole,
    Room,
    RoomPage,
    RoomSpec,
    RoomUpdate,
    WebhookDelivery,
    WebhookTarget,
)

__all__ = ["MeteredAdapter"]

_ROOM_NOT_FOUND = "room not found"


def _is_missing_room(error: ProviderError) -> bool:
    """Metered answers a missing room with "room not found" under various statuses."""
    answered = isinstance(error, InvalidRequest | ProviderUnavailable) and error.status is not None
    return answered and _ROOM_NOT_FOUND in error.message.lower()


class MeteredAdapter(ProviderAdapter[MeteredSettings]):
    """Metered rooms are keyed by ``roomName``; the secret key travels as ``?secretKey=``."""

    name = "metered"
    title = "Metered"
    capabilities = frozenset(
        {
            Capability.ROOMS_CREATE,
            Capability.ROOMS_LIST,
            Capability.ROOMS_GET,
            Capability.ROOMS_UPDATE,
            Capability.ROOMS_CLOSE,
            Capability.ROOMS_JOIN,
            Capability.EVENTS,
        }
    )
    event_types = frozenset(
        {
            EventType.PARTICIPANT_JOINED,
            EventType.PARTICIPANT_LEFT,
            EventType.SESSION_STARTED,
            EventType.SESSION_ENDED,
        }
    )

    def _build_client(self, transport: httpx.AsyncBaseTransport | None) -> httpx.AsyncClient:
        inner = self._transport(transport)
        return httpx.AsyncClient(
            base_url=self.settings.api_base_url,
            timeout=self._timeout(),
            transport=SecretKeyTransport(inner, self.settings.secret_key),
            headers={"Accept": "application/json"},
        )

    def _error_message(self, body: Any) -> str | None:
        message = error_message(body)
        return None if message is None else scrub(message, self.settings.secret_key)

    async def _request(
        self, method: str, path: str, *, retry: bool | None = None, **kwargs: Any
    ) -> httpx.Response:
        """One API call; a "room not found" answer is ``ResourceNotFound`` whatever its status."""
        if not self.settings.configured:
            raise NotConfigured(self.name, "Metered needs an app name and a secret key")
        try:
            return await super()._request(method, path, retry=retry, **kwargs)
        except ProviderError as exc:
            if _is_missing_room(exc):
                raise ResourceNotFound(self.name, exc.message, status=exc.status) from exc
            raise

    def _room(self, data: Any) -> Room:
        if not isinstance(data, Mapping):
            raise ProviderUnavailable(self.name, "expected a room record")
        try:
            return to_room(data, join_base_url=self.settings.join_base_url, provider=self.name)
        except ValueError as exc:
            message = error_message(data) or "expected a room record"
            if _ROOM_NOT_FOUND in message.lower():
                raise ResourceNotFound(self.name, message) from exc
            raise ProviderUnavailable(self.name, message) from exc

    def _webhook_token(self, target: WebhookTarget) -> str:
        if target.token:
            return target.token
        if self.settings.webhook_token is None:
            raise NotConfigured(self.name, "registering webhooks needs a webhook token")
        return self.settings.webhook_token.get_secret_value()

    @staticmethod
    def _room_path(native_id: str) -> str:
        return f"/room/{id_segment(PROVIDER, native_id)}"

    async def create_room(self, spec: RoomSpec) -> Room:
        token = None if spec.webhook is None else self._webhook_token(spec.webhook)
        body = create_body(spec, now=self.clock(), webhook_token=token)
        try:
            room = self._room(await self._json("POST", "/room", json=body))
        finally:
            self._listings.clear()
        await self.notes.write(room.native_id, RoomNotes(display_name=spec.display_name))
        return await self.notes.annotate(room)

    async def get_room(self, native_id: str) -> Room:
        """The room, with the display name it was created with (kept by the gateway)."""
        room = self._room(await self._json("GET", self._room_path(native_id)))
        return await self.notes.annotate(room)

    async def update_room(self, native_id: str, update: RoomUpdate) -> Room:
        """``PUT /room/{roomName}``; a new ``display_name`` is kept by the gateway."""
        body = update_body(update, now=self.clock())
        room = await self.get_room(native_id) if not body else await self._put(native_id, body)
        if isinstance(update.display_name, str):
            await self.notes.write(room.native_id, RoomNotes(display_name=update.display_name))
        return await self.notes.annotate(room)

    async def _put(self, native_id: str, body: dict[str, Any]) -> Room:
        data = await self._change(native_id, "PUT", json=body)
        if isinstance(data, Mapping) and data.get("roomName"):
            return self._room(data)
        return await self.get_room(native_id)

    async def close_room(self, native_id: str) -> Room:
        """Archive the room (Metered's DELETE), then read it back."""
        await self._change(native_id, "DELETE")
        return await self.get_room(native_id)

    async def _change(self, native_id: str, method: str, **kwargs: Any) -> Any:
        """A write to one room. Metered refuses writes to a missing room with a bare
        "Invalid request"; a read then tells a missing room from a refused change."""
        try:
            return await self._json(method, self._room_path(native_id), **kwargs)
        except InvalidRequest:
            await self.get_room(native_id)
            raise
        finally:
            self._listings.clear()

    async def list_rooms(self, cursor: str | None, limit: int) -> RoomPage:
        """Metered answers every room at once; pages are keyset slices of that list,
        ordered newest first and kept briefly (see ``providers._listing``). Deleting only
        archives, so a walk returns every room once; rooms created during it are not in it.
        """
        check_page(self.name, cursor, limit)
        page = keyset_page(self.name, await self._listings.read("/rooms"), cursor, limit)
        return RoomPage(await self.notes.annotate_all(page.rooms), page.next_cursor)

    async def _every_room(self, path: str) -> list[Room]:
        data = await self._json("GET", path)
        try:
            rooms = rooms_from_list(data, join_base_url=self.settings.join_base_url)
        except (TypeError, ValueError) as exc:
            raise ProviderUnavailable(self.name, f"unexpected room list: {exc}") from exc
        bound = self.settings.listing.max_rooms
        if len(rooms) > bound:
            message = f"more than {bound} rooms: too many to list newest first"
            raise ProviderUnavailable(self.name, message, retryable=False)
        return rooms

    async def create_join_token(
        self, room_name: str | None, **options: Unpack[JoinTokenOptions]
    ) -> JoinToken:
        """A participant token from ``POST /token``, for ``room_name`` or every room."""
        body = token_body(room_name, options, now=self.clock())
        data = await self._json("POST", "/token", json=body)
        token = data.get("token") if isinstance(data, Mapping) else None
        if not isinstance(token, str) or not token:
            raise ProviderUnavailable(self.name, "POST /token answered without a token")
        return JoinToken(
            token=token,
            room_name=body.get("roomName"),
            is_admin=body["isAdmin"],
            global_token=body.get("globalToken", False),
            expires_at=parse_instant(body.get("expireUnixSec")),
        )

    async def join_room(self, native_id: str, request: JoinRequest) -> JoinGrant:
        """A token for this room only (``isAdmin`` for a host) and the room's page."""
        room = await self._room_to_join(native_id)
        options: JoinTokenOptions = {
            "is_admin": request.role is ParticipantRole.HOST,
            "expires_at": datetime.fromtimestamp(self.clock(), UTC)
            + timedelta(seconds=request.ttl_seconds),
        }
        if request.participant_name is not None:
            options["name"] = request.participant_name
        if request.participant_id is not None:
            options["external_user_id"] = request.participant_id
        token = await self.create_join_token(room.native_id, **options)
        return JoinGrant(
            provider=self.name,
            native_room_id=room.native_id,
            role=request.role,
            url=room.guest_url,
            token=token.token,
            expires_at=token.expires_at,
            participant_id=request.participant_id,
        )

    async def parse_webhook(self, delivery: WebhookDelivery) -> list[MeetingEvent]:
        secret = self.settings.webhook_token
        expected = None if secret is None else secret.get_secret_value()
        return parse_delivery(delivery, expected_token=expected, provider=self.name)
