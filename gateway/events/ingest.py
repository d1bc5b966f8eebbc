"""Webhook delivery -> adapter verification and normalization -> the bus.

Nothing reaches the bus unless the provider's adapter verified the delivery, and a
delivery's events are published together or not at all. A failure that is not the
sender's fault (a provider key fetch, a store look-up, the bus) raises ``IngestUnavailable``
so the provider retries the delivery later.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any

from gateway.events.base import EventBus
from gateway.events.model import BusUnavailable, StoredEvent
from gateway.observability import tracing
from gateway.observability.metrics import (
    EVENTS_PUBLISHED,
    WEBHOOKS_DEDUPLICATED,
    WEBHOOKS_RECEIVED,
    WEBHOOKS_REJECTED,
    WEBHOOKS_VERIFIED,
)
from providers import (
    MalformedWebhook,
    MeetingEvent,
    NotConfigured,
    ProviderAdapter,
    ProviderError,
    UnsupportedOperation,
    WebhookAuthError,
    WebhookDelivery,
)

__all__ = [
    "IngestOutcome",
    "IngestStats",
    "IngestUnavailable",
    "UnknownProvider",
    "WebhookIngest",
]

log = logging.getLogger("gateway.events.ingest")


#: the tenants of rooms, by (provider, native id), in order; ``None``: no recorded tenant
OwnerLookup = Callable[[Sequence[tuple[str, str]]], Awaitable[list[str | None]]]


class UnknownProvider(Exception):
    """No such provider, or it is not configured (or takes no webhooks) here."""


class IngestUnavailable(Exception):
    """The delivery could not be verified or stored now, through no fault of the sender."""


@dataclass(slots=True)
class IngestStats:
    """Counters of webhook deliveries since start."""

    deliveries: int = 0
    published: int = 0
    duplicates: int = 0
    ignored: int = 0
    rejected_auth: int = 0
    rejected_malformed: int = 0
    rejected_too_large: int = 0
    unavailable: int = 0

    def as_dict(self) -> dict[str, int]:
        """The counters with camelCase names, as ``/readyz`` shows them."""
        return {_camel(name): value for name, value in asdict(self).items()}


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.title() for part in rest)


@dataclass(frozen=True, slots=True)
class IngestOutcome:
    """The verified events of one delivery: those appended now and the duplicates."""

    event_ids: tuple[str, ...]
    published: tuple[StoredEvent, ...]
    duplicates: tuple[str, ...]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class WebhookIngest:
    """Verify a delivery with its provider's adapter, stamp each event with its room's
    tenant (``owners``), and publish what it yields."""

    def __init__(
        self,
        bus: EventBus,
        adapters: Callable[[str], ProviderAdapter[Any]],
        owners: OwnerLookup,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._bus = bus
        self._adapters = adapters
        self._owners = owners
        self._clock = clock
        self.stats = IngestStats()

    def accepts(self, provider: str) -> bool:
        """``provider`` is registered and configured here."""
        try:
            self._adapter(provider)
        except UnknownProvider:
            return False
        return True

    def _adapter(self, provider: str) -> ProviderAdapter[Any]:
        try:
            return self._adapters(provider)
        except (KeyError, NotConfigured):
            raise UnknownProvider(provider) from None

    async def deliver(self, provider: str, delivery: WebhookDelivery) -> IngestOutcome:
        """Raises ``UnknownProvider``, ``WebhookAuthError``, ``MalformedWebhook`` or
        ``IngestUnavailable``; nothing is published unless it returns."""
        adapter = self._adapter(provider)
        self.stats.deliveries += 1
        WEBHOOKS_RECEIVED.labels(provider).inc()
        try:
            events = await adapter.parse_webhook(delivery)
        except WebhookAuthError:
            self.stats.rejected_auth += 1
            WEBHOOKS_REJECTED.labels(provider, "auth").inc()
            raise
        except MalformedWebhook:
            self.stats.rejected_malformed += 1
            WEBHOOKS_REJECTED.labels(provider, "malformed").inc()
            raise
        except UnsupportedOperation:
            raise UnknownProvider(provider) from None
        except ProviderError as exc:
            message = f"{provider}: verification could not complete: {exc}"
            raise self._unavailable(provider, message) from exc
        except Exception as exc:
            log.exception("webhook for %s: verification failed unexpectedly", provider)
            message = f"{provider}: verification could not complete"
            raise self._unavailable(provider, message) from exc
        WEBHOOKS_VERIFIED.labels(provider).inc()
        try:
            stamped = await self._stamped(events)
        except Exception as exc:
            log.exception("webhook for %s: the rooms' tenants could not be read", provider)
            raise self._unavailable(provider, f"{provider}: the room store failed") from exc
        return await self._publish(provider, stamped)

    async def _stamped(self, events: list[MeetingEvent]) -> list[MeetingEvent]:
        """The events, each with the tenant of its room as the shared store has it now (one
        read per delivery: a remembered owner could be stale on this replica)."""
        rooms = list({(e.provider, e.room_native_id) for e in events if e.room_native_id})
        if not rooms:
            return events
        owner = dict(zip(rooms, await self._owners(rooms), strict=True))
        return [replace(e, tenant=owner.get((e.provider, e.room_native_id or ""))) for e in events]

    def rejected_too_large(self, provider: str) -> None:
        """Count a delivery refused for its size (before it was read)."""
        self.stats.rejected_too_large += 1
        WEBHOOKS_RECEIVED.labels(provider).inc()
        WEBHOOKS_REJECTED.labels(provider, "too_large").inc()

    def _unavailable(self, provider: str, message: str) -> IngestUnavailable:
        self.stats.unavailable += 1
        WEBHOOKS_REJECTED.labels(provider, "unavailable").inc()
        return IngestUnavailable(message)

    async def _publish(self, provider: str, events: list[MeetingEvent]) -> IngestOutcome:
        if not events:
            self.stats.ignored += 1
            return IngestOutcome((), (), ())
        try:
            with tracing.publishing(events):
                result = await self._bus.publish(events, self._clock())
        except BusUnavailable as exc:
            raise self._unavailable(provider, str(exc)) from exc
        except Exception as exc:
            log.exception("webhook events could not be published")
            raise self._unavailable(provider, "the event log failed") from exc
        self.stats.published += len(result.appended)
        self.stats.duplicates += len(result.duplicates)
        EVENTS_PUBLISHED.labels(provider).inc(len(result.appended))
        WEBHOOKS_DEDUPLICATED.labels(provider).inc(len(result.duplicates))
        ids = tuple(event.id for event in events)
        return IngestOutcome(ids, result.appended, result.duplicates)
