"""Vonage Meetings adapter: rooms, recordings, dial-in numbers and callbacks.

Themes live in ``themes.py``; plumbing in ``core.py``. The API has no room deletion; see
``close_room``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, ClassVar

from providers.errors import InvalidRequest, ProviderUnavailable, ResourceConflict, ResourceNotFound
from providers.models import (
    Capability,
    DialInNumber,
    EventType,
    JoinGrant,
    JoinRequest,
    MeetingEvent,
    ParticipantRole,
    Recording,
    Room,
    RoomPage,
    RoomSpec,
    RoomUpdate,
    WebhookDelivery,
)
from providers.vonage import room_input, webhooks
from providers.vonage.core import segment
from providers.vonage.payloads import (
    recording_records,
    to_dial_in_number,
    to_recording,
    to_room,
)
from providers.vonage.themes import VonageThemes

__all__ = ["SESSION_ROOM_TTL", "VonageAdapter", "session_room_key"]

#: how long a session's room is remembered for recording callbacks that lack ``room_id``
SESSION_ROOM_TTL = 7 * 24 * 3600.0


def session_room_key(session_id: str) -> str:
    return f"vonage:session-room:{session_id}"


class VonageAdapter(VonageThemes):
    """Vonage Meetings (retired by Vonage on 30 Jun 2025; served faithfully by the sandbox)."""

    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.ROOMS_CREATE,
            Capability.ROOMS_LIST,
            Capability.ROOMS_GET,
            Capability.ROOMS_UPDATE,
            Capability.ROOMS_CLOSE,
            Capability.ROOMS_JOIN,
            Capability.THEMES,
            Capability.RECORDINGS,
            Capability.EVENTS,
            Capability.DIAL_IN,
        }
    )
    event_types: ClassVar[frozenset[EventType]] = frozenset(
        {
            EventType.PARTICIPANT_JOINED,
            EventType.PARTICIPANT_LEFT,
            EventType.SESSION_STARTED,
            EventType.SESSION_ENDED,
            EventType.RECORDING_STARTED,
            EventType.RECORDING_STOPPED,
            EventType.RECORDING_READY,
            EventType.ROOM_EXPIRED,
        }
    )

    # rooms
    async def create_room(self, spec: RoomSpec) -> Room:
        """``POST /rooms``; with ``spec.webhook`` the room's ``callback_urls`` point at it."""
        body = room_input.create_body(spec, now=self._now())
        try:
            return to_room(await self._record("POST", "/rooms", json=body))
        finally:
            self._listings.clear()

    async def list_rooms(self, cursor: str | None, limit: int) -> RoomPage:
        """One page, newest first (the whole list is read and ordered; see ``_room_page``)."""
        return await self._room_page("/rooms", cursor, limit)

    async def list_all_rooms(self, *, page_size: int = 100) -> list[Room]:
        """Every room in the API's own order (oldest first), walking its pages to the end."""
        rooms: list[Room] = []
        start_id: str | None = None
        while True:
            page = await self._api_page("/rooms", start_id, page_size)
            rooms.extend(page.rooms)
            if page.next_cursor is None:
                return rooms
            start_id = page.next_cursor

    async def get_room(self, native_id: str) -> Room:
        return to_room(await self._record("GET", f"/rooms/{self._known_id(native_id, 'room')}"))

    async def update_room(self, native_id: str, update: RoomUpdate) -> Room:
        """``PATCH /rooms/{id}``; only long-term rooms can be updated, which is checked first."""
        details = room_input.update_details(update, now=self._now())
        room_input.check_updatable(await self.get_room(native_id))
        return await self._patch_room(native_id, details)

    async def close_room(self, native_id: str) -> Room:
        """Close a room as far as the API allows; it has no delete (removed before GA).

        A long-term room gets the earliest expiry the API accepts (10 minutes from now,
        plus a small margin) and ``expire_after_use``, so it also closes when its current
        session ends. An instant room cannot be updated at all: it expires by itself 10
        minutes after creation if unused, or 10 minutes after the last participant leaves,
        so it is returned unchanged with its own ``expires_at``. A room that is no longer
        available is returned as it is.
        """
        room = await self.get_room(native_id)
        details = room_input.close_details(room, now=self._now())
        return room if details is None else await self._patch_room(native_id, details)

    async def join_room(self, native_id: str, request: JoinRequest) -> JoinGrant:
        """The room's own host or guest URL: Vonage issues no per-participant credentials,
        so the URL works until the room expires (``ttl_seconds`` cannot shorten it) and
        the participant's name is asked for on the page."""
        room = await self._room_to_join(native_id)
        host = request.role is ParticipantRole.HOST
        url = room.host_url if host else room.guest_url
        if url is None:
            link = "host_url" if host else "guest_url"
            raise ProviderUnavailable(self.name, f"the room record has no _links.{link}")
        return JoinGrant(
            provider=self.name,
            native_room_id=room.native_id,
            role=request.role,
            url=url,
            expires_at=room.expires_at,
        )

    async def _patch_room(self, native_id: str, details: dict[str, Any]) -> Room:
        path = f"/rooms/{self._known_id(native_id, 'room')}"
        try:
            return to_room(await self._record("PATCH", path, json={"update_details": details}))
        finally:
            self._listings.clear()

    # recordings and dial-in
    async def list_recordings(self, session_id: str) -> list[Recording]:
        """The API answers 404 both for an unknown session and for a session without
        recordings: either way there is none to list."""
        if not session_id.strip():
            raise InvalidRequest(self.name, "a session id is required", field="sessionId")
        try:
            body = await self._json("GET", f"/sessions/{segment(session_id)}/recordings")
        except ResourceNotFound:
            return []
        room = await self._session_room(session_id)
        return [to_recording(item, room) for item in recording_records(body)]

    async def list_room_recordings(
        self,
        room_id: str,
        session_id: str | None = None,
        *,
        known_sessions: Sequence[str] = (),
    ) -> list[Recording]:
        """The API lists recordings per session only: those of ``session_id``, else of the
        room's sessions the gateway learnt from callbacks (``known_sessions``)."""
        self._known_id(room_id, "room")
        sessions = [session_id] if session_id is not None else list(dict.fromkeys(known_sessions))
        found: list[Recording] = []
        for session in sessions:
            listed = await self.list_recordings(session)
            found.extend(r for r in listed if r.room_native_id in (None, room_id))
        return found

    async def get_recording(self, native_id: str) -> Recording:
        body = await self._record("GET", f"/recordings/{self._known_id(native_id, 'recording')}")
        session = body.get("session_id")
        room = await self._session_room(session) if isinstance(session, str) else None
        return to_recording(body, room)

    async def delete_recording(self, native_id: str) -> None:
        """Only recordings in ``uploaded`` status (READY) can be deleted; the API's 403 for
        the others becomes a ``ResourceConflict`` that says so."""
        path = f"/recordings/{self._known_id(native_id, 'recording')}"
        try:
            await self._request("DELETE", path)
        except InvalidRequest as exc:
            if exc.status != 403:
                raise
            message = f"{exc.message} (only a READY recording can be deleted)"
            raise ResourceConflict(self.name, message, status=403, field="id") from exc

    async def dial_in_numbers(self) -> list[DialInNumber]:
        """The phone numbers participants can dial into meetings from."""
        body = await self._json("GET", "/dial-in-numbers")
        if not isinstance(body, list):
            raise ProviderUnavailable(self.name, "GET /dial-in-numbers: unexpected answer")
        return [to_dial_in_number(item) for item in body if isinstance(item, dict)]

    # callbacks
    async def parse_webhook(self, delivery: WebhookDelivery) -> list[MeetingEvent]:
        """Verify and normalize a callback, then fill in or learn its session's room."""
        token, secret = self.settings.webhook_token, self.settings.signature_secret
        events = webhooks.parse_delivery(
            delivery,
            token=token.get_secret_value() if token else None,
            signature_secret=secret.get_secret_value() if secret else None,
            now=self.clock(),
        )
        return [await self._with_room(event) for event in events]

    async def _with_room(self, event: MeetingEvent) -> MeetingEvent:
        """Recording callbacks may lack ``room_id``: remember it from those that have it."""
        if event.session_id is None:
            return event
        key = session_room_key(event.session_id)
        if event.room_native_id is not None:
            await self.store.set(key, event.room_native_id, ttl=SESSION_ROOM_TTL)
            return event
        room = await self.store.get(key)
        return event if room is None else dataclasses.replace(event, room_native_id=room)

    async def _session_room(self, session_id: str) -> str | None:
        return await self.store.get(session_room_key(session_id))
