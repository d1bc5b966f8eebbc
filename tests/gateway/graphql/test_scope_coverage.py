"""Every field that returns a resource is reachable only with that resource family's scope.

The walk starts at the root types and collects the scopes demanded on the way down
(``requires(...)`` permission classes); a field whose type is in ``RESOURCE_SCOPES`` must be
reached holding that scope. A new field returning a listed type is covered without editing
this file; a new resource type needs one line in the table.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import strawberry
from graphql import (
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
)

from gateway.graphql.context import Info
from gateway.graphql.schema.build import build_schema
from gateway.graphql.schema.rooms.types import Room

#: GraphQL type (or interface) name -> the scope a caller needs to read it
RESOURCE_SCOPES = {
    "Room": "rooms:read",
    "Theme": "themes:read",
    "RoomEvent": "events:read",
    "Recording": "recordings:read",
    "WebhookEndpoint": "webhooks:admin",
    "CreatedWebhookEndpoint": "webhooks:admin",
    "Session": "sessions:read",
    "RoomState": "sessions:read",
    "DialInNumber": "rooms:read",
}
#: a write scope returns what it changed: the family's write scope counts as its read scope
WRITE_READS = {
    "rooms:write": "rooms:read",
    "themes:write": "themes:read",
    "recordings:write": "recordings:read",
    "sessions:write": "sessions:read",
}


@dataclass(frozen=True)
class Step:
    type_name: str
    held: frozenset[str]


def field_scopes(field: GraphQLField) -> frozenset[str]:
    definition = field.extensions.get("strawberry-definition")
    classes = getattr(definition, "permission_classes", [])
    scopes = {getattr(cls, "required_scope", None) for cls in classes}
    found = frozenset(s for s in scopes if s is not None)
    return found | {WRITE_READS[s] for s in found if s in WRITE_READS}


def required_scope(schema: GraphQLSchema, named: GraphQLNamedType) -> str | None:
    if named.name in RESOURCE_SCOPES:
        return RESOURCE_SCOPES[named.name]
    if isinstance(named, GraphQLObjectType):
        for interface in named.interfaces:
            if interface.name in RESOURCE_SCOPES:
                return RESOURCE_SCOPES[interface.name]
    return None


def object_types(schema: GraphQLSchema, named: GraphQLNamedType) -> Iterator[GraphQLObjectType]:
    if isinstance(named, GraphQLObjectType):
        yield named
    elif isinstance(named, GraphQLInterfaceType):
        yield from schema.get_possible_types(named)


def unguarded_fields(schema: GraphQLSchema) -> list[str]:
    """``Type.field`` for every resource field reachable without its scope."""
    roots = [schema.query_type, schema.mutation_type, schema.subscription_type]
    todo = [Step(root.name, frozenset()) for root in roots if root is not None]
    seen: set[Step] = set()
    failures: set[str] = set()
    while todo:
        step = todo.pop()
        if step in seen:
            continue
        seen.add(step)
        parent = schema.get_type(step.type_name)
        assert isinstance(parent, GraphQLObjectType)
        for name, field in parent.fields.items():
            held = step.held | field_scopes(field)
            target = get_named_type(field.type)
            needed = required_scope(schema, target)
            if needed is not None and needed not in held:
                failures.add(f"{parent.name}.{name} needs {needed}")
            todo.extend(Step(t.name, held) for t in object_types(schema, target))
    return sorted(failures)


def test_every_resource_field_demands_its_scope() -> None:
    assert unguarded_fields(build_schema()._schema) == []


@strawberry.type
class UnguardedQuery:
    @strawberry.field
    def leaky_room(self, info: Info) -> Room | None:
        return None


def test_the_walk_finds_an_unguarded_field() -> None:
    schema = build_schema(extra_queries=(UnguardedQuery,))._schema
    assert unguarded_fields(schema) == ["Query.leakyRoom needs rooms:read"]
