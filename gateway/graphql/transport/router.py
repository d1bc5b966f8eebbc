"""The ``/graphql`` endpoint: HTTP (GET, POST, SSE), WebSocket, and GraphiQL with its assets."""

from __future__ import annotations

import strawberry
from fastapi import APIRouter
from strawberry.extensions import SchemaExtension

from gateway.auth import Authenticator
from gateway.client_caps import ClientCaps
from gateway.graphql.persisted import PersistedDocuments
from gateway.graphql.schema.build import build_schema
from gateway.graphql.transport.delivery import SharedPayloads
from gateway.graphql.transport.http import GraphQLHTTP
from gateway.graphql.transport.ide import ASSET_PATH, ENDPOINT_PATH, GraphiQL
from gateway.graphql.transport.tour import TOUR
from gateway.graphql.transport.uploads import UploadLimits
from gateway.graphql.transport.ws import GraphQLWebSocket
from gateway.ratelimit import RateLimits
from gateway.settings import Settings
from gateway.shutdown import Drain

__all__ = ["build_graphql_router"]


def build_graphql_router(
    settings: Settings,
    schema: strawberry.Schema | None = None,
    payloads: SharedPayloads | None = None,
    rate_limits: RateLimits | None = None,
    traced: tuple[type[SchemaExtension], ...] = (),
    caps: ClientCaps | None = None,
    drain: Drain | None = None,
) -> APIRouter:
    """Routes of the GraphQL endpoint; ``schema`` defaults to the gateway's own.

    ``payloads`` is where WebSocket subscriptions share their executed events; ``traced``
    adds the tracing extension to the gateway's own schema; ``caps`` counts what each client
    holds open over WebSocket and SSE; ``drain`` tells subscriptions when the process shuts
    down.
    """
    caps = caps or ClientCaps(settings.limits)
    drain = drain or Drain()
    if schema is None:
        introspection = settings.introspection is True
        schema = build_schema(settings.limits, introspection=introspection, traced=traced)
    authenticator = Authenticator(settings.auth)
    persisted = PersistedDocuments(settings.trusted_documents)
    # the tour's tabs create sandbox rooms: they open only where sandboxes answer
    tabs = TOUR if settings.sandbox else ()
    graphiql = GraphiQL(tabs) if settings.graphiql else None
    http = GraphQLHTTP(
        schema,
        authenticator,
        graphiql=graphiql,
        heartbeat_seconds=settings.events.keepalive_seconds,
        uploads=UploadLimits.from_settings(settings.limits),
        max_json_depth=settings.limits.max_json_depth,
        rate_limits=rate_limits,
        persisted=persisted,
        caps=caps,
        drain=drain,
    )
    websocket = GraphQLWebSocket(
        schema,
        authenticator,
        settings.events,
        limits=settings.limits,
        leeway_seconds=settings.auth.leeway_seconds,
        allowed_origins=settings.cors_origins,
        payloads=payloads or SharedPayloads(),
        persisted=persisted,
        rate_limits=rate_limits,
        caps=caps,
        drain=drain,
    )
    router = APIRouter()
    router.add_api_route(
        ENDPOINT_PATH, http.handle, methods=["GET", "POST"], include_in_schema=False
    )
    router.add_websocket_route(ENDPOINT_PATH, websocket.handle)
    if graphiql is not None:
        router.add_api_route(
            ASSET_PATH + "/{name}", graphiql.asset, methods=["GET"], include_in_schema=False
        )
    return router
