"""VideoSDK recordings: start, stop, list, read, delete.

Start, stop and delete answer bare JSON strings ("Recording started successfully"), so
they return nothing. The docs name the stop endpoint both ``/recordings/end`` and
``/recordings/stop``: the first is tried, the second on 404.
"""

from __future__ import annotations

from typing import Any

from providers.errors import ResourceNotFound
from providers.models import Recording
from providers.videosdk._base import segment
from providers.videosdk.options import recording_body
from providers.videosdk.payloads import records, to_recording
from providers.videosdk.sessions import SessionOperations

__all__ = ["RecordingOperations"]

_STOP_PATHS = ("/recordings/end", "/recordings/stop")


class RecordingOperations(SessionOperations):
    """Composite recordings of a room's running session."""

    async def start_recording(
        self,
        room_id: str,
        *,
        template_url: str | None = None,
        transcription: dict[str, Any] | None = None,
        config: dict[str, Any] | None = None,
        webhook_url: str | None = None,
        aws_dir_path: str | None = None,
        pre_signed_url: str | None = None,
    ) -> None:
        """Start recording the running session of ``room_id``."""
        body = recording_body(
            {
                "roomId": room_id,
                "templateUrl": template_url,
                "transcription": transcription,
                "config": config,
                "webhookUrl": webhook_url,
                "awsDirPath": aws_dir_path,
                "preSignedUrl": pre_signed_url,
            }
        )
        await self._json("POST", "/recordings/start", json=body)

    async def stop_recording(self, room_id: str) -> None:
        """Stop the recording of ``room_id``."""
        body = recording_body({"roomId": room_id})
        primary, fallback = _STOP_PATHS
        try:
            await self._json("POST", primary, json=body)
        except ResourceNotFound:
            await self._json("POST", fallback, json=body)

    async def list_room_recordings(
        self, room_id: str, session_id: str | None = None
    ) -> list[Recording]:
        """Every recording of a room, optionally of one of its sessions."""
        params = {"roomId": room_id} | ({} if session_id is None else {"sessionId": session_id})
        pages = await self._walk("/recordings", params)
        return [to_recording(item) for data in pages for item in records(data)]

    async def list_recordings(self, session_id: str) -> list[Recording]:
        """Every recording of a session (its room is looked up: VideoSDK requires it)."""
        session = await self.get_session(session_id)
        room_id = session.room_native_id
        if room_id is None:
            raise ResourceNotFound(self.name, "the session names no room")
        return await self.list_room_recordings(room_id, session_id)

    async def get_recording(self, native_id: str) -> Recording:
        return to_recording(await self._object("GET", f"/recordings/{segment(native_id)}"))

    async def delete_recording(self, native_id: str) -> None:
        await self._json("DELETE", f"/recordings/{segment(native_id)}")
