"""One subscription event executed and serialized, for every subscriber that shares it."""

from __future__ import annotations

import json
from collections.abc import Awaitable
from typing import Any, cast

from graphql import ExecutionResult
from graphql.execution import Executor, execute_subscription_event

__all__ = ["NO_PAYLOAD", "payload_of"]

#: what ``payload_of`` gives for an execution with errors (Strawberry's path formats them)
NO_PAYLOAD = ""


async def payload_of(executor: Executor[Any], root: object) -> str:
    """``root`` executed as a subscription event, serialized; ``NO_PAYLOAD`` when it had errors."""
    return _serialize(await _execute(executor, root))


async def _execute(executor: Executor[Any], root: object) -> ExecutionResult:
    result = execute_subscription_event(executor.build_per_event_executor(root))
    if executor.is_awaitable(result):
        return await cast(Awaitable[ExecutionResult], result)
    return cast(ExecutionResult, result)


def _serialize(result: ExecutionResult) -> str:
    if result.errors:
        return NO_PAYLOAD
    body: dict[str, Any] = {"data": result.data}
    if result.extensions:
        body["extensions"] = result.extensions
    return json.dumps(body, separators=(",", ":"))
