"""Depth, alias count and provider calls of a document, linear in its size.

Each fragment is analysed once and its result reused at every spread, so a chain of
fragments that each spread the previous one several times costs one visit per fragment
instead of one per expansion. Aliases are still counted as often as the spreads repeat
them (the cost of executing the operation), computed arithmetically from the memo and
saturated just past the limit so the numbers stay small.

Provider calls (``gateway.graphql.cost``) are summed the same way; they need each field's
parent type, which the analysis follows through the schema when it is given one.

Depth follows the conventions of Strawberry's depth limiter: a top-level field is at
depth 0, every selection set adds one, and the contents of introspection fields
(``__schema``, ``__type``) are not counted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    get_named_type,
)

from gateway.graphql.cost import field_calls

__all__ = ["DocumentAnalysis", "OperationAnalysis", "analyse_document"]


@dataclass(frozen=True, slots=True)
class OperationAnalysis:
    name: str
    node: OperationDefinitionNode
    depth: int
    provider_calls: int = 0


@dataclass(frozen=True, slots=True)
class DocumentAnalysis:
    operations: tuple[OperationAnalysis, ...]
    #: aliases over all operations, with spreads expanded; at most ``alias_ceiling``
    aliases: int
    #: the largest provider call count of one operation; at most ``calls_ceiling``
    provider_calls: int
    #: fragment definitions analysed (each at most once)
    fragments_analysed: int


@dataclass(frozen=True, slots=True)
class _Cost:
    depth: int
    aliases: int
    calls: int = 0


_NOTHING = _Cost(0, 0)

_Composite = GraphQLObjectType | GraphQLInterfaceType


@dataclass(slots=True)
class _Analyser:
    fragments: dict[str, FragmentDefinitionNode]
    alias_ceiling: int
    calls_ceiling: int
    schema: GraphQLSchema | None = None
    memo: dict[str, _Cost] = field(default_factory=dict)
    in_progress: set[str] = field(default_factory=set)

    def selections(self, selection_set: SelectionSetNode, parent: _Composite | None) -> _Cost:
        costs = [self.selection(node, parent) for node in selection_set.selections]
        return _Cost(
            max((cost.depth for cost in costs), default=0),
            self.capped(sum(cost.aliases for cost in costs)),
            min(sum(cost.calls for cost in costs), self.calls_ceiling),
        )

    def selection(self, node: SelectionNode, parent: _Composite | None) -> _Cost:
        if isinstance(node, FieldNode):
            return self.field(node, parent)
        if isinstance(node, FragmentSpreadNode):
            return self.fragment(node.name.value)
        if isinstance(node, InlineFragmentNode):
            if node.type_condition is not None:
                parent = self.composite(node.type_condition.name.value)
            return self.selections(node.selection_set, parent)
        return _NOTHING

    def field(self, node: FieldNode, parent: _Composite | None) -> _Cost:
        alias = 1 if node.alias else 0
        calls = field_calls(parent.name, node) if parent is not None else 0
        if node.selection_set is None:
            return _Cost(0, alias, calls)
        inner = self.selections(node.selection_set, self.field_type(node, parent))
        depth = 0 if node.name.value.startswith("__") else 1 + inner.depth
        total = min(calls + inner.calls, self.calls_ceiling)
        return _Cost(depth, self.capped(alias + inner.aliases), total)

    def fragment(self, name: str) -> _Cost:
        known = self.memo.get(name)
        if known is not None:
            return known
        definition = self.fragments.get(name)
        # unknown fragments and cycles are reported by graphql-core's own rules
        if definition is None or name in self.in_progress:
            return _NOTHING
        self.in_progress.add(name)
        parent = self.composite(definition.type_condition.name.value)
        cost = self.selections(definition.selection_set, parent)
        self.in_progress.discard(name)
        self.memo[name] = cost
        return cost

    def composite(self, name: str) -> _Composite | None:
        found = self.schema.get_type(name) if self.schema is not None else None
        return _as_composite(found)

    @staticmethod
    def field_type(node: FieldNode, parent: _Composite | None) -> _Composite | None:
        definition = parent.fields.get(node.name.value) if parent is not None else None
        return _as_composite(get_named_type(definition.type) if definition else None)

    def capped(self, aliases: int) -> int:
        return min(aliases, self.alias_ceiling)


def _as_composite(named: GraphQLNamedType | None) -> _Composite | None:
    return named if isinstance(named, GraphQLObjectType | GraphQLInterfaceType) else None


def _operations(document: DocumentNode) -> Iterable[OperationDefinitionNode]:
    return (d for d in document.definitions if isinstance(d, OperationDefinitionNode))


def analyse_document(
    document: DocumentNode,
    alias_ceiling: int,
    *,
    schema: GraphQLSchema | None = None,
    calls_ceiling: int = 1_000,
) -> DocumentAnalysis:
    """Depth per operation, aliases (saturating at ``alias_ceiling``) and, with ``schema``,
    provider calls per operation (saturating at ``calls_ceiling``) of ``document``."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    analyser = _Analyser(fragments, alias_ceiling, calls_ceiling, schema)
    operations: list[OperationAnalysis] = []
    aliases = calls = 0
    for operation in _operations(document):
        root = schema.get_root_type(operation.operation) if schema is not None else None
        cost = analyser.selections(operation.selection_set, root)
        name = operation.name.value if operation.name else "anonymous"
        operations.append(OperationAnalysis(name, operation, cost.depth, cost.calls))
        aliases = analyser.capped(aliases + cost.aliases)
        calls = max(calls, cost.calls)
    return DocumentAnalysis(tuple(operations), aliases, calls, len(analyser.memo))
