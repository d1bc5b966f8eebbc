"""``ProviderAdapter``: the one base class every provider implements.

An operation a provider lacks keeps the default body here and raises
``UnsupportedOperation``; ``capabilities`` must say exactly what works.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Protocol, TypeVar
from urllib.parse import quote

import httpx
import orjson
from pydantic import BaseModel, ConfigDict, Field

from providers._breaker import BreakerSettings, CircuitBreaker
from providers._cache import KeyValueStore
from providers._fake import SandboxTransport
from providers._http import describe_error_body, request
from providers._limits import CallLimiter
from providers._listing import ListingCache, ListingSettings
from providers._room_notes import RoomNotebook
from providers._transport import AiohttpTransport
from providers.errors import InvalidRequest, ProviderUnavailable, UnsupportedOperation
from providers.models import (
    Capability,
    DialInNumber,
    EventType,
    JoinGrant,
    JoinRequest,
    MeetingEvent,
    Recording,
    Room,
    RoomPage,
    RoomSpec,
    RoomUpdate,
    Session,
    Theme,
    ThemeLogos,
    ThemeSpec,
    ThemeUpdate,
    WebhookDelivery,
    native_id_problem,
)

__all__ = [
    "Clock",
    "HttpConcurrency",
    "HttpTimeouts",
    "ProviderAdapter",
    "ProviderEntry",
    "ProviderSettings",
    "Sandbox",
    "checked_id",
    "id_segment",
]

Clock = Callable[[], float]


def checked_id(provider: str, value: str, field: str = "id") -> str:
    """``value`` when it can be a native id; else ``InvalidRequest`` naming ``field``."""
    problem = native_id_problem(value)
    if problem is not None:
        raise InvalidRequest(provider, f"{field} {problem}", field=field)
    return value


def id_segment(provider: str, value: str, field: str = "id") -> str:
    """A native id as one URL path segment, refused when it would address another endpoint."""
    return quote(checked_id(provider, value, field), safe="")


class HttpTimeouts(BaseModel):
    """Outbound HTTP limits, in seconds."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    connect: float = Field(default=3.0, gt=0)
    read: float = Field(default=10.0, gt=0)
    total: float = Field(
        default=15.0, gt=0, description="budget for one operation, retries included"
    )
    retries: int = Field(default=3, ge=0, le=10, description="extra attempts for safe reads")


class HttpConcurrency(BaseModel):
    """Calls to one provider: how many may be on the wire at once (the connection pool's
    size too) and how many may wait for a slot before new ones are refused at once."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_in_flight: int = Field(default=32, ge=1, le=1_000)
    max_queued: int = Field(default=2_000, ge=0, le=100_000)


class ProviderSettings(BaseModel):
    """Base of each provider's settings (``GATEWAY_PROVIDERS__<NAME>__…``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    timeouts: HttpTimeouts = HttpTimeouts()
    concurrency: HttpConcurrency = HttpConcurrency()
    listing: ListingSettings = ListingSettings()
    breaker: BreakerSettings = BreakerSettings()
    room_notes_ttl_seconds: float = Field(
        default=365 * 24 * 3600.0,
        gt=0,
        le=10 * 365 * 24 * 3600.0,
        description="how long room fields the provider does not keep (names) are remembered",
    )

    @property
    def api_base_url(self) -> str:
        """The API root, version path included."""
        raise NotImplementedError

    @property
    def configured(self) -> bool:
        """Credentials are present."""
        raise NotImplementedError


SettingsT = TypeVar("SettingsT", bound=ProviderSettings)


class ProviderAdapter(ABC, Generic[SettingsT]):
    """One provider's operations. Built in the app lifespan; ``aclose`` releases it."""

    name: ClassVar[str]
    title: ClassVar[str]
    capabilities: ClassVar[frozenset[Capability]]
    event_types: ClassVar[frozenset[EventType]]

    def __init__(
        self,
        settings: SettingsT,
        *,
        store: KeyValueStore,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock = time.time,
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        limits = settings.concurrency
        self.limiter = CallLimiter(self.name, limits.max_in_flight, limits.max_queued)
        self.breaker = CircuitBreaker(self.name, settings.breaker)
        self.notes = RoomNotebook(store, self.name, settings.room_notes_ttl_seconds)
        #: served by the provider's in-memory sandbox: its calls are logged as such
        self.sandboxed = isinstance(transport, SandboxTransport)
        self.client = self._build_client(transport)
        #: whole room lists of providers that answer them at once (``_every_room``)
        self._listings = ListingCache(self._every_room, settings.listing.cache_seconds)

    @abstractmethod
    def _build_client(self, transport: httpx.AsyncBaseTransport | None) -> httpx.AsyncClient:
        """The pooled client with this provider's auth, base URL and timeouts."""

    def _transport(self, given: httpx.AsyncBaseTransport | None) -> httpx.AsyncBaseTransport:
        """``given`` (a sandbox or a test double), else a pool of ``max_in_flight`` connections."""
        if given is not None:
            return given
        return AiohttpTransport(max_connections=self.settings.concurrency.max_in_flight)

    async def aclose(self) -> None:
        await self.client.aclose()

    #: statuses that mean "credentials rejected" for this provider
    auth_statuses: ClassVar[frozenset[int]] = frozenset({401})

    def _error_message(self, body: Any) -> str | None:
        """The provider's own message in an error body; override for odd shapes."""
        return describe_error_body(body)

    async def _request(
        self, method: str, path: str, *, retry: bool | None = None, **kwargs: Any
    ) -> httpx.Response:
        """Send through the pooled client within this provider's timeouts and retry policy."""
        limits = self.settings.timeouts
        return await request(
            self.client,
            self.name,
            method,
            path,
            retry=retry,
            budget=limits.total,
            retries=limits.retries,
            extract=self._error_message,
            auth_statuses=self.auth_statuses,
            limiter=self.limiter,
            breaker=self.breaker,
            sandbox=self.sandboxed,
            **kwargs,
        )

    async def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send, then decode the JSON answer; an unreadable answer is the provider's failure."""
        response = await self._request(method, path, **kwargs)
        try:
            # orjson: a third of the stdlib's cost on list answers; deep nesting is a ValueError
            return orjson.loads(response.content)
        except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError alike
            message = f"{method} {path}: the answer has no JSON"
            raise ProviderUnavailable(self.name, message, status=response.status_code) from exc

    def _timeout(self) -> httpx.Timeout:
        limits = self.settings.timeouts
        return httpx.Timeout(limits.read, connect=limits.connect)

    def _unsupported(self, operation: str) -> UnsupportedOperation:
        return UnsupportedOperation(self.name, f"{self.title} does not support {operation}")

    # rooms
    async def _every_room(self, path: str) -> list[Room]:
        """Every room of ``path`` in the gateway's order, for providers whose API answers
        the whole list (pages are then slices of it, kept by ``_listings``)."""
        raise self._unsupported("listing every room at once")

    async def create_room(self, spec: RoomSpec) -> Room:
        raise self._unsupported("creating rooms")

    async def list_rooms(self, cursor: str | None, limit: int) -> RoomPage:
        """One page of at most ``limit`` rooms from the provider position ``cursor``."""
        raise self._unsupported("listing rooms")

    async def get_room(self, native_id: str) -> Room:
        """Raises ``ResourceNotFound`` when the room does not exist."""
        raise self._unsupported("reading rooms")

    async def update_room(self, native_id: str, update: RoomUpdate) -> Room:
        raise self._unsupported("updating rooms")

    async def close_room(self, native_id: str) -> Room:
        raise self._unsupported("closing rooms")

    async def join_room(self, native_id: str, request: JoinRequest) -> JoinGrant:
        """Credentials to join an existing, open room; ``ResourceNotFound`` for an unknown
        room. Nothing is issued before the provider confirmed the room."""
        raise self._unsupported("joining rooms")

    async def _room_to_join(self, native_id: str) -> Room:
        """The room as the provider has it now; ``InvalidRequest`` when it is closed."""
        room = await self.get_room(native_id)
        if not room.available:
            raise InvalidRequest(self.name, "roomId: the room is closed", field="roomId")
        return room

    # themes
    async def list_themes(self) -> list[Theme]:
        raise self._unsupported("themes")

    async def get_theme(self, native_id: str) -> Theme:
        raise self._unsupported("themes")

    async def create_theme(self, spec: ThemeSpec) -> Theme:
        raise self._unsupported("themes")

    async def update_theme(self, native_id: str, update: ThemeUpdate) -> Theme:
        raise self._unsupported("themes")

    async def delete_theme(self, native_id: str, *, force: bool = False) -> None:
        raise self._unsupported("themes")

    async def set_default_theme(self, native_id: str) -> Theme:
        raise self._unsupported("themes")

    async def theme_rooms(self, native_id: str, cursor: str | None, limit: int) -> RoomPage:
        """One page of the rooms that use a theme; ``ResourceNotFound`` for an unknown theme."""
        raise self._unsupported("themes")

    async def upload_theme_logos(self, native_id: str, logos: ThemeLogos) -> Theme:
        """Set the given logos on a theme, all at once; the theme as it is afterwards."""
        raise self._unsupported("themes")

    # recordings (``Capability.RECORDINGS``; start and stop: ``RECORDINGS_CONTROL``)
    async def list_recordings(self, session_id: str) -> list[Recording]:
        """Every recording of one session (none when the provider knows none)."""
        raise self._unsupported("recordings")

    async def list_room_recordings(
        self,
        room_id: str,
        session_id: str | None = None,
        *,
        known_sessions: Sequence[str] = (),
    ) -> list[Recording]:
        """Every recording of a room, or of one of its sessions.

        ``known_sessions`` are the room's sessions the gateway learnt from its events, for
        a provider that lists recordings only per session."""
        raise self._unsupported("recordings")

    async def list_all_recordings(self) -> list[Recording]:
        """Every recording this account holds."""
        raise self._unsupported("listing every recording (ask per room or session)")

    async def start_recording(self, room_id: str) -> Recording:
        """Start recording the room's running session; the new recording."""
        raise self._unsupported("starting recordings")

    async def stop_recording(self, room_id: str) -> Recording:
        """Stop the room's running recording; that recording as it is now."""
        raise self._unsupported("stopping recordings")

    async def get_recording(self, native_id: str) -> Recording:
        raise self._unsupported("recordings")

    async def delete_recording(self, native_id: str) -> None:
        raise self._unsupported("recordings")

    # sessions (``SESSIONS``: list and read; ``SESSIONS_CONTROL``: end and remove) and dial-in
    async def list_sessions(self, room_id: str | None = None) -> list[Session]:
        """Every session of the room ``room_id`` (native id), newest first."""
        raise self._unsupported("listing sessions")

    async def get_session(self, session_id: str) -> Session:
        """One session by native id; ``ResourceNotFound`` when unknown."""
        raise self._unsupported("reading sessions")

    async def end_session(self, room_id: str, session_id: str | None = None) -> Session:
        """End the running session of the room; the session as it ended."""
        raise self._unsupported("ending sessions")

    async def remove_participant(
        self, room_id: str, participant_id: str, session_id: str | None = None
    ) -> Session:
        """Remove a participant from the room's running session; the session afterwards."""
        raise self._unsupported("removing participants")

    async def dial_in_numbers(self) -> list[DialInNumber]:
        """The phone numbers participants can dial into meetings from."""
        raise self._unsupported("dial-in numbers")

    # webhooks
    async def parse_webhook(self, delivery: WebhookDelivery) -> list[MeetingEvent]:
        """Verify, then normalize one delivery. Raises ``WebhookError`` subclasses."""
        raise self._unsupported("webhooks")


class Sandbox(Protocol):
    """A provider's in-memory stand-in (``fake.py``), as the gateway uses it."""

    def settings(self) -> ProviderSettings:
        """Settings whose credentials this sandbox accepts."""
        ...

    def transport(self) -> httpx.AsyncBaseTransport:
        """An ``httpx`` transport that serves the provider's API from memory."""
        ...

    def webhook(
        self,
        room_native_id: str,
        event_type: EventType,
        details: Mapping[str, Any],
        token: str | None,
    ) -> WebhookDelivery:
        """The provider's own payload for ``event_type`` as it would deliver it (signed
        where the provider signs); ``token`` is the gateway's webhook token, if any."""
        ...


@dataclass(frozen=True, slots=True)
class ProviderEntry:
    """One row of the registry."""

    name: str
    adapter: type[ProviderAdapter[Any]]
    settings: type[ProviderSettings]
    sandbox: Callable[[], Sandbox]
