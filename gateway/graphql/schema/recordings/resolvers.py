"""Recordings: the merged list, one recording, start, stop and delete."""

from __future__ import annotations

import strawberry

from gateway.auth import Scope
from gateway.graphql.context import Info
from gateway.graphql.enums import Provider
from gateway.graphql.permissions import requires
from gateway.graphql.schema.recordings.listing import RecordingPage
from gateway.graphql.schema.recordings.query import RECORDINGS_DOC, RecordingArgs, list_recordings
from gateway.graphql.schema.recordings.types import Recording, RecordingConnection
from gateway.graphql.targets import Target, present, target
from gateway.graphql.tenancy import check_room, visibility, visible_target
from providers import Capability, ResourceNotFound
from providers import Recording as DomainRecording

__all__ = ["RecordingMutation", "RecordingQuery"]

_READ = [requires(Scope.RECORDINGS_READ)]
_WRITE = [requires(Scope.RECORDINGS_WRITE)]


async def _visible_recording(info: Info, found: Target) -> DomainRecording:
    """The recording, read from its provider; ``NOT_FOUND`` when the caller may not see
    its room (a recording without a room counts as one of no recorded tenant)."""
    recording = await found.adapter.get_recording(found.native_id)
    await check_room(info, found.provider, recording.room_native_id or "")
    return recording


@strawberry.type
class RecordingQuery:
    @strawberry.field(description=RECORDINGS_DOC, permission_classes=_READ)
    async def recordings(
        self,
        info: Info,
        room_id: strawberry.ID | None = strawberry.UNSET,
        session_id: strawberry.ID | None = strawberry.UNSET,
        provider: Provider | None = strawberry.UNSET,
        first: int = 20,
        after: str | None = strawberry.UNSET,
    ) -> RecordingConnection:
        args = RecordingArgs(present(room_id), present(session_id), present(provider))
        page: RecordingPage = await list_recordings(info, args, first, present(after))
        return RecordingConnection.from_domain(page)

    @strawberry.field(
        description="One recording by gateway id, read from the provider now (its url is "
        "fresh); null when the provider does not know it.",
        permission_classes=_READ,
    )
    async def recording(self, info: Info, id: strawberry.ID) -> Recording | None:
        found = target(info, id, "id", Capability.RECORDINGS)
        try:
            recording = await _visible_recording(info, found)
        except ResourceNotFound:
            return None
        return Recording.from_domain(recording)


@strawberry.type
class RecordingMutation:
    @strawberry.mutation(
        description="Start recording the running session of a room; the new recording. "
        "UNSUPPORTED where the provider has no start call (Vonage records through "
        "auto_record or the host's UI; Metered has no recordings API).",
        permission_classes=_WRITE,
    )
    async def start_recording(self, info: Info, room_id: strawberry.ID) -> Recording:
        found = await visible_target(info, room_id, "roomId", Capability.RECORDINGS_CONTROL)
        return Recording.from_domain(await found.adapter.start_recording(found.native_id))

    @strawberry.mutation(
        description="Stop the running recording of a room; that recording, PROCESSING "
        "until its file is ready. UNSUPPORTED as for startRecording.",
        permission_classes=_WRITE,
    )
    async def stop_recording(self, info: Info, room_id: strawberry.ID) -> Recording:
        found = await visible_target(info, room_id, "roomId", Capability.RECORDINGS_CONTROL)
        return Recording.from_domain(await found.adapter.stop_recording(found.native_id))

    @strawberry.mutation(
        description="Delete a recording; NOT_FOUND when the provider does not know it. "
        "Vonage deletes only READY (uploaded) recordings: others fail with PROVIDER_ERROR "
        "naming `id`.",
        permission_classes=_WRITE,
    )
    async def delete_recording(self, info: Info, id: strawberry.ID) -> bool:
        found = target(info, id, "id", Capability.RECORDINGS)
        if visibility(info).tenant is not None:
            # whose it is shows only on the recording: one more provider call, for tenants
            await _visible_recording(info, found)
        await found.adapter.delete_recording(found.native_id)
        return True
