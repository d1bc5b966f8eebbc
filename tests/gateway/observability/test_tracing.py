"""OpenTelemetry traces: operation and provider-call spans, W3C trace context in and out,
the webhook -> publish -> delivery chain across replicas, and nothing when not configured."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import ConsoleSpanExporter
from opentelemetry.trace import SpanKind, StatusCode

import gateway.observability
from gateway.app import create_app
from gateway.observability import tracing
from gateway.observability.logs import JsonFormatter
from gateway.observability.otel import GatewayTracing
from gateway.observability.tracing import configure_tracing, requested
from providers import _tracing
from providers._http import request
from providers._transport import AiohttpTransport
from tests.gateway.observability.traces import (
    Traces,
    attribute_texts,
    parent_id,
    span_id,
    trace_id,
    traces,
)
from tests.providers.test_transport import answer, read_request, server
from tests.support import asgi_client, gateway_settings

ROOMS = {"query": "query rooms { rooms(first: 5) { nodes { id } failures { provider } } }"}
VONAGE_ROOMS = {"query": "query v { rooms(provider: VONAGE) { nodes { id } } }"}
#: the W3C example: a caller's trace that the gateway continues
CALLER_TRACE = 0x0AF7651916CD43DD8448EB211C80319C
CALLER_SPAN = 0xB7AD6B7169203331
CALLER = f"00-{CALLER_TRACE:032x}-{CALLER_SPAN:016x}-01"


def traceparents(app: FastAPI) -> set[str | None]:
    """The trace and span id (``00-<trace>-<span>``) of each ``traceparent`` the sandboxes
    received (its flags left out), ``None`` for a request without one."""
    handles = app.state.services.providers.values()
    return {
        None if header is None else header.rsplit("-", 1)[0]
        for handle in handles
        if handle.sandbox is not None
        for header in (sent.headers.get("traceparent") for sent in handle.sandbox.requests)
    }


def ids_of(span: ReadableSpan) -> str:
    return f"00-{trace_id(span):032x}-{span_id(span):016x}"


async def query(t: Traces | None, body: dict[str, Any], **headers: str) -> FastAPI:
    app = create_app(gateway_settings(), tracing=None if t is None else t.tracing)
    async with asgi_client(app=app) as client:
        response = await client.post("/graphql", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return app


async def test_an_operation_span_parents_a_client_span_per_provider_call() -> None:
    with traces() as t:
        app = await query(t, ROOMS)
        operation = t.one("query rooms")
        calls = [span for span in t.spans() if span.kind is SpanKind.CLIENT]
    assert operation.kind is SpanKind.SERVER
    assert operation.attributes == {
        "graphql.operation.name": "rooms",
        "graphql.operation.type": "query",
    }
    assert operation.status.status_code is StatusCode.UNSET
    assert {call.attributes["gateway.provider"] for call in calls if call.attributes} == {
        "vonage",
        "metered",
        "videosdk",
    }
    for call in calls:
        assert parent_id(call) == span_id(operation)
        assert trace_id(call) == trace_id(operation)
        assert call.attributes is not None
        method, template = call.name.split(" ")
        assert call.attributes["http.request.method"] == method
        assert call.attributes["url.template"] == template
        assert call.attributes["http.response.status_code"] == 200
    assert {ids_of(call) for call in calls} <= traceparents(app)


async def test_a_callers_traceparent_is_the_operations_parent() -> None:
    with traces() as t:
        await query(t, ROOMS, traceparent=CALLER)
        operation = t.one("query rooms")
    assert trace_id(operation) == CALLER_TRACE
    assert parent_id(operation) == CALLER_SPAN


async def test_a_failed_operation_has_error_status_with_its_code() -> None:
    bad_id = {"query": 'query one { room(id: "no-provider-here") { id } }'}
    invalid = {"query": "query broken { noSuchField }"}
    with traces() as t:
        await query(t, bad_id)
        failed = t.one("query one")
    with traces() as t:
        await query(t, invalid)
        refused = t.one("query broken")
    assert failed.status.status_code is StatusCode.ERROR
    assert failed.attributes is not None
    assert failed.attributes["error.type"] == "BAD_USER_INPUT"
    assert refused.status.status_code is StatusCode.ERROR
    assert refused.attributes is not None
    assert refused.attributes["error.type"] == "error"  # graphql-core's own: no code


async def test_a_retried_call_is_a_span_per_attempt() -> None:
    with traces() as t:
        app = create_app(gateway_settings(), tracing=t.tracing)
        async with asgi_client(app=app) as client:
            app.state.services.providers["vonage"].sandbox.inject(status=503, times=1)
            await client.post(
                "/graphql", json={"query": "query v { rooms(provider: VONAGE) { nodes { id } } }"}
            )
        calls = [s for s in t.spans() if s.kind is SpanKind.CLIENT and s.attributes]
    vonage = [c for c in calls if c.attributes and c.attributes["gateway.provider"] == "vonage"]
    first, second = vonage[-2:]
    assert first.attributes is not None
    assert second.attributes is not None
    assert first.attributes["http.response.status_code"] == 503
    assert first.status.status_code is StatusCode.ERROR
    assert second.attributes["http.response.status_code"] == 200
    assert second.attributes["http.request.resend_count"] == 1


async def test_provider_calls_carry_the_traceparent_on_the_wire() -> None:
    seen: list[bytes] = []

    async def provider(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head, _ = await read_request(reader)
        seen.append(head)
        writer.write(answer("200 OK", b"{}", "content-type: application/json"))
        await writer.drain()
        writer.close()

    transport = AiohttpTransport(max_connections=1)
    with traces() as t:
        t.tracing.install()
        try:
            async with (
                server(provider) as base,
                httpx.AsyncClient(base_url=base, transport=transport) as client,
            ):
                await request(client, "vonage", "GET", "/v1/rooms/abc123?token=s3cret")
        finally:
            t.tracing.shutdown()
        call = t.one("GET /v1/rooms/{id}")
    (head,) = seen
    assert f"traceparent: {ids_of(call)}-".encode() in head
    assert call.attributes is not None
    assert call.attributes["server.address"] == "127.0.0.1"
    assert "abc123" not in attribute_texts([call])
    assert "s3cret" not in attribute_texts([call])


async def test_nothing_is_traced_when_otel_is_not_configured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in [*tracing.ENABLING_VARIABLES, "OTEL_SDK_DISABLED"]:
        monkeypatch.delenv(name, raising=False)
    assert configure_tracing() is None
    app = create_app(gateway_settings())
    async with asgi_client(app=app) as client:
        assert tracing.active is None
        assert _tracing.hook is None
        response = await client.post("/graphql", json=ROOMS, headers={"traceparent": CALLER})
    assert response.status_code == 200
    assert traceparents(app) == {None}


@pytest.mark.parametrize(
    ("environ", "wanted"),
    [
        ({}, False),
        ({"OTEL_TRACES_EXPORTER": "none", "OTEL_SERVICE_NAME": "gw"}, False),
        ({"OTEL_SERVICE_NAME": "gw", "OTEL_SDK_DISABLED": "true"}, False),
        ({"OTEL_RESOURCE_ATTRIBUTES": "team=x"}, False),
        ({"OTEL_SERVICE_NAME": "gw"}, True),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, True),
        ({"OTEL_TRACES_EXPORTER": "console"}, True),
    ],
)
def test_which_variables_turn_traces_on(environ: dict[str, str], wanted: bool) -> None:
    assert requested(environ) is wanted


def test_exporters_follow_the_standard_variables() -> None:
    console = configure_tracing({"OTEL_TRACES_EXPORTER": "console"})
    otlp = configure_tracing({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"})
    assert isinstance(console, GatewayTracing)
    assert isinstance(otlp, GatewayTracing)
    processors = console.provider._active_span_processor._span_processors
    assert isinstance(processors[0].span_exporter, ConsoleSpanExporter)  # type: ignore[attr-defined]
    assert otlp.provider.resource.attributes["service.name"] == "meetings-gateway"
    for each in (console, otlp):
        each.provider.shutdown()


def test_without_the_package_one_warning_and_no_traces(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delattr(gateway.observability, "otel", raising=False)
    monkeypatch.setitem(sys.modules, "gateway.observability.otel", None)
    with caplog.at_level(logging.WARNING, logger="gateway.tracing"):
        assert configure_tracing({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}) is None
    (line,) = caplog.records
    assert "not installed" in line.getMessage()
    assert "pip install 'meetings-gateway[otel]'" in line.getMessage()


def test_json_log_lines_carry_the_current_trace() -> None:
    record = logging.LogRecord("gateway", logging.INFO, __file__, 1, "inside", None, None)
    with traces() as t:
        t.tracing.install()
        try:
            tracer = t.tracing.provider.get_tracer("test")
            with tracer.start_as_current_span("work") as span:
                inside = json.loads(JsonFormatter().format(record))
            outside = json.loads(JsonFormatter().format(record))
        finally:
            t.tracing.shutdown()
    context = span.get_span_context()
    assert inside["trace_id"] == f"{context.trace_id:032x}"
    assert inside["span_id"] == f"{context.span_id:016x}"
    assert "trace_id" not in outside
