"""The gateway's own Prometheus metrics (provider calls are in ``providers._observe``).

Label values are bounded: provider names come from the registry, outcomes and reasons from
fixed sets, and GraphQL operation names (chosen by clients) are truncated, must look like
GraphQL names, and at most ``MAX_OPERATION_NAMES`` distinct ones are kept per process
(later ones count as ``other``). Gauges sum over live worker processes in multiprocess mode.
"""

from __future__ import annotations

import re
import threading

from prometheus_client import Counter, Gauge, Histogram

__all__ = [
    "ANONYMOUS",
    "CACHE",
    "EVENTS_DELIVERED",
    "EVENTS_PUBLISHED",
    "GRAPHQL_REQUESTS",
    "GRAPHQL_SECONDS",
    "MAX_OPERATION_NAMES",
    "OTHER",
    "PERSISTED_DOCUMENTS",
    "SUBSCRIBERS_TOO_SLOW",
    "SUBSCRIPTIONS",
    "TOO_LARGE",
    "WEBHOOKS_DEDUPLICATED",
    "WEBHOOKS_RECEIVED",
    "WEBHOOKS_REJECTED",
    "WEBHOOKS_VERIFIED",
    "WEBSOCKETS",
    "operation_label",
]

GRAPHQL_REQUESTS = Counter(
    "gateway_graphql_requests_total",
    "GraphQL operations over HTTP, SSE and WebSocket, by outcome (ok or the first error code)",
    ["operation", "type", "outcome"],
)
GRAPHQL_SECONDS = Histogram(
    "gateway_graphql_request_duration_seconds",
    "Duration of GraphQL queries and mutations (subscriptions are not timed)",
    ["operation", "type"],
)
CACHE = Counter(
    "gateway_cache_requests_total",
    "Cached single reads of rooms and themes, by result (hit or miss)",
    ["kind", "result"],
)
WEBHOOKS_RECEIVED = Counter(
    "gateway_webhooks_received_total",
    "Webhook deliveries received for a configured provider",
    ["provider"],
)
WEBHOOKS_VERIFIED = Counter(
    "gateway_webhooks_verified_total",
    "Webhook deliveries whose token or signature verified",
    ["provider"],
)
WEBHOOKS_REJECTED = Counter(
    "gateway_webhooks_rejected_total",
    "Webhook deliveries refused, by reason (auth, malformed, too_large, unavailable)",
    ["provider", "reason"],
)
WEBHOOKS_DEDUPLICATED = Counter(
    "gateway_webhook_events_deduplicated_total",
    "Events of verified deliveries already in the event log (provider retries)",
    ["provider"],
)
EVENTS_PUBLISHED = Counter(
    "gateway_events_published_total",
    "Events appended to the event log",
    ["provider"],
)
EVENTS_DELIVERED = Counter(
    "gateway_events_delivered_total",
    "Events handed to a subscriber: a client's subscription, or the gateway's own readers",
    ["consumer"],
)
PERSISTED_DOCUMENTS = Counter(
    "gateway_persisted_documents_total",
    "Documents checked against the trusted documents and the APQ cache, by outcome (trusted, "
    "untrusted: run in log mode, refused, apq_hit, apq_miss, apq_stored)",
    ["outcome"],
)
RATE_LIMITED = Counter(
    "gateway_rate_limited_total",
    "Refusals by a rate limit or a per-client cap, by limit (requests, failed authentications, "
    "failed verifications, WebSocket connections, operations)",
    ["limit"],
)
SUBSCRIBERS_TOO_SLOW = Counter(
    "gateway_subscribers_too_slow_total",
    "Subscribers ended because they fell behind (full queue or backlog too old)",
)
TOO_LARGE = Counter(
    "gateway_requests_too_large_total",
    "Requests refused with 413, by the limit that applied (its path prefix, uploads, default)",
    ["limit"],
)
WEBSOCKETS = Gauge(
    "gateway_websocket_connections",
    "Open GraphQL WebSocket connections",
    multiprocess_mode="livesum",
)
SUBSCRIPTIONS = Gauge(
    "gateway_subscriptions_active",
    "GraphQL subscriptions running (WebSocket and SSE)",
    multiprocess_mode="livesum",
)

ANONYMOUS = "anonymous"
OTHER = "other"
#: distinct operation names kept per process before new ones count as ``OTHER``
MAX_OPERATION_NAMES = 200
MAX_OPERATION_NAME_LENGTH = 64
_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")


class _NameBook:
    """The operation names seen so far, at most ``limit``."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._names: set[str] = set()
        self._lock = threading.Lock()

    def label(self, name: str | None) -> str:
        if not name:
            return ANONYMOUS
        name = name[:MAX_OPERATION_NAME_LENGTH]
        if not _NAME.fullmatch(name):
            return OTHER
        with self._lock:
            if name in self._names:
                return name
            if len(self._names) >= self._limit:
                return OTHER
            self._names.add(name)
            return name


_BOOK = _NameBook(MAX_OPERATION_NAMES)


def operation_label(name: str | None) -> str:
    """The label value for a client's operation name."""
    return _BOOK.label(name)
