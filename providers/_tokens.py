"""Cached, single-flight credential minting as an ``httpx.Auth``.

A token is minted once and reused until ``refresh_margin`` seconds before it expires.
Concurrent requests on a cold cache wait on one lock, so they mint exactly one token.
A 401 from the provider drops the cached token and retries the request once with a
fresh one; a second 401 is returned to the caller (and becomes ``ProviderAuthError``).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass

import httpx

from providers._cache import KeyValueStore, create_store
from providers._observe import TOKENS_MINTED

__all__ = ["CachedTokenAuth", "MintedToken"]


@dataclass(frozen=True, slots=True)
class MintedToken:
    value: str
    expires_at: float


Mint = Callable[[float], MintedToken]
Apply = Callable[[httpx.Request, str], None]


def bearer(request: httpx.Request, token: str) -> None:
    request.headers["Authorization"] = f"Bearer {token}"


class CachedTokenAuth(httpx.Auth):
    """``mint(now)`` makes a token; ``apply`` puts it on a request (``Bearer`` by default).

    ``provider`` labels the minted-tokens metric."""

    def __init__(
        self,
        mint: Mint,
        clock: Callable[[], float],
        *,
        apply: Apply = bearer,
        refresh_margin: float = 60.0,
        provider: str = "unknown",
    ) -> None:
        self._mint = mint
        self._clock = clock
        self._apply = apply
        self._margin = refresh_margin
        self._cache: KeyValueStore = create_store(None, namespace="tokens")
        self._lock = asyncio.Lock()
        self.minted = 0
        self._provider = provider

    async def _cached(self, stale: MintedToken | None) -> MintedToken | None:
        stored = await self._cache.get("token")
        if stored is None:
            return None
        data = json.loads(stored)
        token = MintedToken(value=data["value"], expires_at=data["expires_at"])
        if token == stale or token.expires_at - self._margin <= self._clock():
            return None
        return token

    async def token(self, *, stale: MintedToken | None = None) -> MintedToken:
        """The cached token, minting one (once, under the lock) when it is missing or old.

        ``stale`` is a token the provider just rejected: it is never handed out again.
        """
        cached = await self._cached(stale)
        if cached is not None:
            return cached
        async with self._lock:
            cached = await self._cached(stale)
            if cached is not None:
                return cached
            minted = self._mint(self._clock())
            self.minted += 1
            TOKENS_MINTED.labels(self._provider).inc()
            ttl = max(1.0, minted.expires_at - self._clock())
            payload = {"value": minted.value, "expires_at": minted.expires_at}
            await self._cache.set("token", json.dumps(payload), ttl=ttl)
            return minted

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        used = await self.token()
        self._apply(request, used.value)
        response = yield request
        if response.status_code != 401:
            return
        await response.aread()
        fresh = await self.token(stale=used)
        self._apply(request, fresh.value)
        yield request

    def sync_auth_flow(self, request: httpx.Request):  # type: ignore[no-untyped-def]
        raise RuntimeError("CachedTokenAuth is for httpx.AsyncClient only")
