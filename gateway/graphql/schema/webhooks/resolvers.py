"""Outbound webhook endpoints: list, create, delete, rotate the secret, enable again
(``webhooks:admin``).

Endpoints belong to the caller's tenant (a token without the tenant claim: to its subject):
another owner's endpoint reads as unknown.
"""

from __future__ import annotations

import re
from typing import Annotated

import strawberry

from gateway.auth import Scope
from gateway.events import BusUnavailable
from gateway.graphql.context import Info
from gateway.graphql.errors import ErrorCode, GatewayError, bad_input
from gateway.graphql.permissions import requires
from gateway.graphql.schema.webhooks.types import (
    CreatedWebhookEndpoint,
    CreateWebhookEndpointInput,
    ResumeFrom,
    WebhookEndpoint,
)
from gateway.graphql.targets import parse_id, present
from gateway.graphql.tenancy import check_room
from gateway.outbound import (
    EndpointNotFound,
    EventsGone,
    Outbound,
    Owner,
    TooManyEndpoints,
    UrlRefused,
)
from gateway.settings import AuthMode
from providers import global_id

__all__ = ["WebhookMutation", "WebhookQuery"]

_ADMIN = [requires(Scope.WEBHOOKS_ADMIN)]
_ENDPOINT_ID = re.compile(r"^webhook:[0-9a-f]{32}$")


def _outbound(info: Info) -> tuple[Outbound, Owner]:
    """The endpoints' service and the caller as their owner; a token with neither a tenant
    nor a ``sub`` has nothing to own them by."""
    principal = info.context.principal
    if principal.tenant:
        return info.context.services.outbound, Owner(principal.tenant)
    subject = principal.subject or ""
    if not subject and info.context.services.settings.auth.mode is AuthMode.JWT:
        raise GatewayError(
            "webhook endpoints need a token with a tenant or a 'sub' claim: they belong to the "
            "tenant, else to the subject",
            ErrorCode.FORBIDDEN,
        )
    return info.context.services.outbound, Owner("", subject)


async def _visible_room_id(info: Info, given: str) -> str:
    """The gateway id of ``input.roomId``; ``NOT_FOUND`` for a room the caller may not see."""
    provider, native_id = parse_id(given, "input.roomId")
    await check_room(info, provider, native_id)
    return global_id(provider, native_id)


def _endpoint_id(value: str) -> str:
    if not _ENDPOINT_ID.fullmatch(value):
        raise bad_input('id is not a webhook endpoint id ("webhook:<32 hex digits>")', field="id")
    return value


def _unavailable() -> GatewayError:
    return GatewayError(
        "the webhook endpoint store is unavailable; retry later", ErrorCode.INTERNAL, retryable=True
    )


def _not_found(endpoint_id: str) -> GatewayError:
    return GatewayError(f"no webhook endpoint {endpoint_id}", ErrorCode.NOT_FOUND)


@strawberry.type
class WebhookQuery:
    @strawberry.field(
        description="The caller's tenant's endpoints, oldest first (secrets never shown).",
        permission_classes=_ADMIN,
    )
    async def webhook_endpoints(self, info: Info) -> list[WebhookEndpoint]:
        outbound, owner = _outbound(info)
        try:
            views = await outbound.of_owner(owner)
        except BusUnavailable:
            raise _unavailable() from None
        return [WebhookEndpoint.from_domain(view) for view in views]


@strawberry.type
class WebhookMutation:
    @strawberry.mutation(
        description="Register an endpoint; it receives events appended from now on. "
        "The secret is in this answer only.",
        permission_classes=_ADMIN,
    )
    async def create_webhook_endpoint(
        self, info: Info, input: CreateWebhookEndpointInput
    ) -> CreatedWebhookEndpoint:
        outbound, owner = _outbound(info)
        given = present(input.room_id)
        room_id = None if given is None else await _visible_room_id(info, given)
        try:
            view = await outbound.create(owner, input.url, present(input.types) or (), room_id)
        except UrlRefused as exc:
            raise bad_input(str(exc), field="input.url") from None
        except TooManyEndpoints as exc:
            raise bad_input(str(exc)) from None
        except BusUnavailable:
            raise _unavailable() from None
        return CreatedWebhookEndpoint.from_domain(view)

    @strawberry.mutation(description="Remove an endpoint.", permission_classes=_ADMIN)
    async def delete_webhook_endpoint(self, info: Info, id: strawberry.ID) -> bool:
        outbound, owner = _outbound(info)
        try:
            await outbound.delete(owner, _endpoint_id(id))
        except EndpointNotFound:
            raise _not_found(id) from None
        except BusUnavailable:
            raise _unavailable() from None
        return True

    @strawberry.mutation(
        description="Replace the signing secret; the old one stops signing at once. "
        "The new secret is in this answer only.",
        permission_classes=_ADMIN,
    )
    async def rotate_webhook_endpoint_secret(
        self, info: Info, id: strawberry.ID
    ) -> CreatedWebhookEndpoint:
        outbound, owner = _outbound(info)
        try:
            view = await outbound.rotate(owner, _endpoint_id(id))
        except EndpointNotFound:
            raise _not_found(id) from None
        except BusUnavailable:
            raise _unavailable() from None
        return CreatedWebhookEndpoint.from_domain(view)

    @strawberry.mutation(
        description="Deliver to a disabled endpoint again, keeping its id, secret and filters; "
        "clears failingSince. `from` WHERE_IT_STOPPED (default) resends from the first event "
        "it failed on, in order: BAD_USER_INPUT naming `from` when the event log's retention "
        "discarded those events; NOW skips what it missed. An enabled endpoint is returned "
        "unchanged.",
        permission_classes=_ADMIN,
    )
    async def enable_webhook_endpoint(
        self,
        info: Info,
        id: strawberry.ID,
        from_: Annotated[
            ResumeFrom, strawberry.argument(name="from")
        ] = ResumeFrom.WHERE_IT_STOPPED,
    ) -> WebhookEndpoint:
        outbound, owner = _outbound(info)
        try:
            view = await outbound.enable(owner, _endpoint_id(id), from_)
        except EndpointNotFound:
            raise _not_found(id) from None
        except EventsGone:
            raise bad_input(
                "the events this endpoint missed are gone: the event log's retention discarded "
                "them; enable it with from: NOW to receive the events appended from now on",
                field="from",
            ) from None
        except BusUnavailable:
            raise _unavailable() from None
        return WebhookEndpoint.from_domain(view)
