"""VideoSDK sessions: list, read, end, participants, removal of a participant."""

from __future__ import annotations

from providers.models import Session
from providers.videosdk._base import VideoSDKBase, segment
from providers.videosdk.payloads import (
    SessionParticipant,
    records,
    to_participants,
    to_session,
)

__all__ = ["SessionOperations"]


class SessionOperations(VideoSDKBase):
    """Session operations (VideoSDK only; the gateway contract has no sessions)."""

    async def list_sessions(self, room_id: str | None = None) -> list[Session]:
        """Every session of ``room_id`` (a roomId or customRoomId), or of all rooms."""
        params = {} if room_id is None else {"roomId": room_id}
        pages = await self._walk("/sessions/", params)
        return [to_session(item) for data in pages for item in records(data)]

    async def get_session(self, session_id: str) -> Session:
        """One session; ``ResourceNotFound`` when unknown."""
        return to_session(await self._object("GET", f"/sessions/{segment(session_id)}"))

    async def end_session(self, room_id: str, session_id: str | None = None) -> Session:
        """End the running session of ``room_id`` (or the given one); returns the session."""
        body = {"roomId": room_id} | ({} if session_id is None else {"sessionId": session_id})
        return to_session(await self._object("POST", "/sessions/end", json=body))

    async def list_participants(self, session_id: str) -> list[SessionParticipant]:
        """Every participant of a session, with their join/leave times."""
        pages = await self._walk(f"/sessions/{segment(session_id)}/participants")
        return [participant for data in pages for participant in to_participants(data)]

    async def remove_participant(
        self, room_id: str, participant_id: str, session_id: str | None = None
    ) -> Session:
        """Remove a participant from the running session; returns the session."""
        body = {"participantId": participant_id, "roomId": room_id}
        if session_id is not None:
            body["sessionId"] = session_id
        answer = await self._object("POST", "/sessions/participants/remove", json=body)
        return to_session(answer)
