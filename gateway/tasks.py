"""Ending background tasks that talk to Redis."""

from __future__ import annotations

import asyncio
import contextlib

__all__ = ["cancel_until_done"]

#: how long one cancellation is given before it is repeated
_GRACE_SECONDS = 0.5


async def cancel_until_done(task: asyncio.Task[object]) -> None:
    """Cancel ``task`` until it ends.

    redis-py's blocking pool turns a cancellation that lands while it waits for a connection
    into ``ConnectionError``; a loop that survives outages then survives its cancellation too.
    Loops also check a closing flag, so the repeated cancellation reaches them.
    """
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=_GRACE_SECONDS)
    with contextlib.suppress(asyncio.CancelledError):
        task.result()
