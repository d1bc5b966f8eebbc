"""VideoSDK recordings: start, stop, list, read, delete.

Start, stop and delete answer bare JSON strings ("Recording started successfully"): start
and stop then read the room's recordings to return the one they acted on. The docs name
the stop endpoint both ``/recordings/end`` and ``/recordings/stop``: the first is tried,
the second on 404.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from providers.errors import ProviderUnavailable, ResourceNotFound
from providers.models import Recording, RecordingStatus
from providers.videosdk._base import segment
from providers.videosdk.options import recording_body
from providers.videosdk.payloads import records, to_recording
from providers.videosdk.sessions import SessionOperations

__all__ = ["RecordingOperations"]

_STOP_PATHS = ("/recordings/end", "/recordings/stop")
_OLDEST = datetime.min.replace(tzinfo=UTC)


def _newest(recordings: list[Recording], *, running: bool) -> Recording | None:
    """The most recently started recording, among those without a file when ``running``."""
    wanted = [r for r in recordings if not running or r.status is RecordingStatus.RECORDING]
    return max(wanted, key=lambda r: r.started_at or _OLDEST, default=None)


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
    ) -> Recording:
        """Start recording the running session of ``room_id``; the new recording."""
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
        await self._json("POST", "/recordings/start", json=body, retry=False)
        found = _newest(await self.list_room_recordings(room_id), running=True)
        if found is None:
            message = "the recording started but is not listed yet; read the room's recordings"
            raise ProviderUnavailable(self.name, message)
        return found

    async def stop_recording(self, room_id: str) -> Recording:
        """Stop the recording of ``room_id``; it is PROCESSING until its file is ready."""
        body = recording_body({"roomId": room_id})
        running = _newest(await self.list_room_recordings(room_id), running=True)
        primary, fallback = _STOP_PATHS
        try:
            await self._json("POST", primary, json=body, retry=False)
        except ResourceNotFound:
            await self._json("POST", fallback, json=body, retry=False)
        if running is None:
            running = _newest(await self.list_room_recordings(room_id), running=False)
            if running is None:
                raise ProviderUnavailable(self.name, "stopped, but no recording is listed")
        stopped = await self.get_recording(running.native_id)
        if stopped.status is RecordingStatus.RECORDING:
            return dataclasses.replace(stopped, status=RecordingStatus.PROCESSING)
        return stopped

    async def list_room_recordings(
        self,
        room_id: str,
        session_id: str | None = None,
        *,
        known_sessions: Sequence[str] = (),
    ) -> list[Recording]:
        """Every recording of a room, optionally of one of its sessions (the API lists
        by room: ``known_sessions`` is not needed)."""
        del known_sessions
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

    async def list_all_recordings(self) -> list[Recording]:
        """The API lists recordings per room only: every room's, one request per room
        (bounded by the provider's in-flight limit)."""
        pages = await self._walk("/rooms")
        rooms = [
            str(item["roomId"]) for data in pages for item in records(data) if "roomId" in item
        ]
        lists = await asyncio.gather(*(self.list_room_recordings(room) for room in rooms))
        return [recording for listed in lists for recording in listed]

    async def get_recording(self, native_id: str) -> Recording:
        return to_recording(await self._object("GET", f"/recordings/{segment(native_id)}"))

    async def delete_recording(self, native_id: str) -> None:
        await self._json("DELETE", f"/recordings/{segment(native_id)}")
