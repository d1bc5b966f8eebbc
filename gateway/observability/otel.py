"""The OpenTelemetry side of ``gateway.observability.tracing`` (needs the ``otel`` extra).

Spans carry names and attributes of bounded meaning, never a GraphQL document, a request
body, an id in a span name, a header or a query string. The event chain: the webhook
request's span is the parent of the publish span; the publish span's context is stored
with each event (``traceparent``, in the Redis stream entry too), and every delivery of the
event to a subscriber, on any replica, is a span whose parent is that context and that
links the subscriber's own span. All three carry ``gateway.event.id``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar

from opentelemetry import context as otel_context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from opentelemetry.trace import (
    Link,
    Span,
    SpanKind,
    Status,
    StatusCode,
    Tracer,
    format_span_id,
    format_trace_id,
    get_current_span,
    set_span_in_context,
)
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext
from strawberry.types.graphql import OperationType

from gateway.events.model import StoredEvent
from gateway.observability import tracing
from gateway.observability.graphql import operation_name, operation_type, outcome
from providers import MeetingEvent, _tracing
from providers._otel import PROPAGATOR, OtelAttempts, current_span, record_status

__all__ = ["GatewayTracing", "SpanMaker", "build"]

log = logging.getLogger("gateway.tracing")

DEFAULT_SERVICE_NAME = "meetings-gateway"
#: span name of an operation whose type is not known (a document that did not parse)
UNKNOWN_OPERATION = "GraphQL Operation"
#: longest operation name kept in a span (names are the client's choice)
MAX_NAME = 100
_TRACE_HEADERS = frozenset({b"traceparent", b"tracestate"})


def _event_ids(events: Sequence[str]) -> dict[str, Any]:
    ids = list(events)
    if len(ids) == 1:
        return {"gateway.event.id": ids[0], "gateway.event.ids": ids}
    return {"gateway.event.ids": ids} if ids else {}


class _Webhook:
    def __init__(self, span: Span, provider: str) -> None:
        self.span = span
        self.provider = provider

    def answered(self, status: int, event_ids: Sequence[str]) -> None:
        span = self.span
        if status != 404:  # a provider this gateway knows: a bounded value
            span.set_attribute("gateway.provider", self.provider)
        span.set_attributes(_event_ids(event_ids))
        record_status(span, status, failing_from=500)


class SpanMaker:
    """``tracing.SpanMaker`` over an OpenTelemetry tracer."""

    def __init__(self, tracer: Tracer) -> None:
        self.tracer = tracer

    @contextmanager
    def webhook(self, provider: str) -> Iterator[_Webhook]:
        attributes = {"http.request.method": "POST", "http.route": "/webhooks/{provider}"}
        name = "POST /webhooks/{provider}"
        with current_span(self.tracer, name, SpanKind.SERVER, attributes) as span:
            yield _Webhook(span, provider)

    @contextmanager
    def publishing(self, events: Sequence[MeetingEvent]) -> Iterator[None]:
        attributes: dict[str, Any] = {
            "messaging.operation.type": "send",
            "messaging.batch.message_count": len(events),
            **_event_ids([event.id for event in events]),
        }
        if events:
            attributes["gateway.provider"] = events[0].provider
        with current_span(self.tracer, "publish events", SpanKind.PRODUCER, attributes):
            yield

    def trace_parent(self) -> str | None:
        carrier: dict[str, str] = {}
        PROPAGATOR.inject(carrier)
        return carrier.get("traceparent")

    def delivered(self, item: StoredEvent, *, internal: bool) -> None:
        event = item.event
        attributes = {
            "messaging.operation.type": "process",
            "gateway.event.id": event.id,
            "gateway.event.type": event.type.value,
            "gateway.provider": event.provider,
            "gateway.subscriber": "internal" if internal else "client",
        }
        parent = None
        links = None
        if item.trace_parent is not None:
            parent = PROPAGATOR.extract({"traceparent": item.trace_parent})
            subscriber = get_current_span().get_span_context()
            links = [Link(subscriber)] if subscriber.is_valid else None
        span = self.tracer.start_span(
            "deliver event", parent, SpanKind.CONSUMER, attributes, links=links
        )
        span.end()

    def log_ids(self) -> tuple[str, str] | None:
        context = get_current_span().get_span_context()
        if not context.is_valid:
            return None
        return format_trace_id(context.trace_id), format_span_id(context.span_id)


class GraphQLTracing(SchemaExtension):
    """A span per GraphQL operation, named like ``query rooms`` (OTel GraphQL conventions).

    It is the current span while the operation executes, so provider calls are its
    children. A subscription's span lasts as long as its stream, and each event delivered
    to it links to it.
    """

    tracer: ClassVar[Tracer]
    _span: Span | None = None
    _named = False

    def on_operation(self) -> Iterator[None]:
        span = self.tracer.start_span(UNKNOWN_OPERATION, kind=SpanKind.SERVER)
        self._span = span
        try:
            yield
        finally:
            context = self.execution_context
            if not self._named:  # not executed (a validation error): named if it parsed
                self._name(span, context)
            code = outcome(context)
            if code != "ok":
                span.set_attribute("error.type", code)
                span.set_status(Status(StatusCode.ERROR, code))
            span.end()

    def _name(self, span: Span, context: ExecutionContext) -> str:
        """Name ``span`` by the operation's type and name; the type (``unknown`` unparsed)."""
        self._named = True
        kind = operation_type(context)
        if kind == "unknown":
            return kind
        name = (operation_name(context) or "")[:MAX_NAME]
        span.update_name(f"{kind} {name}" if name else kind)
        span.set_attribute("graphql.operation.type", kind)
        if name:
            span.set_attribute("graphql.operation.name", name)
        return kind

    def on_execute(self) -> Iterator[None]:
        span = self._span
        if span is None:
            yield
            return
        kind = self._name(span, self.execution_context)
        if kind == OperationType.SUBSCRIPTION.value:
            # not detached: the stream may end in another context than it began; the
            # context is the subscription's own task (or its SSE request)
            otel_context.attach(set_span_in_context(span))
            yield
            return
        token = otel_context.attach(set_span_in_context(span))
        try:
            yield
        finally:
            otel_context.detach(token)


class TraceContext:
    """Make a request's W3C ``traceparent`` (and ``tracestate``) the current context."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        carrier = {}
        if scope["type"] in {"http", "websocket"}:
            carrier = {
                name.decode("latin-1"): value.decode("latin-1")
                for name, value in scope["headers"]
                if name in _TRACE_HEADERS
            }
        if not carrier:
            await self.app(scope, receive, send)
            return
        token = otel_context.attach(PROPAGATOR.extract(carrier))
        try:
            await self.app(scope, receive, send)
        finally:
            otel_context.detach(token)


class GatewayTracing:
    """``tracing.Tracing``: one tracer provider and the hooks that use it."""

    def __init__(self, provider: TracerProvider) -> None:
        self.provider = provider
        tracer = provider.get_tracer("meetings-gateway")
        self.spans = SpanMaker(tracer)
        self.attempts = OtelAttempts(tracer)
        self.extension = type("GraphQLTracing", (GraphQLTracing,), {"tracer": tracer})
        self._apps = 0

    def middleware(self, app: ASGIApp) -> ASGIApp:
        return TraceContext(app)

    def schema_extension(self) -> type[SchemaExtension]:
        return self.extension

    def install(self) -> None:
        self._apps += 1
        tracing.active = self.spans
        _tracing.hook = self.attempts

    def shutdown(self) -> None:
        self._apps -= 1
        if self._apps > 0:
            return
        if tracing.active is self.spans:
            tracing.active = None
        if _tracing.hook is self.attempts:
            _tracing.hook = None
        self.provider.shutdown()

    def flush(self) -> None:
        self.provider.force_flush()


def _resource(environ: Mapping[str, str]) -> Resource:
    named = environ.get("OTEL_SERVICE_NAME") or "service.name=" in environ.get(
        "OTEL_RESOURCE_ATTRIBUTES", ""
    )
    # the SDK reads OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES itself
    return Resource.create({} if named else {"service.name": DEFAULT_SERVICE_NAME})


def _exporters(environ: Mapping[str, str]) -> list[SpanExporter]:
    names = environ.get("OTEL_TRACES_EXPORTER", "otlp").lower().split(",")
    exporters: list[SpanExporter] = []
    for name in (n.strip() for n in names):
        if name == "otlp":
            exporters.append(_otlp(environ))
        elif name == "console":
            exporters.append(ConsoleSpanExporter())
        elif name not in {"", "none"}:
            log.warning("OTEL_TRACES_EXPORTER: unknown exporter %r ignored", name)
    return exporters


def _otlp(environ: Mapping[str, str]) -> SpanExporter:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # noqa: PLC0415
        OTLPSpanExporter,
    )

    protocol = environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or environ.get(
        "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"
    )
    if protocol != "http/protobuf":
        log.warning(
            "OTEL_EXPORTER_OTLP_PROTOCOL=%s is not supported; exporting OTLP over "
            "http/protobuf (a collector's port 4318)",
            protocol,
        )
    # it reads the OTEL_EXPORTER_OTLP_* variables (endpoint, headers, timeout) itself
    return OTLPSpanExporter()


def build(environ: Mapping[str, str], exporter: SpanExporter | None) -> GatewayTracing:
    """A tracer provider for ``environ``; ``exporter`` replaces the configured exporters.

    The SDK's own variables apply (``OTEL_TRACES_SAMPLER``, ``OTEL_BSP_*``): the batch
    processor's queue is bounded (``OTEL_BSP_MAX_QUEUE_SIZE``, 2048 by default; spans past
    it are dropped, never waited for).
    """
    provider = TracerProvider(resource=_resource(environ))
    for each in [exporter] if exporter is not None else _exporters(environ):
        provider.add_span_processor(BatchSpanProcessor(each))
    return GatewayTracing(provider)
