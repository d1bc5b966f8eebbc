"""Participant access tokens (``POST /token``): request body and result.

Metered signs these tokens itself; the gateway only asks for them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypedDict

from providers.metered.options import (
    Check,
    boolean,
    check_room_name,
    positive_int,
    refused,
    text,
    unix_seconds,
)

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


#: argument -> (its name in errors, its wire name, its check)
_DETAILS: dict[str, tuple[str, str, Check]] = {
    "is_admin": ("isAdmin", "isAdmin", boolean),
    "name": ("name", "name", text),
    "email": ("email", "email", text),
    "meta": ("meta", "meta", text),
    "external_user_id": ("externalUserId", "externalUserId", text),
    "eject_after_seconds": ("ejectAfterSeconds", "ejectAfterElapsedTimeInSec", positive_int),
    "join_video_on": ("joinVideoOn", "joinVideoOn", boolean),
    "join_audio_on": ("joinAudioOn", "joinAudioOn", boolean),
    "disable_video": ("disableVideo", "disableVideo", boolean),
    "disable_audio": ("disableAudio", "disableAudio", boolean),
    "disable_screen_sharing": ("disableScreenSharing", "disableScreenSharing", boolean),
}


def _scope(room_name: str | None, options: JoinTokenOptions) -> dict[str, Any]:
    global_token = options.get("global_token", False)
    if global_token and room_name is not None:
        raise refused("globalToken", "cannot be combined with a roomName")
    if global_token:
        return {"globalToken": True}
    if room_name is None:
        raise refused("roomName", "is required unless globalToken is set")
    return {"roomName": check_room_name(room_name, "roomName")}


def _times(options: JoinTokenOptions, now: float) -> dict[str, int]:
    times: dict[str, int] = {}
    if "expires_at" in options:
        times["expireUnixSec"] = unix_seconds(options["expires_at"], "expiresAt", now=now)
    if "not_before" in options:
        times["notBeforeUnixSec"] = unix_seconds(options["not_before"], "notBefore", now=None)
    if times.get("notBeforeUnixSec", 0) >= times.get("expireUnixSec", 2**63):
        raise refused("notBefore", "must be before expiresAt")
    return times


def _details(options: Mapping[str, object]) -> dict[str, Any]:
    body: dict[str, Any] = {"isAdmin": False}
    for key, (name, wire, check) in _DETAILS.items():
        value = options.get(key)
        problem = None if value is None else check(value)
        if problem:
            raise refused(name, problem)
        if value is not None:
            body[wire] = value
    return body


def token_body(room_name: str | None, options: JoinTokenOptions, *, now: float) -> dict[str, Any]:
    """The ``POST /token`` body; ``InvalidRequest`` naming the offending argument."""
    return {**_scope(room_name, options), **_times(options, now), **_details(options)}
