"""OpenTelemetry traces: off unless the standard ``OTEL_*`` variables ask for them.

``configure_tracing`` reads the environment once (``create_app`` calls it): traces are on
when ``OTEL_TRACES_EXPORTER`` names an exporter (not ``none``), or an OTLP endpoint or
``OTEL_SERVICE_NAME`` is set, unless ``OTEL_SDK_DISABLED=true``. Without the ``otel``
extra installed that is one warning, and traces stay off.

Off, ``active`` is ``None``: each helper here reads it and returns at once, creating no
span. On, it is the ``SpanMaker`` of ``gateway.observability.otel``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any, Protocol

from starlette.types import ASGIApp
from strawberry.extensions import SchemaExtension

from providers import MeetingEvent

if TYPE_CHECKING:
    from gateway.events.model import StoredEvent

__all__ = [
    "ENABLING_VARIABLES",
    "SpanMaker",
    "Tracing",
    "WebhookSpan",
    "active",
    "configure_tracing",
    "delivered",
    "log_ids",
    "publishing",
    "requested",
    "trace_parent",
    "webhook",
]

log = logging.getLogger("gateway.tracing")

#: any of these set (and not disabled) turns traces on
ENABLING_VARIABLES = (
    "OTEL_TRACES_EXPORTER",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_SERVICE_NAME",
)
_OFF: AbstractContextManager[Any] = nullcontext()


class WebhookSpan(Protocol):
    def answered(self, status: int, event_ids: Sequence[str]) -> None:
        """Record the answer's status and the ids of the delivery's events."""


class SpanMaker(Protocol):
    """The gateway's own spans (webhook, publish, delivery) and the current context."""

    def webhook(self, provider: str) -> AbstractContextManager[WebhookSpan]: ...

    def publishing(self, events: Sequence[MeetingEvent]) -> AbstractContextManager[None]: ...

    def trace_parent(self) -> str | None: ...

    def delivered(self, item: StoredEvent, *, internal: bool) -> None: ...

    def log_ids(self) -> tuple[str, str] | None: ...


class Tracing(Protocol):
    """Configured traces: what the app mounts, and their lifetime."""

    def middleware(self, app: ASGIApp) -> ASGIApp:
        """The ASGI layer that reads ``traceparent`` from requests."""
        ...

    def schema_extension(self) -> type[SchemaExtension]:
        """The span of every GraphQL operation."""
        ...

    def install(self) -> None:
        """Turn the hooks on (an app's start); counted, so replicas in one process share."""
        ...

    def shutdown(self) -> None:
        """Turn the hooks off at the last app's stop and export what is left."""
        ...

    def flush(self) -> None:
        """Export the ended spans now."""
        ...


#: set while a traced app runs
active: SpanMaker | None = None


def requested(environ: Mapping[str, str]) -> bool:
    """Whether the environment asks for traces."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    exporters = environ.get("OTEL_TRACES_EXPORTER")
    if exporters is not None:
        return exporters.strip().lower() not in {"", "none"}
    return any(environ.get(name) for name in ENABLING_VARIABLES)


def configure_tracing(
    environ: Mapping[str, str] | None = None, *, exporter: Any = None
) -> Tracing | None:
    """Traces as ``environ`` (default: the process environment) configures them, else ``None``.

    ``exporter`` (an OpenTelemetry ``SpanExporter``) replaces the configured exporters and
    turns traces on by itself (tests export to memory).
    """
    environ = os.environ if environ is None else environ
    if exporter is None and not requested(environ):
        return None
    try:
        from gateway.observability import otel  # noqa: PLC0415 - an optional extra
    except ImportError:
        log.warning(
            "OTEL_* variables ask for traces but OpenTelemetry is not installed; traces are "
            "off (install the otel extra: pip install 'meetings-gateway[otel]')"
        )
        return None
    return otel.build(environ, exporter)


def webhook(provider: str) -> AbstractContextManager[WebhookSpan | None]:
    """The span of a webhook request (``None`` when traces are off)."""
    maker = active
    return _OFF if maker is None else maker.webhook(provider)


def publishing(events: Sequence[MeetingEvent]) -> AbstractContextManager[None]:
    """The span of appending ``events`` to the event log."""
    maker = active
    return _OFF if maker is None else maker.publishing(events)


def trace_parent() -> str | None:
    """The current span as a W3C ``traceparent`` value, stored with published events."""
    maker = active
    return None if maker is None else maker.trace_parent()


def delivered(item: StoredEvent, *, internal: bool) -> None:
    """A span for handing ``item`` to a subscriber, in the trace of its publish."""
    maker = active
    if maker is not None:
        maker.delivered(item, internal=internal)


def log_ids() -> tuple[str, str] | None:
    """``(trace_id, span_id)`` of the current span, for log lines."""
    maker = active
    return None if maker is None else maker.log_ids()
