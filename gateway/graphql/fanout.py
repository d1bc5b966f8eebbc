"""Asking several providers at once within one time budget.

A provider that fails or runs out of time becomes a ``Failure`` (shown in the fan-out
result) instead of failing the whole query.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Coroutine
from dataclasses import dataclass
from typing import TypeVar

from gateway.graphql.errors import ErrorCode, code_for_provider_error, retry_after
from gateway.middleware import arrived_at
from providers import ProviderError, ProviderTimeout, deadline_within, redact

__all__ = ["Deadline", "Failure", "failure"]

log = logging.getLogger("gateway.graphql")

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Failure:
    """A provider that could not answer: the same code vocabulary as GraphQL errors."""

    provider: str
    code: str
    message: str
    retryable: bool
    retry_after: float | None = None


def failure(provider: str, error: Exception) -> Failure:
    """The ``Failure`` for ``error``; unexpected exceptions are logged and masked."""
    if isinstance(error, ProviderError):
        code = code_for_provider_error(error).value
        message = redact(str(error))
        return Failure(provider, code, message, error.retryable, retry_after(error))
    log.error("unexpected error from %s", provider, exc_info=error)
    return Failure(provider, ErrorCode.INTERNAL.value, "Internal server error", False)


class Deadline:
    """One budget shared by every provider call of a fan-out query, counted from the
    request's arrival: time spent queued before the resolver ran is part of it."""

    def __init__(self, seconds: float, *, start: float | None = None) -> None:
        self.seconds = seconds
        self._start = arrived_at() if start is None else start
        self._end = self._start + seconds

    async def run(self, provider: str, call: Awaitable[T]) -> T:
        """Await ``call``; ``ProviderTimeout`` for ``provider`` when the budget runs out.

        Provider calls inside see the deadline: one that cannot get a connection slot in
        time fails at once with ``ProviderUnavailable``."""
        remaining = self._end - time.monotonic()
        if remaining <= 0:
            if isinstance(call, Coroutine):
                call.close()  # never started: nothing is sent
            raise self._timeout(provider)
        try:
            with deadline_within(self.seconds, start=self._start):
                async with asyncio.timeout(remaining):
                    return await call
        except TimeoutError:
            raise self._timeout(provider) from None

    def _timeout(self, provider: str) -> ProviderTimeout:
        return ProviderTimeout(provider, f"no answer within the {self.seconds:g} s fan-out budget")
