"""Input values of the wrong type as ``BAD_USER_INPUT`` naming the field (``extensions.field``).

graphql-core knows the path of a badly typed input value but drops it for literals
(``ValuesOfCorrectTypeRule`` reports the scalar's bare error) and keeps it only in the
message for variables. ``CodedInputValuesRule`` replaces that rule and
``coded_variable_error`` reads a variable's path back, so every such error names its field
the way the resolvers' own validation does: an input object's fields by their own names
(``expiresAt``, ``recording.autoRecord``), anything else by its argument (``first``,
``types[1]``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from graphql import (
    SKIP,
    ArgumentNode,
    DocumentNode,
    GraphQLError,
    GraphQLInputType,
    Node,
    ObjectFieldNode,
    ValueNode,
    VariableDefinitionNode,
    VariableNode,
    Visitor,
    VisitorAction,
    visit,
)
from graphql.pyutils import print_path_list
from graphql.utilities.validate_input_value import validate_input_literal
from graphql.validation.rules.values_of_correct_type import ValuesOfCorrectTypeRule
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult, StreamExecutionResult

from gateway.graphql.errors import bad_input

__all__ = ["CodedInputErrors", "CodedInputValuesRule", "coded_variable_error"]

#: graphql-core names a missing or unknown input field only in its message
_NAMED_FIELD = re.compile(r"(?:required|unknown) field '(\w+)'")


def field_name(printed_path: str, base: str, message: str) -> str:
    """The field an error is about, from graphql-core's printed path (``.a.b``, ``[1]``)."""
    named = _NAMED_FIELD.search(message)
    path = printed_path.removeprefix(" at ") + (f".{named.group(1)}" if named else "")
    return path[1:] if path.startswith(".") else base + path


def _coded(message: str, nodes: Sequence[Node] | None, field: str) -> GraphQLError:
    error = bad_input(message, field=field)
    return GraphQLError(error.message, nodes, extensions=error.extensions)


class CodedInputValuesRule(ValuesOfCorrectTypeRule):
    """``ValuesOfCorrectTypeRule`` whose errors carry the code, the field and the value's place."""

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        self._base = ""

    def enter_argument(self, node: ArgumentNode, *_args: Any) -> None:
        """Values below are named after this argument."""
        self._base = node.name.value

    def enter_variable_definition(self, node: VariableDefinitionNode, *_args: Any) -> None:
        """A default value is named after its variable."""
        self._base = node.variable.name.value

    def is_valid_value_node(
        self, node: ValueNode, input_type: GraphQLInputType | None
    ) -> VisitorAction:
        """Validate the literal, reporting each error with its field."""
        if input_type:

            def on_error(error: GraphQLError, path: list[str | int]) -> None:
                field = field_name(print_path_list(path), self._base, error.message)
                message = f"Invalid value for '{field}': {error.message}"
                self.report_error(_coded(message, error.nodes or [node], field))

            hide = self.context.hide_suggestions
            validate_input_literal(node, input_type, on_error, None, None, hide)
        return SKIP


class _VariableUses(Visitor):
    """The arguments and input fields a variable is passed to."""

    def __init__(self, variable: str) -> None:
        super().__init__()
        self.variable = variable
        self.names: set[str] = set()

    def enter_argument(self, node: ArgumentNode, *_args: Any) -> None:
        self._use(node)

    def enter_object_field(self, node: ObjectFieldNode, *_args: Any) -> None:
        self._use(node)

    def _use(self, node: ArgumentNode | ObjectFieldNode) -> None:
        value = node.value
        if isinstance(value, VariableNode) and value.name.value == self.variable:
            self.names.add(node.name.value)


def _bound_name(document: DocumentNode | None, variable: str) -> str:
    """The one argument or input field ``variable`` is passed to, else the variable's name."""
    if document is None:
        return variable
    uses = _VariableUses(variable)
    visit(document, uses)
    return next(iter(uses.names)) if len(uses.names) == 1 else variable


def coded_variable_error(error: GraphQLError, document: DocumentNode | None) -> GraphQLError | None:
    """A variable's coercion error as ``BAD_USER_INPUT`` naming the field; None for others."""
    node = error.nodes[0] if error.nodes else None
    inner = error.original_error
    if error.path is not None or not isinstance(node, VariableDefinitionNode):
        return None
    if not isinstance(inner, GraphQLError):
        return None
    head = f"Variable '${node.variable.name.value}' has invalid value"
    tail = f": {inner.message}"
    if not (error.message.startswith(head) and error.message.endswith(tail)):
        return None
    printed = error.message[len(head) : len(error.message) - len(tail)]
    base = _bound_name(document, node.variable.name.value)
    return _coded(error.message, error.nodes, field_name(printed, base, inner.message))


class CodedInputErrors(SchemaExtension):
    """Literals validated by ``CodedInputValuesRule``; variables' errors coded on the way out."""

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.validation_rules = tuple(
            CodedInputValuesRule if rule is ValuesOfCorrectTypeRule else rule
            for rule in context.validation_rules
        )
        yield
        result = context.result
        if result is not None and result.errors:
            result.errors = self._coded(result.errors)

    def on_stream_result(self, result: StreamExecutionResult) -> Iterator[None]:
        """Streamed results (SSE, WebSocket) are sent before ``on_operation`` ends."""
        if isinstance(result, ExecutionResult) and result.errors:
            result.errors = self._coded(result.errors)
        yield

    def _coded(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        document = self.execution_context.graphql_document
        return [coded_variable_error(error, document) or error for error in errors]
