"""GraphQL documents and settings of the outbound webhook tests."""

from __future__ import annotations

from typing import Any

from gateway.settings import Settings
from tests.support import JWT_SECRET, gateway_settings, make_token

CREATE = """
mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) {
    secret
    endpoint { id url types roomId enabled createdAt lastDeliveryAt failingSince }
  }
}"""
LIST = "{ webhookEndpoints { id url types roomId enabled lastDeliveryAt failingSince } }"
DELETE = "mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }"
ROTATE = "mutation($id: ID!) { rotateWebhookEndpointSecret(id: $id) { secret endpoint { id } } }"
ENABLE = """
mutation($id: ID!, $from: WebhookResume! = WHERE_IT_STOPPED) {
  enableWebhookEndpoint(id: $id, from: $from) { id url enabled lastDeliveryAt failingSince }
}"""

FAST = {"retry_initial_seconds": 0.05, "retry_max_seconds": 0.2, "refresh_seconds": 0.1}


def admin(tenant: str | None = "acme") -> str:
    claims: dict[str, Any] = {} if tenant is None else {"tenant": tenant}
    return make_token("webhooks:admin", **claims)


def outbound_settings(
    *, jwt: bool = False, shared: dict[str, Any] | None = None, **outbound: Any
) -> Settings:
    """Sandbox providers, loopback endpoints allowed, quick retries unless overridden;
    ``shared``: more top-level settings (Redis)."""
    values: dict[str, Any] = {"outbound": {"allow_loopback": True, **FAST, **outbound}}
    values.update(shared or {})
    if jwt:
        values["auth"] = {"mode": "jwt", "jwt_secret": JWT_SECRET}
    return gateway_settings(**values)
