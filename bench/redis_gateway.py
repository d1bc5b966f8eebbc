"""The gateway with sandbox providers, no auth and its event log in Redis.

Served by ``uvicorn --factory bench.redis_gateway:create`` for the ingest benchmark.
"""

from __future__ import annotations

from fastapi import FastAPI

from gateway.app import create_app
from gateway.settings import EventSettings, Settings

REDIS_URL = "redis://127.0.0.1:6379/0"
PREFIX = "bench:events"


def create() -> FastAPI:
    settings = Settings(
        sandbox=True,
        auth={"mode": "none"},
        redis_url=REDIS_URL,
        events=EventSettings(redis_prefix=PREFIX),
    )
    return create_app(settings)
