"""Request bodies for ``POST /room`` and ``PUT /room/{roomName}`` from the common inputs.

Metered has no display name, metadata, theme or room kind. ``roomName`` is the room's id:
it comes from ``providerOptions.roomName`` or is derived from ``displayName`` plus a short
random suffix, so it is known before the create call (the webhook URLs carry it).
A common field Metered cannot honour is refused, never dropped: ``metadata``, ``themeId``,
``kind: LONG_TERM`` (a Metered room lives until ``expiresAt``, there is no lifetime class)
and ``recording.recordOnlyOwner``. ``kind: INSTANT`` is the contract's default and is
accepted as "no kind".
"""

from __future__ import annotations

import re
import secrets
import string
import unicodedata
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from providers.metered.options import (
    WEBHOOK_FIELDS,
    check_room_name,
    checked_options,
    refused,
    unix_seconds,
)
from providers.models import UNSET, JoinApproval, RoomKind, RoomOptions, RoomSpec, RoomUpdate

__all__ = ["create_body", "generated_room_name", "update_body", "webhook_urls"]

_SUFFIX_ALPHABET = string.ascii_lowercase + string.digits
_SLUG_MAX = 40
_WEBHOOK_PATHS = dict(zip(WEBHOOK_FIELDS, ("joined", "left", "started", "ended"), strict=True))
_PRIVACY = {
    JoinApproval.NONE: {"privacy": "public", "enableRequestToJoin": False},
    JoinApproval.AFTER_OWNER_ONLY: {"privacy": "private", "enableRequestToJoin": False},
    JoinApproval.EXPLICIT_APPROVAL: {"privacy": "private", "enableRequestToJoin": True},
}


def generated_room_name(display_name: str) -> str:
    """A URL-friendly slug of ``display_name`` with a 6-character random suffix."""
    plain = unicodedata.normalize("NFKD", display_name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:_SLUG_MAX].rstrip("-")
    suffix = "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(6))
    return f"{slug or 'room'}-{suffix}"


def webhook_urls(base_url: str, room_name: str, token: str | None) -> dict[str, str]:
    """The four per-room webhook fields, pointing at ``<base_url>/<event>?room=…&token=…``."""
    query = urlencode({"room": room_name} | ({} if token is None else {"token": token}))
    base = base_url.rstrip("/")
    return {field: f"{base}/{path}?{query}" for field, path in _WEBHOOK_PATHS.items()}


def _check_common(spec: RoomSpec) -> None:
    if not spec.display_name.strip():
        raise refused("displayName", "must not be blank")
    if spec.metadata is not None:
        raise refused("metadata", "Metered rooms have no metadata")
    if spec.theme_id is not None:
        raise refused("themeId", "Metered rooms have no theme")
    if spec.kind is RoomKind.LONG_TERM:
        raise refused("kind", "Metered rooms have no kind; bound a room's life with expiresAt")
    if spec.recording is not None and spec.recording.record_only_owner:
        raise refused("recording.recordOnlyOwner", "Metered rooms have no owner-only recording")


def _room_name(spec: RoomSpec) -> str:
    given = spec.provider_options.get("roomName")
    if given is None:
        return generated_room_name(spec.display_name)
    return check_room_name(given, "providerOptions.roomName")


def _derived(
    expires_at: datetime | None, join_approval: JoinApproval | None, now: float
) -> tuple[dict[str, Any], dict[str, str]]:
    """Wire fields set from the given common fields, and which common field set each."""
    body: dict[str, Any] = {}
    sources: dict[str, str] = {}
    if expires_at is not None:
        body["expireUnixSec"] = unix_seconds(expires_at, "expiresAt", now=now)
        sources["expireUnixSec"] = "expiresAt"
    if join_approval is not None:
        body.update(_PRIVACY[join_approval])
        sources.update(dict.fromkeys(_PRIVACY[join_approval], "joinApproval"))
    return body, sources


def _typed_options(options: RoomOptions) -> tuple[dict[str, Any], dict[str, str]]:
    """Wire fields set from the common room options, and which option set each.

    Metered honours all of them (chat, screen sharing and the initial camera and
    microphone states act in its prebuilt meeting page, the iframe).
    """
    wire = {
        "chat": ("enableChat", options.chat),
        "screenSharing": ("enableScreenSharing", options.screen_sharing),
        "maxParticipants": ("maxParticipants", options.max_participants),
        "closeWhenIdleSeconds": ("endMeetingAfterNoActivityInSec", options.close_when_idle_seconds),
        "cameraOffAtStart": ("joinVideoOn", _negated(options.camera_off_at_start)),
        "microphoneOffAtStart": ("joinAudioOn", _negated(options.microphone_off_at_start)),
    }
    body = {key: value for key, value in wire.values() if value is not None}
    sources = {key: name for name, (key, value) in wire.items() if value is not None}
    return body, sources


def _negated(value: bool | None) -> bool | None:
    return None if value is None else not value


def _check_combinations(body: dict[str, Any]) -> None:
    if body.get("enableRTMPOut") is True and "rtmpOutURL" not in body:
        raise refused("providerOptions.rtmpOutURL", "is required when enableRTMPOut is true")
    not_before, expiry = body.get("notBeforeUnixSec"), body.get("expireUnixSec")
    if not_before is not None and expiry is not None and not_before >= expiry:
        raise refused("providerOptions.notBeforeUnixSec", "must be before the room's expiry")


def create_body(spec: RoomSpec, *, now: float, webhook_token: str | None) -> dict[str, Any]:
    """The ``POST /room`` body for ``spec``; ``InvalidRequest`` naming the field otherwise.

    ``webhook_token`` is the token the webhook URLs carry when ``spec.webhook`` is set.
    """
    _check_common(spec)
    name = _room_name(spec)
    derived, sources = _derived(spec.expires_at, spec.join_approval, now)
    if spec.recording is not None:
        derived["recordRoom"] = spec.recording.auto_record
        sources["recordRoom"] = "recording.autoRecord"
    typed, typed_sources = _typed_options(spec.options)
    derived.update(typed)
    sources.update(typed_sources)
    if spec.webhook is not None:
        derived.update(webhook_urls(spec.webhook.base_url, name, webhook_token))
        sources.update(dict.fromkeys(WEBHOOK_FIELDS, "the gateway's webhook registration"))
    options = checked_options(spec.provider_options, derived=sources, forbidden={})
    body = {"privacy": "public", **derived, **options, "roomName": name}
    _check_combinations(body)
    return body


def update_body(update: RoomUpdate, *, now: float) -> dict[str, Any]:
    """The ``PUT /room/{roomName}`` body for ``update`` (only what it changes)."""
    if isinstance(update.theme_id, str):
        raise refused("themeId", "Metered rooms have no theme")
    if update.expires_at is None:
        raise refused("expiresAt", "Metered cannot remove a room's expiry")
    expires_at = None if update.expires_at is UNSET else update.expires_at
    # clearing the access control returns the room to Metered's default, public
    approval = None if update.join_approval is UNSET else update.join_approval or JoinApproval.NONE
    body, sources = _derived(expires_at, approval, now)
    forbidden = {"roomName": "renaming would change the room's id"}
    body.update(checked_options(update.provider_options, derived=sources, forbidden=forbidden))
    return body
