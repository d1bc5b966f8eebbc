"""The GraphQL executor: graphql-core's, with a fresh subfield memo for every event.

graphql-core 3.3 memoizes ``collect_subfields`` on ``(return_type, id(field list))`` and
keeps each field list alive with its entry. ``build_per_event_executor`` copies the
subscription's executor shallowly, so every event of every subscription shared one memo
that never hit (each event builds new field lists) and kept every event's lists forever.
A per-event memo lives exactly as long as the event's execution.

The executor that starts a subscription is also made known to the subscription's root
resolver (``subscription_executor``), which executes later events with it directly.
"""

from __future__ import annotations

from collections.abc import AsyncIterable
from contextvars import ContextVar
from typing import Any, TypeVar

from graphql.execution import Executor
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

__all__ = ["GatewayExecutor", "subscription_executor"]

T = TypeVar("T")

_SUBSCRIBING: ContextVar[Executor[Any] | None] = ContextVar("subscribing_executor", default=None)


class GatewayExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor without the per-event memo leak."""

    def build_per_event_executor(self, payload: Any) -> Executor[Any]:
        executor = super().build_per_event_executor(payload)
        executor._relevant_sub_fields = {}
        return executor

    def cancellable_iterable(self, iterable: AsyncIterable[T]) -> AsyncIterable[T]:
        # called once per subscription, with its source stream, before the stream's
        # generator first runs in this same task
        _SUBSCRIBING.set(self)
        return super().cancellable_iterable(iterable)


def subscription_executor() -> Executor[Any] | None:
    """The executor of the subscription whose root resolver is running in this task."""
    return _SUBSCRIBING.get()
