"""``/healthz`` (the process answers) and ``/readyz`` (configured backends answer, and the
process is not shutting down: 503 ``draining`` from SIGTERM on)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from gateway.services import Services
from gateway.shutdown import Drain

__all__ = ["router"]

router = APIRouter()
log = logging.getLogger("gateway.health")

#: a backend that takes longer than this to answer a probe is not ready
PROBE_TIMEOUT_SECONDS = 2.0


@router.get("/healthz", include_in_schema=False)
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


async def _store_answers(services: Services) -> bool:
    await services.store.get("readyz-probe")
    return True


async def _within_timeout(name: str, check: Awaitable[bool]) -> bool:
    try:
        async with asyncio.timeout(PROBE_TIMEOUT_SECONDS):
            return await check
    except TimeoutError:
        log.warning("readiness probe %s: no answer within %.0f s", name, PROBE_TIMEOUT_SECONDS)
    except Exception as exc:  # any failure means not ready; the log says which
        log.warning("readiness probe %s failed: %s", name, type(exc).__name__)
    return False


async def _checks(services: Services) -> dict[str, bool]:
    """Every backend probed at once, each within ``PROBE_TIMEOUT_SECONDS``."""
    probes = {"store": _store_answers(services), "events": services.bus.ready()}
    results = await asyncio.gather(
        *(_within_timeout(name, probe) for name, probe in probes.items())
    )
    return dict(zip(probes, results, strict=True))


def _details(request: Request, services: Services) -> dict[str, object]:
    return {
        "events": services.bus.stats(),
        "webhooks": services.ingest.stats.as_dict(),
        "roomLifecycle": services.lifecycle.stats.as_dict(),
        "subscriptions": request.app.state.shared_payloads.stats(),
        "outbound": services.outbound.stats(),
    }


@router.get("/readyz", include_in_schema=False)
async def readyz(request: Request) -> JSONResponse:
    services: Services = request.app.state.services
    drain: Drain = request.app.state.drain
    if drain.draining:
        body = {"status": "draining", "details": _details(request, services)}
        return JSONResponse(body, status_code=503)
    checks = await _checks(services)
    ready = all(checks.values())
    body = {
        "status": "ready" if ready else "unavailable",
        "checks": checks,
        "details": _details(request, services),
    }
    return JSONResponse(body, status_code=200 if ready else 503)
