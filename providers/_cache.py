"""The one place that touches aiocache (0.12.x ships no type information), for Redis.

``KeyValueStore`` is a small async string store with TTLs, backed by bounded process memory
or by Redis, so that replicas share what must be shared (idempotency keys, the Vonage
session-to-room map, cached reads).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, Protocol
from urllib.parse import unquote, urlparse

from aiocache import Cache

__all__ = ["MEMORY_STORE_MAX_ENTRIES", "BoundedMemoryStore", "KeyValueStore", "create_store"]

#: entries the in-process store keeps at most, the least recently used dropped first
MEMORY_STORE_MAX_ENTRIES = 100_000


class KeyValueStore(Protocol):
    """Async string store with TTLs in seconds."""

    async def get(self, key: str) -> str | None: ...

    async def get_many(self, keys: Sequence[str]) -> list[str | None]:
        """The values of ``keys``, in order (``None`` where absent), in one read."""
        ...

    async def set(self, key: str, value: str, ttl: float | None = None) -> None: ...

    async def add(self, key: str, value: str, ttl: float | None = None) -> bool:
        """Store ``value`` only when ``key`` is absent; ``True`` when it was stored."""
        ...

    async def delete(self, key: str) -> None: ...

    async def close(self) -> None: ...


class _AiocacheStore:
    def __init__(self, cache: Any) -> None:
        self._cache = cache

    async def get(self, key: str) -> str | None:
        value = await self._cache.get(key)
        return None if value is None else str(value)

    async def get_many(self, keys: Sequence[str]) -> list[str | None]:
        if not keys:
            return []
        values = await self._cache.multi_get(list(keys))  # one MGET
        return [None if value is None else str(value) for value in values]

    async def set(self, key: str, value: str, ttl: float | None = None) -> None:
        await self._cache.set(key, value, ttl=_ttl(ttl))

    async def add(self, key: str, value: str, ttl: float | None = None) -> bool:
        try:
            await self._cache.add(key, value, ttl=_ttl(ttl))
        except ValueError:  # aiocache signals "key exists" with ValueError
            return False
        return True

    async def delete(self, key: str) -> None:
        await self._cache.delete(key)

    async def close(self) -> None:
        await self._cache.close()


class BoundedMemoryStore:
    """The in-process store: at most ``max_entries`` keys, least recently used dropped first;
    an expired key is dropped when next read (and counts until then)."""

    def __init__(
        self,
        max_entries: int = MEMORY_STORE_MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._max_entries = max_entries
        self._clock = clock
        #: key -> (value, expiry on ``clock`` or ``None``)
        self._entries: OrderedDict[str, tuple[str, float | None]] = OrderedDict()

    async def get(self, key: str) -> str | None:
        return self._live(key)

    async def get_many(self, keys: Sequence[str]) -> list[str | None]:
        return [self._live(key) for key in keys]

    async def set(self, key: str, value: str, ttl: float | None = None) -> None:
        self._entries[key] = (value, None if ttl is None else self._clock() + ttl)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    async def add(self, key: str, value: str, ttl: float | None = None) -> bool:
        if self._live(key) is not None:
            return False
        await self.set(key, value, ttl)
        return True

    async def delete(self, key: str) -> None:
        self._entries.pop(key, None)

    async def close(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def _live(self, key: str) -> str | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        value, expires = entry
        if expires is not None and expires <= self._clock():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value


def _ttl(ttl: float | None) -> int | None:
    return None if ttl is None else max(1, round(ttl))


def create_store(
    redis_url: str | None = None, *, namespace: str = "gateway", timeout: float = 5.0
) -> KeyValueStore:
    """Memory store when ``redis_url`` is ``None`` (``BoundedMemoryStore``: at most
    ``MEMORY_STORE_MAX_ENTRIES`` keys), otherwise a Redis-backed one.

    ``redis://`` and ``rediss://`` (TLS) URLs with an optional ``user:password@`` and
    database path are understood; every Redis call is bounded by ``timeout`` seconds
    through the socket's own timeouts. aiocache's per-call ``wait_for`` is off: it bounded
    nothing more and cost a task per read (memory reads cannot block at all).
    """
    if redis_url is None:
        return BoundedMemoryStore()
    url = urlparse(redis_url)
    pool_options: dict[str, Any] = {"socket_timeout": timeout}
    if url.username:
        pool_options["username"] = unquote(url.username)
    cache = Cache(
        Cache.REDIS,
        endpoint=url.hostname or "127.0.0.1",
        port=url.port or 6379,
        db=int(url.path.lstrip("/") or 0),
        password=unquote(url.password) if url.password else None,
        ssl=url.scheme == "rediss",
        create_connection_timeout=timeout,
        connection_pool_kwargs=pool_options,
        namespace=namespace,
        timeout=None,
    )
    return _AiocacheStore(cache)
