"""Client authentication: a Bearer JWT whose ``scope`` claim lists what it may do.

Tokens are verified with an HS256 secret, an RSA public key, or the issuer's keys published
at a JWKS URL (``gateway.jwks``). HTTP requests carry the token in ``Authorization: Bearer …``;
WebSocket clients send the same value in the ``connection_init`` payload as
``{"authorization": "Bearer …"}``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from gateway.jwks import JwksKeys, KeysUnavailable, UnknownKey
from gateway.settings import AuthMode, AuthSettings

__all__ = [
    "ALL_SCOPES",
    "ANONYMOUS_ALL",
    "NOBODY",
    "AuthError",
    "Authenticator",
    "Principal",
    "Scope",
    "www_authenticate",
]


MAX_TENANT_LENGTH = 128
_TENANT = re.compile(rf"[^\x00-\x1f\x7f]{{1,{MAX_TENANT_LENGTH}}}")


class Scope:
    ROOMS_READ = "rooms:read"
    ROOMS_WRITE = "rooms:write"
    THEMES_READ = "themes:read"
    THEMES_WRITE = "themes:write"
    EVENTS_READ = "events:read"
    ROOMS_JOIN = "rooms:join"
    ROOMS_HOST = "rooms:host"
    RECORDINGS_READ = "recordings:read"
    RECORDINGS_WRITE = "recordings:write"
    SESSIONS_READ = "sessions:read"
    SESSIONS_WRITE = "sessions:write"
    WEBHOOKS_ADMIN = "webhooks:admin"
    #: an operator's: every tenant's rooms (and rooms of no recorded tenant) and their events
    TENANTS_ALL = "tenants:all"


ALL_SCOPES = frozenset(
    value for name, value in vars(Scope).items() if name.isupper() and isinstance(value, str)
)


class AuthError(Exception):
    """Missing or invalid credentials; the message is safe to show the client."""

    def __init__(self, message: str, *, missing: bool = False) -> None:
        super().__init__(message)
        #: no credentials at all (as opposed to credentials that were refused)
        self.missing = missing


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling and which scopes they hold."""

    subject: str | None
    scopes: frozenset[str]
    #: the tenant named by the token (``AuthSettings.tenant_claim``); ``None``: the default one
    tenant: str | None = None

    def allows(self, scope: str) -> bool:
        return scope in self.scopes


#: the caller when authentication is off: every scope
ANONYMOUS_ALL = Principal(subject=None, scopes=ALL_SCOPES)
#: a WebSocket connection before its ``connection_init`` was accepted: no scope
NOBODY = Principal(subject=None, scopes=frozenset())


class Authenticator:
    """Verifies ``Authorization`` values according to ``AuthSettings``."""

    def __init__(self, settings: AuthSettings) -> None:
        self._settings = settings
        self.enabled = settings.mode is AuthMode.JWT
        #: unset counts as not required (``gateway serve`` resolves it before building the app)
        self._require_tenant = settings.require_tenant is True
        self._key: Any = None
        self._algorithm = "HS256"
        self._jwks: JwksKeys | None = None
        if self.enabled and settings.jwks_url is not None:
            self._jwks = JwksKeys(
                settings.jwks_url,
                refresh_seconds=settings.jwks_refresh_seconds,
                max_age_seconds=settings.jwks_max_age_seconds,
            )
        elif self.enabled:
            self._key, self._algorithm = _verification_key(settings)

    async def authenticate(self, authorization: str | None) -> Principal:
        """The principal for an ``Authorization`` header value; raises ``AuthError``."""
        if not self.enabled:
            return ANONYMOUS_ALL
        claims = await self._decode(_bearer_token(authorization))
        subject = claims.get("sub")
        tenant = _tenant(claims, self._settings.tenant_claim)
        if tenant is None and self._require_tenant:
            raise AuthError(f"token lacks the '{self._settings.tenant_claim}' claim")
        return Principal(
            subject=str(subject) if subject is not None else None,
            scopes=_scopes(claims),
            tenant=tenant,
        )

    async def authenticate_init(self, payload: Mapping[str, object]) -> Principal:
        """The principal for a WebSocket ``connection_init`` payload."""
        value = next((v for k, v in payload.items() if k.lower() == "authorization"), None)
        if value is not None and not isinstance(value, str):
            raise AuthError("connection_init 'authorization' must be a string")
        return await self.authenticate(value)

    async def _verification(self, token: str) -> tuple[Any, str]:
        """The key and the one algorithm that may verify ``token``."""
        if self._jwks is None:
            return self._key, self._algorithm
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError:
            raise AuthError("invalid token") from None
        if kid is not None and not isinstance(kid, str):
            raise AuthError("invalid token")
        try:
            key = await self._jwks.key(kid)
        except (UnknownKey, KeysUnavailable) as exc:
            raise AuthError(str(exc)) from None
        return key.key, key.algorithm_name

    async def _decode(self, token: str) -> dict[str, Any]:
        key, algorithm = await self._verification(token)
        settings = self._settings
        required = ["exp"]
        required += ["aud"] if settings.audience is not None else []
        required += ["iss"] if settings.issuer is not None else []
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=settings.audience,
                issuer=settings.issuer,
                leeway=settings.leeway_seconds,
                options={"require": required, "verify_aud": settings.audience is not None},
            )
        except jwt.ExpiredSignatureError:
            raise AuthError("token expired") from None
        except jwt.InvalidAudienceError:
            raise AuthError("token audience not accepted") from None
        except jwt.InvalidIssuerError:
            raise AuthError("token issuer not accepted") from None
        except jwt.MissingRequiredClaimError as exc:
            raise AuthError(f"token lacks the '{exc.claim}' claim") from None
        except jwt.PyJWTError:
            raise AuthError("invalid token") from None
        return claims


def www_authenticate(error: AuthError) -> str:
    """The ``WWW-Authenticate`` challenge for ``error`` (RFC 6750)."""
    if error.missing:
        return 'Bearer realm="gateway"'
    description = str(error).replace('"', "'")
    return f'Bearer realm="gateway", error="invalid_token", error_description="{description}"'


def _tenant(claims: Mapping[str, Any], claim: str) -> str | None:
    """The token's tenant: a string of 1 to ``MAX_TENANT_LENGTH`` printable characters."""
    tenant = claims.get(claim)
    if tenant is None:
        return None
    if not isinstance(tenant, str) or not _TENANT.fullmatch(tenant):
        raise AuthError(
            f"token's '{claim}' claim must be a string of 1 to {MAX_TENANT_LENGTH} printable "
            "characters"
        )
    return tenant


def _scopes(claims: Mapping[str, Any]) -> frozenset[str]:
    scope = claims.get("scope", "")
    if isinstance(scope, list):
        return frozenset(str(item) for item in scope)
    return frozenset(str(scope).split())


def _bearer_token(authorization: str | None) -> str:
    if not authorization or not authorization.strip():
        raise AuthError("missing bearer token", missing=True)
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("expected 'Authorization: Bearer <token>'")
    return token.strip()


def _verification_key(settings: AuthSettings) -> tuple[Any, str]:
    if settings.public_key:
        return load_pem_public_key(settings.public_key.encode()), "RS256"
    if settings.jwt_secret is not None:
        return settings.jwt_secret.get_secret_value(), "HS256"
    raise ValueError(
        "GATEWAY_AUTH__MODE=jwt needs GATEWAY_AUTH__JWT_SECRET or GATEWAY_AUTH__PUBLIC_KEY"
    )
