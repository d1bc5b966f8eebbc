"""The VideoSDK sandbox's shared core: credentials, token checks, ids, times, paging.

Error bodies are not documented by VideoSDK; the sandbox answers
``{"statusCode": 401, "error": "Unauthorized", "message": "…"}`` (inferred).
"""

from __future__ import annotations

import json
import math
import secrets
import string
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

import httpx
import jwt

from providers._fake import FakeAPI, json_response

__all__ = ["BASE_URL", "FakeCore", "Record", "RouteHandler", "error"]

BASE_URL = "https://api.videosdk.live/v2"
Record = dict[str, Any]
RouteHandler = Callable[[httpx.Request, dict[str, str]], httpx.Response]
_PERMISSIONS = frozenset({"allow_join", "ask_join", "allow_mod"})


def error(status: int, message: str) -> httpx.Response:
    """An error answer in the (inferred) VideoSDK shape."""
    body = {"statusCode": status, "error": HTTPStatus(status).phrase, "message": message}
    return json_response(status, body)


class FakeCore(FakeAPI):
    """Credentials and helpers shared by the rooms, sessions and recordings routes."""

    prefix = "/v2"

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.clock = clock
        self.api_key = str(uuid.uuid4())
        self.secret = secrets.token_hex(32)
        self.user_id = self.object_id()
        self.rooms: dict[str, Record] = {}
        self.max_per_page: int | None = None

    # ids and times
    @staticmethod
    def object_id() -> str:
        """A 24-hex id like VideoSDK's (MongoDB ObjectId)."""
        return secrets.token_hex(12)

    @staticmethod
    def room_code() -> str:
        """A roomId like ``abc-xyzw-lmno``."""
        letters = string.ascii_lowercase
        return "-".join("".join(secrets.choice(letters) for _ in range(size)) for size in (3, 4, 4))

    def now(self) -> str:
        """The sandbox clock as VideoSDK writes times (``2022-03-25T04:49:11.024Z``)."""
        moment = datetime.fromtimestamp(self.clock(), UTC)
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    # credentials
    def authorized(self, handler: RouteHandler) -> RouteHandler:
        """``handler`` behind VideoSDK's check of the raw JWT in ``Authorization``."""

        def check(request: httpx.Request, params: dict[str, str]) -> httpx.Response:
            refusal = self.refusal(request.headers.get("authorization"))
            return refusal if refusal is not None else handler(request, params)

        return check

    def refusal(self, token: str | None) -> httpx.Response | None:
        """``None`` when the token may call the server API, else the 401 answer."""
        if not token:
            return error(401, "Token is required")
        try:
            # expiry is checked against the sandbox clock below
            claims = jwt.decode(
                token,
                self.secret,
                algorithms=["HS256"],
                options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
            )
        except jwt.InvalidTokenError:
            return error(401, "Invalid token")
        return self._claims_refusal(claims)

    def _claims_refusal(self, claims: Mapping[str, Any]) -> httpx.Response | None:
        exp = claims.get("exp")
        if isinstance(exp, int | float) and exp <= self.clock():
            return error(401, "Token expired")
        if claims.get("apikey") != self.api_key:
            return error(401, "Invalid apikey")
        permissions = claims.get("permissions")
        if not isinstance(permissions, list) or not set(permissions) & _PERMISSIONS:
            return error(401, "Invalid permissions")
        roles = claims.get("roles")
        if roles is not None and (not isinstance(roles, list) or "crawler" not in roles):
            return error(401, "This token's roles do not allow server APIs")
        return None

    # request helpers
    @staticmethod
    def body(request: httpx.Request) -> Record:
        try:
            decoded = json.loads(request.content or b"{}")
        except json.JSONDecodeError:
            return {}
        return decoded if isinstance(decoded, dict) else {}

    def find_room(self, room_id: str) -> Record | None:
        """A room by roomId or customRoomId."""
        if room_id in self.rooms:
            return self.rooms[room_id]
        for room in self.rooms.values():
            if room.get("customRoomId") == room_id:
                return room
        return None

    def paginate(
        self, request: httpx.Request, items: Sequence[Any]
    ) -> tuple[Record, list[Any]] | httpx.Response:
        """``pageInfo`` and the slice for ``page``/``perPage`` (defaults 1 and 20)."""
        query = request.url.params
        try:
            page = int(query.get("page", "1"))
            per_page = int(query.get("perPage", "20"))
        except ValueError:
            return error(400, "page and perPage must be numbers")
        if page < 1 or per_page < 1:
            return error(400, "page and perPage must be at least 1")
        per_page = min(per_page, self.max_per_page or per_page)
        start = (page - 1) * per_page
        info = {
            "currentPage": page,
            "perPage": per_page,
            "lastPage": max(1, math.ceil(len(items) / per_page)),
            "total": len(items),
        }
        return info, list(items[start : start + per_page])

    def page(self, request: httpx.Request, items: Sequence[Any]) -> httpx.Response:
        """A ``{pageInfo, data}`` answer."""
        paged = self.paginate(request, items)
        if isinstance(paged, httpx.Response):
            return paged
        info, data = paged
        return json_response(200, {"pageInfo": info, "data": data})
