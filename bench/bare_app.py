"""The baseline server: a bare Starlette endpoint answering 204 (``uvicorn bench.bare_app:app``)."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


async def _no_content(request: Request) -> Response:
    return Response(status_code=204)


async def _healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


app = Starlette(routes=[Route("/hook", _no_content, methods=["POST"]), Route("/healthz", _healthz)])
