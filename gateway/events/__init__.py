"""The event bus: dedupe, an event log with retention, resumable filtered subscriptions.

Two backends behind ``EventBus``: in-process (default) and Redis (``GATEWAY_REDIS_URL``),
shared by every replica. ``WebhookIngest`` turns verified webhook deliveries into
published events.
"""

from gateway.events.base import EventBus, EventStream
from gateway.events.ingest import (
    IngestOutcome,
    IngestStats,
    IngestUnavailable,
    UnknownProvider,
    WebhookIngest,
)
from gateway.events.memory_bus import MemoryEventBus
from gateway.events.model import (
    BusUnavailable,
    EventFilter,
    InvalidCursor,
    PublishResult,
    ShuttingDown,
    StoredEvent,
    SubscriberTooSlow,
)
from gateway.events.redis_bus import RedisEventBus
from gateway.settings import Settings

__all__ = [
    "BusUnavailable",
    "EventBus",
    "EventFilter",
    "EventStream",
    "IngestOutcome",
    "IngestStats",
    "IngestUnavailable",
    "InvalidCursor",
    "MemoryEventBus",
    "PublishResult",
    "RedisEventBus",
    "ShuttingDown",
    "StoredEvent",
    "SubscriberTooSlow",
    "UnknownProvider",
    "WebhookIngest",
    "create_bus",
]


def create_bus(settings: Settings) -> EventBus:
    """Redis when ``redis_url`` is set, else in-process; not started yet."""
    if settings.redis_url:
        return RedisEventBus(settings.events, settings.redis_url)
    return MemoryEventBus(settings.events)
