"""Traces exported to memory through the app's own setup (``configure_tracing``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from gateway.observability.otel import GatewayTracing
from gateway.observability.tracing import configure_tracing

__all__ = ["Traces", "traces"]


class Traces:
    """A tracing setup and the spans it exported."""

    def __init__(self, tracing: GatewayTracing, exporter: InMemorySpanExporter) -> None:
        self.tracing = tracing
        self.exporter = exporter

    def spans(self) -> tuple[ReadableSpan, ...]:
        self.tracing.flush()
        return self.exporter.get_finished_spans()

    def named(self, name: str) -> list[ReadableSpan]:
        return [span for span in self.spans() if span.name == name]

    def one(self, name: str) -> ReadableSpan:
        (span,) = self.named(name)
        return span


def parent_id(span: ReadableSpan) -> int | None:
    return None if span.parent is None else span.parent.span_id


def span_id(span: ReadableSpan) -> int:
    assert span.context is not None
    value: int = span.context.span_id
    return value


def trace_id(span: ReadableSpan) -> int:
    assert span.context is not None
    value: int = span.context.trace_id
    return value


def attribute_texts(spans: Sequence[ReadableSpan]) -> str:
    """Every attribute value of ``spans``, as one text to search."""
    return " ".join(str(value) for span in spans for value in (span.attributes or {}).values())


@contextmanager
def traces(service: str = "gateway-test") -> Iterator[Traces]:
    """Traces on, as ``OTEL_SERVICE_NAME`` asks, exported to memory."""
    exporter = InMemorySpanExporter()
    tracing = configure_tracing({"OTEL_SERVICE_NAME": service}, exporter=exporter)
    assert isinstance(tracing, GatewayTracing)
    yield Traces(tracing, exporter)
