"""``MeetingEvent`` + receive time <-> the JSON text stored in a Redis stream entry."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from typing import Any

from gateway.cache import decode_room, encode_room
from providers import EventType, MeetingEvent, StreamKind

__all__ = ["decode_event", "encode_event"]

_TIME_FIELDS = ("occurred_at", "started_at", "ended_at")


def encode_event(event: MeetingEvent, received_at: datetime) -> str:
    """Compact JSON of every field of ``event`` plus ``received_at``."""
    data: dict[str, Any] = {f.name: getattr(event, f.name) for f in dataclasses.fields(event)}
    data["type"] = event.type.value
    data["raw"] = dict(event.raw)
    for name in _TIME_FIELDS:
        value = data[name]
        data[name] = None if value is None else value.isoformat()
    data["stream_kind"] = None if event.stream_kind is None else event.stream_kind.value
    # the room of a lifecycle event travels as the cache's room text
    data["room"] = None if event.room is None else encode_room(event.room)
    data["received_at"] = received_at.isoformat()
    return json.dumps(data, separators=(",", ":"))


def decode_event(text: str) -> tuple[MeetingEvent, datetime]:
    """The inverse of ``encode_event``; ``ValueError`` on foreign or damaged entries."""
    data: Any = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("not an event entry: not a JSON object")  # noqa: TRY004 - one error for damage
    try:
        received_at = datetime.fromisoformat(data.pop("received_at"))
        data["type"] = EventType(data["type"])
        for name in _TIME_FIELDS:
            value = data.get(name)
            data[name] = None if value is None else datetime.fromisoformat(value)
        kind, room = data.get("stream_kind"), data.get("room")
        data["stream_kind"] = None if kind is None else StreamKind(kind)
        data["room"] = None if room is None else decode_room(room)
        return MeetingEvent(**data), received_at
    except (TypeError, KeyError) as exc:  # a field of the wrong JSON type, a damaged room
        raise ValueError(f"not an event entry: {exc}") from None
