"""The VideoSDK sandbox's sessions and recordings.

Sessions happen when people meet, which the sandbox simulates with ``start_session``,
``join`` and ``leave``. Which errors VideoSDK returns for a room without a running
session or recording is not documented: the sandbox answers 400 (inferred).
"""

from __future__ import annotations

import secrets
import string
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import httpx

from providers._fake import json_response
from providers.videosdk._fake_core import BASE_URL, FakeCore, Record, error

__all__ = ["FakeMedia"]

_CDN = "https://cdn.videosdk.live"
_LIST_HIDDEN = ("userId", "customRoomId", "activeDuration", "chatLink")


def _participant_id() -> str:
    alphabet = string.ascii_lowercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(8))


class FakeMedia(FakeCore):
    """Sessions (``/sessions``) and composite recordings (``/recordings``)."""

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        super().__init__(clock=clock)
        self.sessions: dict[str, Record] = {}
        self.recordings: dict[str, Record] = {}
        #: which of the two documented stop endpoints this sandbox serves
        self.stop_path = "/recordings/end"
        self._running: dict[str, str] = {}
        a = self.authorized
        self.route("GET", "/sessions/?", a(self._list_sessions))
        self.route("POST", "/sessions/end", a(self._end_session))
        self.route("POST", "/sessions/participants/remove", a(self._remove_participant))
        self.route("GET", "/sessions/(?P<sid>[^/]+)", a(self._get_session))
        self.route("GET", "/sessions/(?P<sid>[^/]+)/participants", a(self._participants))
        self.route("POST", "/recordings/start", a(self._start_recording))
        self.route("POST", "/recordings/(?P<verb>end|stop)", a(self._stop_recording))
        self.route("GET", "/recordings", a(self._list_recordings))
        self.route("GET", "/recordings/(?P<rid>[^/]+)", a(self._get_recording))
        self.route("DELETE", "/recordings/(?P<rid>[^/]+)", a(self._delete_recording))

    # simulated meeting activity
    def start_session(self, room_id: str, participants: Iterable[str] = ()) -> Record:
        """Begin a session in a room, as the first participant joining would."""
        room = self.find_room(room_id)
        if room is None or room["disabled"]:
            raise ValueError(f"no active room {room_id!r}")
        session_id = self.object_id()
        session: Record = {
            "id": session_id,
            "roomId": room["roomId"],
            "customRoomId": room.get("customRoomId"),
            "userId": self.user_id,
            "start": self.now(),
            "end": None,
            "participants": [],
            "status": "ongoing",
            "chatLink": f"{_CDN}/chats/{session_id}.csv",
            "links": {
                "get_room": f"{BASE_URL}/rooms/{room['roomId']}",
                "get_session": f"{BASE_URL}/sessions/{session_id}",
            },
        }
        self.sessions[session_id] = session
        for name in participants:
            self.join(session_id, name)
        return session

    def join(self, session_id: str, name: str, participant_id: str | None = None) -> str:
        """A participant joins a running session; returns its participantId."""
        participant_id = participant_id or _participant_id()
        visit = {"start": self.now(), "end": None}
        self.sessions[session_id]["participants"].append(
            {"participantId": participant_id, "name": name, "timelog": [visit]}
        )
        return participant_id

    def leave(self, session_id: str, participant_id: str) -> bool:
        """Close the open visit of a participant; ``False`` when there is none."""
        for participant in self.sessions[session_id]["participants"]:
            if participant["participantId"] == participant_id:
                for visit in participant["timelog"]:
                    if visit["end"] is None:
                        visit["end"] = self.now()
                        return True
        return False

    def _ongoing(self, room_id: str) -> Record | None:
        room = self.find_room(room_id)
        for session in self.sessions.values():
            if room and session["roomId"] == room["roomId"] and session["status"] == "ongoing":
                return session
        return None

    def _session_view(self, session: Record) -> Record:
        end = session["end"] or self.now()
        duration = datetime.fromisoformat(end) - datetime.fromisoformat(session["start"])
        return session | {"activeDuration": round(duration.total_seconds())}

    # sessions API
    def _list_sessions(self, request: httpx.Request, params: dict[str, str]) -> httpx.Response:
        wanted = request.url.params.get("roomId") or request.url.params.get("customRoomId")
        room = None if wanted is None else self.find_room(wanted)
        listed = [
            {k: v for k, v in session.items() if k not in _LIST_HIDDEN}
            for session in reversed(self.sessions.values())
            if wanted is None or (room is not None and session["roomId"] == room["roomId"])
        ]
        return self.page(request, listed)

    def _get_session(self, request: httpx.Request, params: dict[str, str]) -> httpx.Response:
        session = self.sessions.get(params["sid"])
        if session is None:
            return error(404, "Session not found")
        return json_response(200, self._session_view(session))

    def _participants(self, request: httpx.Request, params: dict[str, str]) -> httpx.Response:
        session = self.sessions.get(params["sid"])
        if session is None:
            return error(404, "Session not found")
        paged = self.paginate(request, session["participants"])
        if isinstance(paged, httpx.Response):
            return paged
        info, participants = paged
        keys = ("id", "roomId", "customRoomId", "links")
        data = {key: session[key] for key in keys} | {"participants": participants}
        return json_response(200, {"pageInfo": info, "data": data})

    def _target_session(self, body: Record) -> Record | httpx.Response:
        room_id = body.get("roomId")
        if not isinstance(room_id, str) or not room_id:
            return error(400, "roomId is required")
        room = self.find_room(room_id)
        if room is None:
            return error(404, "Room not found")
        session_id = body.get("sessionId")
        session = self.sessions.get(session_id) if session_id else self._ongoing(room_id)
        if session is None or session["roomId"] != room["roomId"]:
            return error(400, "No active session found for this room")
        if session["status"] != "ongoing":
            return error(400, "Session has already ended")
        return session

    def _end_session(self, request: httpx.Request, params: dict[str, str]) -> httpx.Response:
        session = self._target_session(self.body(request))
        if isinstance(session, httpx.Response):
            return session
        for participant in session["participants"]:
            self.leave(session["id"], participant["participantId"])
        session["end"], session["status"] = self.now(), "ended"
        return json_response(200, self._session_view(session))

    def _remove_participant(self, request: httpx.Request, params: dict[str, str]) -> httpx.Response:
        body = self.body(request)
        session = self._target_session(body)
        if isinstance(session, httpx.Response):
            return session
        if not self.leave(session["id"], str(body.get("participantId"))):
            return error(404, "Participant not found in this session")
        return json_response(200, self._session_view(session))

    # recordings API
    def _start_recording(self, request: httpx.Request, params: dict[str, str]) -> httpx.Response:
        session = self._target_session(self.body(request))
        if isinstance(session, httpx.Response):
            return session
        if session["roomId"] in self._running:
            return error(400, "Recording is already running")
        now = self.now()
        recording_id = self.object_id()
        self.recordings[recording_id] = {
            "id": recording_id,
            "userId": self.user_id,
            "roomId": session["roomId"],
            "sessionId": session["id"],
            "createdAt": now,
            "updatedAt": now,
        }
        self._running[session["roomId"]] = recording_id
        return json_response(200, "Recording started successfully")

    def _stop_recording(self, request: httpx.Request, params: dict[str, str]) -> httpx.Response:
        if request.url.path.removeprefix(self.prefix) != self.stop_path:
            return error(404, f"Cannot POST {request.url.path}")
        room = self.find_room(str(self.body(request).get("roomId")))
        recording_id = None if room is None else self._running.pop(room["roomId"], None)
        if recording_id is None:
            return error(400, "No recording is running in this room")
        self._finish(self.recordings[recording_id])
        return json_response(200, "Recording ended successfully")

    def _finish(self, recording: Record) -> None:
        now = self.now()
        started = datetime.fromisoformat(recording["createdAt"])
        duration = (datetime.fromisoformat(now) - started).total_seconds()
        file_id = self.object_id()
        path = f"uploads/videos/{file_id}.mp4"
        recording["fileId"] = file_id
        recording["updatedAt"] = now
        recording["file"] = {
            "meta": {
                "resolution": {"width": 1280, "height": 720},
                "format": "mov,mp4,m4a,3gp,3g2,mj2",
                "duration": duration,
            },
            "filePath": path,
            "size": int(duration * 250_000),
            "type": "video",
            "userStorage": None,
            "createdAt": now,
            "updatedAt": now,
            "fileUrl": f"{_CDN}/{path}",
            "id": file_id,
        }

    def _list_recordings(self, request: httpx.Request, params: dict[str, str]) -> httpx.Response:
        query = request.url.params
        room_id = query.get("roomId")
        if not room_id:
            return error(400, "roomId is required")
        room = self.find_room(room_id)
        session_id = query.get("sessionId")
        listed: list[Any] = [
            recording
            for recording in reversed(self.recordings.values())
            if room is not None
            and recording["roomId"] == room["roomId"]
            and session_id in (None, recording["sessionId"])
        ]
        return self.page(request, listed)

    def _get_recording(self, request: httpx.Request, params: dict[str, str]) -> httpx.Response:
        recording = self.recordings.get(params["rid"])
        if recording is None:
            return error(404, "Recording not found")
        return json_response(200, recording)

    def _delete_recording(self, request: httpx.Request, params: dict[str, str]) -> httpx.Response:
        if self.recordings.pop(params["rid"], None) is None:
            return error(404, "Recording not found")
        return json_response(200, "Room recording deleted successfully")
