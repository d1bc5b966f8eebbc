"""Metrics and log context of provider calls.

Every label value is bounded: a provider's registered name, an HTTP method with a path
*template* (ids replaced by ``{id}``), an outcome from the error tree. ``current_provider``
names the provider a call is made for, and ``calling_sandbox`` whether its in-memory sandbox
answers, so log lines written during the call can say so.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from urllib.parse import urlsplit

from prometheus_client import Counter, Gauge, Histogram

__all__ = [
    "BREAKER_STATE",
    "CALLS",
    "CALL_SECONDS",
    "REFUSED",
    "TOKENS_MINTED",
    "calling_sandbox",
    "current_provider",
    "observe_call",
    "operation_of",
]

#: path segments kept as written in an operation's template; any other segment is an id
LITERAL_SEGMENTS = frozenset(
    {
        "api",
        "applications",
        "deactivate",
        "dial-in-numbers",
        "end",
        "finalizeLogos",
        "logos-upload-urls",
        "meetings",
        "participants",
        "public",
        "recordings",
        "remove",
        "room",
        "rooms",
        "rsa-public-key",
        "sessions",
        "start",
        "stop",
        "themes",
        "token",
        "v1",
        "v2",
        "validate",
    }
)

CALLS = Counter(
    "gateway_provider_calls_total",
    "Provider API operations (retries included in one), by outcome",
    ["provider", "operation", "outcome"],
)
CALL_SECONDS = Histogram(
    "gateway_provider_call_duration_seconds",
    "Duration of provider API operations, retries and waits included",
    ["provider", "operation"],
)
REFUSED = Counter(
    "gateway_provider_calls_refused_total",
    "Provider calls refused before leaving: the provider's in-flight limit and queue were full",
    ["provider"],
)
BREAKER_STATE = Gauge(
    "gateway_provider_breaker_state",
    "A provider's circuit breaker: 0 closed, 1 half-open (one probe call), 2 open (skipped)",
    ["provider"],
    multiprocess_mode="livemax",
)
TOKENS_MINTED = Counter(
    "gateway_provider_tokens_minted_total",
    "Provider credentials (server JWTs) minted",
    ["provider"],
)

current_provider: ContextVar[str | None] = ContextVar("current_provider", default=None)
calling_sandbox: ContextVar[bool] = ContextVar("calling_sandbox", default=False)


def operation_of(method: str, path: str) -> str:
    """``"GET /rooms/{id}"``: the method and the path with every id replaced.

    An absolute URL (a presigned upload) becomes ``"<METHOD> external"``: its host and
    path are the provider's, chosen per call.
    """
    if "://" in path:
        return f"{method.upper()} external"
    segments = urlsplit(path).path.strip("/").split("/")
    template = "/".join(s if s in LITERAL_SEGMENTS else "{id}" for s in segments if s)
    return f"{method.upper()} /{template}"


def _outcome(error: BaseException | None) -> str:
    return "ok" if error is None else type(error).__name__


@contextmanager
def observe_call(provider: str, method: str, path: str, *, sandbox: bool = False) -> Iterator[None]:
    """Count and time one operation; ``current_provider`` names ``provider`` meanwhile,
    and ``calling_sandbox`` says whether its sandbox answers."""
    operation = operation_of(method, path)
    token = current_provider.set(provider)
    sandbox_token = calling_sandbox.set(sandbox)
    start = time.perf_counter()
    error: BaseException | None = None
    try:
        yield
    except BaseException as exc:
        error = exc
        raise
    finally:
        CALL_SECONDS.labels(provider, operation).observe(time.perf_counter() - start)
        CALLS.labels(provider, operation, _outcome(error)).inc()
        calling_sandbox.reset(sandbox_token)
        current_provider.reset(token)
