"""The documented create/update room fields of Metered and their checks.

``providerOptions`` carries them in Metered's own spelling. Each value is checked for its
documented type before any call; integer fields must be positive (Metered's samples show
zeros, which mean "unset", and a zero unix time must never be sent).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from providers.errors import InvalidRequest
from providers.models import native_id_problem

__all__ = [
    "BOOL_FIELDS",
    "INT_FIELDS",
    "ROOM_FIELDS",
    "TEXT_FIELDS",
    "ROOM_NAME",
    "WEBHOOK_FIELDS",
    "Check",
    "boolean",
    "positive_int",
    "text",
    "check_room_name",
    "checked_options",
    "refused",
    "unix_seconds",
]

PROVIDER = "metered"

#: URL-friendly: RFC 3986 unreserved characters only (no spaces, no slashes)
ROOM_NAME = re.compile(r"[A-Za-z0-9._~-]+")

WEBHOOK_FIELDS = (
    "meetingJoinWebhook",
    "meetingLeftWebhook",
    "meetingStartedWebhook",
    "meetingEndedWebhook",
)

TEXT_FIELDS = ("roomName", "privacy", "compositionLayout", "rtmpOutURL", *WEBHOOK_FIELDS)
BOOL_FIELDS = (
    "ejectAtRoomExp",
    "autoJoin",
    "showInviteBox",
    "enableRequestToJoin",
    "enableChat",
    "newChatForMeetingSession",
    "enableScreenSharing",
    "joinVideoOn",
    "joinAudioOn",
    "enableRecording",
    "ownerOnlyBroadcast",
    "recordRoom",
    "audioOnlyRoom",
    "enableComposition",
    "recordComposition",
    "enableRTMPOut",
    "enableLiveStreaming",
)
INT_FIELDS = (
    "expireUnixSec",
    "notBeforeUnixSec",
    "maxParticipants",
    "ejectAfterElapsedTimeInSec",
    "endMeetingAfterNoActivityInSec",
)

Check = Callable[[Any], str | None]


def boolean(value: Any) -> str | None:
    return None if isinstance(value, bool) else "must be a boolean"


def positive_int(value: Any) -> str | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and value > 0
    return None if ok else "must be a positive integer"


def _one_of(*choices: str) -> Check:
    def check(value: Any) -> str | None:
        return None if value in choices else f"must be one of {', '.join(choices)}"

    return check


def text(value: Any) -> str | None:
    return None if isinstance(value, str) and value.strip() else "must be a non-empty string"


def _http_url(value: Any) -> str | None:
    ok = isinstance(value, str) and re.match(r"https?://[^\s]+$", value) is not None
    return None if ok else "must be an http(s) URL"


def _room_name(value: Any) -> str | None:
    ok = isinstance(value, str) and ROOM_NAME.fullmatch(value) is not None
    if not ok:
        return "must be URL-friendly: letters, digits, '-', '_', '.', '~'"
    # the room name is the room's id in URL paths: '.' and '..' would address another endpoint
    return native_id_problem(value)


ROOM_FIELDS: Mapping[str, Check] = {
    "roomName": _room_name,
    "privacy": _one_of("public", "private"),
    "compositionLayout": _one_of("grid", "active_speaker"),
    "rtmpOutURL": text,
    **dict.fromkeys(WEBHOOK_FIELDS, _http_url),
    **dict.fromkeys(BOOL_FIELDS, boolean),
    **dict.fromkeys(INT_FIELDS, positive_int),
}


def refused(field: str, message: str) -> InvalidRequest:
    """Our validation's error: ``InvalidRequest`` naming the input ``field``."""
    return InvalidRequest(PROVIDER, f"{field}: {message}", field=field)


def check_room_name(value: Any, field: str) -> str:
    """``value`` if it can be a Metered room name, else ``InvalidRequest`` naming ``field``."""
    problem = _room_name(value)
    if problem:
        raise refused(field, problem)
    return str(value)


def unix_seconds(value: datetime, field: str, *, now: float | None) -> int:
    """``value`` as Metered's (positive) epoch seconds; it must carry an offset, and lie
    after ``now`` unless that is ``None``."""
    if value.tzinfo is None:
        raise refused(field, "must include a UTC offset")
    seconds = int(value.timestamp())
    if seconds <= (0 if now is None else now):
        raise refused(field, "must be in the future" if now is not None else "must be after 1970")
    return seconds


def checked_options(
    options: Mapping[str, Any], *, derived: Mapping[str, str], forbidden: Mapping[str, str]
) -> dict[str, Any]:
    """``options`` after the documented-field and type checks.

    ``derived`` maps wire keys already set from a common field to that field's name (giving
    both is a conflict); ``forbidden`` maps wire keys refused here to the reason.
    """
    for key, value in options.items():
        field = f"providerOptions.{key}"
        check = ROOM_FIELDS.get(key)
        if check is None:
            raise refused(field, "is not a documented Metered field")
        if key in forbidden:
            raise refused(field, forbidden[key])
        if key in derived:
            raise refused(field, f"conflicts with {derived[key]}")
        problem = check(value)
        if problem:
            raise refused(field, problem)
    return dict(options)
