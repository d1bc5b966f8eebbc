"""VideoSDK server credentials: a locally minted HS256 JWT, sent raw in ``Authorization``.

The token carries ``apikey``, ``permissions``, ``version: 2`` and ``roles: ["crawler"]``
(server REST API only; an ``rtc`` token cannot call it). VideoSDK expects the JWT with no
``Bearer``/``Basic`` prefix.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import jwt

from providers._tokens import CachedTokenAuth, MintedToken
from providers.errors import NotConfigured
from providers.videosdk.settings import VideoSDKSettings

__all__ = ["TOKEN_TTL", "build_auth", "mint_token", "raw_authorization", "server_claims"]

#: lifetime of a minted server token; the docs' examples use 120 minutes
TOKEN_TTL = 7200


def server_claims(api_key: str, now: float) -> dict[str, object]:
    """The claims of a server (REST) token issued at ``now``."""
    issued = int(now)
    return {
        "apikey": api_key,
        "permissions": ["allow_join"],
        "version": 2,
        "roles": ["crawler"],
        "iat": issued,
        "exp": issued + TOKEN_TTL,
    }


def mint_token(settings: VideoSDKSettings, now: float) -> MintedToken:
    """A fresh server token; ``NotConfigured`` without an API key and secret."""
    if not settings.api_key or settings.secret is None:
        raise NotConfigured("videosdk", "VideoSDK api_key and secret are not set")
    claims = server_claims(settings.api_key, now)
    value = jwt.encode(claims, settings.secret.get_secret_value(), algorithm="HS256")
    return MintedToken(value=value, expires_at=float(int(now) + TOKEN_TTL))


def raw_authorization(request: httpx.Request, token: str) -> None:
    """VideoSDK takes the bare JWT as the header value."""
    request.headers["Authorization"] = token


def build_auth(settings: VideoSDKSettings, clock: Callable[[], float]) -> CachedTokenAuth:
    """Cached, single-flight token auth for the adapter's client."""
    return CachedTokenAuth(
        lambda now: mint_token(settings, now), clock, apply=raw_authorization, provider="videosdk"
    )
