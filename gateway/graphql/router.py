"""The ``/graphql`` endpoint: HTTP (GET, POST), WebSocket and SSE."""

from __future__ import annotations

from fastapi import Request, WebSocket
from strawberry.fastapi import GraphQLRouter
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL

from gateway.auth import ANONYMOUS_ALL
from gateway.graphql.context import Context
from gateway.graphql.schema import build_schema
from gateway.services import Services

__all__ = ["build_graphql_router"]


async def _context(request: Request = None, websocket: WebSocket = None) -> Context:  # type: ignore[assignment]
    connection = request if request is not None else websocket
    services: Services = connection.app.state.services
    return Context(services=services, principal=ANONYMOUS_ALL)


def build_graphql_router(graphiql: bool) -> GraphQLRouter[Context, None]:
    return GraphQLRouter(
        build_schema(),
        context_getter=_context,
        graphql_ide="graphiql" if graphiql else None,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL),
    )
