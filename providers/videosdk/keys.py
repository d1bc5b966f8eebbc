"""VideoSDK's webhook public key: configured, or fetched once and cached.

A fetched key is refreshed when a signature fails to verify with it, at most once per
``REFRESH_INTERVAL`` seconds, so that forged deliveries cannot make us hammer the API.
A key that cannot be obtained is the provider's failure (``ProviderUnavailable``), not
the sender's: the delivery is then answered so that VideoSDK retries it. After a failed
fetch, deliveries are answered the same way for ``RETRY_AFTER_FAILURE`` seconds without
asking again, so a burst of deliveries (forged or not) during an outage costs one fetch.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa

from providers.errors import ProviderError, ProviderUnavailable
from providers.videosdk.payloads import PROVIDER
from providers.videosdk.webhooks import load_public_key

__all__ = ["REFRESH_INTERVAL", "RETRY_AFTER_FAILURE", "PublicKeySource", "pem_from_answer"]

REFRESH_INTERVAL = 300.0
RETRY_AFTER_FAILURE = 10.0
_PEM_KEYS = ("publicKey", "public_key", "key", "data")


def _pem_in(value: Any) -> str | None:
    if isinstance(value, str):
        return value if "BEGIN" in value else None
    if isinstance(value, Mapping):
        for key in _PEM_KEYS:
            found = _pem_in(value.get(key))
            if found:
                return found
    return None


def pem_from_answer(body: bytes) -> str:
    """The PEM text of a key answer: a PEM body, or JSON carrying it under a usual key."""
    try:
        decoded: Any = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        decoded = body.decode("utf-8", errors="replace")
    pem = _pem_in(decoded)
    if pem is None:
        raise ValueError("no PEM public key in the answer")
    return pem


class PublicKeySource:
    """The key that verifies webhook signatures; ``fetch`` returns the answer's body."""

    def __init__(
        self,
        configured: str | None,
        fetch: Callable[[], Awaitable[bytes]],
        clock: Callable[[], float],
    ) -> None:
        self._configured = None if configured is None else load_public_key(configured)
        self._fetch = fetch
        self._clock = clock
        self._key: rsa.RSAPublicKey | None = None
        self._fetched_at: float | None = None
        self._failed_at: float | None = None
        self._lock = asyncio.Lock()
        self.fetches = 0

    async def current(self) -> rsa.RSAPublicKey:
        """The configured key, else the cached one, fetching it on first use."""
        if self._configured is not None:
            return self._configured
        if self._key is not None:
            return self._key
        async with self._lock:
            if self._key is None:
                self._key = await self._download()
            return self._key

    async def refreshed(self, rejected: rsa.RSAPublicKey) -> rsa.RSAPublicKey | None:
        """A newer key after ``rejected`` failed, or ``None`` when none may be fetched now."""
        if self._configured is not None:
            return None
        async with self._lock:
            if self._key is not rejected:
                return self._key
            if self._fetched_at is not None and self._clock() - self._fetched_at < REFRESH_INTERVAL:
                return None
            self._key = await self._download()
            return self._key

    async def _download(self) -> rsa.RSAPublicKey:
        now = self._clock()
        if self._failed_at is not None and now - self._failed_at < RETRY_AFTER_FAILURE:
            message = "VideoSDK's webhook public key could not be obtained moments ago"
            raise ProviderUnavailable(PROVIDER, message)
        self._fetched_at = now
        self.fetches += 1
        try:
            key = load_public_key(pem_from_answer(await self._fetch()))
        except (ProviderError, ValueError) as exc:
            self._failed_at = now
            detail = exc.message if isinstance(exc, ProviderError) else str(exc)
            message = f"VideoSDK's webhook public key could not be obtained ({detail})"
            raise ProviderUnavailable(PROVIDER, message) from exc
        self._failed_at = None
        return key
