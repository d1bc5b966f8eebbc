"""Client spans of provider HTTP attempts (imported only when OpenTelemetry is installed).

Span names and attributes carry the path *template* (``GET /v1/rooms/{id}``), never ids,
query strings or headers: query strings can hold credentials. Only W3C trace context
(``traceparent``, ``tracestate``) is sent to providers, never a caller's baggage.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from providers._observe import operation_of

__all__ = ["PROPAGATOR", "OtelAttempts", "current_span", "record_status"]

#: W3C trace context only (the SDK's default propagator would forward baggage too)
PROPAGATOR = TraceContextTextMapPropagator()


def record_status(span: Span, status: int, *, failing_from: int) -> None:
    """The HTTP status; ``failing_from`` and above mark the span failed (a client's 400, a
    server's 500, as the HTTP conventions say)."""
    span.set_attribute("http.response.status_code", status)
    if status >= failing_from:
        span.set_attribute("error.type", str(status))
        span.set_status(Status(StatusCode.ERROR))


@contextmanager
def current_span(
    tracer: Tracer, name: str, kind: SpanKind, attributes: dict[str, Any]
) -> Iterator[Span]:
    """A current span that records a failure's type, never its message (it may hold a URL)."""
    with tracer.start_as_current_span(
        name,
        kind=kind,
        attributes=attributes,
        record_exception=False,
        set_status_on_exception=False,
    ) as span:
        try:
            yield span
        except BaseException as exc:
            span.set_attribute("error.type", type(exc).__name__)
            span.set_status(Status(StatusCode.ERROR))
            raise


class _Attempt:
    def __init__(self, span: Span, headers: dict[str, str]) -> None:
        self.span = span
        self.headers = headers

    def answered(self, status: int) -> None:
        record_status(self.span, status, failing_from=400)


class OtelAttempts:
    """The ``providers._tracing.AttemptTracer`` over an OpenTelemetry tracer."""

    def __init__(self, tracer: Tracer) -> None:
        self.tracer = tracer

    @contextmanager
    def attempt(
        self, client: httpx.AsyncClient, provider: str, method: str, path: str, resend: int
    ) -> Iterator[_Attempt]:
        operation = operation_of(method, path)
        url = httpx.URL(path) if "://" in path else client.base_url
        attributes: dict[str, str | int] = {
            "http.request.method": method.upper(),
            "url.template": operation.partition(" ")[2],
            "gateway.provider": provider,
        }
        if url.host:
            attributes["server.address"] = url.host
        if url.port:
            attributes["server.port"] = url.port
        if resend:
            attributes["http.request.resend_count"] = resend
        with current_span(self.tracer, operation, SpanKind.CLIENT, attributes) as span:
            headers: dict[str, str] = {}
            if "://" not in path:  # the provider's own API, not a presigned upload URL
                PROPAGATOR.inject(headers)
            yield _Attempt(span, headers)
