"""Read-through cache of single rooms and themes in the shared store (Redis when configured).

Keys carry a per-provider *epoch*: every change of an existing room or theme through the
gateway moves its provider to a new random epoch, so nothing cached before the change can
be read again, including what the change touched indirectly (a forced theme deletion
re-themes rooms, a new default theme changes the old one). A read that raced with a
change writes under the old epoch, where nobody looks any more. A new resource is cached
under the current epoch. Lists are never cached. ``ttl`` 0 turns the cache off.
"""

from __future__ import annotations

import dataclasses
import json
import secrets
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar

import orjson

from gateway.observability.metrics import CACHE
from providers import (
    JoinApproval,
    KeyValueStore,
    RecordingOptions,
    Room,
    RoomKind,
    RoomOptions,
    Theme,
)

__all__ = ["ResourceCache", "decode_room", "decode_theme", "encode_room", "encode_theme"]

T = TypeVar("T")


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _parse_time(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def encode_room(room: Room) -> str:
    """The room as JSON: its normalized fields and the provider's ``raw`` record."""
    data = {
        "provider": room.provider,
        "native_id": room.native_id,
        "raw": room.raw,
        "display_name": room.display_name,
        "kind": None if room.kind is None else room.kind.value,
        "created_at": _time(room.created_at),
        "expires_at": _time(room.expires_at),
        "available": room.available,
        "host_url": room.host_url,
        "guest_url": room.guest_url,
        "meeting_code": room.meeting_code,
        "metadata": room.metadata,
        "recording": [room.recording.auto_record, room.recording.record_only_owner],
        "theme_id": room.theme_id,
        "join_approval": None if room.join_approval is None else room.join_approval.value,
        "options": dataclasses.asdict(room.options),
    }
    return json.dumps(data, default=str)


def decode_room(text: str) -> Room:
    """The inverse of ``encode_room``."""
    data: dict[str, Any] = orjson.loads(text)
    kind, approval = data.pop("kind"), data.pop("join_approval")
    auto_record, owner_only = data.pop("recording")
    # entries cached before rooms reported options have none
    options = RoomOptions(**data.pop("options", None) or {})
    return Room(
        **data
        | {
            "kind": None if kind is None else RoomKind(kind),
            "join_approval": None if approval is None else JoinApproval(approval),
            "recording": RecordingOptions(auto_record, owner_only),
            "options": options,
            "created_at": _parse_time(data["created_at"]),
            "expires_at": _parse_time(data["expires_at"]),
        }
    )


_THEME_FIELDS = (
    "provider",
    "native_id",
    "raw",
    "main_color",
    "brand_text",
    "name",
    "short_company_url",
    "brand_image_colored_url",
    "brand_image_white_url",
    "branded_favicon_url",
)


def encode_theme(theme: Theme) -> str:
    """The theme as JSON, ``raw`` included."""
    return json.dumps({name: getattr(theme, name) for name in _THEME_FIELDS}, default=str)


def decode_theme(text: str) -> Theme:
    """The inverse of ``encode_theme``."""
    data: Mapping[str, Any] = orjson.loads(text)
    values: dict[str, Any] = {name: data.get(name) for name in _THEME_FIELDS}
    return Theme(**values)


class ResourceCache:
    """Cached single reads; ``remember_*`` after a mutation, ``invalidate`` when unsure."""

    def __init__(self, store: KeyValueStore, ttl: float) -> None:
        self._store = store
        self._ttl = ttl

    async def room(
        self, provider: str, native_id: str, load: Callable[[], Awaitable[Room]]
    ) -> Room:
        """The room from the cache, else from ``load`` (then cached)."""
        return await self._read(provider, f"room:{native_id}", load, encode_room, decode_room)

    async def theme(
        self, provider: str, native_id: str, load: Callable[[], Awaitable[Theme]]
    ) -> Theme:
        """The theme from the cache, else from ``load`` (then cached)."""
        return await self._read(provider, f"theme:{native_id}", load, encode_theme, decode_theme)

    async def remember_room(self, room: Room, *, changed: bool = True) -> None:
        """Cache ``room`` as a mutation returned it; ``changed`` (not new) moves the epoch."""
        name, text = f"room:{room.native_id}", encode_room(room)
        await self._remember(room.provider, name, text, changed=changed)

    async def remember_theme(self, theme: Theme, *, changed: bool = True) -> None:
        """Cache ``theme`` as a mutation returned it; ``changed`` (not new) moves the epoch."""
        name, text = f"theme:{theme.native_id}", encode_theme(theme)
        await self._remember(theme.provider, name, text, changed=changed)

    async def invalidate(self, provider: str) -> str:
        """Move ``provider`` to a new epoch; returns it."""
        epoch = secrets.token_hex(8)
        if self._ttl > 0:
            await self._store.set(self._epoch_key(provider), epoch)
        return epoch

    async def _read(
        self,
        provider: str,
        name: str,
        load: Callable[[], Awaitable[T]],
        encode: Callable[[T], str],
        decode: Callable[[str], T],
    ) -> T:
        if self._ttl <= 0:
            return await load()
        epoch = await self._epoch(provider)
        cached = await self._store.get(self._key(provider, epoch, name))
        kind = name.partition(":")[0]
        if cached is not None:
            CACHE.labels(kind, "hit").inc()
            return decode(cached)
        CACHE.labels(kind, "miss").inc()
        value = await load()
        await self._store.add(self._key(provider, epoch, name), encode(value), ttl=self._ttl)
        return value

    async def _remember(self, provider: str, name: str, text: str, *, changed: bool) -> None:
        if self._ttl <= 0:
            return
        epoch = await (self.invalidate(provider) if changed else self._epoch(provider))
        await self._store.set(self._key(provider, epoch, name), text, ttl=self._ttl)

    async def _epoch(self, provider: str) -> str:
        key = self._epoch_key(provider)
        epoch = await self._store.get(key)
        if epoch is None:
            await self._store.add(key, secrets.token_hex(8))
            epoch = await self._store.get(key)
        return epoch or "0"

    @staticmethod
    def _epoch_key(provider: str) -> str:
        return f"cache:v1:{provider}:epoch"

    @staticmethod
    def _key(provider: str, epoch: str, name: str) -> str:
        return f"cache:v1:{provider}:{epoch}:{name}"
