"""Scope checks on root fields: ``permission_classes=[requires(Scope.ROOMS_READ)]``."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission

from gateway.graphql.context import Info
from gateway.graphql.errors import ErrorCode, GatewayError

__all__ = ["demand", "requires"]


def requires(scope: str) -> type[BasePermission]:
    """A permission class that demands ``scope`` from the caller."""

    class RequiresScope(BasePermission):
        #: read by the schema walk in the tests that checks every resource field is guarded
        required_scope = scope
        message = f"missing scope {scope}"
        error_extensions = {"code": ErrorCode.FORBIDDEN.value, "scope": scope}  # noqa: RUF012

        def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
            return info.context.principal.allows(scope)

    RequiresScope.__name__ = f"Requires_{scope.replace(':', '_')}"
    return RequiresScope


def demand(info: Info, scope: str) -> None:
    """Inside a resolver whose scope depends on its arguments: ``FORBIDDEN`` without ``scope``,
    the same error a ``requires`` permission class gives."""
    if not info.context.principal.allows(scope):
        raise GatewayError(f"missing scope {scope}", ErrorCode.FORBIDDEN, scope=scope)
