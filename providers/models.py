"""Neutral, frozen domain models shared by every adapter.

Each model that mirrors a provider record keeps that record, as received, in ``raw``.
Times are timezone-aware ``datetime`` values in UTC.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = [
    "UNSET",
    "Capability",
    "DialInNumber",
    "EventType",
    "LIFECYCLE_EVENT_TYPES",
    "JoinApproval",
    "JoinGrant",
    "JoinRequest",
    "LogoFile",
    "MeetingEvent",
    "Participant",
    "ParticipantRole",
    "Recording",
    "RecordingOptions",
    "RecordingStatus",
    "Room",
    "RoomKind",
    "RoomOptions",
    "RoomPage",
    "RoomSpec",
    "RoomUpdate",
    "Session",
    "StreamKind",
    "Theme",
    "ThemeLogos",
    "ThemeSpec",
    "ThemeUpdate",
    "Unset",
    "WebhookDelivery",
    "WebhookTarget",
    "global_id",
    "native_id_problem",
    "split_global_id",
    "stable_event_id",
]

JsonObject = Mapping[str, Any]


class Unset(enum.Enum):
    """Marks an update field that was not given (as opposed to an explicit ``None``)."""

    UNSET = "UNSET"


UNSET = Unset.UNSET


class Capability(enum.Enum):
    ROOMS_CREATE = "ROOMS_CREATE"
    ROOMS_LIST = "ROOMS_LIST"
    ROOMS_GET = "ROOMS_GET"
    ROOMS_UPDATE = "ROOMS_UPDATE"
    ROOMS_CLOSE = "ROOMS_CLOSE"
    ROOMS_JOIN = "ROOMS_JOIN"
    THEMES = "THEMES"
    #: read, list and delete recordings
    RECORDINGS = "RECORDINGS"
    #: start and stop the recording of a room
    RECORDINGS_CONTROL = "RECORDINGS_CONTROL"
    EVENTS = "EVENTS"
    EVENTS_SIGNED = "EVENTS_SIGNED"
    #: the provider lists and reads sessions through its own API (else they come from events)
    SESSIONS = "SESSIONS"
    #: the provider can end a session and remove a participant
    SESSIONS_CONTROL = "SESSIONS_CONTROL"
    #: the provider publishes phone numbers to dial into its meetings
    DIAL_IN = "DIAL_IN"


class EventType(enum.Enum):
    PARTICIPANT_JOINED = "PARTICIPANT_JOINED"
    PARTICIPANT_LEFT = "PARTICIPANT_LEFT"
    SESSION_STARTED = "SESSION_STARTED"
    SESSION_ENDED = "SESSION_ENDED"
    RECORDING_STARTED = "RECORDING_STARTED"
    RECORDING_STOPPED = "RECORDING_STOPPED"
    RECORDING_READY = "RECORDING_READY"
    RECORDING_FAILED = "RECORDING_FAILED"
    ROOM_EXPIRED = "ROOM_EXPIRED"
    ROOM_CREATED = "ROOM_CREATED"
    ROOM_UPDATED = "ROOM_UPDATED"
    ROOM_CLOSED = "ROOM_CLOSED"
    TRANSCRIPTION_READY = "TRANSCRIPTION_READY"
    STREAM_STARTED = "STREAM_STARTED"
    STREAM_STOPPED = "STREAM_STOPPED"
    STREAM_FAILED = "STREAM_FAILED"


#: published by the gateway's own room mutations, never by a provider's webhook
LIFECYCLE_EVENT_TYPES = frozenset(
    {EventType.ROOM_CREATED, EventType.ROOM_UPDATED, EventType.ROOM_CLOSED}
)


class StreamKind(enum.Enum):
    """A live stream out of a room: HLS for viewers, or RTMP to another platform."""

    HLS = "HLS"
    RTMP = "RTMP"


class RecordingStatus(enum.Enum):
    """Where a recording is in its life; each adapter documents how its provider's
    states map here."""

    STARTING = "STARTING"
    RECORDING = "RECORDING"
    STOPPING = "STOPPING"
    PROCESSING = "PROCESSING"
    READY = "READY"
    FAILED = "FAILED"
    DELETED = "DELETED"
    UNKNOWN = "UNKNOWN"


class RoomKind(enum.Enum):
    INSTANT = "INSTANT"
    LONG_TERM = "LONG_TERM"


class JoinApproval(enum.Enum):
    NONE = "NONE"
    AFTER_OWNER_ONLY = "AFTER_OWNER_ONLY"
    EXPLICIT_APPROVAL = "EXPLICIT_APPROVAL"


class ParticipantRole(enum.Enum):
    HOST = "HOST"
    GUEST = "GUEST"


def global_id(provider: str, native_id: str) -> str:
    """The gateway id of a provider resource: ``"<provider>:<nativeId>"``."""
    return f"{provider}:{native_id}"


#: characters that would change which URL an id lands on once it is a path segment
_URL_SIGNIFICANT = frozenset("/?#%\\")


def native_id_problem(value: str) -> str | None:
    """Why ``value`` cannot be a provider's own id, or ``None`` when it can.

    Adapters put ids into URL paths: ``.`` and ``..`` walk to another endpoint even when
    escaped, and the other characters refused here change the URL or hide in logs.
    """
    if not value:
        return "must not be empty"
    if value in {".", ".."}:
        return "must not be '.' or '..'"
    if any(ch in _URL_SIGNIFICANT or ch.isspace() or not ch.isprintable() for ch in value):
        return "must not contain '/', '?', '#', '%', '\\', whitespace or control characters"
    return None


def split_global_id(value: str) -> tuple[str, str]:
    """Split ``"<provider>:<nativeId>"``; raises ``ValueError`` when malformed or when the
    native id fails ``native_id_problem``."""
    provider, sep, native = value.partition(":")
    if not sep or not provider:
        raise ValueError("expected '<provider>:<id>'")
    problem = native_id_problem(native)
    if problem is not None:
        raise ValueError(f"the id after '<provider>:' {problem}")
    return provider.lower(), native


@dataclass(frozen=True, slots=True)
class RecordingOptions:
    auto_record: bool = False
    record_only_owner: bool = False


@dataclass(frozen=True, slots=True)
class RoomOptions:
    """Common room behaviour: what a create asks for (``RoomSpec.options``; ``None`` leaves
    the provider's default), or what the provider reports (``Room.options``; ``None`` where
    it does not say).

    An adapter maps each given option to its provider's field, or refuses it (naming the
    GraphQL field, see ``given``) when the provider has no such field.
    """

    chat: bool | None = None
    screen_sharing: bool | None = None
    max_participants: int | None = None
    close_when_idle_seconds: int | None = None
    camera_off_at_start: bool | None = None
    microphone_off_at_start: bool | None = None

    def given(self) -> dict[str, bool | int]:
        """The options set, keyed by their GraphQL input field name (e.g. ``maxParticipants``)."""
        values = {
            "chat": self.chat,
            "screenSharing": self.screen_sharing,
            "maxParticipants": self.max_participants,
            "closeWhenIdleSeconds": self.close_when_idle_seconds,
            "cameraOffAtStart": self.camera_off_at_start,
            "microphoneOffAtStart": self.microphone_off_at_start,
        }
        return {name: value for name, value in values.items() if value is not None}


@dataclass(frozen=True, slots=True)
class Room:
    provider: str
    native_id: str
    raw: JsonObject
    display_name: str | None = None
    kind: RoomKind | None = None
    created_at: datetime | None = None
    expires_at: datetime | None = None
    available: bool = True
    host_url: str | None = None
    guest_url: str | None = None
    meeting_code: str | None = None
    metadata: str | None = None
    recording: RecordingOptions = field(default_factory=RecordingOptions)
    theme_id: str | None = None
    join_approval: JoinApproval | None = None
    #: the common options as the provider reports them (``None`` where it does not say)
    options: RoomOptions = field(default_factory=RoomOptions)

    @property
    def id(self) -> str:
        return global_id(self.provider, self.native_id)


@dataclass(frozen=True, slots=True)
class RoomPage:
    """One provider page; ``next_cursor`` is the provider's own position, opaque to callers."""

    rooms: tuple[Room, ...]
    next_cursor: str | None = None


@dataclass(frozen=True, slots=True)
class JoinRequest:
    """Who joins a room and for how long their credentials should work."""

    role: ParticipantRole = ParticipantRole.GUEST
    participant_id: str | None = None
    participant_name: str | None = None
    ttl_seconds: int = 3600


@dataclass(frozen=True, slots=True)
class JoinGrant:
    """What a participant needs to join: a page to open, a client-SDK token, or both.

    ``token`` is a credential: it is kept out of ``repr`` (and so out of logs).
    """

    provider: str
    native_room_id: str
    role: ParticipantRole
    url: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    expires_at: datetime | None = None
    participant_id: str | None = None

    @property
    def room_id(self) -> str:
        return global_id(self.provider, self.native_room_id)


@dataclass(frozen=True, slots=True)
class WebhookTarget:
    """Where the provider should deliver events for a new room.

    ``base_url`` is the gateway's provider endpoint, e.g. ``https://gw/webhooks/vonage``;
    the adapter adds its own path suffix and query (``token``, ``room``) as the gateway
    expects them back.
    """

    base_url: str
    token: str | None = None


@dataclass(frozen=True, slots=True)
class RoomSpec:
    """What to create. ``provider_options`` holds provider-specific documented fields;
    ``options`` the common ones (a provider refuses those it cannot honour)."""

    display_name: str
    kind: RoomKind = RoomKind.INSTANT
    expires_at: datetime | None = None
    metadata: str | None = None
    recording: RecordingOptions | None = None
    theme_id: str | None = None
    join_approval: JoinApproval | None = None
    provider_options: JsonObject = field(default_factory=dict)
    webhook: WebhookTarget | None = None
    options: RoomOptions = field(default_factory=RoomOptions)


@dataclass(frozen=True, slots=True)
class RoomUpdate:
    """What to change; ``UNSET`` leaves a field alone, ``None`` clears it where allowed."""

    expires_at: datetime | Unset | None = UNSET
    theme_id: str | Unset | None = UNSET
    join_approval: JoinApproval | Unset | None = UNSET
    provider_options: JsonObject = field(default_factory=dict)
    display_name: str | Unset = UNSET


@dataclass(frozen=True, slots=True)
class Theme:
    provider: str
    native_id: str
    raw: JsonObject
    main_color: str
    brand_text: str
    name: str | None = None
    short_company_url: str | None = None
    brand_image_colored_url: str | None = None
    brand_image_white_url: str | None = None
    branded_favicon_url: str | None = None

    @property
    def id(self) -> str:
        return global_id(self.provider, self.native_id)


@dataclass(frozen=True, slots=True)
class ThemeSpec:
    main_color: str
    brand_text: str
    name: str | None = None
    short_company_url: str | None = None


@dataclass(frozen=True, slots=True)
class ThemeUpdate:
    name: str | Unset | None = UNSET
    main_color: str | Unset | None = UNSET
    brand_text: str | Unset | None = UNSET
    short_company_url: str | Unset | None = UNSET


@dataclass(frozen=True, slots=True)
class LogoFile:
    """An image to brand a theme with, and the media type its sender declared."""

    content: bytes = field(repr=False)
    media_type: str | None = None


@dataclass(frozen=True, slots=True)
class ThemeLogos:
    """The logos to set on a theme; ``None`` leaves that logo as it is."""

    colored: LogoFile | None = None
    white: LogoFile | None = None
    favicon: LogoFile | None = None

    def given(self) -> dict[str, LogoFile]:
        """The logos present, by kind (``colored``, ``white``, ``favicon``)."""
        kinds = {"colored": self.colored, "white": self.white, "favicon": self.favicon}
        return {kind: logo for kind, logo in kinds.items() if logo is not None}


@dataclass(frozen=True, slots=True)
class Recording:
    provider: str
    native_id: str
    raw: JsonObject
    session_id: str | None = None
    room_native_id: str | None = None
    status: RecordingStatus = RecordingStatus.UNKNOWN
    started_at: datetime | None = None
    ended_at: datetime | None = None
    url: str | None = None
    duration_seconds: float | None = None
    size_bytes: float | None = None

    @property
    def id(self) -> str:
        return global_id(self.provider, self.native_id)


@dataclass(frozen=True, slots=True)
class Participant:
    """Someone who took part in a session; ``present`` while still in it."""

    id: str
    name: str | None = None
    role: str | None = None
    is_host: bool | None = None
    joined_at: datetime | None = None
    left_at: datetime | None = None
    present: bool = False


@dataclass(frozen=True, slots=True)
class Session:
    """One meeting held in a room; ``active`` while it runs."""

    provider: str
    native_id: str
    raw: JsonObject
    room_native_id: str | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    status: str | None = None
    active: bool = False
    participants: tuple[Participant, ...] = ()

    @property
    def id(self) -> str:
        return global_id(self.provider, self.native_id)


@dataclass(frozen=True, slots=True)
class DialInNumber:
    number: str
    locale: str
    display_name: str


@dataclass(frozen=True, slots=True)
class WebhookDelivery:
    """One inbound HTTP delivery, as received, before any verification.

    ``path`` is what follows ``/webhooks/<provider>`` (``""`` or e.g. ``"/joined"``).
    Header names are lower case. ``max_age_seconds`` is the receiver's replay window: a
    delivery whose signed content dates it earlier is refused (``None``: not checked).
    """

    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes
    max_age_seconds: float | None = None

    def is_stale(self, signed_at: float | None, now: float) -> bool:
        """``signed_at`` (epoch seconds, from the signed content) is older than the window.

        Past the window the receiver no longer remembers what it has taken, so an old
        signed delivery replayed would be taken again."""
        if signed_at is None or self.max_age_seconds is None:
            return False
        return signed_at < now - self.max_age_seconds


@dataclass(frozen=True, slots=True)
class MeetingEvent:
    """A normalized event. ``id`` is stable: the same delivery always yields the same id.

    ``status`` is the provider's step where one event type covers several: for recordings
    a ``RecordingStatus`` name (``STARTING``, ``RECORDING``, ``STOPPING``, ``PROCESSING``,
    ``READY``, ``FAILED``), for streams ``STARTING``, ``LIVE``, ``PLAYABLE``, ``STOPPING``,
    ``STOPPED`` or ``FAILED``. ``room`` is set on lifecycle events only: the room as the
    gateway's mutation returned it. ``tenant`` is the room's tenant, stamped by the gateway
    when it publishes the event (``None``: the room has no recorded tenant).
    """

    id: str
    provider: str
    type: EventType
    raw: JsonObject
    room_native_id: str | None = None
    session_id: str | None = None
    occurred_at: datetime | None = None
    participant_id: str | None = None
    participant_name: str | None = None
    is_host: bool | None = None
    role: str | None = None
    reason: str | None = None
    recording_id: str | None = None
    url: str | None = None
    duration_seconds: float | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    status: str | None = None
    stream_kind: StreamKind | None = None
    transcription_id: str | None = None
    room: Room | None = None
    tenant: str | None = None

    @property
    def room_id(self) -> str | None:
        if self.room_native_id is None:
            return None
        return global_id(self.provider, self.room_native_id)


def stable_event_id(provider: str, event_type: EventType, payload: object, *extra: str) -> str:
    """A delivery's event id: the same payload (however re-serialized) gives the same id.

    ``extra`` carries what identifies the delivery outside its body (Metered's room and
    URL). Providers send no event ids of their own.
    """
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    material = "\n".join((provider, event_type.value, *extra, canonical))
    return f"{provider}:{hashlib.sha256(material.encode()).hexdigest()[:32]}"
