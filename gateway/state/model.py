"""The state of one room, and its compact JSON form for the shared store."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import orjson

from gateway.events.model import Position

__all__ = ["PresentParticipant", "RoomSnapshot", "StoredRoom", "participant_record"]


@dataclass(frozen=True, slots=True)
class PresentParticipant:
    """Someone in the room now."""

    id: str
    name: str | None = None
    role: str | None = None
    is_host: bool | None = None
    joined_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class RoomSnapshot:
    """One room's state after the events up to ``position`` (``None``: no event yet).

    ``recording`` holds a ``RecordingStatus`` name, ``None`` when no recording is known in
    the current session.
    """

    provider: str
    room_native_id: str
    updated_at: datetime
    active: bool = False
    session_id: str | None = None
    participants: tuple[PresentParticipant, ...] = field(default_factory=tuple)
    recording: str | None = None
    position: Position | None = None
    cursor: str | None = None

    def evolve(self, **changes: Any) -> RoomSnapshot:
        return replace(self, **changes)

    def to_json(self) -> bytes:
        """The whole-room record of earlier versions (header and roster in one value)."""
        participants = [_participant_json(p) for p in self.participants]
        return orjson.dumps({**self._header(), "participants": participants})

    def header_json(self) -> bytes:
        """The stored header: everything but who is present (kept one record each)."""
        return orjson.dumps(self._header())

    @classmethod
    def from_header_json(cls, text: bytes | str) -> RoomSnapshot:
        """The state a header describes, nobody present yet."""
        return cls._of_header(orjson.loads(text))

    @classmethod
    def from_json(cls, text: bytes | str) -> RoomSnapshot:
        """The whole-room record of earlier versions (header and roster in one value)."""
        data = orjson.loads(text)
        participants = tuple(_participant_of(p) for p in data["participants"])
        return cls._of_header(data).evolve(participants=participants)

    def _header(self) -> dict[str, Any]:
        # orjson writes a datetime as isoformat does, faster
        return {
            "provider": self.provider,
            "room": self.room_native_id,
            "updated": self.updated_at,
            "active": self.active,
            "session": self.session_id,
            "recording": self.recording,
            "position": None if self.position is None else list(self.position),
            "cursor": self.cursor,
        }

    @classmethod
    def _of_header(cls, data: dict[str, Any]) -> RoomSnapshot:
        position = data["position"]
        return cls(
            provider=data["provider"],
            room_native_id=data["room"],
            updated_at=datetime.fromisoformat(data["updated"]),
            active=data["active"],
            session_id=data["session"],
            recording=data["recording"],
            position=None if position is None else tuple(position),
            cursor=data["cursor"],
        )


@dataclass(frozen=True, slots=True)
class StoredRoom:
    """A room as the store holds it: its header and one record per participant present,
    by participant id, read together so that they describe the same event."""

    header: bytes
    participants: dict[str, bytes]

    def decode(self) -> RoomSnapshot:
        """The room's state; participants in the order they (last) joined."""
        header = RoomSnapshot.from_header_json(self.header)
        records = sorted(
            (orjson.loads(value) for value in self.participants.values()),
            key=lambda record: record["at"],
        )
        return header.evolve(participants=tuple(_participant_of(r) for r in records))


def participant_record(participant: PresentParticipant, at: Position) -> bytes:
    """One participant's stored record; ``at``: the position of the join, for the order."""
    return orjson.dumps({**_participant_json(participant), "at": list(at)})


def _participant_json(participant: PresentParticipant) -> dict[str, Any]:
    return {
        "id": participant.id,
        "name": participant.name,
        "role": participant.role,
        "host": participant.is_host,
        "joined": participant.joined_at,
    }


def _participant_of(data: dict[str, Any]) -> PresentParticipant:
    joined = data["joined"]
    return PresentParticipant(
        id=data["id"],
        name=data["name"],
        role=data["role"],
        is_host=data["host"],
        joined_at=None if joined is None else datetime.fromisoformat(joined),
    )
