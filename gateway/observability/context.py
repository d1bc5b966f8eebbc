"""Request ids and the log context of the request being served.

``RequestId`` is the outermost ASGI layer: it takes the caller's ``x-request-id`` when it is
a sane value (1 to 128 characters of letters, digits and ``-_.:@/+=``), else makes one, keeps
it in ``current_request_id`` for the log lines written while serving, and echoes it in the
response (and in a WebSocket's handshake answer).
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "HEADER",
    "RequestId",
    "current_operation",
    "current_request_id",
    "current_tenant",
    "request_id_from",
]

HEADER = "x-request-id"
_HEADER_BYTES = HEADER.encode()
_SANE = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")

current_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
current_operation: ContextVar[str | None] = ContextVar("graphql_operation", default=None)
#: the caller's tenant, once its token is verified (HTTP request or WebSocket connection)
current_tenant: ContextVar[str | None] = ContextVar("tenant", default=None)


def request_id_from(value: bytes | None) -> str:
    """``value`` when it is a sane request id, else a new one."""
    if value is not None:
        text = value.decode("latin-1")
        if _SANE.fullmatch(text):
            return text
    return uuid.uuid4().hex


def _header(scope: Scope) -> bytes | None:
    for name, value in scope["headers"]:
        if name == _HEADER_BYTES:
            return bytes(value)
    return None


class RequestId:
    """Give every HTTP request and WebSocket connection a request id."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in {"http", "websocket"}:
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(_header(scope))
        echoed = (_HEADER_BYTES, request_id.encode())

        async def echoing_send(message: Message) -> None:
            if message["type"] in {"http.response.start", "websocket.accept"}:
                headers = [h for h in message.get("headers", []) if h[0].lower() != _HEADER_BYTES]
                message = {**message, "headers": [*headers, echoed]}
            await send(message)

        token = current_request_id.set(request_id)
        try:
            await self.app(scope, receive, echoing_send)
        finally:
            current_request_id.reset(token)
