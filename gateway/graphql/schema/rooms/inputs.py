"""Room inputs and their gateway-level validation, done before any provider call.

Every refusal is ``BAD_USER_INPUT`` naming the input field. Provider-specific rules
(lengths, ``providerOptions`` keys) are the adapters' to check.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import strawberry

from gateway.graphql.enums import JoinApproval, Provider, RoomKind
from gateway.graphql.errors import bad_input
from gateway.graphql.scalars import JSON, require_offset
from gateway.graphql.targets import parse_id, present
from providers import (
    UNSET,
    RecordingOptions,
    RoomOptions,
    RoomSpec,
    RoomUpdate,
    WebhookTarget,
)

__all__ = [
    "IDLE_SECONDS",
    "MAX_IDEMPOTENCY_KEY",
    "MAX_PARTICIPANTS",
    "CreateRoomInput",
    "RecordingOptionsInput",
    "UpdateRoomInput",
    "room_spec",
    "room_update",
]

MAX_IDEMPOTENCY_KEY = 255
MAX_PARTICIPANTS = 10_000
#: closeWhenIdleSeconds bounds: one minute to one day
IDLE_SECONDS = (60, 86_400)

_NOT_HONOURED = "Refused (BAD_USER_INPUT naming this field) by providers that do not honour it."


@strawberry.input(description="How a new room records.")
class RecordingOptionsInput:
    auto_record: bool = False
    record_only_owner: bool = False


@strawberry.input(description="A new room.")
class CreateRoomInput:
    provider: Provider | None = strawberry.field(
        default=strawberry.UNSET, description="null: the configured default provider."
    )
    display_name: str
    kind: RoomKind = RoomKind.INSTANT
    expires_at: datetime | None = strawberry.field(
        default=strawberry.UNSET, description="Required for LONG_TERM rooms at some providers."
    )
    metadata: str | None = strawberry.UNSET
    recording: RecordingOptionsInput | None = strawberry.UNSET
    theme_id: strawberry.ID | None = strawberry.UNSET
    join_approval: JoinApproval | None = strawberry.UNSET
    chat: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="Whether participants may chat. Metered (enableChat), Vonage "
        f"(available_features.is_chat_available). {_NOT_HONOURED}",
    )
    screen_sharing: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description=f"Whether participants may share their screen. Metered (enableScreenSharing). "
        f"{_NOT_HONOURED}",
    )
    max_participants: int | None = strawberry.field(
        default=strawberry.UNSET,
        description=f"At most this many participants at once, 1 to {MAX_PARTICIPANTS}. Metered "
        f"(maxParticipants); Vonage rooms hold 200. {_NOT_HONOURED}",
    )
    close_when_idle_seconds: int | None = strawberry.field(
        default=strawberry.UNSET,
        description=f"End the meeting after this many seconds without anyone publishing audio "
        f"or video, {IDLE_SECONDS[0]} to {IDLE_SECONDS[1]}. Metered "
        f"(endMeetingAfterNoActivityInSec). VideoSDK's autoCloseConfig (in providerOptions) "
        f"ends sessions after a fixed duration instead. {_NOT_HONOURED}",
    )
    camera_off_at_start: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description=f"Participants join with their camera off. Metered (joinVideoOn: false). "
        f"{_NOT_HONOURED}",
    )
    microphone_off_at_start: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="Participants join with their microphone off. Metered (joinAudioOn: false), "
        f"Vonage (initial_join_options.microphone_state: off). {_NOT_HONOURED}",
    )
    provider_options: JSON | None = strawberry.field(
        default=strawberry.UNSET,
        description="Provider-specific fields, in the provider's own spelling. A field one of "
        "the typed options above sets may not be given here too.",
    )
    idempotency_key: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="The same key and input within the retention window (24 h by default) "
        "return the same room without creating another.",
    )


@strawberry.input(description="Changes to a room; fields left out stay as they are.")
class UpdateRoomInput:
    display_name: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="A new name (Metered: kept by the gateway; Vonage cannot rename rooms).",
    )
    expires_at: datetime | None = strawberry.UNSET
    theme_id: strawberry.ID | None = strawberry.UNSET
    join_approval: JoinApproval | None = strawberry.UNSET
    provider_options: JSON | None = strawberry.UNSET


def theme_native_id(value: str, provider: str) -> str:
    """The native id of gateway theme id ``value``, which must belong to ``provider``."""
    theme_provider, native_id = parse_id(value, "themeId")
    if theme_provider != provider:
        raise bad_input(
            f"themeId belongs to {theme_provider}, the room to {provider}", field="themeId"
        )
    return native_id


def provider_options(value: Any) -> Mapping[str, Any]:
    """``providerOptions`` must be a JSON object (or absent)."""
    if value is None or value is strawberry.UNSET:
        return {}
    if not isinstance(value, Mapping):
        raise bad_input("providerOptions must be a JSON object", field="providerOptions")
    return dict(value)


def idempotency_key(value: str | None) -> str | None:
    if value is not None and not (0 < len(value.strip()) <= MAX_IDEMPOTENCY_KEY):
        raise bad_input(
            f"idempotencyKey must have 1 to {MAX_IDEMPOTENCY_KEY} characters",
            field="idempotencyKey",
        )
    return value


def _bounded(value: int | None, field: str, low: int, high: int) -> int | None:
    if value is not None and not low <= value <= high:
        raise bad_input(f"{field} must be between {low} and {high}", field=field)
    return value


def room_options(data: CreateRoomInput) -> RoomOptions:
    """The common options of a create, range-checked (explicit nulls mean "not given")."""
    return RoomOptions(
        chat=present(data.chat),
        screen_sharing=present(data.screen_sharing),
        max_participants=_bounded(
            present(data.max_participants), "maxParticipants", 1, MAX_PARTICIPANTS
        ),
        close_when_idle_seconds=_bounded(
            present(data.close_when_idle_seconds), "closeWhenIdleSeconds", *IDLE_SECONDS
        ),
        camera_off_at_start=present(data.camera_off_at_start),
        microphone_off_at_start=present(data.microphone_off_at_start),
    )


def room_spec(data: CreateRoomInput, provider: str, webhook: WebhookTarget | None) -> RoomSpec:
    """The domain spec of a create for ``provider``."""
    if not data.display_name.strip():
        raise bad_input("displayName must not be blank", field="displayName")
    idempotency_key(present(data.idempotency_key))
    expires_at, recording, theme_id = (
        present(data.expires_at),
        present(data.recording),
        present(data.theme_id),
    )
    return RoomSpec(
        display_name=data.display_name,
        kind=data.kind,
        expires_at=None if expires_at is None else require_offset(expires_at, "expiresAt"),
        metadata=present(data.metadata),
        recording=None
        if recording is None
        else RecordingOptions(recording.auto_record, recording.record_only_owner),
        theme_id=None if theme_id is None else theme_native_id(theme_id, provider),
        join_approval=present(data.join_approval),
        provider_options=provider_options(data.provider_options),
        webhook=webhook,
        options=room_options(data),
    )


def _expires_at(value: datetime | None) -> Any:
    if value is strawberry.UNSET:
        return UNSET
    return None if value is None else require_offset(value, "expiresAt")


def _theme_id(value: str | None, provider: str) -> Any:
    if value is strawberry.UNSET:
        return UNSET
    return None if value is None else theme_native_id(value, provider)


def _display_name(value: str | None) -> Any:
    if value is strawberry.UNSET:
        return UNSET
    if value is None or not value.strip():
        raise bad_input("displayName must not be blank", field="displayName")
    return value


def room_update(data: UpdateRoomInput, provider: str) -> RoomUpdate:
    """The domain update of a room of ``provider``; ``UNSET`` marks fields left out."""
    approval = data.join_approval
    return RoomUpdate(
        display_name=_display_name(data.display_name),
        expires_at=_expires_at(data.expires_at),
        theme_id=_theme_id(data.theme_id, provider),
        join_approval=UNSET if approval is strawberry.UNSET else approval,
        provider_options=provider_options(data.provider_options),
    )
