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
from typing import Any
from urllib.parse import urlencode

from providers.errors import InvalidRequest
from providers.metered.options import (
    PROVIDER,
    WEBHOOK_FIELDS,
    check_room_name,
    checked_options,
    unix_seconds,
)
from providers.models import UNSET, JoinApproval, RoomKind, RoomSpec, RoomUpdate

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


def webhook_urls(base_url: str, room_name: str, token: str) -> dict[str, str]:
    """The four per-room webhook fields, pointing at ``<base_url>/<event>?room=…&token=…``."""
    query = urlencode({"room": room_name, "token": token})
    base = base_url.rstrip("/")
    return {field: f"{base}/{path}?{query}" for field, path in _WEBHOOK_PATHS.items()}


def _refuse(field: str, message: str) -> InvalidRequest:
    return InvalidRequest(PROVIDER, f"{field}: {message}", field=field)


def _check_common(spec: RoomSpec) -> None:
    if not spec.display_name.strip():
        raise _refuse("displayName", "must not be blank")
    if spec.metadata is not None:
        raise _refuse("metadata", "Metered rooms have no metadata")
    if spec.theme_id is not None:
        raise _refuse("themeId", "Metered rooms have no theme")
    if spec.kind is RoomKind.LONG_TERM:
        raise _refuse("kind", "Metered rooms have no kind; bound a room's life with expiresAt")
    if spec.recording is not None and spec.recording.record_only_owner:
        raise _refuse("recording.recordOnlyOwner", "Metered rooms have no owner-only recording")


def _room_name(spec: RoomSpec) -> str:
    given = spec.provider_options.get("roomName")
    if given is None:
        return generated_room_name(spec.display_name)
    return check_room_name(given, "providerOptions.roomName")


def _derived(spec: RoomSpec, now: float) -> tuple[dict[str, Any], dict[str, str]]:
    """Wire fields set from common fields, and which common field set each."""
    body: dict[str, Any] = {}
    sources: dict[str, str] = {}
    if spec.expires_at is not None:
        body["expireUnixSec"] = unix_seconds(spec.expires_at, "expiresAt", now=now)
        sources["expireUnixSec"] = "expiresAt"
    if spec.recording is not None:
        body["recordRoom"] = spec.recording.auto_record
        sources["recordRoom"] = "recording.autoRecord"
    if spec.join_approval is not None:
        body.update(_PRIVACY[spec.join_approval])
        sources.update(dict.fromkeys(_PRIVACY[spec.join_approval], "joinApproval"))
    return body, sources


def _check_combinations(body: dict[str, Any]) -> None:
    if body.get("enableRTMPOut") is True and "rtmpOutURL" not in body:
        raise _refuse("providerOptions.rtmpOutURL", "is required when enableRTMPOut is true")
    not_before, expiry = body.get("notBeforeUnixSec"), body.get("expireUnixSec")
    if not_before is not None and expiry is not None and not_before >= expiry:
        raise _refuse("providerOptions.notBeforeUnixSec", "must be before the room's expiry")


def create_body(spec: RoomSpec, *, now: float, webhook_token: str | None) -> dict[str, Any]:
    """The ``POST /room`` body for ``spec``; ``InvalidRequest`` naming the field otherwise.

    ``webhook_token`` is the token the webhook URLs carry when ``spec.webhook`` is set.
    """
    _check_common(spec)
    name = _room_name(spec)
    derived, sources = _derived(spec, now)
    if spec.webhook is not None and webhook_token is not None:
        derived.update(webhook_urls(spec.webhook.base_url, name, webhook_token))
        sources.update(dict.fromkeys(WEBHOOK_FIELDS, "the gateway's webhook registration"))
    options = checked_options(spec.provider_options, derived=sources, forbidden={})
    body = {"privacy": "public", **derived, **options, "roomName": name}
    _check_combinations(body)
    return body


def update_body(update: RoomUpdate, *, now: float) -> dict[str, Any]:
    """The ``PUT /room/{roomName}`` body for ``update`` (only what it changes)."""
    if isinstance(update.theme_id, str):
        raise _refuse("themeId", "Metered rooms have no theme")
    body: dict[str, Any] = {}
    sources: dict[str, str] = {}
    if update.expires_at is None:
        raise _refuse("expiresAt", "Metered cannot remove a room's expiry")
    if update.expires_at is not UNSET:
        body["expireUnixSec"] = unix_seconds(update.expires_at, "expiresAt", now=now)
        sources["expireUnixSec"] = "expiresAt"
    if update.join_approval is not UNSET:
        fields = _PRIVACY[update.join_approval or JoinApproval.NONE]
        body.update(fields)
        sources.update(dict.fromkeys(fields, "joinApproval"))
    forbidden = {"roomName": "renaming would change the room's id"}
    body.update(checked_options(update.provider_options, derived=sources, forbidden=forbidden))
    return body
