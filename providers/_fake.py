"""What every provider sandbox (``<name>/fake.py``) shares: routing, a request log,
injected latency and faults. Each fake adds its provider's state, auth and shapes.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

__all__ = [
    "Admission",
    "Fault",
    "FakeAPI",
    "JoinRefused",
    "Route",
    "SandboxTransport",
    "json_response",
]

Handler = Callable[[httpx.Request, dict[str, str]], Awaitable[httpx.Response] | httpx.Response]


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


class JoinRefused(Exception):
    """A sandbox would not let these credentials into the room (the reason, never the token)."""


@dataclass(frozen=True, slots=True)
class Admission:
    """What a sandbox's join check let in: which room, as whom, and how."""

    room_id: str
    moderator: bool
    #: the participant must wait for a moderator's approval
    waiting: bool = False
    participant_id: str | None = None
    name: str | None = None


@dataclass
class Fault:
    """An injected failure: an HTTP ``status`` (with ``retry_after``) or a ``timeout``.

    The answer carries ``body`` as JSON, or ``content`` as raw bytes (an unreadable answer).
    """

    status: int | None = None
    retry_after: float | None = None
    timeout: bool = False
    times: int = 1
    path_contains: str | None = None
    body: Any = None
    content: bytes | None = None

    def matches(self, request: httpx.Request) -> bool:
        return self.times > 0 and (
            self.path_contains is None or self.path_contains in request.url.path
        )

    def response(self, request: httpx.Request) -> httpx.Response:
        self.times -= 1
        if self.timeout:
            raise httpx.ReadTimeout("injected timeout", request=request)
        headers = {} if self.retry_after is None else {"Retry-After": f"{self.retry_after:g}"}
        if self.content is not None:
            return httpx.Response(self.status or 500, content=self.content, headers=headers)
        body = self.body if self.body is not None else {"message": "injected fault"}
        return json_response(self.status or 500, body, headers)


class SandboxTransport(httpx.MockTransport):
    """A sandbox's in-memory transport: an adapter built on it logs its calls as sandbox
    calls, so they are never mistaken for the real provider's."""


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler


class FakeAPI:
    """Base of the sandboxes: ``route`` handlers, ``inject`` faults, set ``latency``.

    ``requests`` logs what was received (the latest ``max_logged``); a fault is dropped
    once it has fired ``times`` times.
    """

    #: path prefix of the provider's API (its version path), stripped before routing
    prefix = ""
    #: how many requests ``requests`` keeps, newest last (``gateway dev`` runs for hours)
    max_logged = 10_000

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.faults: list[Fault] = []
        self.latency = 0.0
        self._routes: list[Route] = []

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        """Register ``handler`` for ``method`` and a path regex with named groups."""
        self._routes.append(Route(method, re.compile(f"^{pattern}$"), handler))

    def inject(self, fault: Fault | None = None, /, **kwargs: Any) -> Fault:
        """Queue a fault: ``inject(status=503, times=2)``, ``inject(timeout=True)``."""
        fault = fault or Fault(**kwargs)
        self.faults.append(fault)
        return fault

    def transport(self) -> httpx.AsyncBaseTransport:
        return SandboxTransport(self.handle)

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if len(self.requests) > self.max_logged:
            del self.requests[: len(self.requests) - self.max_logged]
        if self.latency:
            await asyncio.sleep(self.latency)
        for fault in self.faults:
            if fault.matches(request):
                if fault.times == 1:
                    self.faults.remove(fault)
                return fault.response(request)
        return await self._dispatch(request)

    async def _dispatch(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if self.prefix and path.startswith(self.prefix):
            path = path[len(self.prefix) :] or "/"
        allowed = False
        for route in self._routes:
            match = route.pattern.match(path)
            if match is None:
                continue
            allowed = True
            if route.method == request.method:
                result = route.handler(request, match.groupdict())
                return await result if isinstance(result, Awaitable) else result
        if allowed:
            return json_response(405, {"message": "method not allowed"})
        return json_response(404, {"message": f"no route for {request.method} {path}"})
