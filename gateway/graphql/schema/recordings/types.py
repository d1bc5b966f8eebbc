"""GraphQL output types of recordings and of the merged recording list."""

from __future__ import annotations

from datetime import datetime

import strawberry

from gateway.graphql.enums import Provider, RecordingStatus, provider_enum
from gateway.graphql.scalars import JSON
from gateway.graphql.schema.recordings.listing import RecordingPage
from gateway.graphql.schema.rooms.types import PageInfo, ProviderFailure
from providers import Recording as DomainRecording
from providers import global_id

__all__ = ["Recording", "RecordingConnection"]


@strawberry.type(description="A recording at one provider.")
class Recording:
    id: strawberry.ID = strawberry.field(description='Gateway id, "<provider>:<nativeId>".')
    provider: Provider
    native_id: str = strawberry.field(description="The provider's own recording id.")
    room_id: strawberry.ID | None = strawberry.field(
        description="Gateway room id, where known (Vonage: once a callback named the "
        "session's room)."
    )
    session_id: str | None = strawberry.field(description="The provider's own session id.")
    status: RecordingStatus
    started_at: datetime | None
    ended_at: datetime | None
    duration_seconds: float | None
    url: str | None = strawberry.field(
        description="Download link as the provider gives it now: read again on every "
        "query, never cached (Vonage links are pre-signed and expire)."
    )
    size_bytes: float | None
    raw: JSON = strawberry.field(description="The provider's record as received.")

    @classmethod
    def from_domain(cls, recording: DomainRecording) -> Recording:
        room = recording.room_native_id
        return cls(
            id=strawberry.ID(recording.id),
            provider=provider_enum(recording.provider),
            native_id=recording.native_id,
            room_id=None if room is None else strawberry.ID(global_id(recording.provider, room)),
            session_id=recording.session_id,
            status=recording.status,
            started_at=recording.started_at,
            ended_at=recording.ended_at,
            duration_seconds=recording.duration_seconds,
            url=recording.url,
            size_bytes=recording.size_bytes,
            raw=JSON(dict(recording.raw)),
        )


@strawberry.type(
    description="Recordings newest first (see `recordings`), with the providers that could "
    "not answer."
)
class RecordingConnection:
    nodes: list[Recording]
    page_info: PageInfo
    failures: list[ProviderFailure]

    @classmethod
    def from_domain(cls, page: RecordingPage) -> RecordingConnection:
        return cls(
            nodes=[Recording.from_domain(recording) for recording in page.recordings],
            page_info=PageInfo(has_next_page=page.has_next, end_cursor=page.end_cursor),
            failures=[ProviderFailure.from_domain(f) for f in page.failures],
        )
