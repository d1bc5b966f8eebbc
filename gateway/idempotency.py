"""Idempotent room creation: the same key and input returns the first room, once created.

The record of a key lives in the shared store (Redis when configured), so replicas agree.
The first caller *claims* the key with the store's atomic ``add`` (a pending record whose
TTL bounds how long a crashed creator can hold it); concurrent retries poll until the
record holds the room. A create that failed before reaching the provider releases the
claim so that the client may retry. One that failed after reaching it (it may have
happened) records that its outcome is unknown: later calls with the key are refused rather
than risking a second room. The same key with a different input is refused with
``BAD_USER_INPUT``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from gateway.cache import decode_room, encode_room
from gateway.graphql.errors import bad_input
from providers import KeyValueStore, ProviderError, ProviderUnavailable, Room

__all__ = ["IdempotencyStore", "fingerprint"]

_PENDING = "pending"
_DONE = "done"
_UNKNOWN = "unknown"


def _may_have_happened(error: BaseException) -> bool:
    """A failure after the create reached the provider (see ``retryable``)."""
    return isinstance(error, ProviderUnavailable) and not error.retryable


def fingerprint(material: Any) -> str:
    """A digest of the request's canonical JSON (what "the same input" means)."""
    canonical = json.dumps(material, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class IdempotencyStore:
    """Runs a create at most once per key within ``ttl`` seconds."""

    def __init__(
        self,
        store: KeyValueStore,
        ttl: float,
        *,
        pending_seconds: float = 60.0,
        poll_seconds: float = 0.05,
    ) -> None:
        self._store = store
        self._ttl = ttl
        self._pending_seconds = pending_seconds
        self._poll_seconds = poll_seconds

    async def create(
        self, key: str, digest: str, create: Callable[[], Awaitable[Room]]
    ) -> tuple[Room, bool]:
        """The room for ``key`` and whether this call created it."""
        record_key = f"idempotency:v1:{key}"
        pending = json.dumps({"state": _PENDING, "digest": digest})
        while True:
            if await self._store.add(record_key, pending, ttl=self._pending_seconds):
                return await self._run(record_key, digest, create), True
            room = await self._finished(record_key, digest)
            if room is not None:
                return room, False

    async def _finished(self, record_key: str, digest: str) -> Room | None:
        """The winner's room once it is there; ``None`` when the claim is free again."""
        while (text := await self._store.get(record_key)) is not None:
            record = json.loads(text)
            if record["digest"] != digest:
                raise bad_input(
                    "idempotencyKey was already used with a different input",
                    field="idempotencyKey",
                )
            if record["state"] == _DONE:
                return decode_room(record["room"])
            if record["state"] == _UNKNOWN:
                raise bad_input(
                    "the first createRoom with this idempotencyKey may have created a room, but "
                    "its outcome is unknown: look for it with rooms, then use a new key",
                    field="idempotencyKey",
                )
            await asyncio.sleep(self._poll_seconds)
        return None

    async def _run(
        self, record_key: str, digest: str, create: Callable[[], Awaitable[Room]]
    ) -> Room:
        try:
            room = await create()
        except ProviderError as exc:
            await self._settle_failure(record_key, digest, exc)
            raise
        except BaseException:
            await self._store.delete(record_key)
            raise
        done = {"state": _DONE, "digest": digest, "room": encode_room(room)}
        await self._store.set(record_key, json.dumps(done), ttl=self._ttl)
        return room

    async def _settle_failure(self, record_key: str, digest: str, error: ProviderError) -> None:
        if not _may_have_happened(error):
            await self._store.delete(record_key)
            return
        unknown = {"state": _UNKNOWN, "digest": digest}
        await self._store.set(record_key, json.dumps(unknown), ttl=self._ttl)
