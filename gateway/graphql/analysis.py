"""Depth and alias count of a document, linear in its size.

Each fragment is analysed once and its result reused at every spread, so a chain of
fragments that each spread the previous one several times costs one visit per fragment
instead of one per expansion. Aliases are still counted as often as the spreads repeat
them (the cost of executing the operation), computed arithmetically from the memo and
saturated just past the limit so the numbers stay small.

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
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
)

__all__ = ["DocumentAnalysis", "OperationAnalysis", "analyse_document"]


@dataclass(frozen=True, slots=True)
class OperationAnalysis:
    name: str
    node: OperationDefinitionNode
    depth: int


@dataclass(frozen=True, slots=True)
class DocumentAnalysis:
    operations: tuple[OperationAnalysis, ...]
    #: aliases over all operations, with spreads expanded; at most ``alias_ceiling``
    aliases: int
    #: fragment definitions analysed (each at most once)
    fragments_analysed: int


@dataclass(frozen=True, slots=True)
class _Cost:
    depth: int
    aliases: int


_NOTHING = _Cost(0, 0)


@dataclass(slots=True)
class _Analyser:
    fragments: dict[str, FragmentDefinitionNode]
    alias_ceiling: int
    memo: dict[str, _Cost] = field(default_factory=dict)
    in_progress: set[str] = field(default_factory=set)

    def selections(self, selection_set: SelectionSetNode) -> _Cost:
        costs = [self.selection(node) for node in selection_set.selections]
        depth = max((cost.depth for cost in costs), default=0)
        return _Cost(depth, self.capped(sum(cost.aliases for cost in costs)))

    def selection(self, node: SelectionNode) -> _Cost:
        if isinstance(node, FieldNode):
            return self.field(node)
        if isinstance(node, FragmentSpreadNode):
            return self.fragment(node.name.value)
        selection_set = getattr(node, "selection_set", None)
        return self.selections(selection_set) if selection_set else _NOTHING

    def field(self, node: FieldNode) -> _Cost:
        alias = 1 if node.alias else 0
        if node.selection_set is None:
            return _Cost(0, alias)
        inner = self.selections(node.selection_set)
        depth = 0 if node.name.value.startswith("__") else 1 + inner.depth
        return _Cost(depth, self.capped(alias + inner.aliases))

    def fragment(self, name: str) -> _Cost:
        known = self.memo.get(name)
        if known is not None:
            return known
        definition = self.fragments.get(name)
        # unknown fragments and cycles are reported by graphql-core's own rules
        if definition is None or name in self.in_progress:
            return _NOTHING
        self.in_progress.add(name)
        cost = self.selections(definition.selection_set)
        self.in_progress.discard(name)
        self.memo[name] = cost
        return cost

    def capped(self, aliases: int) -> int:
        return min(aliases, self.alias_ceiling)


def _operations(document: DocumentNode) -> Iterable[OperationDefinitionNode]:
    return (d for d in document.definitions if isinstance(d, OperationDefinitionNode))


def analyse_document(document: DocumentNode, alias_ceiling: int) -> DocumentAnalysis:
    """Depth per operation and aliases (saturating at ``alias_ceiling``) of ``document``."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    analyser = _Analyser(fragments, alias_ceiling)
    operations: list[OperationAnalysis] = []
    aliases = 0
    for operation in _operations(document):
        cost = analyser.selections(operation.selection_set)
        name = operation.name.value if operation.name else "anonymous"
        operations.append(OperationAnalysis(name, operation, cost.depth))
        aliases = analyser.capped(aliases + cost.aliases)
    return DocumentAnalysis(tuple(operations), aliases, len(analyser.memo))
