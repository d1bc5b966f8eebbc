"""A test-only schema: the gateway's schema plus ``probe*`` roots that exercise the HTTP layer.

Real Strawberry fields (no mocks): a scope-guarded field, a field that fails unexpectedly,
a recursive type for depth limits, and subscriptions that tick, wait or fail.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

import strawberry
from fastapi import FastAPI

from gateway.app import create_app
from gateway.auth import Scope
from gateway.graphql.context import Info
from gateway.graphql.permissions import requires
from gateway.graphql.schema.build import build_schema
from gateway.settings import Settings

__all__ = ["SECRET_DETAIL", "probe_app", "probe_schema"]

SECRET_DETAIL = "db-password=hunter2-do-not-leak"


@strawberry.type
class ProbeNode:
    value: int

    @strawberry.field
    def child(self) -> ProbeNode:
        return ProbeNode(value=self.value + 1)


def _whoami(info: Info) -> str:
    principal = info.context.principal
    return f"{principal.subject}:{' '.join(sorted(principal.scopes))}"


@strawberry.type
class ProbeQuery:
    @strawberry.field(permission_classes=[requires(Scope.ROOMS_READ)])  # type: ignore[untyped-decorator]
    def probe_rooms_read(self) -> str:
        return "allowed"

    @strawberry.field
    def probe_whoami(self, info: Info) -> str:
        return _whoami(info)

    @strawberry.field
    def probe_crash(self) -> str | None:
        raise RuntimeError(SECRET_DETAIL)

    @strawberry.field
    def probe_node(self) -> ProbeNode:
        return ProbeNode(value=0)

    @strawberry.field
    def probe_echo(self, text: str) -> str:
        return text


@strawberry.type
class ProbeSubscription:
    @strawberry.subscription
    async def probe_ticks(self, count: int = 3) -> AsyncGenerator[int, None]:
        for tick in range(count):
            yield tick

    @strawberry.subscription
    async def probe_whoami(self, info: Info) -> AsyncGenerator[str, None]:
        yield _whoami(info)

    @strawberry.subscription(permission_classes=[requires(Scope.EVENTS_READ)])  # type: ignore[untyped-decorator]
    async def probe_wait(self) -> AsyncGenerator[int, None]:
        yield 0
        await asyncio.Event().wait()
        yield 1

    @strawberry.subscription
    async def probe_crash(self) -> AsyncGenerator[int, None]:
        yield 1
        raise RuntimeError(SECRET_DETAIL)


def probe_schema(settings: Settings) -> strawberry.Schema:
    """The gateway schema with the probe roots merged in."""
    return build_schema(
        settings.limits, extra_queries=(ProbeQuery,), extra_subscriptions=(ProbeSubscription,)
    )


def probe_app(settings: Settings) -> FastAPI:
    """The gateway app serving ``probe_schema``."""
    return create_app(settings, schema=probe_schema(settings))
