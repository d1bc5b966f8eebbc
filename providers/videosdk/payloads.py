"""Pure mappings from VideoSDK wire JSON to the neutral models.

Lenient where the docs disagree: rooms arrive as ``roomId``/``customRoomId`` or, from
``/rooms/deactivate``, as the legacy ``meetingId``/``userMeetingId``; an unreadable time
(the docs show ``15:60:35``) becomes ``None`` instead of failing the whole record.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from providers.errors import ProviderUnavailable
from providers.models import (
    JsonObject,
    Participant,
    Recording,
    RecordingOptions,
    RecordingStatus,
    Room,
    Session,
)

__all__ = [
    "PROVIDER",
    "PageInfo",
    "ParticipantVisit",
    "SessionParticipant",
    "neutral_participant",
    "parse_time",
    "records",
    "to_page",
    "to_participant",
    "to_participants",
    "to_recording",
    "to_room",
    "to_session",
]

PROVIDER = "videosdk"


@dataclass(frozen=True, slots=True)
class ParticipantVisit:
    """One stay of a participant in a session (``timelog`` entry)."""

    started_at: datetime | None
    ended_at: datetime | None


@dataclass(frozen=True, slots=True)
class SessionParticipant:
    """A participant of a VideoSDK session."""

    participant_id: str
    raw: JsonObject
    name: str | None = None
    visits: tuple[ParticipantVisit, ...] = ()


@dataclass(frozen=True, slots=True)
class PageInfo:
    """VideoSDK's ``pageInfo``; ``last_page`` is 1-based like ``current_page``."""

    current_page: int
    per_page: int
    last_page: int
    total: int | None


def parse_time(value: Any) -> datetime | None:
    """An aware UTC datetime from an ISO string; ``None`` when absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _required_id(data: Mapping[str, Any], *keys: str) -> str:
    for key in keys:
        value = data.get(key)
        if isinstance(value, str) and value:
            return value
    raise ProviderUnavailable(PROVIDER, f"unexpected answer: record without {keys[0]}")


def to_room(data: Mapping[str, Any]) -> Room:
    """A room from create/get/list/validate or the legacy-named deactivate answer.

    VideoSDK has no display name: the ``customRoomId`` alias stands in for it.
    """
    auto_start = _mapping(data.get("autoStartConfig"))
    return Room(
        provider=PROVIDER,
        native_id=_required_id(data, "roomId", "meetingId"),
        raw=data,
        display_name=_text(data.get("customRoomId")) or _text(data.get("userMeetingId")),
        created_at=parse_time(data.get("createdAt")),
        available=data.get("disabled") is not True,
        recording=RecordingOptions(auto_record=isinstance(auto_start.get("recording"), Mapping)),
    )


def to_session(data: Mapping[str, Any]) -> Session:
    """A session from the sessions API (list, get, end, remove participant), with the
    participants it carries; ``status`` "ongoing" (or no ``end``) means active."""
    status = _text(data.get("status"))
    active = status == "ongoing" if status is not None else data.get("end") is None
    return Session(
        provider=PROVIDER,
        native_id=_required_id(data, "id", "sessionId"),
        raw=data,
        room_native_id=_text(data.get("roomId")),
        started_at=parse_time(data.get("start")),
        ended_at=parse_time(data.get("end")),
        status=status,
        active=active,
        participants=tuple(
            neutral_participant(item, active) for item in to_participants(data.get("participants"))
        ),
    )


def neutral_participant(participant: SessionParticipant, session_active: bool) -> Participant:
    """First join and last leave of the ``timelog``; present while a visit is open."""
    visits = participant.visits
    open_visit = bool(visits) and visits[-1].ended_at is None
    return Participant(
        id=participant.participant_id,
        name=participant.name,
        joined_at=visits[0].started_at if visits else None,
        left_at=None if open_visit or not visits else visits[-1].ended_at,
        present=session_active and open_visit,
    )


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def to_recording(data: Mapping[str, Any]) -> Recording:
    """A recording; the file's ``fileUrl``, ``meta.duration`` (s) and ``size`` when present.

    The API gives a recording no status: one with a file is READY, one without is still
    RECORDING (or being processed after a stop; the API does not tell which)."""
    file = _mapping(data.get("file"))
    url = _text(file.get("fileUrl"))
    duration = _number(_mapping(file.get("meta")).get("duration"))
    started = parse_time(data.get("createdAt"))
    ended = started + timedelta(seconds=duration) if started and duration is not None else None
    return Recording(
        provider=PROVIDER,
        native_id=_required_id(data, "id"),
        raw=data,
        session_id=_text(data.get("sessionId")),
        room_native_id=_text(data.get("roomId")),
        status=RecordingStatus.READY if url else RecordingStatus.RECORDING,
        started_at=started,
        ended_at=ended,
        url=url,
        duration_seconds=duration,
        size_bytes=_number(file.get("size")),
    )


def to_participant(data: Mapping[str, Any]) -> SessionParticipant:
    """A session participant with its ``timelog``."""
    visits = tuple(
        ParticipantVisit(parse_time(entry.get("start")), parse_time(entry.get("end")))
        for entry in data.get("timelog") or ()
        if isinstance(entry, Mapping)
    )
    return SessionParticipant(
        participant_id=_required_id(data, "participantId"),
        raw=data,
        name=_text(data.get("name")),
        visits=visits,
    )


def to_participants(data: Any) -> list[SessionParticipant]:
    """Participants from ``data``: a list, or a session object carrying ``participants``."""
    if isinstance(data, Mapping):
        data = data.get("participants")
    if not isinstance(data, Sequence) or isinstance(data, str):
        return []
    return [to_participant(item) for item in data if isinstance(item, Mapping)]


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def to_page(body: Any) -> tuple[Any, PageInfo]:
    """The ``data`` and ``pageInfo`` of a page answer (no ``pageInfo``: the last page)."""
    if not isinstance(body, Mapping):
        raise ProviderUnavailable(PROVIDER, "unexpected answer: not a page object")
    data = body.get("data")
    info = _mapping(body.get("pageInfo"))
    current = _int(info.get("currentPage"), 1)
    total = info.get("total")
    return data, PageInfo(
        current_page=current,
        per_page=_int(info.get("perPage"), 0),
        last_page=_int(info.get("lastPage"), current),
        total=total if isinstance(total, int) and not isinstance(total, bool) else None,
    )


def records(data: Any) -> list[Mapping[str, Any]]:
    """The objects of a page's ``data`` list."""
    if not isinstance(data, list):
        return []
    return [item for item in data if isinstance(item, Mapping)]
