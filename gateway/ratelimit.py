"""Rate limits (the ``limits`` library): per client, per IP for failed authentications,
per provider for failed webhook verifications.

Counts live in process, or in Redis when ``GATEWAY_REDIS_URL`` is set so that replicas
share them. Fixed windows: one counter per key and window, one Redis ``INCR`` per hit.
A counter store that cannot be reached lets requests through (one log line): a limit
must not turn a Redis outage into a full outage.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter

from gateway.auth import AuthError, Principal
from gateway.observability.metrics import RATE_LIMITED
from gateway.settings import LimitSettings

__all__ = ["RateLimited", "RateLimits", "client_key"]

log = logging.getLogger("gateway.limits")


class RateLimited(Exception):
    """Over a rate limit; retry after ``retry_after`` seconds."""

    def __init__(self, what: str, retry_after: int) -> None:
        super().__init__(f"too many {what}; retry after {retry_after} s")
        self.retry_after = retry_after


def client_key(principal: Principal, address: str) -> tuple[str, str]:
    """Who a request or connection counts against: its token's subject, else its tenant,
    else its address."""
    if principal.subject is not None:
        return ("sub", principal.subject)
    if principal.tenant is not None:
        return ("tenant", principal.tenant)
    return ("ip", address)


def _rate(text: str | None) -> RateLimitItem | None:
    return parse(text) if text is not None and text.strip() else None


def _storage(redis_url: str | None, prefix: str) -> Storage:
    if redis_url is None:
        return MemoryStorage()
    return RedisStorage(f"async+{redis_url}", implementation="redispy", key_prefix=prefix)


FAILED_AUTHENTICATIONS = "failed authentications"


class RateLimits:
    """The gateway's limits over one counter store."""

    def __init__(self, limits: LimitSettings, redis_url: str | None = None) -> None:
        self._limiter = FixedWindowRateLimiter(_storage(redis_url, limits.rate_limit_prefix))
        self.client = _rate(limits.client_rate)
        self.auth_failures = _rate(limits.auth_failure_rate)
        self.webhook_failures = _rate(limits.webhook_failure_rate)

    async def hit(self, rate: RateLimitItem | None, what: str, *key: str) -> None:
        """Count one event for ``key``; ``RateLimited`` when that goes over ``rate``."""
        await self._within(self._limiter.hit, rate, what, *key)

    async def check(self, rate: RateLimitItem | None, what: str, *key: str) -> None:
        """``RateLimited`` when ``key`` is already over ``rate``, without counting."""
        await self._within(self._limiter.test, rate, what, *key)

    @contextlib.asynccontextmanager
    async def authenticating(self, address: str) -> AsyncIterator[None]:
        """Around one authentication from ``address`` (HTTP or WebSocket): ``RateLimited``
        when the address failed too often lately; an ``AuthError`` inside counts a failure
        (that one is still answered as refused, the next from the address as limited)."""
        await self.check(self.auth_failures, FAILED_AUTHENTICATIONS, address)
        try:
            yield
        except AuthError:
            with contextlib.suppress(RateLimited):
                await self.hit(self.auth_failures, FAILED_AUTHENTICATIONS, address)
            raise

    async def _within(
        self,
        allows: Callable[..., Awaitable[bool]],
        rate: RateLimitItem | None,
        what: str,
        *key: str,
    ) -> None:
        """``allows(rate, what, *key)``, or ``RateLimited``; a store failure lets it through."""
        if rate is None:
            return
        try:
            allowed = await allows(rate, what, *key)
        except Exception as exc:  # any store failure: let the request through
            log.warning("rate limit store unavailable (%s): not limiting", type(exc).__name__)
            return
        if not allowed:
            RATE_LIMITED.labels(limit=what).inc()
            raise RateLimited(what, await self._retry_after(rate, what, *key))

    async def _retry_after(self, rate: RateLimitItem, *key: str) -> int:
        try:
            stats = await self._limiter.get_window_stats(rate, *key)
        except Exception:  # the window's length is a fair answer
            return rate.get_expiry()
        return max(1, math.ceil(stats.reset_time - time.time()))
