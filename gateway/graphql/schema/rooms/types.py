"""GraphQL output types of rooms and of the merged room list."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import strawberry

from gateway.auth import Scope
from gateway.graphql.context import Info
from gateway.graphql.enums import JoinApproval, Provider, RoomKind, provider_enum
from gateway.graphql.fanout import Failure
from gateway.graphql.loaders import theme_loader
from gateway.graphql.pagination import MergedPage, Positions
from gateway.graphql.permissions import requires
from gateway.graphql.scalars import JSON
from gateway.graphql.schema.themes.types import Theme
from providers import RecordingOptions as DomainRecordingOptions
from providers import Room as DomainRoom
from providers import RoomOptions as DomainRoomOptions
from providers import global_id

__all__ = [
    "PageInfo",
    "ProviderFailure",
    "RecordingOptions",
    "Room",
    "RoomConnection",
    "RoomEdge",
    "RoomOptions",
]


@strawberry.type(description="How a room records.")
class RecordingOptions:
    auto_record: bool
    record_only_owner: bool

    @classmethod
    def from_domain(cls, options: DomainRecordingOptions) -> RecordingOptions:
        return cls(auto_record=options.auto_record, record_only_owner=options.record_only_owner)


@strawberry.type(
    description="The typed room options (see CreateRoomInput) as the provider reports them; "
    "null where it does not (VideoSDK reports none; Vonage: chat and microphoneOffAtStart)."
)
class RoomOptions:
    chat: bool | None
    screen_sharing: bool | None
    max_participants: int | None
    close_when_idle_seconds: int | None
    camera_off_at_start: bool | None
    microphone_off_at_start: bool | None

    @classmethod
    def from_domain(cls, options: DomainRoomOptions) -> RoomOptions:
        return cls(
            chat=options.chat,
            screen_sharing=options.screen_sharing,
            max_participants=options.max_participants,
            close_when_idle_seconds=options.close_when_idle_seconds,
            camera_off_at_start=options.camera_off_at_start,
            microphone_off_at_start=options.microphone_off_at_start,
        )


@strawberry.type(description="A meeting room at one provider.")
class Room:
    id: strawberry.ID = strawberry.field(
        description='Gateway id, "<provider>:<nativeId>", provider in lower case.'
    )
    provider: Provider
    native_id: str = strawberry.field(
        description="The provider's own id: Vonage id, Metered roomName, VideoSDK roomId."
    )
    display_name: str | None
    kind: RoomKind | None
    created_at: datetime | None
    expires_at: datetime | None
    available: bool
    host_link: strawberry.Private[str | None]
    guest_url: str | None
    meeting_code: str | None
    metadata: str | None
    recording: RecordingOptions
    join_approval: JoinApproval | None = strawberry.field(
        description="Who must approve a participant, where the provider says."
    )
    theme_id: strawberry.ID | None = strawberry.field(
        description='Gateway theme id, "<provider>:<themeId>".'
    )
    options: RoomOptions
    record: strawberry.Private[Mapping[str, Any]]

    @strawberry.field(
        description="The page that joins the room as its host (moderator); null without "
        "the rooms:host scope."
    )
    def host_url(self, info: Info) -> str | None:
        return self.host_link if _may_host(info) else None

    @strawberry.field(
        description="The provider's record as received; without the rooms:host scope the "
        "host URL is removed from it (set to null)."
    )
    def raw(self, info: Info) -> JSON:
        if self.host_link is None or _may_host(info):
            return JSON(dict(self.record))
        return JSON(_without(self.record, self.host_link))

    @strawberry.field(
        description="The room's theme (looked up once per theme per request); needs themes:read.",
        permission_classes=[requires(Scope.THEMES_READ)],
    )
    async def theme(self, info: Info) -> Theme | None:
        if self.theme_id is None:
            return None
        found = await theme_loader(info).load(str(self.theme_id))
        return None if found is None else Theme.from_domain(found)

    @classmethod
    def from_domain(cls, room: DomainRoom) -> Room:
        theme_id = None if room.theme_id is None else global_id(room.provider, room.theme_id)
        return cls(
            id=strawberry.ID(room.id),
            provider=provider_enum(room.provider),
            native_id=room.native_id,
            display_name=room.display_name,
            kind=room.kind,
            created_at=room.created_at,
            expires_at=room.expires_at,
            available=room.available,
            host_link=room.host_url,
            guest_url=room.guest_url,
            meeting_code=room.meeting_code,
            metadata=room.metadata,
            recording=RecordingOptions.from_domain(room.recording),
            join_approval=room.join_approval,
            theme_id=None if theme_id is None else strawberry.ID(theme_id),
            options=RoomOptions.from_domain(room.options),
            record=room.raw,
        )


def _may_host(info: Info) -> bool:
    return info.context.principal.allows(Scope.ROOMS_HOST)


def _without(value: Any, secret: str) -> Any:
    """``value`` with every occurrence of the string ``secret`` replaced by ``None``."""
    if isinstance(value, str):
        return None if value == secret else value
    if isinstance(value, Mapping):
        return {key: _without(item, secret) for key, item in value.items()}
    if isinstance(value, list):
        return [_without(item, secret) for item in value]
    return value


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class RoomEdge:
    page: strawberry.Private[MergedPage]
    positions: strawberry.Private[Positions]

    @strawberry.field(description="Pass as `after` to continue right after this room.")
    def cursor(self) -> str:
        return self.page.cursor(self.positions)

    node: Room


@strawberry.type(
    description="A provider that could not answer a fan-out query; "
    "the other providers' data is still returned."
)
class ProviderFailure:
    provider: Provider
    code: str = strawberry.field(description="Same vocabulary as errors[].extensions.code.")
    message: str
    retryable: bool
    retry_after: float | None = strawberry.field(
        description="Seconds to wait before asking this provider again, when known "
        "(a rate limit, or a provider skipped after repeated failures)."
    )

    @classmethod
    def from_domain(cls, failure: Failure) -> ProviderFailure:
        return cls(
            provider=provider_enum(failure.provider),
            code=failure.code,
            message=failure.message,
            retryable=failure.retryable,
            retry_after=failure.retry_after,
        )


@strawberry.type(
    description="Rooms of every asked provider, newest first (see `rooms`), with the "
    "providers that could not answer."
)
class RoomConnection:
    edges: list[RoomEdge]
    nodes: list[Room]
    page_info: PageInfo
    failures: list[ProviderFailure]

    @classmethod
    def from_domain(cls, page: MergedPage) -> RoomConnection:
        edges = [
            RoomEdge(page=page, positions=positions, node=Room.from_domain(room))
            for room, positions in page.rooms
        ]
        return cls(
            edges=edges,
            nodes=[edge.node for edge in edges],
            page_info=PageInfo(has_next_page=page.has_next, end_cursor=page.end_cursor),
            failures=[ProviderFailure.from_domain(f) for f in page.failures],
        )
