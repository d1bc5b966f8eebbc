"""GraphQL enums. ``Provider`` is derived from the provider registry."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

import strawberry

from providers import (
    REGISTRY,
    BreakerState,
    Capability,
    EventType,
    JoinApproval,
    ParticipantRole,
    RecordingStatus,
    RoomKind,
    StreamKind,
)

__all__ = [
    "BreakerState",
    "Capability",
    "EventType",
    "JoinApproval",
    "ParticipantRole",
    "Provider",
    "RecordingStatus",
    "RoomKind",
    "StreamKind",
    "provider_name",
]

strawberry.enum(
    BreakerState,
    description="A provider's circuit breaker: CLOSED calls go through; OPEN the provider "
    "failed repeatedly and is skipped at once (PROVIDER_UNAVAILABLE); HALF_OPEN one probe "
    "call is on its way and decides.",
)
strawberry.enum(Capability, description="What a provider can do through the gateway.")
strawberry.enum(EventType, description="Normalized event types.")
strawberry.enum(
    RoomKind,
    description="Instant rooms expire soon after use; long-term rooms live until their expiry.",
)
strawberry.enum(JoinApproval, description="Who must approve a participant before they join.")
strawberry.enum(
    RecordingStatus,
    description="Where a recording is in its life. Vonage: started and paused are RECORDING, "
    "stopped is PROCESSING (uploading), uploaded is READY. VideoSDK: READY once it has a "
    "file, RECORDING before (also while processing after a stop, except in the answer of "
    "stopRecording, which says PROCESSING).",
)
strawberry.enum(
    ParticipantRole,
    description="How a participant joins: HOST may moderate (Vonage host URL, Metered "
    "isAdmin token, VideoSDK allow_mod); GUEST may not.",
)
strawberry.enum(
    StreamKind, description="A live stream: HLS for viewers, or RTMP out to a platform."
)

if TYPE_CHECKING:

    class Provider(Enum):
        VONAGE = "vonage"
        METERED = "metered"
        VIDEOSDK = "videosdk"

else:
    Provider = strawberry.enum(
        Enum("Provider", {name.upper(): name for name in REGISTRY}),
        description="A video-meeting provider behind the gateway.",
    )


def provider_name(provider: Provider) -> str:
    """The registry name (lower case) of a GraphQL ``Provider`` value."""
    return str(provider.value)


def provider_enum(name: str) -> Provider:
    """The GraphQL ``Provider`` value of a registry name."""
    return Provider(name)
