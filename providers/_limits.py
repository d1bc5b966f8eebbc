"""A cap on a provider's in-flight calls, a bounded wait queue, and the caller's deadline.

Under a burst, calls beyond ``max_in_flight`` wait in FIFO order without polling; when
``max_queued`` calls already wait, or no slot frees up before the caller's deadline, the
call fails at once with ``Overloaded`` (a retryable ``ProviderUnavailable``) instead of
hanging.

``deadline_within(seconds)`` sets a deadline for everything awaited inside it (a GraphQL
fan-out sets one for the whole request); each call then ends by the earlier of that and
its own budget.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar

from providers._observe import REFUSED
from providers.errors import Overloaded

__all__ = ["CallLimiter", "current_deadline", "deadline_within"]

#: a slot that frees with less time than this left is of no use to the waiter
QUEUE_HEADROOM_SECONDS = 0.05

_deadline: ContextVar[float | None] = ContextVar("provider_deadline", default=None)


def current_deadline() -> float | None:
    """The ``time.monotonic()`` instant the current caller must be answered by, if any."""
    return _deadline.get()


@contextmanager
def deadline_within(seconds: float, *, start: float | None = None) -> Iterator[float]:
    """Calls inside end by ``start + seconds`` (``start``: now), or an outer deadline."""
    end = (time.monotonic() if start is None else start) + seconds
    outer = _deadline.get()
    token = _deadline.set(end if outer is None else min(end, outer))
    try:
        yield end
    finally:
        _deadline.reset(token)


class CallLimiter:
    """At most ``max_in_flight`` calls at once, at most ``max_queued`` waiting for a slot."""

    def __init__(
        self,
        provider: str,
        max_in_flight: int,
        max_queued: int,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.provider = provider
        self.max_in_flight = max_in_flight
        self.max_queued = max_queued
        self._clock = clock
        self._in_flight = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def in_flight(self) -> int:
        return self._in_flight

    @property
    def queued(self) -> int:
        return len(self._waiters)

    @asynccontextmanager
    async def slot(self, deadline: float | None = None) -> AsyncIterator[None]:
        """Hold one slot for the block; wait for it at most until ``deadline``."""
        await self._acquire(deadline)
        try:
            yield
        finally:
            self._release()

    async def _acquire(self, deadline: float | None) -> None:
        if self._in_flight < self.max_in_flight and not self._waiters:
            self._in_flight += 1
            return
        if len(self._waiters) >= self.max_queued:
            raise self._refusal(f"{self.max_queued} calls are already waiting")
        wait = None if deadline is None else deadline - self._clock() - QUEUE_HEADROOM_SECONDS
        if wait is not None and wait <= 0:
            raise self._refusal("no free slot within the time budget")
        await self._wait(wait)

    async def _wait(self, seconds: float | None) -> None:
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(seconds):
                await waiter
        except BaseException as exc:
            self._abandon(waiter)
            if isinstance(exc, TimeoutError):
                raise self._refusal("no free slot within the time budget") from None
            raise

    def _abandon(self, waiter: asyncio.Future[None]) -> None:
        """A waiter stopped waiting: pass on a slot it was handed just now, or leave the line."""
        if waiter.done() and not waiter.cancelled():
            self._release()
            return
        waiter.cancel()
        self._waiters.remove(waiter)

    def _release(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # the slot passes to it: in-flight stays the same
                return
        self._in_flight -= 1

    def _refusal(self, why: str) -> Overloaded:
        REFUSED.labels(self.provider).inc()
        return Overloaded(self.provider, f"too busy: {why}", retryable=True)
