"""Callback payloads as Vonage Meetings sends them, built for the sandbox's ``webhook``."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from providers.models import EventType
from providers.vonage.payloads import format_time

__all__ = ["CALLBACK_NAMES", "CallbackContext", "callback_payload"]

#: the spelling each contract event is sent with (the payload examples' spelling)
CALLBACK_NAMES: dict[EventType, str] = {
    EventType.PARTICIPANT_JOINED: "session:participant:joined",
    EventType.PARTICIPANT_LEFT: "session:participant:left",
    EventType.SESSION_STARTED: "session:started",
    EventType.SESSION_ENDED: "session:ended",
    EventType.RECORDING_STARTED: "recording:started",
    EventType.RECORDING_STOPPED: "recording:ended",
    EventType.RECORDING_READY: "recording:ready",
    EventType.ROOM_EXPIRED: "room:expired",
}
DEFAULT_DURATION = 3598.0


@dataclass(frozen=True, slots=True)
class CallbackContext:
    """What the sandbox knows when it emits a callback."""

    room_id: str
    session_id: str
    recording_id: str
    recording_url: str
    now: datetime
    room: Mapping[str, Any] | None
    details: Mapping[str, Any]

    @property
    def duration(self) -> float:
        value = self.details.get("durationSeconds", DEFAULT_DURATION)
        return float(value) if isinstance(value, int | float) else DEFAULT_DURATION

    @property
    def started_at(self) -> str:
        return format_time(self.now - timedelta(seconds=self.duration))


def _participant(ctx: CallbackContext) -> dict[str, Any]:
    details = ctx.details
    return {
        "participant_id": str(details.get("participantId") or uuid.uuid4()),
        "session_id": ctx.session_id,
        "room_id": ctx.room_id,
        "name": str(details.get("participantName") or "Guest"),
        "type": str(details.get("role") or "Guest"),
        "is_host": details.get("isHost") is True,
    }


def _session_started(ctx: CallbackContext) -> dict[str, Any]:
    return {
        "session_id": ctx.session_id,
        "room_id": ctx.room_id,
        "started_at": format_time(ctx.now),
    }


def _session_ended(ctx: CallbackContext) -> dict[str, Any]:
    return {
        "session_id": ctx.session_id,
        "room_id": ctx.room_id,
        "started_at": ctx.started_at,
        "ended_at": format_time(ctx.now),
    }


def _recording_started(ctx: CallbackContext) -> dict[str, Any]:
    return {"recording_id": ctx.recording_id, "session_id": ctx.session_id}


def _recording_ended(ctx: CallbackContext) -> dict[str, Any]:
    return {
        "recording_id": ctx.recording_id,
        "session_id": ctx.session_id,
        "started_at": ctx.started_at,
        "ended_at": format_time(ctx.now),
        "duration": ctx.duration,
    }


def _recording_ready(ctx: CallbackContext) -> dict[str, Any]:
    payload = _recording_ended(ctx)
    payload["room_id"] = ctx.room_id
    payload["url"] = str(ctx.details.get("url") or ctx.recording_url)
    return payload


def _room_expired(ctx: CallbackContext) -> dict[str, Any]:
    room = ctx.room or {}
    return {
        "room_id": ctx.room_id,
        "room_type": room.get("type", "instant"),
        "expires_at": format_time(ctx.now),
        "created_at": room.get("created_at") or format_time(ctx.now - timedelta(minutes=10)),
    }


_BUILDERS: dict[EventType, Callable[[CallbackContext], dict[str, Any]]] = {
    EventType.PARTICIPANT_JOINED: _participant,
    EventType.PARTICIPANT_LEFT: _participant,
    EventType.SESSION_STARTED: _session_started,
    EventType.SESSION_ENDED: _session_ended,
    EventType.RECORDING_STARTED: _recording_started,
    EventType.RECORDING_STOPPED: _recording_ended,
    EventType.RECORDING_READY: _recording_ready,
    EventType.ROOM_EXPIRED: _room_expired,
}


def callback_payload(event_type: EventType, ctx: CallbackContext) -> dict[str, Any] | None:
    """The flat callback body for ``event_type``; ``None`` for one Vonage never sends."""
    build = _BUILDERS.get(event_type)
    if build is None:
        return None
    return {"event": CALLBACK_NAMES[event_type], **build(ctx)}
