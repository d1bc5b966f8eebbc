"""uvicorn's HTTP protocol with a deadline on request headers.

uvicorn bounds only the idle time between two requests (``timeout_keep_alive``, and that
timer stops at the first byte received): a client that opens a connection and sends nothing,
or sends a request's headers a byte at a time, holds the connection for as long as it likes.
ASGI middleware cannot help: the app is called only once the headers are complete.

Here a connection waiting for request headers (from its opening, or from the first byte of
its next request) gets ``header_timeout`` seconds to complete them; then it is answered 408
and closed. The body is the app's business (``middleware.BodySizeLimit`` bounds it in time).

The app sets the timeout through the lifespan state (``HEADER_TIMEOUT_STATE``), which uvicorn
hands to every connection, worker processes included; without it: ``DEFAULT_HEADER_TIMEOUT``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, cast

from uvicorn.protocols.http.h11_impl import H11Protocol

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # pragma: no cover - uvicorn without httptools
    HttpToolsProtocol = None  # type: ignore[assignment,misc]

__all__ = ["DEFAULT_HEADER_TIMEOUT", "HEADER_TIMEOUT_STATE", "HTTP_PROTOCOL", "HeaderDeadline"]

log = logging.getLogger("gateway.http")

HEADER_TIMEOUT_STATE = "gateway.header_timeout_seconds"
DEFAULT_HEADER_TIMEOUT = 10.0
_BODY = b"request headers not received in time"
_TIMED_OUT = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"connection: close\r\ncontent-length: " + str(len(_BODY)).encode() + b"\r\n\r\n" + _BODY
)


class HeaderDeadline:
    """Mixed into a uvicorn HTTP protocol: close a connection whose headers are late."""

    # set by the uvicorn protocol this is mixed into
    transport: asyncio.Transport
    cycle: Any
    app_state: dict[str, Any]
    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self._header_timer is None and self._awaiting_headers():
            self._arm()  # the first bytes of a following request
        super().data_received(data)  # type: ignore[misc]
        if self._header_timer is not None and not self._awaiting_headers():
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)  # type: ignore[misc]

    def _awaiting_headers(self) -> bool:
        upgraded = self.transport.get_protocol() is not cast(asyncio.BaseProtocol, self)
        if upgraded or self.transport.is_closing():
            return False  # a WebSocket now, or closed
        return self.cycle is None or bool(self.cycle.response_complete)

    def _arm(self) -> None:
        seconds = float(self.app_state.get(HEADER_TIMEOUT_STATE, DEFAULT_HEADER_TIMEOUT))
        self._header_timer = asyncio.get_running_loop().call_later(seconds, self._expired)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _expired(self) -> None:
        self._header_timer = None
        if self._awaiting_headers():
            log.info("connection closed: request headers not received in time")
            self.transport.write(_TIMED_OUT)
            self.transport.close()


class H11WithHeaderDeadline(HeaderDeadline, H11Protocol):
    """uvicorn's h11 protocol with the header deadline."""


if HttpToolsProtocol is not None:

    class HttpToolsWithHeaderDeadline(HeaderDeadline, HttpToolsProtocol):
        """uvicorn's httptools protocol (its default when installed) with the header deadline."""

    HTTP_PROTOCOL: type[asyncio.Protocol] = HttpToolsWithHeaderDeadline
else:  # pragma: no cover
    HTTP_PROTOCOL = H11WithHeaderDeadline
