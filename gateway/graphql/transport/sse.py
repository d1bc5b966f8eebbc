"""GraphQL over Server-Sent Events, "distinct connections" mode of the graphql-sse protocol.

One HTTP request (``Accept: text/event-stream``) runs one operation: every result is a
``next`` event, the end is a ``complete`` event, and a comment line keeps idle streams open.
Errors found before execution (parse, validation) arrive as a ``next`` event with
``errors`` followed by ``complete``: the stream has already started when they are known.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, AsyncIterator, Iterable
from contextlib import aclosing

import strawberry
from starlette.background import BackgroundTask
from starlette.responses import StreamingResponse
from strawberry.http import process_result
from strawberry.http.streaming import SSETransport, merge_stream_with_heartbeat
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from gateway.client_caps import Hold
from gateway.graphql.context import Context
from gateway.graphql.transport.media import GraphQLParams
from gateway.shutdown import Drain

__all__ = ["sse_response"]


def _encode(data: object) -> str:
    return json.dumps(data, separators=(",", ":"))


def sse_response(
    schema: strawberry.Schema,
    params: GraphQLParams,
    context: Context,
    *,
    allowed: Iterable[OperationType],
    heartbeat_seconds: float,
    drain: Drain,
    hold: Hold | None = None,
) -> StreamingResponse:
    """A streaming response running ``params`` as an event stream.

    ``hold`` (the client's slot for this stream) is given back when the stream ends, however
    it ends: finished, failed, or the client gone. On shutdown its subscription ends with
    ``SHUTTING_DOWN`` (a ``next`` event with the error, then ``complete``), which ``drain``
    waits for briefly before the server stops.
    """
    transport = SSETransport(heartbeat_interval=heartbeat_seconds)
    allowed = tuple(allowed)

    async def events() -> AsyncGenerator[str, None]:
        with drain.stream():
            source = await schema.stream(
                params.query,
                variable_values=params.variables,
                context_value=context,
                operation_name=params.operation_name,
                operation_extensions=params.extensions,
                allowed_operation_types=allowed,
            )
            async with aclosing(source):
                async for result in source:
                    if not isinstance(result, ExecutionResult):
                        raise TypeError("incremental delivery is not enabled on this schema")
                    yield transport.encode_next(process_result(result), _encode)
            yield transport.encode_complete()

    stream = merge_stream_with_heartbeat(
        events,
        lambda: transport.heartbeat_message(_encode),
        interval=heartbeat_seconds,
        send_initial_heartbeat=False,
    )
    if hold is None:
        return StreamingResponse(stream(), headers=dict(transport.headers))
    return StreamingResponse(
        _releasing(stream(), hold),
        headers=dict(transport.headers),
        background=BackgroundTask(hold.release),
    )


async def _releasing(source: AsyncIterator[str], hold: Hold) -> AsyncGenerator[str, None]:
    try:
        async for chunk in source:
            yield chunk
    finally:
        hold.release()
