"""Execute once, send many: live subscription events over WebSocket.

Subscribers with the same document, operation, variables, scopes and visible tenant get
the same result for the same event. Their WebSocket handler marks each subscription with a
``FrameDelivery`` (the socket and the frame around the payload); the subscription's root
resolver then executes each event once per such key (``SharedPayloads``), keeps the
serialized payload, and writes the frame to its socket itself: no execution, no JSON
encoding and no per-result extension work per subscriber. Subscriptions without a frame
delivery (SSE, tests through ``schema.subscribe``) and events whose execution has errors
take Strawberry's ordinary path, which masks and formats errors.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import AsyncGenerator, Awaitable, Callable, Hashable
from contextlib import aclosing
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from graphql.execution import Executor

from gateway.events import StoredEvent
from gateway.graphql.context import Info
from gateway.graphql.executor import subscription_executor
from gateway.graphql.transport.groups import Feed, SubscriptionGroups, follow_alone
from gateway.graphql.transport.payloads import payload_of
from gateway.tenancy import Visibility

__all__ = [
    "FRAME_DELIVERY",
    "FrameDelivery",
    "SharedPayloads",
    "deliver",
    "deliver_state",
    "request_key",
    "shared_key",
]

T = TypeVar("T")
#: payloads remembered (one per event and distinct subscription), least recently used dropped
SHARED_PAYLOADS_MAX = 4096


@dataclass(frozen=True, slots=True)
class FrameDelivery:
    """How one WebSocket operation sends a payload: ``prefix + payload + suffix``."""

    send: Callable[[str], Awaitable[None]]
    prefix: str
    suffix: str
    request_key: Hashable
    payloads: SharedPayloads


#: set by the WebSocket handler while it starts an operation (the task inherits it)
FRAME_DELIVERY: ContextVar[FrameDelivery | None] = ContextVar("frame_delivery", default=None)


def request_key(query: str, operation_name: str | None, variables: object) -> Hashable:
    """What makes two subscriptions' results identical, less the caller's scopes."""
    return (query, operation_name, json.dumps(variables or {}, sort_keys=True, default=str))


class SharedPayloads:
    """Serialized ``next`` payloads by (subscription key, event); bounded, LRU."""

    def __init__(self, max_entries: int = SHARED_PAYLOADS_MAX) -> None:
        self._max_entries = max_entries
        self._entries: OrderedDict[Hashable, str] = OrderedDict()
        self.executions = 0
        self.frames_sent = 0
        #: live-state subscriptions (``deliver_state``) sharing one state each
        self.groups = SubscriptionGroups()

    async def payload(
        self, key: Hashable, executor: Executor[Any], root: Callable[[], object]
    ) -> str:
        """The payload of ``root()`` for ``key``; ``""`` when its execution had errors."""
        text = self._entries.get(key)
        if text is not None:
            self._entries.move_to_end(key)
            return text
        text = await payload_of(executor, root())
        self.executions += 1
        self._entries[key] = text
        if len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)
        return text

    def stats(self) -> dict[str, int]:
        """Counters for ``/readyz``: executions shared by subscribers, frames sent."""
        return {
            "sharedExecutions": self.executions,
            "framesSent": self.frames_sent,
            "payloadsKept": len(self._entries),
            **self.groups.stats(),
        }


def shared_key(info: Info, frames: FrameDelivery) -> Hashable:
    """What makes two WebSocket subscriptions' results identical: the request, and every part
    of the caller that changes what it may see (the scopes guarding fields, the tenants whose
    rooms it sees). Whatever else comes to decide what a caller sees belongs here too."""
    principal = info.context.principal
    # the visibility decides which events reach the subscription (and so the group)
    return (frames.request_key, principal.scopes, Visibility.of(principal))


async def deliver(
    info: Info, events: AsyncGenerator[StoredEvent, None], convert: Callable[[StoredEvent], T]
) -> AsyncGenerator[T, None]:
    """Each event as a GraphQL object, or sent as a shared frame where the socket allows.

    ``events`` is closed as soon as this generator ends (a send to a departed client, a
    cancelled operation), which releases its bus subscription at once rather than whenever
    the garbage collector reaches the abandoned generator.
    """
    frames = FRAME_DELIVERY.get()
    executor = subscription_executor()
    async with aclosing(events):
        if frames is None or executor is None:
            async for stored in events:
                yield convert(stored)
            return
        base_key = shared_key(info, frames)
        async for stored in events:
            key = (base_key, stored.cursor)
            text = await frames.payloads.payload(key, executor, lambda: convert(stored))  # noqa: B023
            if text:
                await frames.send(frames.prefix + text + frames.suffix)
                frames.payloads.frames_sent += 1
            else:
                yield convert(stored)


async def deliver_state(info: Info, feed: Feed[Any]) -> AsyncGenerator[object, None]:
    """``feed``'s messages: over a WebSocket, shared with the identical subscriptions of this
    process (one state, one execution and one payload per event for them all, sent as a
    frame to each); elsewhere built and executed for this subscriber alone."""
    frames = FRAME_DELIVERY.get()
    executor = subscription_executor()
    if frames is None or executor is None:
        async for root in follow_alone(feed):
            yield root
        return
    limits = info.context.services.settings.events
    groups = frames.payloads.groups
    async with groups.member(shared_key(info, frames), feed, executor, limits) as member:
        async for payload in member:
            if payload.text:
                await frames.send(frames.prefix + payload.text + frames.suffix)
                frames.payloads.frames_sent += 1
            else:
                yield payload.root
