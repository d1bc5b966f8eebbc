"""Schema introspection (``__schema``, ``__type``) refused with a coded error when turned off.

``__typename`` stays allowed: clients need it to tell the members of an interface apart.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    SKIP,
    FieldNode,
    GraphQLError,
    ValidationRule,
    VisitorAction,
    get_named_type,
    is_introspection_type,
)
from strawberry.extensions import AddValidationRules, SchemaExtension

from gateway.graphql.errors import ErrorCode

__all__ = ["INTROSPECTION_DISABLED", "NoIntrospectionRule", "no_introspection"]

INTROSPECTION_DISABLED = "introspection is disabled on this server"


class NoIntrospectionRule(ValidationRule):
    """graphql-core's ``NoSchemaIntrospectionCustomRule`` with a ``FORBIDDEN`` code, reporting
    each introspection field once rather than once more for every field below it."""

    def enter_field(self, node: FieldNode, *_args: Any) -> VisitorAction:
        named = get_named_type(self.context.get_type())
        if named is None or not is_introspection_type(named):
            return None
        extensions = {"code": ErrorCode.FORBIDDEN.value}
        self.report_error(GraphQLError(INTROSPECTION_DISABLED, node, extensions=extensions))
        return SKIP


def no_introspection() -> SchemaExtension:
    """The extension that adds ``NoIntrospectionRule`` to every operation's validation."""
    return AddValidationRules([NoIntrospectionRule])
