"""The schema: domain root types merged in one place."""

from __future__ import annotations

import strawberry
from strawberry.tools import merge_types

from gateway.graphql.catalog import CatalogQuery
from gateway.graphql.errors import MaskUnexpectedErrors

__all__ = ["build_schema"]

QUERY_ROOTS: tuple[type, ...] = (CatalogQuery,)
MUTATION_ROOTS: tuple[type, ...] = ()
SUBSCRIPTION_ROOTS: tuple[type, ...] = ()


def _merge(name: str, roots: tuple[type, ...]) -> type | None:
    return merge_types(name, roots) if roots else None


def build_schema() -> strawberry.Schema:
    """A new schema instance with the gateway's extensions."""
    return strawberry.Schema(
        query=merge_types("Query", QUERY_ROOTS),
        mutation=_merge("Mutation", MUTATION_ROOTS),
        subscription=_merge("Subscription", SUBSCRIPTION_ROOTS),
        extensions=[MaskUnexpectedErrors],
    )
