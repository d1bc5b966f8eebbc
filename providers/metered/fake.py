"""In-memory stand-in of the Metered REST API (``https://sandbox.metered.live/api/v1``).

Shapes follow the create-room documentation: room records with ``_id``, ``app``,
``created``, ``archived`` and ``__v``; ``{"success": false, "message": "Invalid request"}``
for bad input; DELETE archives. Where Metered documents nothing the choice is marked
**(inferred)**.
"""

from __future__ import annotations

import hmac
import json
import secrets
import string
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import httpx
import jwt
from pydantic import SecretStr

from providers._fake import Admission, FakeAPI, JoinRefused, json_response
from providers.errors import UnsupportedOperation
from providers.metered.auth import SECRET_PARAM
from providers.metered.options import BOOL_FIELDS, INT_FIELDS, ROOM_NAME, TEXT_FIELDS
from providers.metered.settings import MeteredSettings
from providers.metered.webhooks import EVENT_PATHS
from providers.models import EventType, WebhookDelivery

__all__ = ["FakeMetered"]

_NAME_ALPHABET = string.ascii_letters + string.digits
_ENUMS = {"privacy": ("public", "private"), "compositionLayout": ("grid", "active_speaker")}
_TOKEN_TEXTS = ("roomName", "name", "email", "meta", "externalUserId")
_TOKEN_BOOLS = (
    "isAdmin",
    "globalToken",
    "joinVideoOn",
    "joinAudioOn",
    "disableVideo",
    "disableAudio",
    "disableScreenSharing",
)
_TOKEN_INTS = ("expireUnixSec", "notBeforeUnixSec", "ejectAfterElapsedTimeInSec")
# the defaults of the documented create response
_ROOM_DEFAULTS: Mapping[str, Any] = {
    "privacy": "public",
    "deleteOnExp": False,
    "autoJoin": False,
    "enableRequestToJoin": False,
    "enableChat": False,
    "enableScreenSharing": True,
    "joinVideoOn": True,
    "joinAudioOn": True,
    "ownerOnlyBroadcast": False,
    "recordRoom": False,
    "ejectAtRoomExp": False,
    "lang": "en",
    "archived": False,
}
_PATH_OF_EVENT = {event: path for path, event in EVENT_PATHS.items()}


def _object_id(now: float) -> str:
    """A Mongo ObjectId look-alike: 4 bytes of time, 8 random bytes, in hex."""
    return f"{int(now):08x}{secrets.token_hex(8)}"


def _iso(now: float) -> str:
    return datetime.fromtimestamp(now, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


def _invalid() -> httpx.Response:
    return json_response(400, {"success": False, "message": "Invalid request"})


def _room_not_found() -> httpx.Response:
    # (inferred) the status; the message is what Metered's users test for
    return json_response(400, {"success": False, "message": "room not found"})


def _json_object(request: httpx.Request) -> dict[str, Any] | None:
    if not request.content.strip():
        return {}
    try:
        body = json.loads(request.content)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _typed(
    body: Mapping[str, Any], texts: tuple[str, ...], bools: tuple[str, ...], ints: tuple[str, ...]
) -> dict[str, Any] | None:
    """The known fields of ``body`` when each has its documented type; unknown ones dropped."""
    known: dict[str, Any] = {}
    for key, value in body.items():
        if key in texts:
            ok = isinstance(value, str) and value in _ENUMS.get(key, (value,))
        elif key in bools:
            ok = isinstance(value, bool)
        elif key in ints:
            ok = type(value) is int and value >= 0  # Metered's samples send 0 for "unset"
        else:
            continue
        if not ok:
            return None
        known[key] = value
    return known


class FakeMetered(FakeAPI):
    """Metered for one app, ``sandbox``, with a secret key of its own."""

    prefix = "/api/v1"
    app_name = "sandbox"
    webhook_token = "sandbox-webhook-token"  # noqa: S105 - the sandbox's published token

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.secret_key = secrets.token_urlsafe(24)
        #: signs participant tokens (Metered's own key; the gateway never has it)
        self.token_key = secrets.token_urlsafe(32)
        self.clock = clock
        self.app_id = _object_id(clock())
        self.rooms: dict[str, dict[str, Any]] = {}
        self._sessions: dict[str, str] = {}
        self.route("POST", "/room", self._create)
        self.route("GET", "/room/(?P<name>[^/]+)", self._get)
        self.route("PUT", "/room/(?P<name>[^/]+)", self._update)
        self.route("DELETE", "/room/(?P<name>[^/]+)", self._archive)
        self.route("GET", "/rooms", self._list)
        self.route("POST", "/token", self._token)

    def settings(self) -> MeteredSettings:
        return MeteredSettings(
            app_name=self.app_name,
            secret_key=SecretStr(self.secret_key),
            webhook_token=SecretStr(self.webhook_token),
        )

    async def _dispatch(self, request: httpx.Request) -> httpx.Response:
        given = request.url.params.get(SECRET_PARAM, "")
        if not hmac.compare_digest(given.encode(), self.secret_key.encode()):
            # (inferred) Metered documents no answer for a wrong or missing key
            return json_response(401, {"success": False, "message": "Invalid secretKey"})
        return await super()._dispatch(request)

    # state
    def _new_name(self) -> str:
        while True:
            name = "".join(secrets.choice(_NAME_ALPHABET) for _ in range(10))
            if name not in self.rooms:
                return name

    def _store(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        now = self.clock()
        name = fields.get("roomName") or self._new_name()
        settings = {key: value for key, value in fields.items() if key != "roomName"}
        room = {
            **_ROOM_DEFAULTS,
            **settings,
            "_id": _object_id(now),
            "roomName": name,
            "app": self.app_id,
            "created": _iso(now),
            "__v": 0,
        }
        self.rooms[name] = room
        return room

    def seed_rooms(self, count: int) -> list[str]:
        """Create ``count`` rooms with generated names directly in the state."""
        return [self._store({})["roomName"] for _ in range(count)]

    def _free(self, name: str) -> bool:
        """``name`` is URL-friendly and names no room yet."""
        return ROOM_NAME.fullmatch(name) is not None and name not in self.rooms

    def _room_fields(self, request: httpx.Request, current: str | None) -> dict[str, Any] | None:
        body = _json_object(request)
        fields = None if body is None else _typed(body, TEXT_FIELDS, BOOL_FIELDS, INT_FIELDS)
        if fields is None:
            return None
        name = fields.get("roomName")
        if name is not None and name != current and not self._free(name):
            return None
        if fields.get("enableRTMPOut") is True and not fields.get("rtmpOutURL"):
            return None
        return fields

    # routes
    def _create(self, request: httpx.Request, _: dict[str, str]) -> httpx.Response:
        fields = self._room_fields(request, None)
        return _invalid() if fields is None else json_response(200, self._store(fields))

    def _get(self, _: httpx.Request, params: dict[str, str]) -> httpx.Response:
        room = self.rooms.get(params["name"])
        return _room_not_found() if room is None else json_response(200, room)

    def _update(self, request: httpx.Request, params: dict[str, str]) -> httpx.Response:
        room = self.rooms.get(params["name"])
        fields = None if room is None else self._room_fields(request, params["name"])
        if room is None or fields is None:
            return _invalid()
        room.update(fields)
        if room["roomName"] != params["name"]:
            self.rooms[room["roomName"]] = self.rooms.pop(params["name"])
        return json_response(200, room)  # (inferred) the updated room

    def _archive(self, _: httpx.Request, params: dict[str, str]) -> httpx.Response:
        room = self.rooms.get(params["name"])
        if room is None:
            return _invalid()
        room["archived"] = True
        return json_response(200, {"success": True, "message": "Room successfully archived"})

    def _list(self, _: httpx.Request, __: dict[str, str]) -> httpx.Response:
        return json_response(200, list(self.rooms.values()))  # (inferred) every room, no pages

    def _token(self, request: httpx.Request, _: dict[str, str]) -> httpx.Response:
        body = _json_object(request)
        data = None if body is None else _typed(body, _TOKEN_TEXTS, _TOKEN_BOOLS, _TOKEN_INTS)
        if data is None:
            return _invalid()
        if "roomName" in data and data["roomName"] not in self.rooms:
            return _room_not_found()
        claims = {"data": {**data, "appName": self.app_name}, "iat": int(self.clock())}
        return json_response(200, {"token": jwt.encode(claims, self.token_key, "HS256")})

    # joining
    def check_join(self, room_name: str, token: str | None = None) -> Admission:
        """Let a participant into a room as Metered's meeting page would, or raise
        ``JoinRefused``: a private room needs a token this app signed for that room (or
        every room), inside its validity window; ``isAdmin`` makes a moderator."""
        room = self.rooms.get(room_name)
        now = self.clock()
        if room is None or room["archived"] or room.get("expireUnixSec", 2**63) <= now:
            raise JoinRefused("no such open room")
        if token is None:
            if room["privacy"] == "private":
                raise JoinRefused("a private room needs an access token")
            return Admission(room_id=room_name, moderator=False)
        data = self._token_data(token)
        if data.get("roomName", room_name) != room_name or not (
            "roomName" in data or data.get("globalToken")
        ):
            raise JoinRefused("the token is for another room")
        if data.get("expireUnixSec", 2**63) <= now or data.get("notBeforeUnixSec", 0) > now:
            raise JoinRefused("the token is outside its validity window")
        return Admission(
            room_id=room_name,
            moderator=data.get("isAdmin") is True,
            participant_id=data.get("externalUserId"),
            name=data.get("name"),
        )

    def _token_data(self, token: str) -> dict[str, Any]:
        try:
            claims = jwt.decode(token, self.token_key, ["HS256"], options={"verify_iat": False})
        except jwt.InvalidTokenError as exc:
            raise JoinRefused(f"invalid token: {type(exc).__name__}") from None
        data = claims.get("data")
        if not isinstance(data, dict) or data.get("appName") != self.app_name:
            raise JoinRefused("the token is for another app")
        return data

    # webhooks
    def webhook(
        self,
        room_native_id: str,
        event_type: EventType,
        details: Mapping[str, Any],
        token: str | None,
    ) -> WebhookDelivery:
        """What Metered would POST to the URL registered for ``event_type``.

        The body is synthesized: Metered documents no webhook payload.
        """
        path = _PATH_OF_EVENT.get(event_type)
        if path is None:
            raise UnsupportedOperation("metered", f"Metered sends no {event_type.value} webhook")
        session = self._sessions.setdefault(room_native_id, _object_id(self.clock()))
        body: dict[str, Any] = {
            "roomName": room_native_id,
            "meetingSessionId": details.get("sessionId", session),
            "timestamp": _iso(self.clock()),
        }
        if event_type in (EventType.PARTICIPANT_JOINED, EventType.PARTICIPANT_LEFT):
            body["externalUserId"] = details.get("participantId", "sandbox-user")
            body["name"] = details.get("participantName", "Sandbox User")
        query = {"room": room_native_id} | ({} if token is None else {"token": token})
        return WebhookDelivery(
            path=path,
            query=query,
            headers={"content-type": "application/json"},
            body=json.dumps(body).encode(),
        )
