"""``create_app``: the ASGI application and the lifespan that owns its resources."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Literal

import strawberry
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from gateway import health, log_redaction, sandbox, webhooks
from gateway.client_caps import ClientCaps
from gateway.graphql.transport.delivery import SharedPayloads
from gateway.graphql.transport.ide import ENDPOINT_PATH
from gateway.graphql.transport.router import build_graphql_router
from gateway.graphql.transport.uploads import PREFLIGHT_HEADERS
from gateway.http_protocol import HEADER_TIMEOUT_STATE
from gateway.middleware import BodySizeLimit
from gateway.observability.context import RequestId
from gateway.observability.endpoint import MULTIPROC_ENV, metrics_route
from gateway.observability.tracing import Tracing, configure_tracing
from gateway.ratelimit import RateLimits
from gateway.services import build_services
from gateway.settings import Settings
from gateway.shutdown import Drain

__all__ = ["DEFAULT_DRAIN_SECONDS", "create_app"]

log = logging.getLogger("gateway")

#: the drain delay when ``GATEWAY_SHUTDOWN__DRAIN_SECONDS`` is unset (``gateway dev``: 0):
#: a load balancer polling /readyz every 2 s that needs 2 failures notices within it
DEFAULT_DRAIN_SECONDS = 5.0


def create_app(
    settings: Settings | None = None,
    *,
    schema: strawberry.Schema | None = None,
    tracing: Tracing | Literal["environment"] | None = "environment",
) -> FastAPI:
    """Build the app; ``settings`` default to the environment (read now, not at import).

    ``schema`` replaces the gateway's own schema (tests serve extra test-only roots).
    ``tracing`` defaults to what the ``OTEL_*`` variables configure (``configure_tracing``).
    """
    settings = settings if settings is not None else Settings()
    traces = configure_tracing() if tracing == "environment" else tracing

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[Mapping[str, object]]:
        # here, not at import: uvicorn configures its loggers before the lifespan runs
        log_redaction.install()
        if traces is not None:
            traces.install()
        try:
            services = await build_services(settings)
            app.state.services = services
            await services.start()
            drain.attach(services.bus.drain)
            drain.install()
            try:
                # the server's HTTP protocol reads its header deadline here (every worker)
                yield {HEADER_TIMEOUT_STATE: settings.limits.header_timeout_seconds}
            finally:
                drain.uninstall()
                await services.aclose()
                _forget_live_gauges()
        finally:
            if traces is not None:
                traces.shutdown()

    app = FastAPI(title="Meetings gateway", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.settings = settings
    drain = Drain(settings.shutdown.drain_or(DEFAULT_DRAIN_SECONDS))
    app.state.drain = drain
    app.include_router(health.router)
    if settings.metrics.enabled:
        app.router.routes.append(metrics_route(settings.metrics))
    app.include_router(webhooks.router)
    if settings.sandbox:
        app.include_router(sandbox.router)
    app.state.shared_payloads = SharedPayloads()
    app.state.rate_limits = RateLimits(settings.limits, settings.redis_url)
    app.state.client_caps = ClientCaps(settings.limits)
    app.include_router(
        build_graphql_router(
            settings,
            schema,
            app.state.shared_payloads,
            rate_limits=app.state.rate_limits,
            traced=() if traces is None else (traces.schema_extension(),),
            caps=app.state.client_caps,
            drain=drain,
        )
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["authorization", "content-type", "accept", *PREFLIGHT_HEADERS],
            max_age=600,
        )
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.limits.max_body_bytes,
        per_prefix=[("/webhooks", settings.limits.max_webhook_body_bytes)],
        uploads=(ENDPOINT_PATH, settings.limits.max_upload_body_bytes),
        body_timeout=settings.limits.body_timeout_seconds,
    )
    if traces is not None:
        app.add_middleware(traces.middleware)
    # outermost: a refusal by any other layer still carries the request id
    app.add_middleware(RequestId)
    return app


def _forget_live_gauges() -> None:
    """Multiprocess metrics: this worker's gauges no longer count once it stops."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess  # noqa: PLC0415 - only in that mode

        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]
