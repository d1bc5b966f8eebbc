"""Many events through one subscription retain nothing in the executor.

graphql-core 3.3's per-event executor shared the subscription's subfield memo, keyed by
the identity of per-event field lists: it never hit and kept every delivered event's
lists (about 1.9 KB each) until the process exited.
"""

from __future__ import annotations

import asyncio
import itertools
import tracemalloc
from datetime import UTC, datetime

import httpx
from strawberry.types import ExecutionResult

from gateway.app import create_app
from gateway.auth import ANONYMOUS_ALL
from gateway.graphql.context import Context
from gateway.graphql.schema.build import build_schema
from gateway.services import Services
from providers import EventType
from tests.gateway.events.events import make_event
from tests.gateway.events.wsclient import Subscription, subscribe
from tests.gateway.graphql.test_room_state import (
    ROOM_STATE_UPDATES,
    create_room,
    emit,
    joined,
    updates,
)
from tests.support import gateway_settings, live_server, running

DOCUMENT = """subscription {
  roomEvents { id type roomId raw ... on ParticipantEvent { participantName isHost } }
}"""
WARM_UP = 50
MEASURED = 400
#: traced bytes in graphql-core's execution code that may remain per event (none should)
ALLOWED_BYTES_PER_EVENT = 20


async def _deliver(services: Services, subscription: object, count: int) -> None:
    for n in range(count):
        await services.bus.publish([make_event(f"p{n}")], datetime.now(UTC))
        result = await anext(subscription)  # type: ignore[call-overload]
        assert isinstance(result, ExecutionResult)
        assert result.errors is None
        assert result.data is not None
        assert result.data["roomEvents"]["participantName"] == f"p{n}"


def _execution_bytes(snapshot: tracemalloc.Snapshot) -> int:
    traces = snapshot.filter_traces([tracemalloc.Filter(True, "*/graphql/execution/*")])
    return sum(stat.size for stat in traces.statistics("filename"))


async def test_events_through_one_subscription_keep_no_executor_memory() -> None:
    app = create_app(gateway_settings())
    async with running(app):
        services: Services = app.state.services
        context = Context(services=services, principal=ANONYMOUS_ALL)
        subscription = await build_schema().subscribe(DOCUMENT, context_value=context)
        first = asyncio.ensure_future(anext(subscription))
        while services.bus.stats()["subscribers"] == 0:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        await services.bus.publish([make_event("first")], datetime.now(UTC))
        assert (await first).errors is None
        await _deliver(services, subscription, WARM_UP)
        tracemalloc.start()
        try:
            before = _execution_bytes(tracemalloc.take_snapshot())
            await _deliver(services, subscription, MEASURED)
            after = _execution_bytes(tracemalloc.take_snapshot())
        finally:
            tracemalloc.stop()
        await subscription.aclose()
    assert (after - before) / MEASURED < ALLOWED_BYTES_PER_EVENT


#: traced bytes that may remain per event in the code a shared roomState update runs through
ALLOWED_STATE_BYTES_PER_EVENT = 50
_STATE_CODE = ("*/gateway/graphql/*", "*/gateway/state/*", "*/graphql/*", "*/strawberry/*")


def _state_bytes(snapshot: tracemalloc.Snapshot) -> int:
    traces = snapshot.filter_traces([tracemalloc.Filter(True, path) for path in _STATE_CODE])
    return sum(stat.size for stat in traces.statistics("filename"))


async def _come_and_go(
    http: httpx.AsyncClient, native: str, sub: Subscription, numbers: range
) -> None:
    """A join of each numbered participant, then its leave: the room does not grow."""
    for count in numbers:
        for event_type in (EventType.PARTICIPANT_JOINED, EventType.PARTICIPANT_LEFT):
            await emit(http, "videosdk", native, event_type, **joined(f"P{count}"))
        await updates(sub, 2)


async def test_events_through_a_shared_room_state_subscription_keep_no_memory() -> None:
    """The WebSocket path: the group's state, executions and queue retain nothing per event.

    The smaller growth of two windows counts: a leak grows in both, while a cache's churn or
    a request in flight when a snapshot is taken moves one window by a few KB."""
    with live_server(gateway_settings()) as base:
        async with httpx.AsyncClient(base_url=base) as http:
            room_id, native = await create_room(http, "videosdk")
            variables = {"roomId": room_id}
            async with subscribe(
                base, variables, query=ROOM_STATE_UPDATES, field="roomState"
            ) as sub:
                await updates(sub, 1)
                await _come_and_go(http, native, sub, range(WARM_UP))
                tracemalloc.start()
                try:
                    sizes = [_state_bytes(tracemalloc.take_snapshot())]
                    for start in (WARM_UP, WARM_UP + MEASURED // 2):
                        await _come_and_go(http, native, sub, range(start, start + MEASURED // 2))
                        sizes.append(_state_bytes(tracemalloc.take_snapshot()))
                finally:
                    tracemalloc.stop()
    growth = min(after - before for before, after in itertools.pairwise(sizes))
    assert growth / MEASURED < ALLOWED_STATE_BYTES_PER_EVENT
