"""``GraphQLMetrics``: every operation counted by name, type and outcome, and timed.

It is the schema's first extension, so its ``on_operation`` ends last and sees the error
codes the other extensions set.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext
from strawberry.types.graphql import OperationType

from gateway.graphql.errors import ErrorCode
from gateway.observability.context import current_operation
from gateway.observability.metrics import (
    GRAPHQL_REQUESTS,
    GRAPHQL_SECONDS,
    SUBSCRIPTIONS,
    operation_label,
)

__all__ = ["GraphQLMetrics", "operation_name", "operation_type", "outcome"]

_CODES = frozenset(code.value for code in ErrorCode)
#: an error without a (known) code: parse and validation errors of graphql-core
UNCODED = "error"


def operation_type(context: ExecutionContext) -> str:
    """``query``, ``mutation``, ``subscription``, or ``unknown`` before a document parsed."""
    try:
        return context.operation_type.value
    except Exception:  # no document (a parse error) or no such operation
        return "unknown"


def operation_name(context: ExecutionContext) -> str | None:
    """The operation's name, if it has one."""
    try:
        return context.operation_name
    except Exception:  # several operations and none chosen
        return None


def outcome(context: ExecutionContext) -> str:
    """``ok``, or the code of the first error."""
    result = context.result
    errors = (result.errors if result is not None else None) or context.pre_execution_errors
    if not errors:
        return "ok"
    code = (errors[0].extensions or {}).get("code")
    return code if isinstance(code, str) and code in _CODES else UNCODED


class GraphQLMetrics(SchemaExtension):
    """Counts, times and names (in the log context) each operation.

    A subscription runs from ``on_execute`` (its document is known) to the end of
    ``on_operation`` (its stream ended), which is what the gauge of running ones counts.
    """

    _subscription = False

    def on_operation(self) -> Iterator[None]:
        start = time.perf_counter()
        previous = current_operation.get()
        try:
            yield
        finally:
            if self._subscription:
                SUBSCRIPTIONS.dec()
            # not ``reset``: a stream may end in another context than it began
            current_operation.set(previous)
        context = self.execution_context
        name, kind = operation_label(operation_name(context)), operation_type(context)
        GRAPHQL_REQUESTS.labels(name, kind, outcome(context)).inc()
        if kind != OperationType.SUBSCRIPTION.value:
            GRAPHQL_SECONDS.labels(name, kind).observe(time.perf_counter() - start)

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        current_operation.set(operation_label(operation_name(context)))
        if operation_type(context) == OperationType.SUBSCRIPTION.value:
            self._subscription = True
            SUBSCRIPTIONS.inc()
        yield
