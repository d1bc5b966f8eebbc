"""``MeetingEvent`` + receive time <-> the JSON text stored in a Redis stream entry."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from typing import Any

from providers import EventType, MeetingEvent

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
        return MeetingEvent(**data), received_at
    except TypeError as exc:  # a field of the wrong JSON type
        raise ValueError(f"not an event entry: {exc}") from None
