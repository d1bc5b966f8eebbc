"""GraphQL types of outbound webhook endpoints, and their conversion from the domain."""

from __future__ import annotations

from datetime import datetime

import strawberry

from gateway.graphql.enums import EventType
from gateway.outbound import EndpointView, ResumeFrom

__all__ = ["CreateWebhookEndpointInput", "CreatedWebhookEndpoint", "ResumeFrom", "WebhookEndpoint"]

strawberry.enum(
    ResumeFrom,
    name="WebhookResume",
    description="Where deliveries to a disabled endpoint continue once it is enabled again: "
    "WHERE_IT_STOPPED from the first event it failed on (while the event log still keeps "
    "it), NOW with the events appended from now on (the ones it missed are skipped).",
)


@strawberry.type(description="Where the gateway POSTs events, signed (Standard Webhooks).")
class WebhookEndpoint:
    id: strawberry.ID
    url: str
    types: list[EventType] = strawberry.field(description="Empty: every type.")
    room_id: strawberry.ID | None = strawberry.field(
        description="Null: every room the endpoint's tenant may see."
    )
    enabled: bool = strawberry.field(
        description="False once deliveries kept failing for the configured limit; "
        "enableWebhookEndpoint makes it true again."
    )
    created_at: datetime
    last_delivery_at: datetime | None
    failing_since: datetime | None = strawberry.field(
        description="Set while deliveries keep failing; cleared by the next success."
    )

    @classmethod
    def from_domain(cls, view: EndpointView) -> WebhookEndpoint:
        endpoint, status = view.endpoint, view.status
        return cls(
            id=strawberry.ID(endpoint.id),
            url=endpoint.url,
            types=sorted(endpoint.types, key=lambda t: t.value),
            room_id=None if endpoint.room_id is None else strawberry.ID(endpoint.room_id),
            enabled=not status.disabled,
            created_at=endpoint.created_at,
            last_delivery_at=status.last_delivery_at,
            failing_since=status.failing_since,
        )


@strawberry.type(description="An endpoint and its signing secret, shown this once.")
class CreatedWebhookEndpoint:
    endpoint: WebhookEndpoint
    secret: str = strawberry.field(
        description='"whsec_<base64>": verify deliveries with it; it is never shown again.'
    )

    @classmethod
    def from_domain(cls, view: EndpointView) -> CreatedWebhookEndpoint:
        return cls(endpoint=WebhookEndpoint.from_domain(view), secret=view.endpoint.secret)


@strawberry.input(description="A new outbound webhook endpoint.")
class CreateWebhookEndpointInput:
    url: str = strawberry.field(
        description="https only (http for loopback where the deployment allows loopback)."
    )
    types: list[EventType] | None = strawberry.field(
        default=strawberry.UNSET, description="Event types to deliver; null or empty: every type."
    )
    room_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="Only this room's events."
    )
