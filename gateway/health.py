"""``/healthz`` (the process answers) and ``/readyz`` (configured backends answer)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from gateway.services import Services

__all__ = ["router"]

router = APIRouter()


@router.get("/healthz", include_in_schema=False)
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


async def _store_answers(services: Services) -> bool:
    try:
        await services.store.get("readyz-probe")
    except Exception:
        return False
    return True


@router.get("/readyz", include_in_schema=False)
async def readyz(request: Request) -> JSONResponse:
    services: Services = request.app.state.services
    checks = {"store": await _store_answers(services)}
    ready = all(checks.values())
    body = {"status": "ready" if ready else "unavailable", "checks": checks}
    return JSONResponse(body, status_code=200 if ready else 503)
