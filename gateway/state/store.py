"""Where room states live: process memory (one replica) or Redis (shared by every replica).

Every write is a compare-and-set against the value read, so replicas that apply the same
event concurrently cannot lose each other's updates: the loser reads again and finds the
event already applied. A room state is a small header (session, recording, how far the
room's events are applied) and one record per participant present, changed together and
atomically, so an event costs the same whatever the room's size and no reader sees half of
one.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from redis.exceptions import RedisError

from gateway.events.model import BusUnavailable
from gateway.redis_pool import bounded_client
from gateway.settings import Settings
from gateway.state.model import StoredRoom

__all__ = [
    "MemoryStateStore",
    "RedisStateStore",
    "RosterEdit",
    "StateStore",
    "create_state_store",
]

#: set ``KEYS[1]`` to ``ARGV[2]`` only if it still holds ``ARGV[1]`` ("" = absent)
_COMPARE_AND_SET = """
local current = redis.call('GET', KEYS[1])
if (current == false and ARGV[1] == '') or current == ARGV[1] then
    redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
    return 1
end
return 0
"""

#: a room's header ``KEYS[1]`` and roster hash ``KEYS[2]``: if the header still holds
#: ``ARGV[1]`` ("" = absent), empty the roster (``ARGV[5]`` = "1"), remove the participant
#: ``ARGV[6]`` (if not ""), put the participants ``ARGV[7..]`` (id, record pairs; one not
#: yet present only while fewer than ``ARGV[4]`` are), then write the header ``ARGV[2]``;
#: both keys expire ``ARGV[3]`` ms later
_CHANGE_ROOM = """
local current = redis.call('GET', KEYS[1])
if not ((current == false and ARGV[1] == '') or current == ARGV[1]) then
    return 0
end
if ARGV[5] == '1' then
    redis.call('DEL', KEYS[2])
end
if ARGV[6] ~= '' then
    redis.call('HDEL', KEYS[2], ARGV[6])
end
local cap = tonumber(ARGV[4])
for i = 7, #ARGV, 2 do
    if redis.call('HEXISTS', KEYS[2], ARGV[i]) == 1 or redis.call('HLEN', KEYS[2]) < cap then
        redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
    end
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return 1
"""


@dataclass(frozen=True, slots=True)
class RosterEdit:
    """How one event changes who is present: emptied first (``clear``), then ``remove``
    dropped, then ``put`` (id, record) written; a participant not yet present is put only
    while fewer than ``cap`` are."""

    cap: int
    clear: bool = False
    remove: str | None = None
    put: Sequence[tuple[str, bytes]] = ()


class StateStore(Protocol):
    """Room states by room key, other projections' records by key, and this log's
    projection progress."""

    async def room(self, room_key: str) -> StoredRoom | None:
        """The room's header and roster, read together (``None``: no header)."""
        ...

    async def room_header(self, room_key: str) -> bytes | None:
        """The room's header alone: what applying an event reads."""
        ...

    async def change_room(
        self, room_key: str, expected: bytes | None, header: bytes, edit: RosterEdit
    ) -> bool:
        """Edit the roster and store ``header``, atomically, if the header still holds
        ``expected``; ``False`` when it changed."""
        ...

    async def legacy_room(self, room_key: str) -> bytes | None:
        """The whole-room record an earlier version kept (``None``: none)."""
        ...

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


@dataclass(slots=True)
class _MemoryRoom:
    header: bytes
    participants: dict[str, bytes] = field(default_factory=dict)


class MemoryStateStore:
    """Bounded: past ``max_rooms`` keys of one kind (room states, session histories,
    session index entries), the least recently written of that kind is dropped; a room's
    roster holds at most the ``cap`` its writer gives."""

    def __init__(self, max_rooms: int) -> None:
        self._kinds: dict[str, OrderedDict[str, bytes]] = {}
        self._rooms: OrderedDict[str, _MemoryRoom] = OrderedDict()
        self._max_rooms = max_rooms
        self._progress: str | None = None

    async def room(self, room_key: str) -> StoredRoom | None:
        room = self._rooms.get(room_key)
        return None if room is None else StoredRoom(room.header, dict(room.participants))

    async def room_header(self, room_key: str) -> bytes | None:
        room = self._rooms.get(room_key)
        return None if room is None else room.header

    async def change_room(
        self, room_key: str, expected: bytes | None, header: bytes, edit: RosterEdit
    ) -> bool:
        room = self._rooms.get(room_key)
        if (None if room is None else room.header) != expected:
            return False
        if room is None or edit.clear:
            room = self._rooms[room_key] = _MemoryRoom(header)
        room.header = header
        present = room.participants
        if edit.remove is not None:
            present.pop(edit.remove, None)
        for participant, record in edit.put:
            if participant in present or len(present) < edit.cap:
                present[participant] = record
        self._rooms.move_to_end(room_key)
        while len(self._rooms) > self._max_rooms:
            self._rooms.popitem(last=False)
        return True

    async def legacy_room(self, room_key: str) -> bytes | None:
        del room_key  # process memory does not outlive the version that wrote it
        return None

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
        self._rooms.clear()


class RedisStateStore:
    """Per room a header key and a hash of its participants (id → record), and one key per
    other projection's record, each expiring ``ttl_seconds`` after its last change."""

    def __init__(self, url: str, prefix: str, ttl_seconds: float, pool_size: int) -> None:
        self._client = bounded_client(url, name=f"gateway-state:{prefix}", size=pool_size)
        self._prefix = prefix
        self._ttl_ms = str(int(ttl_seconds * 1000))
        self._compare_and_set = self._client.register_script(_COMPARE_AND_SET)
        self._change_room = self._client.register_script(_CHANGE_ROOM)

    def _key(self, room_key: str) -> str:
        kind, rest = key_kind(room_key)
        return f"{self._prefix}:{kind or 'room'}:{rest}"

    def _room_keys(self, room_key: str) -> list[str]:
        """The header's key and the roster's; not the earlier whole-room key (``_key``),
        which replicas of the earlier version may still be writing."""
        return [f"{self._prefix}:head:{room_key}", f"{self._prefix}:present:{room_key}"]

    async def room(self, room_key: str) -> StoredRoom | None:
        header_key, roster_key = self._room_keys(room_key)
        try:
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.get(header_key)
                pipe.hgetall(roster_key)
                header, participants = await pipe.execute()
        except (RedisError, OSError) as exc:
            raise BusUnavailable("the room state store (Redis) is unavailable") from exc
        if header is None:
            return None
        roster = {_as_bytes(k).decode(): _as_bytes(v) for k, v in participants.items()}
        return StoredRoom(_as_bytes(header), roster)

    async def room_header(self, room_key: str) -> bytes | None:
        return await self._read(self._room_keys(room_key)[0])

    async def change_room(
        self, room_key: str, expected: bytes | None, header: bytes, edit: RosterEdit
    ) -> bool:
        args: list[bytes | str] = [
            expected or b"",
            header,
            self._ttl_ms,
            str(edit.cap),
            "1" if edit.clear else "0",
            edit.remove or "",
        ]
        for participant, record in edit.put:
            args.extend((participant, record))
        try:
            done = await self._change_room(keys=self._room_keys(room_key), args=args)
        except (RedisError, OSError) as exc:
            raise BusUnavailable("the room state store (Redis) is unavailable") from exc
        return bool(done)

    async def legacy_room(self, room_key: str) -> bytes | None:
        return await self._read(self._key(room_key))

    async def _read(self, key: str) -> bytes | None:
        try:
            value = await self._client.get(key)
        except (RedisError, OSError) as exc:
            raise BusUnavailable("the room state store (Redis) is unavailable") from exc
        return None if value is None else _as_bytes(value)

    async def get(self, room_key: str) -> bytes | None:
        return await self._read(self._key(room_key))

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
