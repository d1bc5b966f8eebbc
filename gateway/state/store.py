"""Where room states live: process memory (one replica) or Redis (shared by every replica).

Every write is a compare-and-set against the value read, so replicas that apply the same
event concurrently cannot lose each other's updates: the loser reads again and finds the
event already applied.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Protocol

from redis.exceptions import RedisError

from gateway.events.model import BusUnavailable
from gateway.redis_pool import bounded_client
from gateway.settings import Settings

__all__ = ["MemoryStateStore", "RedisStateStore", "StateStore", "create_state_store"]

#: set ``KEYS[1]`` to ``ARGV[2]`` only if it still holds ``ARGV[1]`` ("" = absent)
_COMPARE_AND_SET = """
local current = redis.call('GET', KEYS[1])
if (current == false and ARGV[1] == '') or current == ARGV[1] then
    redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
    return 1
end
return 0
"""


class StateStore(Protocol):
    """Room states by room key, plus this log's projection progress."""

    async def get(self, room_key: str) -> bytes | None: ...

    async def replace(self, room_key: str, expected: bytes | None, value: bytes) -> bool:
        """Store ``value`` if the room still holds ``expected``; ``False`` when it changed."""
        ...

    async def progress(self) -> str | None:
        """The cursor of the last event applied by any replica (``None``: none yet)."""
        ...

    async def set_progress(self, cursor: str) -> None: ...

    async def aclose(self) -> None: ...


def key_kind(key: str) -> tuple[str, str]:
    """``("", key)`` for a room state's key, ``(kind, rest)`` for ``"<kind>|<rest>"``
    (another projection's key, e.g. ``sessions|vonage:room-1``)."""
    kind, sep, rest = key.partition("|")
    # a room key starts "<provider>:", so a "|" after a ":" belongs to a native id
    return (kind, rest) if sep and ":" not in kind else ("", key)


class MemoryStateStore:
    """Bounded: past ``max_rooms`` keys of one kind (room states, session histories,
    session index entries), the least recently written of that kind is dropped."""

    def __init__(self, max_rooms: int) -> None:
        self._kinds: dict[str, OrderedDict[str, bytes]] = {}
        self._max_rooms = max_rooms
        self._progress: str | None = None

    async def get(self, room_key: str) -> bytes | None:
        kind, _ = key_kind(room_key)
        keys = self._kinds.get(kind)
        return None if keys is None else keys.get(room_key)

    async def replace(self, room_key: str, expected: bytes | None, value: bytes) -> bool:
        kind, _ = key_kind(room_key)
        keys = self._kinds.setdefault(kind, OrderedDict())
        if keys.get(room_key) != expected:
            return False
        keys[room_key] = value
        keys.move_to_end(room_key)
        while len(keys) > self._max_rooms:
            keys.popitem(last=False)
        return True

    async def progress(self) -> str | None:
        return self._progress

    async def set_progress(self, cursor: str) -> None:
        self._progress = cursor

    async def aclose(self) -> None:
        self._kinds.clear()


class RedisStateStore:
    """One key per room (and per kind of projection), expiring ``ttl_seconds`` after its
    last change."""

    def __init__(self, url: str, prefix: str, ttl_seconds: float, pool_size: int) -> None:
        self._client = bounded_client(url, name=f"gateway-state:{prefix}", size=pool_size)
        self._prefix = prefix
        self._ttl_ms = str(int(ttl_seconds * 1000))
        self._compare_and_set = self._client.register_script(_COMPARE_AND_SET)

    def _key(self, room_key: str) -> str:
        kind, rest = key_kind(room_key)
        return f"{self._prefix}:{kind or 'room'}:{rest}"

    async def get(self, room_key: str) -> bytes | None:
        try:
            value = await self._client.get(self._key(room_key))
        except (RedisError, OSError) as exc:
            raise BusUnavailable("the room state store (Redis) is unavailable") from exc
        return None if value is None else _as_bytes(value)

    async def replace(self, room_key: str, expected: bytes | None, value: bytes) -> bool:
        args: list[bytes | str] = [expected or b"", value, self._ttl_ms]
        try:
            done = await self._compare_and_set(keys=[self._key(room_key)], args=args)
        except (RedisError, OSError) as exc:
            raise BusUnavailable("the room state store (Redis) is unavailable") from exc
        return bool(done)

    async def progress(self) -> str | None:
        try:
            value = await self._client.get(f"{self._prefix}:progress")
        except (RedisError, OSError) as exc:
            raise BusUnavailable("the room state store (Redis) is unavailable") from exc
        return None if value is None else _as_bytes(value).decode()

    async def set_progress(self, cursor: str) -> None:
        try:
            await self._client.set(f"{self._prefix}:progress", cursor)
        except (RedisError, OSError) as exc:
            raise BusUnavailable("the room state store (Redis) is unavailable") from exc

    async def aclose(self) -> None:
        await self._client.aclose()


def _as_bytes(value: bytes | str) -> bytes:
    return value if isinstance(value, bytes) else value.encode()


def create_state_store(settings: Settings) -> StateStore:
    """Redis when ``redis_url`` is set (keys beside the event log's), else process memory."""
    state = settings.state
    if settings.redis_url:
        # beside the log it projects, so that each log has its own states and progress
        prefix = "{" + settings.events.redis_prefix + "}:state"
        return RedisStateStore(settings.redis_url, prefix, state.ttl_seconds, state.redis_pool_size)
    return MemoryStateStore(state.max_rooms_in_memory)
