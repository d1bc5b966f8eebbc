"""State, credentials and shared helpers of the Vonage Meetings sandbox."""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr

from providers._fake import Admission, FakeAPI, JoinRefused, json_response
from providers.base import Clock
from providers.vonage.fake_wire import UNAUTHORIZED, invalid, page_links
from providers.vonage.payloads import format_time, parse_time
from providers.vonage.settings import VonageSettings

__all__ = ["S3_HOST", "S3_URL", "SANDBOX_WEBHOOK_TOKEN", "VonageSandboxBase"]

SANDBOX_WEBHOOK_TOKEN = "sandbox-webhook-token"  # noqa: S105 - the documented sandbox value
S3_HOST = "s3.amazonaws.com"
S3_URL = f"https://{S3_HOST}/roomservice-whitelabel-logos-prod"
JOIN_HOST = "https://meetings.vonage.com"
FIRST_ROOM_SEQ = 2006648
MAX_TOKEN_AGE = 24 * 3600
DEFAULT_TOKEN_AGE = 15 * 60
CLOCK_SKEW = 60
#: an instant room expires 10 minutes after creation unless used
INSTANT_LIFETIME = timedelta(minutes=10)


class VonageSandboxBase(FakeAPI):
    """Keys, clock and in-memory state; checks the application JWT like the API does."""

    prefix = "/v1/meetings"

    def __init__(self, *, clock: Clock = time.time, signature_secret: str | None = None) -> None:
        super().__init__()
        self.clock = clock
        self.signature_secret = signature_secret
        self.application_id = str(uuid.uuid4())
        self.account_id = str(secrets.randbelow(90_000_000) + 10_000_000)
        self._private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._participant_secret = secrets.token_hex(32)
        self.token_ids: set[str] = set()
        self.rooms: dict[str, dict[str, Any]] = {}
        self.room_seq: dict[str, int] = {}
        self.themes: dict[str, dict[str, Any]] = {}
        self.default_theme_id: str | None = None
        self.recordings: dict[str, dict[str, Any]] = {}
        self.max_rooms: int | None = None
        self.max_themes: int | None = None

    def settings(self) -> VonageSettings:
        """Settings whose application id and private key this sandbox accepts."""
        pem = self._private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        secret = SecretStr(self.signature_secret) if self.signature_secret else None
        return VonageSettings(
            application_id=self.application_id,
            private_key=SecretStr(pem),
            webhook_token=SecretStr(SANDBOX_WEBHOOK_TOKEN),
            signature_secret=secret,
        )

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    # credentials
    def _claims(self, request: httpx.Request) -> dict[str, Any] | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        options = {"verify_exp": False, "verify_iat": False, "verify_nbf": False}
        try:
            return jwt.decode(
                token,
                self._private_key.public_key(),
                algorithms=["RS256"],
                options=options,  # type: ignore[arg-type]
            )
        except jwt.PyJWTError:
            return None

    def _token_valid(self, claims: dict[str, Any]) -> bool:
        """Vonage: ``iat`` required; ``exp`` honoured; never more than 24 h after ``iat``;
        15 minutes after ``iat`` when there is no ``exp``."""
        now, issued, expires = self.clock(), claims.get("iat"), claims.get("exp")
        if claims.get("application_id") != self.application_id:
            return False
        if not isinstance(issued, int | float) or issued > now + CLOCK_SKEW:
            return False
        if now - issued > MAX_TOKEN_AGE:
            return False
        if expires is None:
            return now - issued <= DEFAULT_TOKEN_AGE
        return isinstance(expires, int | float) and now < expires

    def _authorize(self, request: httpx.Request) -> httpx.Response | None:
        claims = self._claims(request)
        if claims is None or not self._token_valid(claims):
            return json_response(401, UNAUTHORIZED)
        self.token_ids.add(str(claims.get("jti")))
        return None

    async def _dispatch(self, request: httpx.Request) -> httpx.Response:
        return self._authorize(request) or await super()._dispatch(request)

    # rooms as the API renders them
    def participant_token(self) -> str:
        claims = {"participantId": str(uuid.uuid4()), "iat": int(self.clock())}
        headers = {"kid": str(uuid.uuid4())}
        return jwt.encode(claims, self._participant_secret, algorithm="HS256", headers=headers)

    def _join_prefix(self, theme_id: str | None) -> str:
        theme = self.themes.get(theme_id or "") or self.themes.get(self.default_theme_id or "")
        short = theme.get("short_company_url") if theme else None
        return f"{JOIN_HOST}/{short}" if short else JOIN_HOST

    def render_room(self, room: dict[str, Any]) -> dict[str, Any]:
        prefix, code = self._join_prefix(room.get("theme_id")), room["meeting_code"]
        host = f"{prefix}/?room_token={code}&participant_token={room['_host_token']}"
        expires = parse_time(room["expires_at"])
        record = {key: value for key, value in room.items() if not key.startswith("_")}
        record["_links"] = {"host_url": {"href": host}, "guest_url": {"href": f"{prefix}/{code}"}}
        record["is_available"] = expires is not None and expires > self.now()
        return record

    def check_join(self, url: str) -> Admission:
        """Open a host or guest URL as the Meetings page would, or raise ``JoinRefused``:
        the page prefix of the room's theme, then the meeting code (a guest) or the room
        token and the room's host participant token (a host), for a room still available."""
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        code = query.get("room_token", [parts.path.rstrip("/").rpartition("/")[2]])[0]
        room = next((r for r in self.rooms.values() if r["meeting_code"] == code), None)
        if room is None or not self.render_room(room)["is_available"]:
            raise JoinRefused("no such available room")
        prefix = self._join_prefix(room.get("theme_id"))
        host = "participant_token" in query
        page = f"{prefix}/" if host else f"{prefix}/{code}"
        if f"{parts.scheme}://{parts.netloc}{parts.path}" != page:
            raise JoinRefused("not this room's page")
        if host and query["participant_token"] != [room["_host_token"]]:
            raise JoinRefused("not this room's host token")
        return Admission(room_id=room["id"], moderator=host)

    def new_room(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Store a room with the API's defaults for what ``fields`` leaves out."""
        created = self.now()
        room_id = str(uuid.uuid4())
        room: dict[str, Any] = {
            "id": room_id,
            "display_name": fields["display_name"],
            "metadata": fields.get("metadata"),
            "type": fields.get("type", "instant"),
            "expires_at": fields.get("expires_at"),
            "recording_options": {"auto_record": False, "record_only_owner": False},
            "meeting_code": str(secrets.randbelow(900_000_000) + 100_000_000),
            "created_at": format_time(created),
            "expire_after_use": fields.get("expire_after_use", False),
            "theme_id": fields.get("theme_id"),
            "initial_join_options": {"microphone_state": "default"},
            "joinApprovalLevel": fields.get("join_approval_level", "none"),
            "ui_settings": {"language": "default"},
            "available_features": dict(_DEFAULT_FEATURES),
            "_host_token": self.participant_token(),
        }
        for key in ("recording_options", "initial_join_options", "ui_settings"):
            room[key].update(fields.get(key) or {})
        room["available_features"].update(fields.get("available_features") or {})
        if fields.get("callback_urls"):
            room["callback_urls"] = dict(fields["callback_urls"])
        expires = parse_time(fields.get("expires_at")) or created + INSTANT_LIFETIME
        room["expires_at"] = format_time(expires)
        self.rooms[room_id] = room
        self.room_seq[room_id] = FIRST_ROOM_SEQ + len(self.room_seq)
        return room

    def room_page(
        self, request: httpx.Request, path: str, rooms: Iterable[dict[str, Any]]
    ) -> httpx.Response:
        """Keyset paging over internal sequence numbers (``start_id`` inclusive,
        ``end_id`` exclusive); ``next`` is linked even on a short page, like the API."""
        params = request.url.params
        try:
            size = int(params.get("page_size", "20"))
            start = int(params.get("start_id", "0"))
            end = int(params["end_id"]) if "end_id" in params else None
        except ValueError:
            return invalid('"page_size", "start_id" and "end_id" must be numbers')
        if size < 1:
            return invalid('"page_size" must be greater than or equal to 1')
        ordered = sorted(rooms, key=lambda room: self.room_seq[room["id"]])
        inside = [r for r in ordered if self._in_range(self.room_seq[r["id"]], start, end)]
        page = inside[:size]
        seqs = [self.room_seq[room["id"]] for room in page]
        body = {
            "page_size": size,
            "_embedded": [self.render_room(room) for room in page],
            "_links": page_links(path, size, seqs[0] if seqs else None, seqs[-1] if seqs else None),
            "total_items": len(ordered),
        }
        return json_response(200, body)

    @staticmethod
    def _in_range(seq: int, start: int, end: int | None) -> bool:
        return seq >= start and (end is None or seq < end)


_DEFAULT_FEATURES = {
    "is_recording_available": True,
    "is_chat_available": True,
    "is_whiteboard_available": True,
    "is_locale_switcher_available": False,
    "is_captions_available": False,
}
