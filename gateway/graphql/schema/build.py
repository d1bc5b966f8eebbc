"""The schema: domain root types merged in one place."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from gateway.graphql.errors import MaskUnexpectedErrors
from gateway.graphql.executor import GatewayExecutor
from gateway.graphql.input_errors import CodedInputErrors
from gateway.graphql.introspection import no_introspection
from gateway.graphql.limits import limit_extensions
from gateway.graphql.scalars import SCALAR_MAP
from gateway.graphql.schema.catalog import CatalogQuery
from gateway.graphql.schema.events.resolvers import EVENT_TYPES, EventSubscription
from gateway.graphql.schema.joins.resolvers import JoinMutation
from gateway.graphql.schema.recordings.resolvers import RecordingMutation, RecordingQuery
from gateway.graphql.schema.rooms.resolvers import RoomMutation, RoomQuery
from gateway.graphql.schema.sessions.resolvers import SessionMutation, SessionQuery
from gateway.graphql.schema.state.resolvers import RoomStateQuery, RoomStateSubscription
from gateway.graphql.schema.themes.resolvers import ThemeMutation, ThemeQuery
from gateway.graphql.schema.webhooks.resolvers import WebhookMutation, WebhookQuery
from gateway.observability.graphql import GraphQLMetrics
from gateway.settings import LimitSettings

__all__ = ["GatewaySchema", "build_schema"]

QUERY_ROOTS: tuple[type, ...] = (
    CatalogQuery,
    RoomQuery,
    ThemeQuery,
    RecordingQuery,
    SessionQuery,
    RoomStateQuery,
    WebhookQuery,
)
MUTATION_ROOTS: tuple[type, ...] = (
    RoomMutation,
    ThemeMutation,
    RecordingMutation,
    SessionMutation,
    JoinMutation,
    WebhookMutation,
)
SUBSCRIPTION_ROOTS: tuple[type, ...] = (EventSubscription, RoomStateSubscription)
#: types reachable only through an interface
EXTRA_TYPES: tuple[type, ...] = EVENT_TYPES


def _merge(name: str, roots: tuple[type, ...]) -> type | None:
    return merge_types(name, roots) if roots else None


class GatewaySchema(strawberry.Schema):
    """Strawberry's schema without its error log: ``MaskUnexpectedErrors`` logs what is
    unexpected, and client mistakes (parse, validation, permissions) are not server errors."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        del errors, execution_context


def build_schema(
    limits: LimitSettings | None = None,
    *,
    introspection: bool = True,
    extra_queries: tuple[type, ...] = (),
    extra_subscriptions: tuple[type, ...] = (),
    traced: tuple[type[SchemaExtension], ...] = (),
) -> strawberry.Schema:
    """A new schema instance with the gateway's extensions.

    ``introspection=False`` refuses ``__schema`` and ``__type`` with ``FORBIDDEN``.
    ``extra_*`` roots are merged after the domain roots (test-only fields, never in
    ``schema.graphql``). ``traced``: the tracing extension, when traces are on.
    """
    return GatewaySchema(
        query=merge_types("Query", QUERY_ROOTS + extra_queries),
        mutation=_merge("Mutation", MUTATION_ROOTS),
        subscription=_merge("Subscription", SUBSCRIPTION_ROOTS + extra_subscriptions),
        extensions=[
            # first: it finishes last, so it sees the codes the others set
            GraphQLMetrics,
            *traced,
            MaskUnexpectedErrors,
            CodedInputErrors,
            *limit_extensions(limits or LimitSettings()),
            *([] if introspection else [no_introspection]),
        ],
        types=EXTRA_TYPES,
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
        execution_context_class=GatewayExecutor,
    )
