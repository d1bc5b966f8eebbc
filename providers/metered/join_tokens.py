"""Participant access tokens (``POST /token``): request body and result.

Metered signs these tokens itself; the gateway only asks for them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypedDict

from providers.errors import InvalidRequest
from providers.metered.options import PROVIDER, check_room_name, unix_seconds

__all__ = ["JoinToken", "JoinTokenOptions", "token_body"]


@dataclass(frozen=True, slots=True)
class JoinToken:
    """A participant's token for one room (or every room when ``global_token``)."""

    token: str = field(repr=False)
    room_name: str | None
    is_admin: bool
    global_token: bool
    expires_at: datetime | None


class JoinTokenOptions(TypedDict, total=False):
    """What to put in a token besides its room; a missing key leaves Metered's default."""

    is_admin: bool
    name: str
    email: str
    meta: str
    external_user_id: str
    expires_at: datetime
    not_before: datetime
    global_token: bool
    eject_after_seconds: int
    join_video_on: bool
    join_audio_on: bool
    disable_video: bool
    disable_audio: bool
    disable_screen_sharing: bool


_TEXTS = {"name": "name", "email": "email", "meta": "meta", "external_user_id": "externalUserId"}
_FLAGS = {
    "join_video_on": "joinVideoOn",
    "join_audio_on": "joinAudioOn",
    "disable_video": "disableVideo",
    "disable_audio": "disableAudio",
    "disable_screen_sharing": "disableScreenSharing",
}


def _refuse(name: str, message: str) -> InvalidRequest:
    return InvalidRequest(PROVIDER, f"{name} {message}", field=name)


def _scope(room_name: str | None, options: JoinTokenOptions) -> dict[str, Any]:
    global_token = options.get("global_token", False)
    if global_token and room_name is not None:
        raise _refuse("globalToken", "cannot be combined with a roomName")
    if global_token:
        return {"globalToken": True}
    if room_name is None:
        raise _refuse("roomName", "is required unless globalToken is set")
    return {"roomName": check_room_name(room_name, "roomName")}


def _times(options: JoinTokenOptions, now: float) -> dict[str, int]:
    times: dict[str, int] = {}
    if "expires_at" in options:
        times["expireUnixSec"] = unix_seconds(options["expires_at"], "expiresAt", now=now)
    if "not_before" in options:
        not_before = options["not_before"]
        if not_before.tzinfo is None:
            raise _refuse("notBefore", "must include a UTC offset")
        times["notBeforeUnixSec"] = max(1, int(not_before.timestamp()))
    if times.get("notBeforeUnixSec", 0) >= times.get("expireUnixSec", 2**63):
        raise _refuse("notBefore", "must be before expiresAt")
    return times


def _details(options: Mapping[str, object]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for key, wire in _TEXTS.items():
        value = options.get(key)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise _refuse(wire, "must be a non-empty string")
        body[wire] = value
    for key, wire in _FLAGS.items():
        flag = options.get(key)
        if flag is not None and not isinstance(flag, bool):
            raise _refuse(wire, "must be a boolean")
        body[wire] = flag
    seconds = options.get("eject_after_seconds")
    if seconds is not None and (type(seconds) is not int or seconds <= 0):
        raise _refuse("ejectAfterSeconds", "must be a positive integer")
    body["ejectAfterElapsedTimeInSec"] = seconds
    return {key: value for key, value in body.items() if value is not None}


def token_body(room_name: str | None, options: JoinTokenOptions, *, now: float) -> dict[str, Any]:
    """The ``POST /token`` body; ``InvalidRequest`` naming the offending argument."""
    is_admin = options.get("is_admin", False)
    if not isinstance(is_admin, bool):
        raise _refuse("isAdmin", "must be a boolean")
    scope = _scope(room_name, options)
    return {**scope, "isAdmin": is_admin, **_times(options, now), **_details(options)}
