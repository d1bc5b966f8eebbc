"""Client authentication: a Bearer JWT whose ``scope`` claim lists what it may do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jwt

from gateway.settings import AuthMode, AuthSettings

__all__ = ["ALL_SCOPES", "AuthError", "Authenticator", "Principal", "Scope"]


class Scope:
    ROOMS_READ = "rooms:read"
    ROOMS_WRITE = "rooms:write"
    THEMES_READ = "themes:read"
    THEMES_WRITE = "themes:write"
    EVENTS_READ = "events:read"


ALL_SCOPES = frozenset(
    {Scope.ROOMS_READ, Scope.ROOMS_WRITE, Scope.THEMES_READ, Scope.THEMES_WRITE, Scope.EVENTS_READ}
)


class AuthError(Exception):
    """Missing or invalid credentials; the message is safe to show the client."""


@dataclass(frozen=True, slots=True)
class Principal:
    subject: str | None
    scopes: frozenset[str]

    def allows(self, scope: str) -> bool:
        return scope in self.scopes


ANONYMOUS_ALL = Principal(subject=None, scopes=ALL_SCOPES)


class Authenticator:
    """Verifies ``Authorization`` values according to ``AuthSettings``."""

    def __init__(self, settings: AuthSettings) -> None:
        self._settings = settings
        self.enabled = settings.mode is AuthMode.JWT
        self._key: Any = None
        self._algorithm = "HS256"
        if self.enabled:
            self._key, self._algorithm = _verification_key(settings)

    def authenticate(self, authorization: str | None) -> Principal:
        """The principal for an ``Authorization`` header value; raises ``AuthError``."""
        if not self.enabled:
            return ANONYMOUS_ALL
        token = _bearer_token(authorization)
        claims = self._decode(token)
        scopes = frozenset(str(claims.get("scope", "")).split())
        return Principal(subject=claims.get("sub"), scopes=scopes)

    def _decode(self, token: str) -> dict[str, Any]:
        settings = self._settings
        options = {"require": ["exp"], "verify_aud": settings.audience is not None}
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._key,
                algorithms=[self._algorithm],
                audience=settings.audience,
                issuer=settings.issuer,
                leeway=settings.leeway_seconds,
                options=options,  # type: ignore[arg-type]
            )
        except jwt.ExpiredSignatureError:
            raise AuthError("token expired") from None
        except jwt.InvalidAudienceError:
            raise AuthError("token audience not accepted") from None
        except jwt.InvalidIssuerError:
            raise AuthError("token issuer not accepted") from None
        except jwt.PyJWTError:
            raise AuthError("invalid token") from None
        return claims


def _bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise AuthError("missing bearer token")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("expected 'Authorization: Bearer <token>'")
    return token.strip()


def _verification_key(settings: AuthSettings) -> tuple[Any, str]:
    if settings.public_key:
        return settings.public_key, "RS256"
    if settings.jwt_secret is not None:
        return settings.jwt_secret.get_secret_value(), "HS256"
    raise ValueError(
        "GATEWAY_AUTH__MODE=jwt needs GATEWAY_AUTH__JWT_SECRET or GATEWAY_AUTH__PUBLIC_KEY"
    )
