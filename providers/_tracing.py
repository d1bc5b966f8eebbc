"""The tracing hook of provider calls: ``None`` (off) unless the gateway turns traces on.

Off, a call reads one module attribute and creates nothing. On, ``hook`` is an
``AttemptTracer`` (``providers._otel``): each HTTP attempt becomes a client span and sends
its W3C ``traceparent``.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol

import httpx

__all__ = ["Attempt", "AttemptTracer", "hook"]


class Attempt(Protocol):
    """One traced HTTP attempt: the headers to send with it, and its answer."""

    headers: dict[str, str]

    def answered(self, status: int) -> None:
        """Record the answer's HTTP status (4xx and 5xx mark the span as failed)."""


class AttemptTracer(Protocol):
    """Makes the client span of one HTTP attempt."""

    def attempt(
        self, client: httpx.AsyncClient, provider: str, method: str, path: str, resend: int
    ) -> AbstractContextManager[Attempt]:
        """The span of sending ``method path`` for ``provider`` (``resend``: retries before)."""
        ...


#: set by ``gateway.observability.tracing`` while traces are on
hook: AttemptTracer | None = None
