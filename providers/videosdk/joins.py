"""Participant tokens: HS256 JWTs signed with the account secret, as VideoSDK documents them.

A token is restricted to one room and one participant and to meetings only
(``roles: ["rtc"]``: it cannot call the server API). Permissions: ``allow_join`` lets the
participant in directly, ``ask_join`` makes them ask a moderator first, ``allow_mod`` lets
them moderate others. VideoSDK rooms have no approval setting of their own: the gateway
remembers the approval asked for at creation with the room's notes
(``providers._room_notes``, kept as long as the display name) and puts it in the tokens.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import jwt

from providers.errors import NotConfigured
from providers.models import JoinApproval, JoinGrant, JoinRequest, ParticipantRole
from providers.videosdk.payloads import PROVIDER
from providers.videosdk.settings import VideoSDKSettings

__all__ = ["participant_claims", "participant_grant", "permissions"]


def permissions(role: ParticipantRole, approval: JoinApproval | None) -> list[str]:
    """A host joins directly and moderates; a guest asks to join when approval is required."""
    if role is ParticipantRole.HOST:
        return ["allow_join", "allow_mod"]
    gated = approval not in (None, JoinApproval.NONE)
    return ["ask_join"] if gated else ["allow_join"]


def participant_claims(
    api_key: str,
    room_id: str,
    participant_id: str,
    granted: list[str],
    *,
    now: float,
    ttl_seconds: int,
) -> dict[str, object]:
    """The claims of a participant token issued at ``now``."""
    issued = int(now)
    return {
        "apikey": api_key,
        "permissions": granted,
        "version": 2,
        "roomId": room_id,
        "participantId": participant_id,
        "roles": ["rtc"],
        "iat": issued,
        "exp": issued + ttl_seconds,
    }


def participant_grant(
    settings: VideoSDKSettings,
    room_id: str,
    request: JoinRequest,
    approval: JoinApproval | None,
    *,
    now: float,
) -> JoinGrant:
    """A signed participant token for ``room_id`` (a roomId, not a customRoomId alias)."""
    if not settings.api_key or settings.secret is None:
        raise NotConfigured(PROVIDER, "VideoSDK api_key and secret are not set")
    participant = request.participant_id or uuid.uuid4().hex
    granted = permissions(request.role, approval)
    claims = participant_claims(
        settings.api_key, room_id, participant, granted, now=now, ttl_seconds=request.ttl_seconds
    )
    token = jwt.encode(claims, settings.secret.get_secret_value(), algorithm="HS256")
    expires = int(now) + request.ttl_seconds
    return JoinGrant(
        provider=PROVIDER,
        native_room_id=room_id,
        role=request.role,
        token=token,
        expires_at=datetime.fromtimestamp(expires, UTC),
        participant_id=participant,
    )
