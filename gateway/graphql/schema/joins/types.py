"""GraphQL types of join credentials."""

from __future__ import annotations

from datetime import datetime

import strawberry

from gateway.graphql.enums import ParticipantRole, Provider, provider_enum
from providers import JoinGrant

__all__ = ["JoinCredentials"]


@strawberry.type(
    description="What a client needs to join a room with the provider's own client or page."
)
class JoinCredentials:
    room_id: strawberry.ID = strawberry.field(description='Gateway id, "<provider>:<nativeId>".')
    provider: Provider
    native_room_id: str
    role: ParticipantRole
    url: str | None = strawberry.field(
        description="A page to open: the Vonage host or guest URL, the Metered room URL."
    )
    token: str | None = strawberry.field(
        description="For the provider's client SDK: the Metered room token, the VideoSDK "
        "participant JWT. A credential: keep it out of logs and URLs."
    )
    expires_at: datetime | None = strawberry.field(
        description="When the token or URL stops working, where known (Vonage: the room's "
        "expiry; Metered and VideoSDK: now plus ttlSeconds)."
    )
    participant_id: str | None = strawberry.field(
        description="The participant id the token is bound to (VideoSDK: the given one or "
        "a generated one; Metered: the given one)."
    )

    @classmethod
    def from_domain(cls, grant: JoinGrant) -> JoinCredentials:
        return cls(
            room_id=strawberry.ID(grant.room_id),
            provider=provider_enum(grant.provider),
            native_room_id=grant.native_room_id,
            role=grant.role,
            url=grant.url,
            token=grant.token,
            expires_at=grant.expires_at,
            participant_id=grant.participant_id,
        )
