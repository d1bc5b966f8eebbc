"""What the event bus stores and hands out, and the errors it raises."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from providers import EventType, MeetingEvent

__all__ = [
    "BusUnavailable",
    "EventFilter",
    "InvalidCursor",
    "Position",
    "PublishResult",
    "ShuttingDown",
    "StoredEvent",
    "SubscriberTooSlow",
]

#: a backend's log position, ordered like the log (memory: ``(seq,)``; Redis:
#: ``(stream id ms, stream id seq, append counter)``)
Position = tuple[int, ...]


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """A published event at its place in the log."""

    event: MeetingEvent
    received_at: datetime
    position: Position
    cursor: str
    #: the W3C ``traceparent`` of the span that published it, when traces were on
    trace_parent: str | None = None

    @property
    def occurred_at(self) -> datetime:
        """The provider's time where it gives one, else the receive time."""
        return self.event.occurred_at or self.received_at


@dataclass(frozen=True, slots=True)
class EventFilter:
    """Which events a subscriber wants; ``None`` means any. ``tenant``: only events of that
    tenant's rooms (the stamp ``MeetingEvent.tenant``)."""

    providers: frozenset[str] | None = None
    room_native_id: str | None = None
    types: frozenset[EventType] | None = None
    tenant: str | None = None

    @classmethod
    def of(
        cls,
        *,
        provider: str | None = None,
        room_native_id: str | None = None,
        types: Collection[EventType] | None = None,
        tenant: str | None = None,
    ) -> EventFilter:
        return cls(
            providers=None if provider is None else frozenset({provider}),
            room_native_id=room_native_id,
            types=None if types is None else frozenset(types),
            tenant=tenant,
        )

    def matches(self, event: MeetingEvent) -> bool:
        return (
            (self.tenant is None or event.tenant == self.tenant)
            and (self.providers is None or event.provider in self.providers)
            and (self.room_native_id is None or event.room_native_id == self.room_native_id)
            and (self.types is None or event.type in self.types)
        )


@dataclass(frozen=True, slots=True)
class PublishResult:
    """What one ``publish`` did: the events appended, and the ids already in the log."""

    appended: tuple[StoredEvent, ...]
    duplicates: tuple[str, ...]


class InvalidCursor(ValueError):
    """An ``after`` cursor that is malformed, unknown to this log, or past the retention."""


class ShuttingDown(Exception):
    """This process is shutting down; the subscriber resumes after ``resume_after``,
    on another replica or on this one once restarted."""

    def __init__(self, resume_after: str) -> None:
        super().__init__(
            "subscription ended: the server is shutting down; "
            f'subscribe again with after: "{resume_after}" to continue without a gap'
        )
        self.resume_after = resume_after


class SubscriberTooSlow(Exception):
    """A subscriber was ended (its queue overflowed, or the live feed was interrupted);
    it should resume after ``resume_after``."""

    def __init__(self, resume_after: str) -> None:
        super().__init__(
            "subscription ended: it could not keep up with the event stream, or the live "
            "feed was interrupted; "
            f'subscribe again with after: "{resume_after}" to continue without a gap'
        )
        self.resume_after = resume_after


class BusUnavailable(Exception):
    """The event log cannot be reached (Redis down); the caller may retry."""
