"""Server credentials: an RS256 JWT minted from the application id and private key.

Claims follow the official SDK: ``application_id``, ``iat``, ``exp`` (``iat`` + 15 min)
and a fresh uuid4 ``jti``. Tokens are cached and re-minted one minute before expiry.
"""

from __future__ import annotations

import uuid

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from providers._tokens import CachedTokenAuth, MintedToken
from providers.base import Clock
from providers.errors import NotConfigured
from providers.vonage.keys import load_private_key
from providers.vonage.settings import VonageSettings

__all__ = ["TOKEN_LIFETIME", "JwtMinter", "vonage_auth"]

#: seconds; the SDK default and the validity Vonage assumes without ``exp``
TOKEN_LIFETIME = 900
REFRESH_MARGIN = 60.0


class JwtMinter:
    """Mints application JWTs; the key is parsed once, on first use."""

    def __init__(self, settings: VonageSettings) -> None:
        self._settings = settings
        self._key: RSAPrivateKey | None = None

    def _private_key(self) -> RSAPrivateKey:
        if self._key is None:
            secret = self._settings.private_key
            if secret is None or not self._settings.application_id:
                raise NotConfigured("vonage", "application_id and private_key are not configured")
            self._key = load_private_key(secret.get_secret_value())
        return self._key

    def __call__(self, now: float) -> MintedToken:
        issued = int(now)
        claims = {
            "application_id": self._settings.application_id,
            "iat": issued,
            "exp": issued + TOKEN_LIFETIME,
            "jti": str(uuid.uuid4()),
        }
        value = jwt.encode(claims, self._private_key(), algorithm="RS256")
        return MintedToken(value=value, expires_at=float(issued + TOKEN_LIFETIME))


def vonage_auth(settings: VonageSettings, clock: Clock) -> CachedTokenAuth:
    """``Authorization: Bearer <jwt>`` on every request, minted at most once per lifetime."""
    return CachedTokenAuth(
        JwtMinter(settings), clock, refresh_margin=REFRESH_MARGIN, provider="vonage"
    )
