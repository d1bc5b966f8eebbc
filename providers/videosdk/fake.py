"""In-memory stand-in of the VideoSDK REST API v2, and its signed webhooks.

It checks the raw HS256 JWT in ``Authorization`` the way VideoSDK does (its own API key and
secret, generated per instance; a token whose ``roles`` exclude ``crawler`` cannot call the
server API), pages with ``page``/``perPage`` and ``pageInfo``, answers the documented
shapes (bare JSON strings for recordings, legacy names from ``/rooms/deactivate``) and signs
webhooks with its own RSA key, served at ``/public/rsa-public-key``. Rooms are listed newest
first (inferred). Undocumented error bodies and statuses are marked (inferred).
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pydantic import SecretStr

from providers._fake import Admission, JoinRefused, json_response
from providers.errors import UnsupportedOperation
from providers.models import EventType, WebhookDelivery
from providers.videosdk._fake_core import BASE_URL, Record, error
from providers.videosdk._fake_media import FakeMedia
from providers.videosdk.settings import VideoSDKSettings
from providers.videosdk.webhooks import SIGNATURE_HEADER, compact_json

__all__ = ["FakeVideoSDK"]

_WEBHOOK_TYPES = {
    EventType.PARTICIPANT_JOINED: "participant-joined",
    EventType.PARTICIPANT_LEFT: "participant-left",
    EventType.SESSION_STARTED: "session-started",
    EventType.SESSION_ENDED: "session-ended",
    EventType.RECORDING_STARTED: "recording-started",
    EventType.RECORDING_STOPPED: "recording-stopped",
    # a dedicated "ready" event exists only for merged recordings
    EventType.RECORDING_READY: "merge-recording-completed",
    EventType.RECORDING_FAILED: "recording-failed",
    EventType.TRANSCRIPTION_READY: "transcription-completed",
}
#: stream events by kind: ``hls-*`` for HLS, ``livestream-*`` for RTMP out
_STREAM_TYPES = {
    EventType.STREAM_STARTED: "{}-started",
    EventType.STREAM_STOPPED: "{}-stopped",
    EventType.STREAM_FAILED: "{}-failed",
}
_STREAM_PREFIX = {"HLS": "hls", "RTMP": "livestream"}


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class FakeVideoSDK(FakeMedia):
    """The VideoSDK sandbox: rooms here, sessions and recordings in ``FakeMedia``."""

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        super().__init__(clock=clock)
        self._signing_key = _new_key()
        #: the documented validate method (the docs disagree: GET or POST)
        self.validate_method = "GET"
        #: how ``/public/rsa-public-key`` answers: ``"json"`` or ``"pem"`` (format undocumented)
        self.public_key_format = "json"
        a = self.authorized
        self.route("POST", "/rooms", a(self._create_room))
        self.route("GET", "/rooms/?", a(self._list_rooms))
        self.route("POST", "/rooms/deactivate", a(self._deactivate_room))
        self.route("GET", "/rooms/validate/(?P<room>[^/]+)", a(self._validate_room))
        self.route("POST", "/rooms/validate/(?P<room>[^/]+)", a(self._validate_room))
        self.route("GET", "/rooms/(?P<room>[^/]+)", a(self._get_room))
        self.route("GET", "/public/rsa-public-key", self._public_key)

    def settings(self) -> VideoSDKSettings:
        """Settings with this sandbox's API key, secret and webhook public key."""
        return VideoSDKSettings(
            api_key=self.api_key,
            secret=SecretStr(self.secret),
            base_url=BASE_URL,
            webhook_public_key=self.public_key_pem,
        )

    # rooms
    def add_room(self, custom_room_id: str | None = None, webhook: Any = None) -> Record:
        """Create a room directly in the sandbox state."""
        room_id = self.room_code()
        now = self.now()
        room: Record = {"roomId": room_id}
        if custom_room_id is not None:
            room["customRoomId"] = custom_room_id
        room |= {
            "userId": self.user_id,
            "disabled": False,
            "createdAt": now,
            "updatedAt": now,
            "id": self.object_id(),
            "links": {
                "get_room": f"{BASE_URL}/rooms/{room_id}",
                "get_session": f"{BASE_URL}/sessions/",
            },
        }
        if webhook is not None:
            room["webhook"] = webhook
        self.rooms[room_id] = room
        return room

    def seed_rooms(self, count: int) -> list[str]:
        """Create ``count`` rooms; returns their roomIds in creation order."""
        return [self.add_room()["roomId"] for _ in range(count)]

    def _user(self) -> Record:
        return {
            "email": "sandbox@example.com",
            "name": "Sandbox",
            "discontinuedReason": None,
            "id": self.user_id,
        }

    def _detailed(self, room: Record) -> Record:
        return room | {"user": self._user()}

    def _create_room(self, request: httpx.Request, params: dict[str, str]) -> httpx.Response:
        body = self.body(request)
        custom = body.get("customRoomId")
        if custom is not None and (not isinstance(custom, str) or not custom):
            return error(400, "customRoomId must be a non-empty string")
        if custom is not None and self.find_room(custom) is not None:
            return error(409, "customRoomId already exists")  # status inferred
        room = self.add_room(custom, body.get("webhook"))
        return json_response(200, {k: v for k, v in room.items() if k != "webhook"})

    def _list_rooms(self, request: httpx.Request, params: dict[str, str]) -> httpx.Response:
        return self.page(request, [self._detailed(r) for r in reversed(self.rooms.values())])

    def _get_room(self, request: httpx.Request, params: dict[str, str]) -> httpx.Response:
        room = self.find_room(params["room"])
        if room is None:
            return error(404, "Room not found")  # status and body inferred
        return json_response(200, self._detailed(room))

    def _validate_room(self, request: httpx.Request, params: dict[str, str]) -> httpx.Response:
        if request.method != self.validate_method:
            return error(405, f"Cannot {request.method} {request.url.path}")
        return self._get_room(request, params)

    def _deactivate_room(self, request: httpx.Request, params: dict[str, str]) -> httpx.Response:
        room = self.find_room(str(self.body(request).get("roomId")))
        if room is None:
            return error(404, "Room not found")
        room["disabled"], room["updatedAt"] = True, self.now()
        legacy = {k: v for k, v in room.items() if k in ("webhook", "disabled")}
        legacy |= {"meetingId": room["roomId"], "userMeetingId": room.get("customRoomId")}
        legacy |= {k: room[k] for k in ("userId", "createdAt", "updatedAt")}
        return json_response(200, legacy | {"user": self._user(), "id": room["id"]})

    # joining
    def check_join(self, room_id: str, token: str) -> Admission:
        """Let a participant token into a room as VideoSDK's meeting servers would, or raise
        ``JoinRefused``: signed with the secret, this API key, not expired, an ``rtc`` role,
        ``allow_join`` or ``ask_join``, and the room it names (by roomId) open."""
        room = self.find_room(room_id)
        if room is None or room["disabled"]:
            raise JoinRefused("no such open room")
        try:
            claims = jwt.decode(
                token, self.secret, algorithms=["HS256"], options={"verify_exp": False}
            )
        except jwt.InvalidTokenError as exc:
            raise JoinRefused(f"invalid token: {type(exc).__name__}") from None
        self._check_participant_claims(claims, room["roomId"])
        granted = set(claims["permissions"])
        return Admission(
            room_id=room["roomId"],
            moderator="allow_mod" in granted,
            waiting="allow_join" not in granted,
            participant_id=claims.get("participantId"),
        )

    def _check_participant_claims(self, claims: Mapping[str, Any], room_id: str) -> None:
        exp = claims.get("exp")
        problems = {
            "expired": not isinstance(exp, int | float) or exp <= self.clock(),
            "another API key": claims.get("apikey") != self.api_key,
            "no join permission": not {"allow_join", "ask_join"}
            & set(claims.get("permissions") or []),
            "no rtc role": "rtc" not in (claims.get("roles") or ["rtc"]),
            "another room": claims.get("roomId", room_id) != room_id,
            "roomId, participantId and roles need version 2": claims.get("version") != 2
            and bool({"roomId", "participantId", "roles"} & set(claims)),
        }
        for reason, failed in problems.items():
            if failed:
                raise JoinRefused(reason)

    # webhook signing
    @property
    def public_key_pem(self) -> str:
        """The PEM of the key that verifies this sandbox's webhook signatures."""
        public = self._signing_key.public_key()
        pem = public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return pem.decode()

    def rotate_webhook_key(self) -> None:
        """Sign from now on with a new key, as after a key rotation."""
        self._signing_key = _new_key()

    def _public_key(self, request: httpx.Request, params: dict[str, str]) -> httpx.Response:
        if self.public_key_format == "pem":
            return httpx.Response(200, text=self.public_key_pem)
        return json_response(200, {"publicKey": self.public_key_pem})

    def sign(self, data: bytes) -> str:
        """The ``videosdk-signature`` value for ``data``."""
        signature = self._signing_key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        return base64.b64encode(signature).decode()

    def deliver(self, payload: Mapping[str, Any], *, spaced: bool = False) -> WebhookDelivery:
        """A signed delivery of ``payload``. The signature covers the compact JSON; with
        ``spaced`` the body travels re-serialized with spaces (what a Node receiver that
        verifies ``JSON.stringify(body)`` accepts)."""
        signed = compact_json(payload)
        body = json.dumps(payload, indent=2, ensure_ascii=False).encode() if spaced else signed
        headers = {SIGNATURE_HEADER: self.sign(signed), "content-type": "application/json"}
        return WebhookDelivery(path="", query={}, headers=headers, body=body)

    def webhook(
        self,
        room_native_id: str,
        event_type: EventType,
        details: Mapping[str, Any],
        token: str | None,
    ) -> WebhookDelivery:
        """VideoSDK's own signed delivery for ``event_type`` (it uses no token).

        Stream events are HLS unless ``details["streamKind"]`` is ``"RTMP"``.
        """
        if event_type is EventType.TRANSCRIPTION_READY:
            # sent to the recording's webhookUrl, naming the room as roomId and no session
            transcription = details.get("transcriptionId") or self.object_id()
            data: Record = {"id": transcription, "roomId": room_native_id}
            return self.deliver({"webhookType": "transcription-completed", "data": data})
        webhook_type = self._webhook_type(event_type, details)
        data = {"meetingId": room_native_id, "sessionId": self._session_of(room_native_id, details)}
        data |= self._event_fields(event_type, details)
        return self.deliver({"webhookType": webhook_type, "data": data})

    def _webhook_type(self, event_type: EventType, details: Mapping[str, Any]) -> str:
        stream = _STREAM_TYPES.get(event_type)
        if stream is not None:
            kind = details.get("streamKind") or "HLS"
            if kind not in _STREAM_PREFIX:
                raise UnsupportedOperation("videosdk", f"VideoSDK streams no {kind!r} kind")
            return stream.format(_STREAM_PREFIX[kind])
        webhook_type = _WEBHOOK_TYPES.get(event_type)
        if webhook_type is None:
            raise UnsupportedOperation("videosdk", f"VideoSDK sends no {event_type.value} event")
        return webhook_type

    def _session_of(self, room_id: str, details: Mapping[str, Any]) -> str:
        given = details.get("sessionId")
        if isinstance(given, str):
            return given
        ongoing = self._ongoing(room_id)
        return ongoing["id"] if ongoing else self.object_id()

    def _event_fields(self, event_type: EventType, details: Mapping[str, Any]) -> Record:
        now = self.now()
        recording_id = details.get("recordingId") or self.object_id()
        file_path = f"uploads/videos/{recording_id}.mp4"
        url = details.get("url") or f"https://cdn.videosdk.live/{file_path}"
        participant = {
            "participantId": details.get("participantId") or "sandbox1",
            "participantName": details.get("participantName") or "Sandbox Participant",
        }
        fields: dict[EventType, Record] = {
            EventType.PARTICIPANT_JOINED: participant,
            EventType.PARTICIPANT_LEFT: participant
            | {"reason": details.get("reason") or "user-left"},
            EventType.SESSION_STARTED: {"start": details.get("startedAt") or now},
            EventType.SESSION_ENDED: {
                "start": details.get("startedAt") or now,
                "end": details.get("endedAt") or now,
                "reason": details.get("reason") or "Meeting Ended.",
                "error": None,
            },
            EventType.RECORDING_STARTED: {"id": recording_id},
            EventType.RECORDING_STOPPED: {
                "id": recording_id,
                "filePath": file_path,
                "fileUrl": url,
            },
            EventType.RECORDING_READY: {"id": recording_id, "fileUrl": url},
            EventType.RECORDING_FAILED: {
                "id": recording_id,
                "message": details.get("reason") or "Recording failed",
            },
        }
        return fields.get(event_type) or self._stream_fields(event_type, details)

    def _stream_fields(self, event_type: EventType, details: Mapping[str, Any]) -> Record:
        """``hls-started`` names where viewers play the stream; the other steps carry nothing."""
        is_hls = (details.get("streamKind") or "HLS") == "HLS"
        if event_type is not EventType.STREAM_STARTED or not is_hls:
            return {}
        stream = self.object_id()
        playback = details.get("url") or f"https://cdn.videosdk.live/hls/{stream}/index.m3u8"
        return {
            "playbackHlsUrl": playback,
            "livestreamUrl": f"https://cdn.videosdk.live/live/{stream}/index.m3u8",
        }
