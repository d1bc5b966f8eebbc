"""Many events through one subscription retain nothing in the executor.

graphql-core 3.3's per-event executor shared the subscription's subfield memo, keyed by
the identity of per-event field lists: it never hit and kept every delivered event's
lists (about 1.9 KB each) until the process exited.
"""

from __future__ import annotations

import asyncio
import tracemalloc
from datetime import UTC, datetime

from strawberry.types import ExecutionResult

from gateway.app import create_app
from gateway.auth import ANONYMOUS_ALL
from gateway.graphql.context import Context
from gateway.graphql.schema.build import build_schema
from gateway.services import Services
from tests.gateway.events.events import make_event
from tests.support import gateway_settings, running

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
