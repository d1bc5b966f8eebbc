"""Configuration from the environment: prefix ``GATEWAY_``, nested with ``__``.

Invalid configuration fails when ``Settings`` is built (at start-up), and
``describe_validation_error`` names the offending variables without their values.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Iterator, Mapping
from enum import StrEnum
from typing import Any, get_args, get_origin
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from limits import parse
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from gateway.graphql.manifest import load_manifest
from providers import REGISTRY

__all__ = [
    "AuthMode",
    "AuthSettings",
    "EventSettings",
    "LimitSettings",
    "LogFormat",
    "MetricsSettings",
    "OutboundSettings",
    "SERVE_CLIENT_RATE",
    "Settings",
    "StateSettings",
    "TrustedDocumentSettings",
    "TrustedDocumentsMode",
    "describe_settings_error",
    "describe_validation_error",
    "setting_names",
    "unknown_variables",
]

ENV_PREFIX = "GATEWAY_"
#: ``GATEWAY_LIMITS__CLIENT_RATE`` in ``gateway serve`` when unset: far above an interactive
#: client or a busy backend's burst, far below what one client could cost a process
SERVE_CLIENT_RATE = "200/second"
MIN_HS256_SECRET_BYTES = 32


class LogFormat(StrEnum):
    JSON = "json"
    TEXT = "text"


class MetricsSettings(BaseModel):
    """The Prometheus endpoint."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = True
    path: str = Field(
        default="/metrics",
        pattern=r"^/[A-Za-z0-9_/-]*$",
        description="where the endpoint answers",
    )
    token: SecretStr | None = Field(
        default=None, description="when set, scrapes must send 'Authorization: Bearer <token>'"
    )

    @field_validator("path")
    @classmethod
    def _own_path(cls, value: str) -> str:
        if value.rstrip("/") in {"", "/graphql", "/healthz", "/readyz"} or value.startswith(
            ("/webhooks", "/sandbox", "/graphql/")
        ):
            raise ValueError("must not be / nor a path the gateway already serves")
        return value


class AuthMode(StrEnum):
    JWT = "jwt"
    NONE = "none"


class AuthSettings(BaseModel):
    """Client authentication. ``mode`` must be chosen explicitly for ``serve``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    mode: AuthMode | None = None
    jwt_secret: SecretStr | None = None
    public_key: str | None = None
    audience: str | None = None
    issuer: str | None = None
    tenant_claim: str = Field(
        default="tenant", min_length=1, description="the JWT claim that names the caller's tenant"
    )
    require_tenant: bool | None = Field(
        default=None,
        description="refuse tokens without the tenant claim; unset: on in `gateway serve` "
        "with JWT auth, off in `gateway dev` and in an app built directly",
    )
    leeway_seconds: float = Field(default=30.0, ge=0)
    jwks_url: str | None = Field(
        default=None,
        description="where the issuer publishes its signing keys (JWKS); https, or http on "
        "loopback only; needs ISSUER",
    )
    jwks_refresh_seconds: float = Field(
        default=60.0,
        gt=0,
        description="least time between two fetches of the key set: a token with an unknown "
        "kid fetches it at most this often",
    )
    jwks_max_age_seconds: float = Field(
        default=300.0,
        gt=0,
        description="keys older than this are fetched again at the next token (and kept while "
        "the fetch fails)",
    )

    @field_validator("jwt_secret")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().encode()) < MIN_HS256_SECRET_BYTES:
            raise ValueError(f"must be at least {MIN_HS256_SECRET_BYTES} bytes long (HS256)")
        return value

    @field_validator("public_key")
    @classmethod
    def _rsa_public_key(cls, value: str | None) -> str | None:
        if value is not None and not _is_rsa_public_key(value):
            raise ValueError("must be an RSA public key in PEM format")
        return value

    @field_validator("jwks_url")
    @classmethod
    def _https_or_loopback(cls, value: str | None) -> str | None:
        if value is not None and not _https_or_loopback(value):
            raise ValueError("must be an https URL (http only on loopback)")
        return value

    @model_validator(mode="after")
    def _key_for_jwt(self) -> AuthSettings:
        keys = [self.jwt_secret is not None, bool(self.public_key), self.jwks_url is not None]
        if self.mode is AuthMode.JWT and not any(keys):
            raise ValueError(
                "GATEWAY_AUTH__MODE=jwt needs GATEWAY_AUTH__JWT_SECRET, GATEWAY_AUTH__PUBLIC_KEY "
                "or GATEWAY_AUTH__JWKS_URL"
            )
        if self.jwks_url is not None and any(keys[:2]):
            raise ValueError("JWKS_URL excludes JWT_SECRET and PUBLIC_KEY")
        if self.jwks_url is not None and self.issuer is None:
            raise ValueError("JWKS_URL needs ISSUER: published keys must be bound to one issuer")
        return self


def _https_or_loopback(url: str) -> bool:
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return False
    if not host:
        return False
    if parts.scheme == "https":
        return True
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    return parts.scheme == "http" and loopback


def _is_rsa_public_key(pem: str) -> bool:
    try:
        key = load_pem_public_key(pem.encode())
    except ValueError:
        return False
    return isinstance(key, RSAPublicKey)


class LimitSettings(BaseModel):
    """Request safety limits."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_body_bytes: int = Field(default=1_048_576, gt=0)
    max_webhook_body_bytes: int = Field(default=262_144, gt=0)
    max_query_depth: int = Field(default=12, gt=0)
    max_aliases: int = Field(default=30, gt=0)
    max_tokens: int = Field(default=2_000, gt=0)
    max_provider_calls: int = Field(
        default=10,
        gt=0,
        description="provider calls one operation may cause (a listing without a provider: "
        "one per provider); a costlier document is refused before it runs",
    )
    parser_cache_size: int = Field(default=256, gt=0)
    header_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="a connection's request headers must arrive in this time (from its "
        "opening, or from the first byte of its next request); then 408 and closed",
    )
    body_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        description="a request's body must have arrived this long after its headers; then 408",
    )
    fanout_budget_seconds: float = Field(default=8.0, gt=0)
    max_upload_file_bytes: int = Field(
        default=1_048_576, gt=0, description="one file of a multipart request (Vonage logos: 1 MB)"
    )
    max_upload_files: int = Field(default=3, gt=0, description="files in one multipart request")
    max_upload_body_bytes: int = Field(
        default=4_194_304, gt=0, description="a whole multipart request, files included"
    )
    max_json_depth: int = Field(
        default=64,
        ge=2,
        le=256,
        description="nesting of any JSON a client or provider sends (bodies, variables, "
        "WebSocket messages, webhooks): deeper is refused before it is decoded",
    )

    client_rate: str | None = Field(
        default=None,
        description="requests per client (JWT sub, else tenant, else IP), e.g. '200/second'; "
        "empty: off; unset: SERVE_CLIENT_RATE in `gateway serve`, off otherwise",
    )
    auth_failure_rate: str = Field(
        default="20/minute", description="failed authentications per IP; empty: off"
    )
    webhook_failure_rate: str = Field(
        default="120/minute", description="failed webhook verifications per provider; empty: off"
    )
    rate_limit_prefix: str = Field(
        default="gateway:limits", min_length=1, description="Redis key prefix of the counters"
    )
    max_connections_per_client: int = Field(
        default=20,
        gt=0,
        description="WebSocket connections one client (JWT sub, else tenant, else IP) holds "
        "open at once, per process; over it the socket closes with 4429",
    )
    max_subscriptions_per_client: int = Field(
        default=100,
        gt=0,
        description="operations one client runs at once over WebSocket and SSE, across its "
        "connections, per process; over it: RATE_LIMITED (SSE: 429)",
    )

    @field_validator("client_rate", "auth_failure_rate", "webhook_failure_rate")
    @classmethod
    def _rate(cls, value: str | None) -> str | None:
        if value is not None and value.strip():
            try:
                parse(value)
            except ValueError:
                raise ValueError("must be a rate such as '200/second' or '20/minute'") from None
        return value

    @model_validator(mode="after")
    def _upload_fits_the_body(self) -> LimitSettings:
        if self.max_upload_body_bytes < self.max_upload_file_bytes:
            raise ValueError("MAX_UPLOAD_BODY_BYTES must be at least MAX_UPLOAD_FILE_BYTES")
        return self


class EventSettings(BaseModel):
    """Event log retention, dedupe window and subscriber limits."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    retention_seconds: float = Field(default=86_400.0, gt=0)
    retention_count: int = Field(default=100_000, gt=0)
    dedupe_seconds: float = Field(default=86_400.0, gt=0)
    subscriber_queue_size: int = Field(default=1_000, gt=0)
    max_delivery_lag_seconds: float = Field(
        default=10.0,
        gt=0,
        description="a subscriber whose queue stays non-empty this long is ended as too slow",
    )
    max_subscriptions_per_connection: int = Field(default=20, gt=0)
    connection_init_wait_seconds: float = Field(default=10.0, gt=0)
    keepalive_seconds: float = Field(default=15.0, gt=0)
    websocket_compression: bool = Field(
        default=False,
        description="permessage-deflate on WebSockets: CPU per frame and memory per socket",
    )
    dedupe_max_entries: int = Field(
        default=200_000, gt=0, description="in-process backend: ids remembered at most"
    )
    redis_prefix: str = Field(
        default="gateway:events",
        min_length=1,
        pattern=r"^[^{}\s]+$",
        description="Redis key prefix of the event stream and dedupe keys",
    )
    redis_pool_size: int = Field(
        default=50,
        ge=2,
        description="Redis connections of the event bus per process, its reader's included",
    )
    redis_pool_timeout_seconds: float = Field(
        default=5.0, gt=0, description="how long a command waits for a free pooled connection"
    )

    @model_validator(mode="after")
    def _dedupe_covers_retention(self) -> EventSettings:
        # a provider's retry of an event still in the log must be recognized as a duplicate
        if self.dedupe_seconds < self.retention_seconds:
            raise ValueError("DEDUPE_SECONDS must be at least RETENTION_SECONDS")
        if self.dedupe_max_entries < self.retention_count:
            raise ValueError("DEDUPE_MAX_ENTRIES must be at least RETENTION_COUNT")
        return self


class StateSettings(BaseModel):
    """Live room state: where it is kept and when presence is considered lost."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    redis_pool_size: int = Field(default=10, ge=1, description="Redis connections per process")
    ttl_seconds: float = Field(
        default=7 * 86_400.0, gt=0, description="Redis: a room state untouched this long is dropped"
    )
    max_rooms_in_memory: int = Field(
        default=10_000,
        gt=0,
        description="in-process store: rooms kept (and as many session histories and session "
        "index entries); the least recently changed dropped",
    )
    sessions_per_room: int = Field(
        default=20,
        ge=1,
        le=500,
        description="sessions built from events: the newest kept per room",
    )
    participants_per_session: int = Field(
        default=200,
        ge=1,
        le=1_000,
        description="sessions built from events: participants listed per session (later "
        "joiners are counted in the session's raw.droppedParticipants)",
    )
    idle_seconds: float = Field(
        default=86_400.0,
        gt=0,
        description="a room with no event this long reads as ended (its end event was lost)",
    )
    progress_every_events: int = Field(
        default=100, gt=0, description="how often the projection records how far it applied"
    )
    snapshot_wait_seconds: float = Field(
        default=5.0, gt=0, description="how long a roomState read waits for the projection to start"
    )


class ShutdownSettings(BaseModel):
    """What happens on SIGTERM: drain, end subscriptions, let requests finish."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    drain_seconds: float | None = Field(
        default=None,
        ge=0,
        le=300,
        description="after SIGTERM, /readyz reports draining while everything is still "
        "served this long; then subscriptions end and new connections are refused; "
        "unset: 5 in `gateway serve`, 0 in `gateway dev`",
    )
    grace_seconds: float = Field(
        default=10.0,
        ge=2,
        le=600,
        description="the whole shutdown, from the signal to the exit: the drain delay, about "
        "a second to end subscriptions, then in-flight requests get what is left; those "
        "still running then (and the provider calls they wait for) are cancelled",
    )

    @model_validator(mode="after")
    def _drain_within_grace(self) -> ShutdownSettings:
        if self.drain_seconds is not None and self.drain_seconds + 2 > self.grace_seconds:
            raise ValueError(
                "DRAIN_SECONDS must be at least 2 s shorter than GRACE_SECONDS (the whole "
                "shutdown): ending subscriptions and in-flight requests need their share"
            )
        return self

    def drain_or(self, default: float) -> float:
        """The drain delay; when unset, ``default`` within half the grace period."""
        if self.drain_seconds is None:
            return min(default, self.grace_seconds / 2)
        return self.drain_seconds

    def requests_seconds(self, default_drain: float, ending: float) -> float:
        """What the grace period leaves in-flight requests after the drain delay and
        ``ending`` (the time subscriptions get for their last message)."""
        return max(1.0, self.grace_seconds - self.drain_or(default_drain) - ending)


class OutboundSettings(BaseModel):
    """Outbound webhooks (Standard Webhooks): who may be called, retries, limits."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    allow_loopback: bool = Field(
        default=False,
        description="endpoints on loopback (http or https), for development and tests",
    )
    allow_private_networks: bool = Field(
        default=False,
        description="endpoints resolving to private ranges (10/8, 172.16/12, 192.168/16, "
        "100.64/10, fc00::/7); link-local and other special ranges are always refused",
    )
    max_endpoints_per_tenant: int = Field(default=20, gt=0)
    timeout_seconds: float = Field(default=10.0, gt=0, description="one delivery, end to end")
    max_in_flight: int = Field(default=50, gt=0, description="deliveries at once per process")
    retry_initial_seconds: float = Field(default=1.0, gt=0)
    retry_max_seconds: float = Field(
        default=300.0, gt=0, description="longest wait between two attempts (before jitter)"
    )
    disable_after_seconds: float = Field(
        default=86_400.0,
        gt=0,
        description="an endpoint failing for this long (since failingSince) is disabled",
    )
    lease_seconds: float = Field(
        default=30.0,
        ge=1,
        description="Redis: how long a dead replica keeps an endpoint before another takes it",
    )
    refresh_seconds: float = Field(
        default=5.0, gt=0, description="how often each replica looks for endpoints to deliver"
    )
    redis_pool_size: int = Field(default=10, ge=2, description="Redis connections per process")

    @model_validator(mode="after")
    def _backoff_bounds(self) -> OutboundSettings:
        if self.retry_max_seconds < self.retry_initial_seconds:
            raise ValueError("RETRY_MAX_SECONDS must be at least RETRY_INITIAL_SECONDS")
        return self


class TrustedDocumentsMode(StrEnum):
    OFF = "off"
    LOG = "log"
    ENFORCE = "enforce"


class TrustedDocumentSettings(BaseModel):
    """Which documents may run: a manifest of trusted documents, and automatic persisted
    queries (Apollo's APQ)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    file: str | None = Field(
        default=None,
        description="JSON manifest: {sha256: document} or Apollo's persisted query manifest",
    )
    mode: TrustedDocumentsMode = Field(
        default=TrustedDocumentsMode.OFF,
        description="off; log (documents not in the manifest run, logged and counted); "
        "enforce (only the manifest's documents run)",
    )
    apq: bool = Field(
        default=False,
        description="automatic persisted queries: a client registers a document by its hash "
        "and later sends the hash alone; never in enforce mode",
    )
    apq_cache_bytes: int = Field(
        default=4_194_304,
        gt=0,
        description="registered documents kept per process, their text counted (LRU)",
    )

    @field_validator("file")
    @classmethod
    def _readable_manifest(cls, value: str | None) -> str | None:
        if value is not None:
            load_manifest(value)
        return value

    @model_validator(mode="after")
    def _manifest_for_mode(self) -> TrustedDocumentSettings:
        if self.mode is not TrustedDocumentsMode.OFF and self.file is None:
            raise ValueError(f"MODE={self.mode.value} needs FILE (the manifest)")
        if self.mode is TrustedDocumentsMode.ENFORCE and self.apq:
            raise ValueError(
                "APQ cannot be on with MODE=enforce: only the manifest's documents run"
            )
        return self


def _providers_model() -> type[BaseModel]:
    fields: dict[str, Any] = {
        name: (entry.settings, Field(default_factory=entry.settings))
        for name, entry in REGISTRY.items()
    }
    config = ConfigDict(frozen=True, extra="forbid")
    model: type[BaseModel] = create_model("ProvidersSettings", __config__=config, **fields)
    return model


ProvidersSettings = _providers_model()


class Settings(BaseSettings):
    """Every setting of the gateway."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="ignore", frozen=True
    )

    providers: ProvidersSettings = Field(default_factory=ProvidersSettings)  # type: ignore[valid-type]
    default_provider: str | None = None
    public_url: str | None = None
    redis_url: str | None = None
    auth: AuthSettings = AuthSettings()
    limits: LimitSettings = LimitSettings()
    events: EventSettings = EventSettings()
    state: StateSettings = StateSettings()
    outbound: OutboundSettings = OutboundSettings()
    trusted_documents: TrustedDocumentSettings = TrustedDocumentSettings()
    metrics: MetricsSettings = MetricsSettings()
    shutdown: ShutdownSettings = ShutdownSettings()
    log_format: LogFormat | None = Field(
        default=None, description="json or text; unset: text in `gateway dev`, json otherwise"
    )
    cache_ttl_seconds: float = Field(default=30.0, ge=0)
    idempotency_ttl_seconds: float = Field(default=86_400.0, gt=0)
    room_tenant_ttl_seconds: float = Field(
        default=365 * 24 * 3600.0,
        gt=0,
        le=10 * 365 * 24 * 3600.0,
        description="how long the tenant that created a room is remembered (after that the "
        "room has no recorded tenant: only tenants:all tokens see it)",
    )
    sandbox: bool = Field(default=False, description="serve unconfigured providers from sandboxes")
    graphiql: bool = True
    introspection: bool | None = Field(
        default=None,
        description="schema introspection; unset: on in `gateway dev`, off otherwise",
    )
    cors_origins: tuple[str, ...] = Field(
        default=(),
        description="browser origins allowed to call /graphql (CORS) and open its WebSocket",
    )

    def provider_settings(self, name: str) -> Any:
        """The settings model of provider ``name``."""
        return getattr(self.providers, name)


def describe_validation_error(error: ValidationError) -> str:
    """One line per invalid variable, by its environment name, never with its value."""
    lines = []
    for item in error.errors():
        env = ENV_PREFIX + "__".join(str(part).upper() for part in item["loc"])
        lines.append(f"invalid configuration: {env}: {item['msg']}")
    return "\n".join(lines)


_FIELD = re.compile(r'field "(\w+)"')


def describe_settings_error(error: SettingsError) -> str:
    """A value pydantic-settings could not decode (a list or object setting takes JSON)."""
    named = _FIELD.search(str(error))
    if named is None:
        return f"invalid configuration: {error}"
    field = named.group(1)
    info = Settings.model_fields.get(field)
    shape = "a JSON object"
    if info is not None and get_origin(info.annotation) in {tuple, list, set, frozenset}:
        shape = 'a JSON list, e.g. ["https://app.example"]'
    return f"invalid configuration: {ENV_PREFIX}{field.upper()}: must be {shape}"


#: variables of the test suite, not settings
RESERVED_PREFIXES = (ENV_PREFIX + "TEST_",)


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds (``X | None`` included), if it holds one."""
    for candidate in (annotation, *get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _names(model: type[BaseModel], prefix: str) -> Iterator[str]:
    for name, info in model.model_fields.items():
        env = prefix + name.upper()
        yield env
        nested = _model_of(info.annotation)
        if nested is not None:
            yield from _names(nested, env + "__")


def setting_names() -> frozenset[str]:
    """Every environment variable the settings read (nested ones and whole models)."""
    return frozenset(_names(Settings, ENV_PREFIX))


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """One line per ``GATEWAY_*`` variable that is no setting, with the nearest valid name."""
    known = setting_names()
    # compared without the common prefix, which would make every name look alike
    stems = {name.removeprefix(ENV_PREFIX): name for name in known}
    lines = []
    for variable in sorted(environ):
        name = variable.upper()
        if not name.startswith(ENV_PREFIX) or name in known or name.startswith(RESERVED_PREFIXES):
            continue
        line = f"unknown setting {variable}"
        stem = name.removeprefix(ENV_PREFIX)
        nearest = difflib.get_close_matches(stem, stems, n=1, cutoff=0.7)
        if nearest:
            line += f": did you mean {stems[nearest[0]]}?"
        lines.append(line)
    return lines
