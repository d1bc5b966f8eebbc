"""Caps per client on what it holds open: WebSocket connections, and operations running over
WebSocket or SSE (subscriptions, mostly) across all of its connections and streams.

A client is the key ``ratelimit.client_key`` gives (JWT ``sub``, else tenant, else address).
Counted per process, on purpose: what a cap protects is the process's own sockets, tasks and
subscriber queues, and a count shared in Redis would add a round trip to every connection
and subscription, plus counts left behind by a replica that died holding them. With N
replicas a client holds at most N times a cap in all.
"""

from __future__ import annotations

import logging

from gateway.observability.metrics import RATE_LIMITED
from gateway.settings import LimitSettings

__all__ = ["ClientCaps", "Hold", "OverCap", "Slots"]

log = logging.getLogger("gateway.limits")

#: clients with something open at once, per counter; beyond, new clients are refused
MAX_CLIENTS = 100_000


class OverCap(Exception):
    """A client is at its cap; the message is safe to show it."""

    def __init__(self, what: str, limit: int) -> None:
        super().__init__(f"too many {what} open: at most {limit} per client")
        self.limit = limit


class Hold:
    """One slot taken; ``release`` gives it back (only the first call counts)."""

    __slots__ = ("_key", "_slots")

    def __init__(self, slots: Slots, key: tuple[str, str]) -> None:
        self._slots: Slots | None = slots
        self._key = key

    def release(self) -> None:
        if self._slots is not None:
            self._slots.give_back(self._key)
            self._slots = None


class Slots:
    """At most ``limit`` slots per key.

    Bounded: a key's entry is removed when its count falls to zero, so entries exist only
    for clients holding something open, and at most ``max_clients`` of them.
    """

    def __init__(self, what: str, limit: int, max_clients: int = MAX_CLIENTS) -> None:
        self.what = what
        self.limit = limit
        self.max_clients = max_clients
        self._counts: dict[tuple[str, str], int] = {}

    def take(self, key: tuple[str, str]) -> Hold:
        """A slot for ``key``; ``OverCap`` when it already holds ``limit``."""
        held = self._counts.get(key, 0)
        if held >= self.limit or (held == 0 and self._full()):
            RATE_LIMITED.labels(limit=self.what).inc()
            raise OverCap(self.what, self.limit)
        self._counts[key] = held + 1
        return Hold(self, key)

    def _full(self) -> bool:
        """Whether the map holds ``max_clients`` already (a new client is refused)."""
        if len(self._counts) < self.max_clients:
            return False
        log.warning("client cap: %d clients hold %s already", self.max_clients, self.what)
        return True

    def give_back(self, key: tuple[str, str]) -> None:
        held = self._counts.get(key, 0) - 1
        if held > 0:
            self._counts[key] = held
        else:
            self._counts.pop(key, None)

    def held(self, key: tuple[str, str]) -> int:
        """Slots ``key`` holds now."""
        return self._counts.get(key, 0)

    def __len__(self) -> int:
        return len(self._counts)


class ClientCaps:
    """The two caps of one process."""

    def __init__(self, limits: LimitSettings) -> None:
        self.connections = Slots("WebSocket connections", limits.max_connections_per_client)
        self.operations = Slots("subscriptions", limits.max_subscriptions_per_client)
