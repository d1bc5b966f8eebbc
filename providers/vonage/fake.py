"""In-memory stand-in of the Vonage Meetings HTTP API (the sandbox), faithful to the docs.

It generates its own RSA key pair and accepts only RS256 application JWTs signed with it;
rooms page by keyset with scheme-less HAL links; errors have the documented bodies; logo
uploads go through a stand-in of the S3 host. ``webhook`` emits Vonage's own callbacks.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import httpx
import jwt

from providers._fake import json_response
from providers.base import Clock
from providers.errors import UnsupportedOperation
from providers.models import EventType, WebhookDelivery
from providers.vonage.fake_events import CallbackContext, callback_payload
from providers.vonage.fake_themes import ThemeRoutes
from providers.vonage.fake_wire import (
    ROOM_FIELDS,
    ROOM_UPDATE_FIELDS,
    bad,
    check_object,
    expiry_problem,
    invalid,
    is_guid,
    json_body,
    update_details,
)
from providers.vonage.payloads import format_time, parse_time

__all__ = ["FakeVonage"]

DIAL_IN_NUMBERS = [
    {"number": "442381924626", "locale": "en-GB", "display_name": "United Kingdom"},
    {"number": "12013775498", "locale": "en-US", "display_name": "United States"},
]
RECORDINGS_HOST = "https://prod-meetings-recordings.s3.amazonaws.com"


class FakeVonage(ThemeRoutes):
    """The Meetings API from memory: rooms, themes, logos, recordings, dial-in, callbacks.

    ``signature_secret``, when given, makes ``webhook`` sign deliveries the way Vonage
    signs other products' webhooks (and ``settings`` require it).
    """

    def __init__(self, *, clock: Clock = time.time, signature_secret: str | None = None) -> None:
        super().__init__(clock=clock, signature_secret=signature_secret)
        self.sessions: dict[str, str] = {}
        self.route("POST", "/rooms", self._create_room)
        self.route("GET", "/rooms", self._list_rooms)
        self.route("GET", "/rooms/(?P<room_id>[^/]+)", self._get_room)
        self.route("PATCH", "/rooms/(?P<room_id>[^/]+)", self._update_room)
        self.route("GET", "/sessions/(?P<session_id>[^/]+)/recordings", self._session_recordings)
        self.route("GET", "/recordings/(?P<recording_id>[^/]+)", self._get_recording)
        self.route("DELETE", "/recordings/(?P<recording_id>[^/]+)", self._delete_recording)
        self.route("GET", "/dial-in-numbers", self._dial_in_numbers)

    # rooms
    def _room(self, room_id: str) -> dict[str, Any] | httpx.Response:
        if not is_guid(room_id):
            return invalid('"room_id" must be a valid GUID')
        room = self.rooms.get(room_id)
        if room is None:
            return bad(404, "NotFoundError", f"The room with id: {room_id} was not found")
        return room

    def _create_problem(self, body: dict[str, Any]) -> str | None:
        if "display_name" not in body:
            return '"display_name" is required'
        if body.get("type", "instant") == "long_term":
            if "expires_at" not in body:
                return '"expires_at" is required'
            return expiry_problem(body["expires_at"], self.now())
        for key in ("expires_at", "expire_after_use"):
            if key in body:
                return f'"{key}" is not allowed'
        return None

    def _theme_missing(self, action: str, theme_id: Any) -> httpx.Response | None:
        if theme_id is None or theme_id in self.themes:
            return None
        message = f"Failed to {action} because theme id {theme_id} not found"
        return bad(400, "BadRequestError", message)

    def _create_room(self, request: httpx.Request, _: dict[str, str]) -> httpx.Response:
        body = json_body(request)
        problem = check_object(body, ROOM_FIELDS) or self._create_problem(body)
        if problem:
            return invalid(problem)
        if self.max_rooms is not None and len(self.rooms) >= self.max_rooms:
            return bad(403, "ForbiddenError", "Maximum number of rooms for owner exceeded")
        missing = self._theme_missing("create room", body.get("theme_id"))
        return missing or json_response(201, self.render_room(self.new_room(body)))

    def _list_rooms(self, request: httpx.Request, _: dict[str, str]) -> httpx.Response:
        return self.room_page(request, "rooms", self.rooms.values())

    def _get_room(self, _: httpx.Request, args: dict[str, str]) -> httpx.Response:
        room = self._room(args["room_id"])
        return (
            room if isinstance(room, httpx.Response) else json_response(200, self.render_room(room))
        )

    def _update_room(self, request: httpx.Request, args: dict[str, str]) -> httpx.Response:
        room = self._room(args["room_id"])
        if isinstance(room, httpx.Response):
            return room
        details = update_details(request)
        if isinstance(details, httpx.Response):
            return details
        refused = self._update_refusal(room, details)
        if refused is not None:
            return refused
        _apply_room_update(room, details)
        return json_response(200, self.render_room(room))

    def _update_refusal(
        self, room: dict[str, Any], details: dict[str, Any]
    ) -> httpx.Response | None:
        problem = check_object(details, ROOM_UPDATE_FIELDS, "update_details")
        if problem is None and "expires_at" in details:
            problem = expiry_problem(details["expires_at"], self.now())
        if problem:
            return invalid(problem)
        if room["type"] != "long_term":
            message = f"The room with id: {room['id']} could not be updated because of its type"
            return bad(400, "BadRequestError", f"{message}: temporary")
        return self._theme_missing("update room", details.get("theme_id"))

    # recordings and dial-in
    def _render_recording(self, recording: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in recording.items() if not key.startswith("__")}

    def _session_recordings(self, _: httpx.Request, args: dict[str, str]) -> httpx.Response:
        session_id = args["session_id"]
        found = [r for r in self.recordings.values() if r["session_id"] == session_id]
        if not found:
            message = f"Failed to find session recordings by id: {session_id}"
            return bad(404, "NotFoundError", message)
        body = {"_embedded": {"recordings": [self._render_recording(r) for r in found]}}
        return json_response(200, body)

    def _recording(self, recording_id: str) -> dict[str, Any] | httpx.Response:
        recording = self.recordings.get(recording_id)
        if recording is None:
            return bad(404, "NotFoundError", f"Recording {recording_id} was not found")
        return recording

    def _get_recording(self, _: httpx.Request, args: dict[str, str]) -> httpx.Response:
        recording = self._recording(args["recording_id"])
        if isinstance(recording, httpx.Response):
            return recording
        return json_response(200, self._render_recording(recording))

    def _delete_recording(self, _: httpx.Request, args: dict[str, str]) -> httpx.Response:
        recording = self._recording(args["recording_id"])
        if isinstance(recording, httpx.Response):
            return recording
        if recording["status"] != "uploaded":
            message = "Can only delete recordings in 'uploaded' status"
            return bad(403, "ForbiddenError", message)
        del self.recordings[recording["id"]]
        return httpx.Response(204)

    def _dial_in_numbers(self, _: httpx.Request, __: dict[str, str]) -> httpx.Response:
        return json_response(200, DIAL_IN_NUMBERS)

    # sandbox helpers
    def seed_rooms(self, count: int) -> list[str]:
        """Create ``count`` long-term rooms (30 days) directly in the state; their ids."""
        expires = format_time(self.now() + timedelta(days=30))
        fields = {"type": "long_term", "expires_at": expires}
        start = len(self.rooms)
        rooms = [
            self.new_room({"display_name": f"Sandbox room {start + n + 1}", **fields})
            for n in range(count)
        ]
        return [room["id"] for room in rooms]

    def seed_recording(
        self, session_id: str, *, room_id: str | None = None, status: str = "uploaded"
    ) -> str:
        """Store a recording of ``session_id`` (an hour long, ending now); its id."""
        recording_id = str(uuid.uuid4())
        if room_id is not None:
            self.sessions[session_id] = room_id
        now = self.now()
        self.recordings[recording_id] = {
            "id": recording_id,
            "session_id": session_id,
            "started_at": format_time(now - timedelta(hours=1)),
            "ended_at": format_time(now),
            "status": status,
        }
        if status == "uploaded":
            self._publish_recording(self.recordings[recording_id], None)
        return recording_id

    def session_for(self, room_id: str) -> str:
        """The sandbox's current session of a room (an OpenTok-style id)."""
        for session_id, owner in self.sessions.items():
            if owner == room_id:
                return session_id
        session_id = f"1_MX40{uuid.uuid4().hex}fn4"
        self.sessions[session_id] = room_id
        return session_id

    def _recording_url(self, recording_id: str) -> str:
        expires = int(self.clock()) + 3600
        return f"{RECORDINGS_HOST}/{self.account_id}/{recording_id}/archive.mp4?Expires={expires}"

    def _publish_recording(self, recording: dict[str, Any], url: str | None) -> None:
        recording["status"] = "uploaded"
        href = url or self._recording_url(recording["id"])
        recording["_links"] = {"url": {"href": href}}

    # callbacks
    def webhook(
        self,
        room_native_id: str,
        event_type: EventType,
        details: Mapping[str, Any],
        token: str | None,
    ) -> WebhookDelivery:
        """Vonage's callback for ``event_type`` (``session:participant:joined``…), addressed
        with ``?token=`` as rooms created through the gateway register it."""
        ctx = self._context(room_native_id, details)
        payload = callback_payload(event_type, ctx)
        if payload is None:
            message = f"Vonage Meetings sends no callback for {event_type.value}"
            raise UnsupportedOperation("vonage", message)
        self._apply_callback(event_type, payload)
        body = json.dumps(payload).encode()
        headers = {"content-type": "application/json", "user-agent": "Vonage Meetings"}
        if self.signature_secret:
            headers["authorization"] = f"Bearer {self._sign(body)}"
        query = {"token": token} if token is not None else {}
        return WebhookDelivery(path="", query=query, headers=headers, body=body)

    def _context(self, room_id: str, details: Mapping[str, Any]) -> CallbackContext:
        session_id = str(details.get("sessionId") or self.session_for(room_id))
        self.sessions.setdefault(session_id, room_id)
        recording_id = str(details.get("recordingId") or self._latest_recording(session_id))
        return CallbackContext(
            room_id=room_id,
            session_id=session_id,
            recording_id=recording_id,
            recording_url=self._recording_url(recording_id),
            now=self.now(),
            room=self.rooms.get(room_id),
            details=details,
        )

    def _latest_recording(self, session_id: str) -> str:
        ids = [r["id"] for r in self.recordings.values() if r["session_id"] == session_id]
        return ids[-1] if ids else str(uuid.uuid4())

    def _apply_callback(self, event_type: EventType, payload: dict[str, Any]) -> None:
        """Keep the state consistent with what the callback announces."""
        if "recording_id" in payload:
            self._track_recording(event_type, payload)
        room = self.rooms.get(str(payload.get("room_id")))
        if room is None:
            return
        if event_type is EventType.ROOM_EXPIRED or (
            event_type is EventType.SESSION_ENDED and room["expire_after_use"]
        ):
            room["expires_at"] = min(room["expires_at"], format_time(self.now()))

    def _track_recording(self, event_type: EventType, payload: dict[str, Any]) -> None:
        recording_id = payload["recording_id"]
        recording = self.recordings.setdefault(
            recording_id,
            {
                "id": recording_id,
                "session_id": payload["session_id"],
                "started_at": format_time(self.now()),
                "status": "started",
            },
        )
        if "ended_at" in payload:
            recording.update(
                started_at=payload["started_at"], ended_at=payload["ended_at"], status="stopped"
            )
        if event_type is EventType.RECORDING_READY:
            self._publish_recording(recording, payload["url"])

    def _sign(self, body: bytes) -> str:
        claims = {
            "iat": int(self.clock()),
            "jti": str(uuid.uuid4()),
            "iss": "Vonage",
            "application_id": self.application_id,
            "payload_hash": hashlib.sha256(body).hexdigest(),
        }
        return jwt.encode(claims, str(self.signature_secret), algorithm="HS256")


def _apply_room_update(room: dict[str, Any], details: Mapping[str, Any]) -> None:
    for key, value in details.items():
        if key == "join_approval_level":
            room["joinApprovalLevel"] = value
        elif key == "expires_at":
            moment = parse_time(value)
            room["expires_at"] = format_time(moment) if moment else room["expires_at"]
        elif isinstance(value, dict):
            room[key] = {**(room.get(key) or {}), **value}
        else:
            room[key] = value
