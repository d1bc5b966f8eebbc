"""``JoinRoomInput`` and its checks, made before any provider call."""

from __future__ import annotations

import strawberry

from gateway.graphql.enums import ParticipantRole
from gateway.graphql.errors import bad_input
from gateway.graphql.targets import present
from providers import JoinRequest

__all__ = ["MAX_TTL_SECONDS", "MIN_TTL_SECONDS", "JoinRoomInput", "join_request"]

MIN_TTL_SECONDS = 60
MAX_TTL_SECONDS = 86_400
#: the longest participant id or name accepted
_MAX_TEXT = 256


@strawberry.input(description="Who joins which room, and for how long.")
class JoinRoomInput:
    room_id: strawberry.ID
    role: ParticipantRole = ParticipantRole.GUEST
    participant_id: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="Your user's stable id: Metered externalUserId, VideoSDK participantId "
        "(generated when left out). Vonage URLs carry none.",
    )
    participant_name: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="The name shown to others: Metered's token name. VideoSDK and Vonage "
        "ask for it in their own client or page.",
    )
    ttl_seconds: int = strawberry.field(
        default=3600,
        description="How long the token works, 60 to 86400 seconds. Vonage URLs last as "
        "long as the room.",
    )


def _text(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    if not value.strip():
        raise bad_input(f"{field} must not be blank", field=field)
    if len(value) > _MAX_TEXT or not value.isprintable():
        raise bad_input(f"{field} must be at most {_MAX_TEXT} printable characters", field=field)
    return value


def join_request(data: JoinRoomInput) -> JoinRequest:
    """The domain request; ``BAD_USER_INPUT`` naming the offending field."""
    if not MIN_TTL_SECONDS <= data.ttl_seconds <= MAX_TTL_SECONDS:
        raise bad_input(
            f"input.ttlSeconds must be between {MIN_TTL_SECONDS} and {MAX_TTL_SECONDS}",
            field="ttlSeconds",
        )
    return JoinRequest(
        role=data.role,
        participant_id=_text(present(data.participant_id), "participantId"),
        participant_name=_text(present(data.participant_name), "participantName"),
        ttl_seconds=data.ttl_seconds,
    )
