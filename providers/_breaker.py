"""A circuit breaker per provider: stop calling a provider that keeps failing.

After ``failures`` consecutive failed operations (5xx, transport errors, timeouts) the
breaker opens: calls fail at once with ``CircuitOpen`` (a retryable ``ProviderUnavailable``
carrying the seconds until the next probe) without leaving the gateway. Once
``cool_down_seconds`` have passed, the next call is let through as the only probe
(half-open): its success closes the breaker, its failure opens it for another cool-down.

Only the provider's own failures count. Any answer from it (a 4xx, a 429) shows it is up,
and a call refused by the gateway's own queue (``Overloaded``) says nothing about it.
State is kept per process.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from providers._observe import BREAKER_STATE
from providers.errors import CircuitOpen, Overloaded, ProviderError, ProviderUnavailable

__all__ = ["BreakerSettings", "BreakerState", "CircuitBreaker", "Health"]

#: what callers are told to wait while the probe is on its way (its answer is due soon)
PROBING_RETRY_AFTER = 1.0


class BreakerState(StrEnum):
    CLOSED = "CLOSED"
    OPEN = "OPEN"
    HALF_OPEN = "HALF_OPEN"


#: gauge values: higher is worse, so the max over worker processes is the worst state
GAUGE_VALUES = {BreakerState.CLOSED: 0, BreakerState.HALF_OPEN: 1, BreakerState.OPEN: 2}


class BreakerSettings(BaseModel):
    """When a provider is skipped (``GATEWAY_PROVIDERS__<NAME>__BREAKER__…``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = True
    failures: int = Field(
        default=5, ge=1, le=1_000, description="consecutive failed operations that open it"
    )
    cool_down_seconds: float = Field(
        default=30.0, gt=0, le=3_600, description="time open before one probe call is let through"
    )


@dataclass(frozen=True, slots=True)
class Health:
    """The breaker's state; ``retry_after``: seconds until a call may go through (0: now)."""

    state: BreakerState
    retry_after: float


def counts_as_failure(error: BaseException) -> bool:
    """The provider failed: 5xx, transport error or timeout, not our own queue's refusal."""
    return isinstance(error, ProviderUnavailable) and not isinstance(error, Overloaded)


class CircuitBreaker:
    """One provider's breaker. ``clock`` is monotonic seconds (replaceable in tests)."""

    def __init__(
        self,
        provider: str,
        settings: BreakerSettings,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.provider = provider
        self.settings = settings
        self.clock = clock
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._set_gauge()

    @property
    def health(self) -> Health:
        if self._state is BreakerState.OPEN:
            return Health(self._state, self._until_probe())
        if self._state is BreakerState.HALF_OPEN:
            return Health(self._state, PROBING_RETRY_AFTER)
        return Health(self._state, 0.0)

    @asynccontextmanager
    async def guard(self) -> AsyncIterator[None]:
        """Let the block run if the breaker allows a call, and record how it ended."""
        if not self.settings.enabled:
            yield
            return
        probe = self._admit()
        try:
            yield
        except BaseException as exc:
            self._record_error(exc, probe=probe)
            raise
        self._record_success()

    def _admit(self) -> bool:
        """``True`` when this call is the half-open probe; raise when it may not go."""
        if self._state is BreakerState.CLOSED:
            return False
        if self._state is BreakerState.OPEN and self._until_probe() <= 0:
            self._move(BreakerState.HALF_OPEN)
            return True
        retry_after = self.health.retry_after
        message = f"skipped after repeated failures; next try in {retry_after:.0f} s"
        raise CircuitOpen(self.provider, message, retry_after=retry_after)

    def _record_error(self, error: BaseException, *, probe: bool) -> None:
        if isinstance(error, ProviderError) and not counts_as_failure(error):
            self._record_success()  # the provider answered
        elif counts_as_failure(error):
            self._record_failure()
        elif probe:
            # the probe ended without an answer (cancelled, a bug): let another one try
            self._move(BreakerState.OPEN, opened_at=self._opened_at)

    def _record_success(self) -> None:
        self._failures = 0
        if self._state is not BreakerState.CLOSED:
            self._move(BreakerState.CLOSED)

    def _record_failure(self) -> None:
        if self._state is BreakerState.OPEN:
            return  # a call sent before it opened: the cool-down is not extended
        self._failures += 1
        if self._state is BreakerState.HALF_OPEN or self._failures >= self.settings.failures:
            self._move(BreakerState.OPEN, opened_at=self.clock())

    def _until_probe(self) -> float:
        return max(0.0, self._opened_at + self.settings.cool_down_seconds - self.clock())

    def _move(self, state: BreakerState, *, opened_at: float | None = None) -> None:
        if opened_at is not None:
            self._opened_at = opened_at
        self._state = state
        self._set_gauge()

    def _set_gauge(self) -> None:
        BREAKER_STATE.labels(self.provider).set(GAUGE_VALUES[self._state])
