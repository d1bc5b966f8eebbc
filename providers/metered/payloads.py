"""Metered wire JSON -> neutral models. Pure functions; lenient where the docs are thin.

Access control maps as follows (Metered has no owner-gated lobby of its own):

    privacy "public"                              <-> JoinApproval.NONE
    privacy "private", enableRequestToJoin false  <-> JoinApproval.AFTER_OWNER_ONLY
    privacy "private", enableRequestToJoin true   <-> JoinApproval.EXPLICIT_APPROVAL

A private room needs a token to join; with ``enableRequestToJoin`` a user without one may
knock and the room's admin approves.

A room's ``raw`` is its record as received, except that the token in the gateway's webhook
URLs is masked: whoever may read rooms must not be able to forge webhook deliveries.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from providers._http import describe_error_body, redact
from providers._listing import newest_first
from providers.metered.options import WEBHOOK_FIELDS
from providers.models import JoinApproval, RecordingOptions, Room, RoomOptions

__all__ = [
    "error_message",
    "join_approval",
    "parse_instant",
    "rooms_from_list",
    "to_room",
]

_MILLIS_THRESHOLD = 100_000_000_000  # an epoch in seconds this large is year 5138


def parse_instant(value: Any) -> datetime | None:
    """An ISO-8601 string or epoch seconds/milliseconds as an aware UTC datetime, else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, int | float):
        seconds = value / 1000 if abs(value) >= _MILLIS_THRESHOLD else value
        return datetime.fromtimestamp(seconds, UTC) if seconds > 0 else None
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def join_approval(data: Mapping[str, Any]) -> JoinApproval | None:
    """The room's access control in neutral terms (see the module docstring)."""
    privacy = data.get("privacy")
    if privacy == "public":
        return JoinApproval.NONE
    if privacy == "private":
        knock = data.get("enableRequestToJoin") is True
        return JoinApproval.EXPLICIT_APPROVAL if knock else JoinApproval.AFTER_OWNER_ONLY
    return None


def _masked(data: Mapping[str, Any]) -> dict[str, Any]:
    masked = dict(data)
    for key in WEBHOOK_FIELDS:
        if isinstance(masked.get(key), str):
            masked[key] = redact(masked[key])
    return masked


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _positive(value: Any) -> int | None:
    # Metered's samples show 0 for "unset"
    ok = isinstance(value, int) and not isinstance(value, bool) and value > 0
    return value if ok else None


def _off(value: Any) -> bool | None:
    return None if not isinstance(value, bool) else not value


def room_options(data: Mapping[str, Any]) -> RoomOptions:
    """The common options a room record reports (``None`` for fields it lacks)."""
    return RoomOptions(
        chat=_flag(data.get("enableChat")),
        screen_sharing=_flag(data.get("enableScreenSharing")),
        max_participants=_positive(data.get("maxParticipants")),
        close_when_idle_seconds=_positive(data.get("endMeetingAfterNoActivityInSec")),
        camera_off_at_start=_off(data.get("joinVideoOn")),
        microphone_off_at_start=_off(data.get("joinAudioOn")),
    )


def to_room(data: Mapping[str, Any], *, join_base_url: str, provider: str = "metered") -> Room:
    """A Metered room record as a ``Room``; ``ValueError`` when it names no room."""
    name = data.get("roomName")
    if not isinstance(name, str) or not name:
        raise ValueError("room record without a roomName")
    url = f"{join_base_url.rstrip('/')}/{name}"
    return Room(
        provider=provider,
        native_id=name,
        raw=_masked(data),
        display_name=name,
        created_at=parse_instant(data.get("created")),
        expires_at=parse_instant(data.get("expireUnixSec")),
        available=data.get("archived") is not True,
        host_url=url,
        guest_url=url,
        recording=RecordingOptions(auto_record=data.get("recordRoom") is True),
        join_approval=join_approval(data),
        options=room_options(data),
    )


def rooms_from_list(body: Any, *, join_base_url: str, provider: str = "metered") -> list[Room]:
    """``GET /rooms``: a bare array (or one wrapped in ``rooms``/``data``), newest first.

    ``TypeError`` when the answer is no list, ``ValueError`` when a record names no room.
    """
    records = body
    if isinstance(body, Mapping):
        records = body.get("rooms", body.get("data"))
    if not isinstance(records, Sequence) or isinstance(records, str):
        raise TypeError("room list is not an array")
    rooms = [
        to_room(record, join_base_url=join_base_url, provider=provider)
        for record in records
        if isinstance(record, Mapping)
    ]
    return newest_first(rooms)


def error_message(body: Any) -> str | None:
    """The message of any of Metered's error shapes.

    ``{"success": false, "message": …}``, ``{"eventCode": "", "message": …}`` and
    ``{"error": {"details": …}}``.
    """
    if isinstance(body, Mapping):
        error = body.get("error")
        details = error.get("details") if isinstance(error, Mapping) else None
        if isinstance(details, str) and details:
            return details
        if details:
            return json.dumps(details, sort_keys=True, default=str)
    return describe_error_body(body)
