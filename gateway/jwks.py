"""Signing keys published as a JSON Web Key Set (RFC 7517) at ``GATEWAY_AUTH__JWKS_URL``.

The set is fetched with httpx on the event loop (PyJWT's ``PyJWKClient`` fetches with
blocking ``urllib``), kept in memory and fetched again when it is older than its maximum
age or when a token names a ``kid`` it lacks. Fetches are single-flight and at most one per
``refresh_seconds``, failed ones included: a flood of tokens with random ``kid`` values, or
an issuer that is down, costs the issuer one request per interval. A failed fetch keeps the
keys already known.

Only asymmetric signing keys are kept, each with the one algorithm it states or implies
(``RS256`` for RSA, ``ES256`` for P-256, ``EdDSA`` for Ed25519, …): a symmetric (``oct``)
key, an encryption key or a key for ``none`` never verifies a token.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt

from gateway import bounded_json

__all__ = ["ASYMMETRIC_ALGORITHMS", "JwksKeys", "KeysUnavailable", "UnknownKey", "parse_key_set"]

log = logging.getLogger("gateway.auth")

ASYMMETRIC_ALGORITHMS = frozenset(
    {
        *(f"{family}{bits}" for family in ("RS", "PS", "ES") for bits in (256, 384, 512)),
        "ES256K",
        "EdDSA",
    }
)
#: keys kept from one set; the rest are ignored (bounded memory)
MAX_KEYS = 50
#: a larger JWKS document is refused
MAX_DOCUMENT_BYTES = 256 * 1024
FETCH_TIMEOUT_SECONDS = 5.0
_MAX_JSON_DEPTH = 8


class KeysUnavailable(Exception):
    """The key set could not be fetched and no known key matches."""


class UnknownKey(Exception):
    """The key set, freshly fetched or fetched less than the refresh interval ago, lacks the key."""


def parse_key_set(document: object) -> dict[str | None, jwt.PyJWK]:
    """The usable signing keys of a JWKS document by ``kid``; ``ValueError`` if none."""
    items = document.get("keys") if isinstance(document, Mapping) else None
    if not isinstance(items, list):
        # a ValueError like every other unusable answer of the issuer
        raise ValueError("not a JWKS document (no 'keys' list)")  # noqa: TRY004
    keys: dict[str | None, jwt.PyJWK] = {}
    for item in items:
        key = _signing_key(item)
        if key is not None and len(keys) < MAX_KEYS:
            keys[key.key_id] = key
    if not keys:
        raise ValueError("the JWKS document has no usable signing key")
    return keys


def _signing_key(item: object) -> jwt.PyJWK | None:
    if not isinstance(item, dict) or item.get("kty") == "oct":
        return None
    if item.get("use", "sig") != "sig" or not isinstance(item.get("kid", ""), str):
        return None
    try:
        key = jwt.PyJWK(item)
    except (jwt.PyJWTError, ValueError, TypeError, KeyError):
        return None
    return key if key.algorithm_name in ASYMMETRIC_ALGORITHMS else None


class JwksKeys:
    """The issuer's current signing keys, fetched from ``url`` when needed."""

    def __init__(
        self,
        url: str,
        *,
        refresh_seconds: float,
        max_age_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = url
        self._refresh_seconds = refresh_seconds
        self._max_age_seconds = max_age_seconds
        self._clock = clock
        self._keys: dict[str | None, jwt.PyJWK] = {}
        self._fetched_at: float | None = None
        self._attempted_at: float | None = None
        self._last_fetch_failed = False
        self._lock = asyncio.Lock()
        #: the refresh of a stale set, run while its keys keep answering (one at a time)
        self._background: asyncio.Task[None] | None = None

    async def key(self, kid: str | None) -> jwt.PyJWK:
        """The key named ``kid`` (no ``kid``: the only key of the set). A known key is
        answered at once; a stale set is refreshed meanwhile, without making anyone wait.

        Raises ``UnknownKey`` or ``KeysUnavailable``."""
        key = self._known(kid)
        if key is not None:
            if self._stale() and (self._background is None or self._background.done()):
                self._background = asyncio.create_task(self._refresh(), name="jwks-refresh")
            return key
        await self._refresh()
        key = self._known(kid)
        if key is not None:
            return key
        if self._last_fetch_failed:
            raise KeysUnavailable("the issuer's signing keys are unavailable; retry later")
        if kid is None:
            raise UnknownKey("token names no key ('kid') and the issuer publishes several")
        raise UnknownKey("token signed with an unknown key")

    def _known(self, kid: str | None) -> jwt.PyJWK | None:
        if kid is None:
            only = list(self._keys.values())
            return only[0] if len(only) == 1 else None
        return self._keys.get(kid)

    def _stale(self) -> bool:
        fetched_at = self._fetched_at
        return fetched_at is None or self._clock() - fetched_at >= self._max_age_seconds

    async def _refresh(self) -> None:
        async with self._lock:
            now = self._clock()
            attempted_at = self._attempted_at
            if attempted_at is not None and now - attempted_at < self._refresh_seconds:
                return
            self._attempted_at = now
            try:
                self._keys = parse_key_set(await self._fetch())
            except (httpx.HTTPError, ValueError) as exc:
                self._last_fetch_failed = True
                log.warning("JWKS fetch from %s failed: %s", _host(self._url), _describe(exc))
                return
            self._fetched_at = now
            self._last_fetch_failed = False

    async def _fetch(self) -> Any:
        async with (
            httpx.AsyncClient(timeout=FETCH_TIMEOUT_SECONDS) as client,
            client.stream("GET", self._url, headers={"accept": "application/json"}) as response,
        ):
            response.raise_for_status()
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_DOCUMENT_BYTES:
                    raise ValueError(f"JWKS document larger than {MAX_DOCUMENT_BYTES} bytes")
        return bounded_json.loads(bytes(body), _MAX_JSON_DEPTH)


def _host(url: str) -> str:
    """The host (and port) only: a URL's user information or query may be a secret."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    return f"{host}:{parts.port}" if parts.port else host


def _describe(error: Exception) -> str:
    if isinstance(error, httpx.HTTPStatusError):
        return f"HTTP {error.response.status_code}"
    if isinstance(error, httpx.HTTPError):
        return type(error).__name__
    return str(error)
