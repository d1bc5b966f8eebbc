"""The Prometheus endpoint (``GATEWAY_METRICS__PATH``, default ``/metrics``).

With several worker processes (``PROMETHEUS_MULTIPROC_DIR`` set, as ``gateway serve
--workers N`` does), each scrape sums the values every worker wrote to that directory.
"""

from __future__ import annotations

import hmac
import os

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.settings import MetricsSettings

__all__ = ["MULTIPROC_ENV", "metrics_route", "render"]

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def render() -> bytes:
    """The exposition text of this process, or of all workers in multiprocess mode."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def _authorized(request: Request, token: str) -> bool:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.encode(), token.encode())


def metrics_route(settings: MetricsSettings) -> Route:
    """The route; a bearer token is required when ``settings.token`` is set."""
    token = None if settings.token is None else settings.token.get_secret_value()

    async def metrics(request: Request) -> Response:
        if token is not None and not _authorized(request, token):
            return Response(
                "metrics need 'Authorization: Bearer <GATEWAY_METRICS__TOKEN>'\n",
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
                media_type="text/plain",
            )
        # off the event loop: with --workers it reads every worker's files from disk
        return Response(await run_in_threadpool(render), media_type=CONTENT_TYPE_LATEST)

    return Route(settings.path, metrics, methods=["GET"], include_in_schema=False)
