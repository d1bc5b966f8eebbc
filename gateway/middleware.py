"""Pure ASGI middleware: body size and time limits, and the arrival time of each request.

A declared ``Content-Length`` over the limit is refused before reading; a chunked body is
counted as it arrives and refused as soon as it crosses the limit. Either way: 413.
A ``multipart/form-data`` request (file uploads) to the upload path has a limit of its own.
A body still incomplete ``body_timeout`` seconds after the request arrived: 408, and the
connection is closed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Sequence
from contextvars import ContextVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.observability.metrics import TOO_LARGE

log = logging.getLogger("gateway.http")

__all__ = ["BodySizeLimit", "arrived_at"]

_arrival: ContextVar[float | None] = ContextVar("request_arrival", default=None)


def arrived_at() -> float:
    """``time.monotonic()`` when the current request reached the app (now, outside one)."""
    arrival = _arrival.get()
    return time.monotonic() if arrival is None else arrival


class _TooLarge(Exception):
    pass


class _TooSlow(Exception):
    pass


class BodySizeLimit:
    """Answer 413 to HTTP requests whose body exceeds the limit for their path.

    The outermost of the app's own layers, so it also notes when each request arrived
    (``arrived_at``): the fan-out budget counts from there."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        per_prefix: Sequence[tuple[str, int]] = (),
        uploads: tuple[str, int] | None = None,
        body_timeout: float | None = None,
    ) -> None:
        self.app = app
        self.body_timeout = body_timeout
        self.max_bytes = max_bytes
        self.per_prefix = tuple(per_prefix)
        #: ``(path, limit)`` for multipart requests to that exact path
        self.uploads = uploads

    def limit_for(self, path: str, *, multipart: bool = False) -> int:
        """The limit for ``path``: the upload limit for a multipart request to the upload
        path, else the first matching prefix, else ``max_bytes``."""
        if multipart and self.uploads is not None and path == self.uploads[0]:
            return self.uploads[1]
        return next((n for prefix, n in self.per_prefix if path.startswith(prefix)), self.max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = _arrival.set(time.monotonic())
        try:
            await self._limited(scope, receive, send)
        finally:
            _arrival.reset(token)

    def area_of(self, path: str, *, multipart: bool = False) -> str:
        """The metric label of ``path``'s limit: its prefix, ``uploads`` or ``default``."""
        if multipart and self.uploads is not None and path == self.uploads[0]:
            return "uploads"
        return next((prefix for prefix, _ in self.per_prefix if path.startswith(prefix)), "default")

    async def _limited(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.limit_for(scope["path"], multipart=_is_multipart(scope))
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            TOO_LARGE.labels(self.area_of(scope["path"], multipart=_is_multipart(scope))).inc()
            await _refuse(send, 413, f"request body exceeds {limit} bytes")
            return
        await self._guarded(scope, receive, send, limit)

    async def _guarded(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        received = 0
        started = False
        body_done = False
        # the loop's clock is time.monotonic(), as the arrival time's
        deadline = None if self.body_timeout is None else arrived_at() + self.body_timeout

        async def counting_receive() -> Message:
            nonlocal received, body_done
            if body_done or deadline is None:
                message = await receive()  # after the body: a wait for the disconnect
            else:
                try:
                    async with asyncio.timeout_at(deadline):
                        message = await receive()
                except TimeoutError:
                    raise _TooSlow from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                body_done = not message.get("more_body", False)
                if received > limit:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            TOO_LARGE.labels(self.area_of(scope["path"], multipart=_is_multipart(scope))).inc()
            if not started:
                await _refuse(send, 413, f"request body exceeds {limit} bytes")
        except _TooSlow:
            log.info("request refused: its body did not arrive in %s s", self.body_timeout)
            if not started:
                await _refuse(send, 408, "request body not received in time")


def _is_multipart(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-type":
            return bool(value.lower().startswith(b"multipart/form-data"))
    return False


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(send: Send, status: int, message: str) -> None:
    body = json.dumps({"errors": [{"message": message}]}).encode()
    headers = [
        (b"content-type", b"application/json; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
