"""Outbound HTTP: one place that turns statuses and transport failures into the error tree.

``request`` sends through the adapter's pooled client. Safe reads (``retry=True``) are
retried with exponential backoff and full jitter on transport errors, 429, 502, 503 and
504, honouring ``Retry-After``, as long as the operation's total budget allows. Writes are
never retried here: a create that timed out may have happened. Each attempt holds a slot
of the provider's ``CallLimiter`` while it is on the wire (not while it backs off), and the
operation ends by the caller's deadline (``deadline_within``) when that comes first. The
provider's ``CircuitBreaker`` sees the whole operation: one that ends in a provider failure
counts once, retries included, and an open breaker refuses it before any attempt.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import re
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from providers import _tracing
from providers._breaker import CircuitBreaker
from providers._limits import CallLimiter, current_deadline
from providers._observe import observe_call
from providers.errors import (
    InvalidRequest,
    ProviderAuthError,
    ProviderError,
    ProviderTimeout,
    ProviderUnavailable,
    RateLimited,
    ResourceConflict,
    ResourceNotFound,
)

__all__ = ["RETRYABLE_STATUSES", "describe_error_body", "error_for_response", "redact", "request"]

RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
_SECRET_PARAMS = re.compile(r"(?i)(secretKey|token|api_key|apikey|secret|signature)=([^&\s\"']+)")
#: a JWT (header and payload are base64url JSON objects): participant and server tokens
_JWT = re.compile(r"eyJ[\w-]*\.[\w-]*\.[\w-]*")
_BACKOFF_BASE = 0.1
_BACKOFF_CAP = 2.0
#: longest provider message kept in an error (a proxy's HTML page can be megabytes)
_DETAIL_LIMIT = 500
_DEFAULT_BUDGET = 60.0

MessageExtractor = Callable[[Any], str | None]


def redact(text: str) -> str:
    """Hide credential values that travel in query strings (e.g. Metered's ``secretKey``)
    and bare JWTs (join tokens, wherever they appear)."""
    # every log record's arguments pass here: most hold neither and need no regex
    if "eyJ" in text:
        text = _JWT.sub("***", text)
    return _SECRET_PARAMS.sub(r"\1=***", text) if "=" in text else text


def describe_error_body(body: Any) -> str | None:
    """The provider's own message from the usual error shapes, if any."""
    if isinstance(body, str):
        return body or None
    if not isinstance(body, Mapping):
        return None
    for key in ("message", "detail", "error", "title", "msg"):
        value = body.get(key)
        if isinstance(value, str) and value:
            return value
        if isinstance(value, Mapping):
            nested = describe_error_body(value)
            if nested:
                return nested
    return None


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait from ``Retry-After`` (seconds or an HTTP date); ``None`` if unusable."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            return None
    # "inf" or "nan" would end up in a JSON error extension, which cannot carry them
    return max(0.0, seconds) if math.isfinite(seconds) else None


def _short(text: str) -> str:
    """One line of at most ``_DETAIL_LIMIT`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= _DETAIL_LIMIT else flat[: _DETAIL_LIMIT - 1] + "…"


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return response.text


def error_for_response(
    provider: str,
    response: httpx.Response,
    *,
    extract: MessageExtractor = describe_error_body,
    auth_statuses: frozenset[int] = frozenset({401}),
) -> ProviderError:
    """The error-tree member for a non-2xx answer, with the provider's own message."""
    status = response.status_code
    detail = _short(redact(extract(_body(response)) or response.reason_phrase or "error"))
    message = f"HTTP {status}: {detail}"
    if status in auth_statuses:
        return ProviderAuthError(provider, message, status=status)
    if status == 404:
        return ResourceNotFound(provider, message, status=status)
    if status == 409:
        return ResourceConflict(provider, message, status=status)
    if status == 429:
        return RateLimited(provider, message, retry_after=_retry_after(response))
    if 400 <= status < 500:
        return InvalidRequest(provider, message, status=status)
    return ProviderUnavailable(provider, message, status=status)


#: failures that happen before a request leaves: nothing can have been applied
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_MAYBE_APPLIED = "; the provider may have applied it, so check before repeating it"


def _transport_error(
    provider: str, method: str, exc: httpx.HTTPError, *, safe: bool
) -> ProviderError:
    """``safe``: the operation may be repeated blindly (a read). A write that failed after
    it was sent is not retryable: it may have happened."""
    ambiguous = not safe and not isinstance(exc, _NOT_SENT)
    suffix = _MAYBE_APPLIED if ambiguous else ""
    retryable = False if ambiguous else None
    if isinstance(exc, httpx.TimeoutException):
        message = f"{method} timed out ({type(exc).__name__}){suffix}"
        return ProviderTimeout(provider, message, retryable=retryable)
    message = f"{method} failed: {type(exc).__name__}{suffix}"
    return ProviderUnavailable(provider, message, retryable=retryable)


def _backoff(attempt: int) -> float:
    return random.uniform(0, min(_BACKOFF_CAP, _BACKOFF_BASE * 2**attempt))  # noqa: S311


async def request(
    client: httpx.AsyncClient,
    provider: str,
    method: str,
    path: str,
    *,
    retry: bool | None = None,
    budget: float | None = None,
    retries: int = 3,
    extract: MessageExtractor = describe_error_body,
    auth_statuses: frozenset[int] = frozenset({401}),
    limiter: CallLimiter | None = None,
    breaker: CircuitBreaker | None = None,
    sandbox: bool = False,
    **kwargs: Any,
) -> httpx.Response:
    """Send one operation; return the 2xx response or raise from the error tree.

    ``retry`` defaults to ``True`` for GET. ``budget`` bounds the whole operation, retries
    and waits included (default 60 s); a ``Retry-After`` that would outlast it ends the
    operation at once with the error that carried it. ``limiter`` caps in-flight attempts;
    ``breaker`` refuses the operation (``CircuitOpen``) while the provider is failing;
    ``sandbox`` says the client is served by the provider's sandbox (for the logs).
    """
    retry = method.upper() == "GET" if retry is None else retry
    operation = _Operation(
        client=client,
        provider=provider,
        method=method,
        path=path,
        kwargs=kwargs,
        attempts=1 + (retries if retry else 0),
        safe=retry,
        extract=extract,
        auth_statuses=auth_statuses,
        limiter=limiter,
        deadline=_deadline(_DEFAULT_BUDGET if budget is None else budget),
    )
    guard: AbstractAsyncContextManager[None] = nullcontext() if breaker is None else breaker.guard()
    with observe_call(provider, method, path, sandbox=sandbox):
        async with guard:
            return await operation.run()


def _deadline(budget: float) -> float:
    """The earlier of ``budget`` from now and the caller's deadline."""
    own = time.monotonic() + budget
    outer = current_deadline()
    return own if outer is None else min(own, outer)


@dataclass(frozen=True, slots=True)
class _Operation:
    """One operation: its request, how many attempts it may make, and its deadline.

    ``safe``: the operation may be repeated blindly (a read).
    """

    client: httpx.AsyncClient
    provider: str
    method: str
    path: str
    kwargs: dict[str, Any]
    attempts: int
    safe: bool
    extract: MessageExtractor
    auth_statuses: frozenset[int]
    limiter: CallLimiter | None
    deadline: float

    async def run(self) -> httpx.Response:
        """The attempts within the operation's deadline."""
        try:
            async with asyncio.timeout(max(0.0, self.deadline - time.monotonic())):
                return await self._attempts()
        except TimeoutError as exc:
            if self.safe:
                message = f"{self.method} exceeded its time budget"
                raise ProviderTimeout(self.provider, message) from exc
            message = f"{self.method} exceeded its time budget{_MAYBE_APPLIED}"
            raise ProviderTimeout(self.provider, message, retryable=False) from exc

    async def _attempts(self) -> httpx.Response:
        provider, method = self.provider, self.method
        for attempt in range(self.attempts):
            last = attempt == self.attempts - 1
            try:
                response = await self._send(attempt)
            except httpx.HTTPError as exc:
                error: ProviderError = _transport_error(provider, method, exc, safe=self.safe)
                if last:
                    raise error from exc
                await _sleep_within(self.deadline, _backoff(attempt), error)
                continue
            if response.is_success:
                return response
            error = error_for_response(
                provider, response, extract=self.extract, auth_statuses=self.auth_statuses
            )
            if last or response.status_code not in RETRYABLE_STATUSES:
                raise error
            hinted = _retry_after(response)
            delay = hinted if hinted is not None else _backoff(attempt)
            await _sleep_within(self.deadline, delay, error)
        raise AssertionError("unreachable")  # pragma: no cover

    def _slot(self) -> AbstractAsyncContextManager[None]:
        return nullcontext() if self.limiter is None else self.limiter.slot(self.deadline)

    async def _send(self, attempt: int) -> httpx.Response:
        method, path, kwargs = self.method, self.path, self.kwargs
        async with self._slot():
            tracer = _tracing.hook
            if tracer is None:
                return await self.client.request(method, path, **kwargs)
            with tracer.attempt(self.client, self.provider, method, path, attempt) as traced:
                headers = {**(kwargs.get("headers") or {}), **traced.headers}
                response = await self.client.request(method, path, **{**kwargs, "headers": headers})
                traced.answered(response.status_code)
                return response


async def _sleep_within(deadline: float, delay: float, error: ProviderError) -> None:
    """Sleep before the next attempt, or give up with ``error`` if the budget is too short."""
    if time.monotonic() + delay >= deadline:
        raise error
    await asyncio.sleep(delay)
