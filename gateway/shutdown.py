"""Clean shutdown: drain on SIGTERM, end subscriptions with a resume cursor, then stop.

On SIGTERM (or SIGINT) the process

1. reports ``/readyz`` 503 ``draining`` at once, and keeps serving for the drain delay
   (load balancers that poll ``/readyz`` take it out meanwhile);
2. ends every subscription with a ``SHUTTING_DOWN`` error carrying ``resumeAfter``, then
   ``complete``; WebSockets are then closed with 1012 (service restart);
3. hands over to uvicorn, which stops accepting connections and lets in-flight requests
   finish within the grace period (``timeout_graceful_shutdown``); requests still running
   then, and the provider calls they wait for, are cancelled.

uvicorn installs its own handlers for these signals before the app starts; the lifespan
chains in front of them (``install``), so uvicorn is told only once subscriptions are
ended: told first, it would close every WebSocket with a bare 1012 and wait for SSE
streams forever. A second signal skips the drain delay.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

import uvicorn

__all__ = ["CLOSE_SERVICE_RESTART", "Drain", "SIGNALS"]

log = logging.getLogger("gateway.shutdown")

SIGNALS = (signal.SIGTERM, signal.SIGINT)
#: RFC 6455 "Service Restart": graphql-ws and browsers reconnect after it
CLOSE_SERVICE_RESTART = 1012
#: how long subscriptions get to send their last message before uvicorn closes sockets
END_SECONDS = 1.0

Handler = Callable[[int, FrameType | None], Any] | int | signal.Handlers | None


class Drain:
    """The shutdown state of one process; ``begin`` starts draining."""

    def __init__(self, drain_seconds: float = 0.0) -> None:
        self.drain_seconds = drain_seconds
        #: ``/readyz`` says draining from the first signal on
        self.draining = False
        #: subscriptions are told to end (and new ones are refused) once this is set
        self.ending = asyncio.Event()
        self._end_subscriptions: Callable[[], int] = lambda: 0
        self._previous: dict[int, Handler] = {}
        self._signal: int | None = None
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._streams = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def attach(self, end_subscriptions: Callable[[], int]) -> None:
        """``end_subscriptions`` ends every client subscription, returning how many."""
        self._end_subscriptions = end_subscriptions

    def install(self) -> None:
        """Chain in front of uvicorn's signal handlers, where uvicorn runs the app in the
        main thread; any other host (a test client, another server) keeps its own."""
        if threading.current_thread() is not threading.main_thread():
            return
        self._loop = asyncio.get_running_loop()
        for sig in SIGNALS:
            previous = signal.getsignal(sig)
            if isinstance(getattr(previous, "__self__", None), uvicorn.Server):
                self._previous[sig] = previous
                signal.signal(sig, self._on_signal)

    def uninstall(self) -> None:
        """Restore the handlers ``install`` replaced; cancel a drain still waiting."""
        for sig, previous in self._previous.items():
            signal.signal(sig, previous)
        self._previous.clear()
        if self._task is not None:
            self._task.cancel()

    def _on_signal(self, sig: int, frame: FrameType | None) -> None:
        loop = self._loop
        if loop is None or (self._signal is not None and self._task is None):
            self._pass_on(sig)  # already handed over: the server decides (a second SIGINT forces)
            return
        urgent = self._signal is not None
        self._signal = sig
        loop.call_soon_threadsafe(self.begin, urgent)

    def begin(self, urgent: bool = False) -> None:
        """Start draining; ``urgent`` (a second signal) skips the drain delay."""
        if not self.draining:
            self.draining = True
            log.info(
                "shutting down: /readyz reports draining; subscriptions end in %g s",
                0 if urgent else self.drain_seconds,
            )
        elif not urgent or self.ending.is_set():
            return
        if self._task is not None:
            self._task.cancel()
        self._task = asyncio.create_task(self._drain(0 if urgent else self.drain_seconds))

    async def _drain(self, delay: float) -> None:
        await asyncio.sleep(delay)
        await self.end_subscriptions()
        self._task = None
        if self._signal is not None:
            self._pass_on(self._signal)

    async def end_subscriptions(self) -> None:
        """End every subscription and refuse new ones; wait (briefly) for their last words."""
        if not self.ending.is_set():
            self.ending.set()
            ended = self._end_subscriptions()
            log.info("shutting down: ended %d subscriptions (they resume with resumeAfter)", ended)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(END_SECONDS):
                await self._idle.wait()

    def _pass_on(self, sig: int) -> None:
        previous = self._previous.get(sig)
        if callable(previous):
            previous(sig, None)

    @contextlib.contextmanager
    def stream(self) -> Iterator[None]:
        """Count a WebSocket or SSE stream as open: ending subscriptions waits for it."""
        self._streams += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._streams -= 1
            if self._streams == 0:
                self._idle.set()
