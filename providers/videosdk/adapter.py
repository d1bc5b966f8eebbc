"""VideoSDK adapter: rooms here; sessions and recordings in their own modules.

VideoSDK rooms have no expiry, metadata or theme, and cannot be updated (the enable/disable
endpoint is undocumented): those inputs are refused. They have no display name either: the
gateway keeps the one given at creation (``providers._room_notes``). Join approval lives in
participant tokens, not in the room: the gateway keeps it with the room's notes (see
``joins``). Closing a room deactivates it for ever.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import httpx

from providers._cache import KeyValueStore
from providers._room_notes import RoomNotes
from providers.base import Clock, checked_id
from providers.errors import InvalidRequest, WebhookAuthError
from providers.models import (
    Capability,
    EventType,
    JoinGrant,
    JoinRequest,
    MeetingEvent,
    Room,
    RoomPage,
    RoomSpec,
    WebhookDelivery,
)
from providers.videosdk._base import segment
from providers.videosdk.joins import participant_grant
from providers.videosdk.keys import PublicKeySource
from providers.videosdk.options import room_body
from providers.videosdk.payloads import PROVIDER, records, to_room
from providers.videosdk.recordings import RecordingOperations
from providers.videosdk.settings import VideoSDKSettings
from providers.videosdk.webhooks import (
    SIGNATURE_HEADER,
    normalize,
    parse_envelope,
    signed_at,
    verify_signature,
)

__all__ = ["VideoSDKAdapter"]

RoomWindow = tuple[list[Mapping[str, Any]], int, bool]


def _decode_cursor(cursor: str | None) -> tuple[int, str | None]:
    """``"<position>:<last roomId>"``: where the next page starts, and what preceded it."""
    if cursor is None:
        return 0, None
    position, _, anchor = cursor.partition(":")
    if not position.isdigit():
        raise InvalidRequest(PROVIDER, "not a VideoSDK room cursor", field="after")
    return int(position), anchor or None


def _after_anchor(window: list[Mapping[str, Any]], anchor: str | None) -> list[Mapping[str, Any]]:
    """Drop what was already returned when rooms created since pushed the list down."""
    ids = [item.get("roomId") for item in window]
    if anchor is None or anchor not in ids:
        return window
    return window[ids.index(anchor) + 1 :]


class VideoSDKAdapter(RecordingOperations):
    """VideoSDK REST API v2 (rooms, sessions, recordings) and its signed webhooks."""

    capabilities = frozenset(
        {
            Capability.ROOMS_CREATE,
            Capability.ROOMS_LIST,
            Capability.ROOMS_GET,
            Capability.ROOMS_CLOSE,
            Capability.ROOMS_JOIN,
            Capability.RECORDINGS,
            Capability.RECORDINGS_CONTROL,
            Capability.EVENTS,
            Capability.EVENTS_SIGNED,
            Capability.SESSIONS,
            Capability.SESSIONS_CONTROL,
        }
    )
    event_types = frozenset(
        {
            EventType.PARTICIPANT_JOINED,
            EventType.PARTICIPANT_LEFT,
            EventType.SESSION_STARTED,
            EventType.SESSION_ENDED,
            EventType.RECORDING_STARTED,
            EventType.RECORDING_STOPPED,
            EventType.RECORDING_READY,
            EventType.RECORDING_FAILED,
            EventType.TRANSCRIPTION_READY,
            EventType.STREAM_STARTED,
            EventType.STREAM_STOPPED,
            EventType.STREAM_FAILED,
        }
    )

    def __init__(
        self,
        settings: VideoSDKSettings,
        *,
        store: KeyValueStore,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock = time.time,
    ) -> None:
        super().__init__(settings, store=store, transport=transport, clock=clock)
        self.public_keys = PublicKeySource(
            settings.webhook_public_key, self._fetch_public_key, clock
        )

    async def create_room(self, spec: RoomSpec) -> Room:
        """``POST /rooms``; the display name (VideoSDK has no field for it) and whether the
        room records automatically (never read back) are kept by the gateway
        (``providers._room_notes``)."""
        body = room_body(spec)
        room = to_room(await self._object("POST", "/rooms", json=body, retry=False))
        # no documented answer (create, get, list) echoes autoStartConfig: it was accepted
        # as sent, and the gateway keeps whether it records with the name
        auto_record = "recording" in body.get("autoStartConfig", {})
        approval = None if spec.join_approval is None else spec.join_approval.value
        notes = RoomNotes(
            display_name=spec.display_name, auto_record=auto_record, join_approval=approval
        )
        await self.notes.write(room.native_id, notes)
        return await self.notes.annotate(room)

    async def get_room(self, native_id: str) -> Room:
        """A room by roomId or customRoomId, with what the gateway keeps of it."""
        room = to_room(await self._object("GET", f"/rooms/{segment(native_id)}"))
        return await self.notes.annotate(room)

    async def join_room(self, native_id: str, request: JoinRequest) -> JoinGrant:
        """A participant token for the room, minted here after the room was confirmed."""
        room = await self._room_to_join(native_id)
        return participant_grant(
            self.settings, room.native_id, request, room.join_approval, now=self.clock()
        )

    async def validate_room(self, native_id: str) -> Room:
        """Check that a room exists (GET per the docs, POST per their endpoint list)."""
        path = f"/rooms/validate/{segment(native_id)}"
        try:
            room = to_room(await self._object("GET", path))
        except InvalidRequest as exc:
            if exc.status != 405:
                raise
            room = to_room(await self._object("POST", path))
        return await self.notes.annotate(room)

    async def close_room(self, native_id: str) -> Room:
        """Deactivate the room for ever; it answers with legacy field names."""
        body = {"roomId": checked_id(self.name, native_id)}
        answer = await self._object("POST", "/rooms/deactivate", json=body)
        return await self.notes.annotate(to_room(answer))

    async def list_rooms(self, cursor: str | None, limit: int) -> RoomPage:
        """Rooms from the cursor's position, asking for pages of ``limit`` where it can.

        The cursor holds an absolute position and the last room returned: if rooms
        created meanwhile pushed that room down (by at most ``limit``), the rooms up to it
        are not returned twice.
        """
        if limit < 1:
            raise InvalidRequest(PROVIDER, "must be at least 1", field="first")
        start, anchor = _decode_cursor(cursor)
        while True:
            window, position, at_end = await self._room_window(start, limit)
            fresh = _after_anchor(window, anchor)
            if fresh or at_end:
                break
            start = position
        rooms = tuple(to_room(item) for item in fresh)
        next_cursor = None if at_end or not rooms else f"{position}:{rooms[-1].native_id}"
        return RoomPage(rooms=await self.notes.annotate_all(rooms), next_cursor=next_cursor)

    async def _room_window(self, start: int, limit: int) -> RoomWindow:
        """Up to ``limit`` room records from ``start``, the next position, end reached."""
        collected: list[Mapping[str, Any]] = []
        position, size = start, limit
        while len(collected) < limit:
            page = position // size + 1
            data, info = await self._page("/rooms", page, size)
            if 0 < info.per_page < size:  # the API capped the page size: plan with its own
                size = info.per_page
                continue
            items = records(data)
            skip = position % size
            taken = items[skip : skip + limit - len(collected)]
            collected.extend(taken)
            position += len(taken)
            last = page >= info.last_page or len(items) < size
            if last and skip + len(taken) >= len(items):
                return collected, position, True
        return collected, position, False

    async def _fetch_public_key(self) -> bytes:
        response = await self._request("GET", "/public/rsa-public-key", auth=None)
        return response.content

    async def parse_webhook(self, delivery: WebhookDelivery) -> list[MeetingEvent]:
        """Verify ``videosdk-signature`` (refreshing a fetched key once), then normalize."""
        signature = delivery.headers.get(SIGNATURE_HEADER)
        if not signature:
            raise WebhookAuthError(PROVIDER, f"missing {SIGNATURE_HEADER} header")
        key = await self.public_keys.current()
        try:
            verify_signature(delivery.body, signature, key)
        except WebhookAuthError:
            fresh = await self.public_keys.refreshed(key)
            if fresh is None:
                raise
            verify_signature(delivery.body, signature, fresh)
        payload = parse_envelope(delivery.body)
        if delivery.is_stale(signed_at(payload), self.clock()):
            raise WebhookAuthError(PROVIDER, "delivery dated too long ago: refused as a replay")
        return normalize(payload)
