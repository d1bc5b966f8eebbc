"""Asking several providers at once within one time budget.

A provider that fails or runs out of time becomes a ``Failure`` (shown in the fan-out
result) instead of failing the whole query.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar

from gateway.graphql.errors import ErrorCode, code_for_provider_error
from providers import ProviderError, ProviderTimeout, redact

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


def failure(provider: str, error: Exception) -> Failure:
    """The ``Failure`` for ``error``; unexpected exceptions are logged and masked."""
    if isinstance(error, ProviderError):
        code = code_for_provider_error(error).value
        return Failure(provider, code, redact(str(error)), error.retryable)
    log.error("unexpected error from %s", provider, exc_info=error)
    return Failure(provider, ErrorCode.INTERNAL.value, "Internal server error", False)


class Deadline:
    """One budget shared by every provider call of a fan-out query."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._end = time.monotonic() + seconds

    async def run(self, provider: str, call: Awaitable[T]) -> T:
        """Await ``call``; ``ProviderTimeout`` for ``provider`` when the budget runs out."""
        remaining = max(0.0, self._end - time.monotonic())
        try:
            async with asyncio.timeout(remaining):
                return await call
        except TimeoutError:
            message = f"no answer within the {self.seconds:g} s fan-out budget"
            raise ProviderTimeout(provider, message) from None
