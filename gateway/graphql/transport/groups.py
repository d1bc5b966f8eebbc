"""Live state shared by identical subscriptions: one state and one execution per event.

``deliver`` shares an event's execution among subscribers whose results depend on the event
alone. A live-state update (``roomState``) depends on the state before the event too, so its
subscribers share more: those with the same key form one group, which reads its starting
state once, follows the log after it with one bus subscription, derives each next state from
the previous one and the event, executes and serializes each update once, and queues the
payload to every member. A member joining later starts from the group's current state (its
snapshot, at the last event the group applied) and then receives every later update: no gap,
no repeat.

Bounded: a group lives while a subscription holds it (dropped with the last one); each
member's queue holds at most ``subscriber_queue_size`` payloads, and a member that falls behind
(queue full, or its oldest payload waiting longer than ``max_delivery_lag_seconds``) is ended
with ``SUBSCRIBER_TOO_SLOW`` and ``resumeAfter``, as a ``roomEvents`` subscriber is.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Hashable
from contextlib import aclosing, asynccontextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from graphql.execution import Executor

from gateway.events import StoredEvent, SubscriberTooSlow
from gateway.events.hub import BoundedQueue, Closed, Overflowed
from gateway.graphql.errors import too_slow
from gateway.graphql.transport.payloads import payload_of
from gateway.observability.metrics import SUBSCRIBERS_TOO_SLOW
from gateway.settings import EventSettings

__all__ = ["Feed", "Payload", "SubscriptionGroups", "follow_alone"]

log = logging.getLogger(__name__)

S = TypeVar("S")


@dataclass(frozen=True, slots=True)
class Feed(Generic[S]):
    """What a live-state subscription follows, and the roots of its messages."""

    #: the state now, and the cursor it is complete up to
    start: Callable[[], Awaitable[tuple[S, str]]]
    #: the events after a cursor (their errors raised as GraphQL errors)
    follow: Callable[[str], AsyncGenerator[StoredEvent, None]]
    #: the state after an event
    apply: Callable[[S, StoredEvent], S]
    #: the root of the first message, and of the message after each event
    snapshot: Callable[[S], object]
    update: Callable[[S, StoredEvent], object]
    #: the state as a subscriber starting now reads it (the same object when unchanged)
    refresh: Callable[[S], S]


async def follow_alone(feed: Feed[S]) -> AsyncGenerator[object, None]:
    """Every message of ``feed`` for one subscriber, built and executed for it alone."""
    state, cursor = await feed.start()
    yield feed.snapshot(state)
    async with aclosing(feed.follow(cursor)) as events:
        async for stored in events:
            state = feed.apply(state, stored)
            yield feed.update(state, stored)


@dataclass(frozen=True, slots=True)
class Payload:
    """One message for every member: ``text`` serialized once, or, when its execution had
    errors (``text`` empty), ``root`` for each member's own execution, which formats them."""

    cursor: str
    text: str
    root: object


class Member:
    """One subscription in a group: its first message, then its bounded queue."""

    __slots__ = ("cursor", "executor", "first", "queue")

    def __init__(self, executor: Executor[Any], cursor: str, limits: EventSettings) -> None:
        self.executor = executor
        #: the cursor of the last message delivered: where a too-slow member resumes
        self.cursor = cursor
        self.first: Payload | None = None
        self.queue: BoundedQueue[Payload] = BoundedQueue(
            limits.subscriber_queue_size, limits.max_delivery_lag_seconds
        )

    def __aiter__(self) -> Member:
        return self

    async def __anext__(self) -> Payload:
        payload, self.first = self.first, None
        if payload is None:
            try:
                payload = await self.queue.get()
            except Overflowed:
                raise too_slow(SubscriberTooSlow(self.cursor)) from None
            except Closed:
                raise StopAsyncIteration from None
            except Exception as exc:  # one error object ends every member: no shared traceback
                raise exc.with_traceback(None) from None
        self.cursor = payload.cursor
        return payload


class _Group(Generic[S]):
    """The members sharing one state, and the task that follows the log for them."""

    def __init__(self, feed: Feed[S], owner: SubscriptionGroups) -> None:
        self._feed = feed
        self._owner = owner
        #: insertion-ordered set
        self.members: dict[Member, None] = {}
        #: subscriptions holding the group, joined or still waiting for its start
        self.holders = 0
        self._ready = asyncio.Event()
        self._failure: Exception | None = None
        #: why the group stopped following the log (members still joining end with it)
        self._ended: Exception | None = None
        #: the state after the last event applied, and that event's cursor
        self._now: tuple[S, str] | None = None
        #: the first message for the state it was made of (members joining between events)
        self._snapshot: tuple[object, str] | None = None
        self.task = asyncio.create_task(self._run(), name="shared-live-state")

    async def join(self, executor: Executor[Any], limits: EventSettings) -> Member:
        """A new member, its first message the group's state now; every later update is
        queued to it."""
        await self._ready.wait()
        if self._now is None:
            raise (self._failure or Closed()).with_traceback(None)
        state, cursor = self._now
        state = self._feed.refresh(state)
        self._now = (state, cursor)
        member = Member(executor, cursor, limits)
        self.members[member] = None  # from here on, every update reaches it
        if self._ended is not None:
            member.queue.end(self._ended)
        try:
            text = await self._snapshot_text(state, executor)
        except BaseException:
            del self.members[member]  # never handed out: nobody else would remove it
            raise
        member.first = Payload(cursor, text, None if text else self._feed.snapshot(state))
        return member

    async def _snapshot_text(self, state: S, executor: Executor[Any]) -> str:
        if self._snapshot is not None and self._snapshot[0] is state:
            return self._snapshot[1]
        text = await payload_of(executor, self._feed.snapshot(state))
        self._owner.executions += 1
        self._snapshot = (state, text)
        return text

    async def _run(self) -> None:
        try:
            self._now = await self._feed.start()
        except Exception as exc:  # each member raises it as its own error
            self._failure = exc
            return
        finally:
            self._ready.set()
        ended: Exception = Closed()
        try:
            async with aclosing(self._feed.follow(self._now[1])) as events:
                async for stored in events:
                    await self._apply(self._now[0], stored)
        except Exception as exc:
            ended = exc
        self._ended = ended
        for member in self.members:
            member.queue.end(ended)

    async def _apply(self, before: S, stored: StoredEvent) -> None:
        """The state after ``stored``; its update executed once and queued to every member."""
        # refreshed as a member joining now would read it, so every member's next state agrees
        state = self._feed.apply(self._feed.refresh(before), stored)
        root = self._feed.update(state, stored)
        text = ""
        if self.members:
            text = await payload_of(next(iter(self.members)).executor, root)
            self._owner.executions += 1
        # a member joining while the update executed started before it: it gets the update
        self._now = (state, stored.cursor)
        payload = Payload(stored.cursor, text, None if text else root)
        slow = [member for member in self.members if not member.queue.offer(payload)]
        for member in slow:
            del self.members[member]
        if slow:
            self._owner.slow_ended += len(slow)
            SUBSCRIBERS_TOO_SLOW.inc(len(slow))
            log.warning("ended %d live-state subscribers that fell behind", len(slow))


class SubscriptionGroups:
    """The groups of this process, by key; a group is dropped with its last subscription."""

    def __init__(self) -> None:
        self._groups: dict[Hashable, _Group[Any]] = {}
        #: tasks of dropped groups until they end (at most one per group dropped)
        self._stopping: set[asyncio.Task[None]] = set()
        self.executions = 0
        self.slow_ended = 0

    @asynccontextmanager
    async def member(
        self, key: Hashable, feed: Feed[S], executor: Executor[Any], limits: EventSettings
    ) -> AsyncIterator[Member]:
        """A member of the group of ``key`` (started from ``feed`` if there is none), for
        the block; its first message is the group's state as it joined."""
        group = self._groups.get(key)
        if group is None or group.task.done():
            group = self._groups[key] = _Group(feed, self)
        group.holders += 1
        joined: Member | None = None
        try:
            joined = await group.join(executor, limits)
            yield joined
        finally:
            group.holders -= 1
            if joined is not None:
                group.members.pop(joined, None)
            if not group.holders:
                self._drop(key, group)

    def _drop(self, key: Hashable, group: _Group[Any]) -> None:
        if self._groups.get(key) is group:
            del self._groups[key]
        if not group.task.done():
            group.task.cancel()
            self._stopping.add(group.task)
            group.task.add_done_callback(self._stopping.discard)

    def stats(self) -> dict[str, int]:
        """Counters for ``/readyz``."""
        return {
            "stateGroups": len(self._groups),
            "stateSubscribers": sum(len(group.members) for group in self._groups.values()),
            "stateExecutions": self.executions,
            "stateSubscribersTooSlow": self.slow_ended,
        }
