"""Webhook endpoints as stored, their delivery status, and the JSON body of a delivery."""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import Enum
from typing import Any
from urllib.parse import quote

from gateway.events.model import StoredEvent
from providers import EventType, Room

__all__ = [
    "ENDPOINT_ID_PREFIX",
    "DeliveryStatus",
    "Endpoint",
    "Owner",
    "ResumeFrom",
    "event_body",
    "format_time",
    "new_endpoint_id",
    "new_secret",
    "webhook_type",
]

ENDPOINT_ID_PREFIX = "webhook:"
SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix, not a secret
SECRET_BYTES = 32


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def new_endpoint_id() -> str:
    return ENDPOINT_ID_PREFIX + uuid.uuid4().hex


def format_time(value: datetime) -> str:
    """ISO-8601 in UTC with a ``Z``, as the GraphQL ``DateTime`` scalar."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class Owner:
    """Whose endpoints these are: a tenant's; for a token without the tenant claim, its
    subject's (``sub``); ``Owner("")``: the one owner when authentication is off."""

    tenant: str
    subject: str = ""

    @property
    def key(self) -> str:
        """Unambiguous between tenants and subjects, whatever characters either holds."""
        if self.tenant:
            return "t:" + quote(self.tenant, safe="")
        return "s:" + quote(self.subject, safe="")


@dataclass(frozen=True, slots=True)
class Endpoint:
    """What a tenant (or a subject without a tenant, ``subject``) registered. ``secret``
    never leaves the gateway except once, at creation and rotation; ``repr`` leaves it out."""

    id: str
    tenant: str
    url: str
    types: frozenset[EventType]
    room_id: str | None
    created_at: datetime
    secret: str
    #: who registered it when it has no tenant (``""``: nobody in particular)
    subject: str = ""

    @property
    def owner(self) -> Owner:
        return Owner(self.tenant, "" if self.tenant else self.subject)

    def __repr__(self) -> str:
        return f"Endpoint(id={self.id!r}, tenant={self.tenant!r}, url={self.url!r})"

    def with_secret(self, secret: str) -> Endpoint:
        return replace(self, secret=secret)

    def to_json(self) -> str:
        return json.dumps(
            {
                "id": self.id,
                "tenant": self.tenant,
                "subject": self.subject,
                "url": self.url,
                "types": sorted(t.value for t in self.types),
                "roomId": self.room_id,
                "createdAt": self.created_at.isoformat(),
                "secret": self.secret,
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> Endpoint:
        data: dict[str, Any] = json.loads(text)
        return cls(
            id=data["id"],
            tenant=data["tenant"],
            url=data["url"],
            types=frozenset(EventType(t) for t in data["types"]),
            room_id=data["roomId"],
            created_at=datetime.fromisoformat(data["createdAt"]),
            secret=data["secret"],
            subject=data.get("subject", ""),
        )


@dataclass(frozen=True, slots=True)
class DeliveryStatus:
    """How delivery to one endpoint stands; written by the replica that delivers."""

    #: the log cursor of the last event delivered (or the log's head at creation)
    cursor: str | None = None
    last_delivery_at: datetime | None = None
    failing_since: datetime | None = None
    disabled: bool = False

    def to_fields(self) -> dict[str, str]:
        fields = {"disabled": "1" if self.disabled else "0", "cursor": self.cursor or ""}
        fields["lastDeliveryAt"] = _time_text(self.last_delivery_at)
        fields["failingSince"] = _time_text(self.failing_since)
        return fields

    @classmethod
    def from_fields(cls, fields: dict[str, str]) -> DeliveryStatus:
        return cls(
            cursor=fields.get("cursor") or None,
            last_delivery_at=_time_of(fields.get("lastDeliveryAt")),
            failing_since=_time_of(fields.get("failingSince")),
            disabled=fields.get("disabled") == "1",
        )


class ResumeFrom(Enum):
    """Where a disabled endpoint's deliveries continue when it is enabled again."""

    #: the first event it failed on (``InvalidCursor`` when retention discarded it)
    WHERE_IT_STOPPED = "where_it_stopped"
    #: the log's head: the events it missed are skipped
    NOW = "now"


def _time_text(value: datetime | None) -> str:
    return "" if value is None else value.isoformat()


def _time_of(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


_SPECIFIC_FIELDS = (
    ("participantId", "participant_id"),
    ("participantName", "participant_name"),
    ("isHost", "is_host"),
    ("role", "role"),
    ("reason", "reason"),
    ("recordingId", "recording_id"),
    ("url", "url"),
    ("durationSeconds", "duration_seconds"),
)
_PARTICIPANT = frozenset({EventType.PARTICIPANT_JOINED, EventType.PARTICIPANT_LEFT})
_RECORDING = frozenset(
    {
        EventType.RECORDING_STARTED,
        EventType.RECORDING_STOPPED,
        EventType.RECORDING_READY,
        EventType.RECORDING_FAILED,
    }
)
_SESSION = frozenset({EventType.SESSION_STARTED, EventType.SESSION_ENDED})
_STREAM = frozenset({EventType.STREAM_STARTED, EventType.STREAM_STOPPED, EventType.STREAM_FAILED})
_LIFECYCLE = frozenset({EventType.ROOM_CREATED, EventType.ROOM_UPDATED, EventType.ROOM_CLOSED})


def event_body(stored: StoredEvent) -> bytes:
    """The JSON body of a delivery, the Standard Webhooks envelope ``{type, timestamp, data}``:
    ``type`` like ``participant.joined``, ``timestamp`` the event's time, and ``data`` the
    fields of the GraphQL ``RoomEvent`` of its type (without ``raw``, the provider's payload)."""
    envelope = {
        "type": webhook_type(stored.event.type),
        "timestamp": format_time(stored.occurred_at),
        "data": _event_data(stored),
    }
    return json.dumps(envelope, separators=(",", ":")).encode()


def webhook_type(event_type: EventType) -> str:
    """The envelope's full-stop delimited type: ``PARTICIPANT_JOINED`` → ``participant.joined``."""
    return event_type.value.lower().replace("_", ".")


def _event_data(stored: StoredEvent) -> dict[str, Any]:
    event = stored.event
    body: dict[str, Any] = {
        "id": event.id,
        "type": event.type.value,
        "provider": event.provider.upper(),
        "roomId": event.room_id,
        "sessionId": event.session_id,
        "occurredAt": format_time(stored.occurred_at),
        "receivedAt": format_time(stored.received_at),
        "cursor": stored.cursor,
    }
    if event.type in _PARTICIPANT:
        body.update({k: getattr(event, a) for k, a in _SPECIFIC_FIELDS[:5]})
    elif event.type in _RECORDING:
        body.update({k: getattr(event, a) for k, a in _SPECIFIC_FIELDS[5:]})
    elif event.type in _SESSION:
        body["startedAt"] = _time(event.started_at)
        body["endedAt"] = _time(event.ended_at)
    elif event.type is EventType.TRANSCRIPTION_READY:
        body.update(transcriptionId=event.transcription_id, url=event.url)
    elif event.type in _STREAM:
        kind = event.stream_kind
        body.update(kind=None if kind is None else kind.value, playbackUrl=event.url)
    elif event.type in _LIFECYCLE:
        body["room"] = None if event.room is None else _room_body(event.room)
    return body


def _time(value: datetime | None) -> str | None:
    return None if value is None else format_time(value)


def _room_body(room: Room) -> dict[str, Any]:
    """The room of a lifecycle event as ``Room`` shows it to ``rooms:read`` (no host link,
    no provider record)."""
    return {
        "id": room.id,
        "provider": room.provider.upper(),
        "nativeId": room.native_id,
        "displayName": room.display_name,
        "kind": None if room.kind is None else room.kind.value,
        "createdAt": _time(room.created_at),
        "expiresAt": _time(room.expires_at),
        "available": room.available,
        "guestUrl": room.guest_url,
        "meetingCode": room.meeting_code,
        "metadata": room.metadata,
        "themeId": room.theme_id,
    }
