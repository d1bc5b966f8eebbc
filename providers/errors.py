"""The single error tree raised by every provider adapter.

    ProviderError                 base; carries ``provider`` and ``retryable``
    ├── ProviderAuthError         credentials rejected (401/403 on auth)
    ├── ResourceNotFound          the provider has no such room, theme, recording…
    ├── InvalidRequest            the provider (or our pre-flight validation) refused the input
    │   └── ResourceConflict      409: name already taken, operation already running
    ├── RateLimited               429; ``retry_after`` seconds when the provider says
    ├── ProviderUnavailable       5xx, transport failure, unexpected answer
    │   ├── ProviderTimeout       no answer within the configured timeouts
    │   ├── Overloaded            refused before leaving: the provider's call queue is full
    │   └── CircuitOpen           skipped after repeated failures; ``retry_after`` seconds
    ├── UnsupportedOperation      the provider has no such operation
    ├── NotConfigured             the provider has no credentials in this deployment
    └── WebhookError              an inbound delivery was refused
        ├── WebhookAuthError      bad signature or token (HTTP 401)
        └── MalformedWebhook      not a payload we can read (HTTP 400)

Messages never contain credentials: URLs are redacted before they reach an error.
"""

from __future__ import annotations

__all__ = [
    "CircuitOpen",
    "InvalidRequest",
    "MalformedWebhook",
    "NotConfigured",
    "Overloaded",
    "ProviderAuthError",
    "ProviderError",
    "ProviderTimeout",
    "ProviderUnavailable",
    "RateLimited",
    "ResourceConflict",
    "ResourceNotFound",
    "UnsupportedOperation",
    "WebhookAuthError",
    "WebhookError",
]


class ProviderError(Exception):
    """Base of every error an adapter raises."""

    retryable_default = False

    def __init__(
        self,
        provider: str,
        message: str,
        *,
        status: int | None = None,
        retryable: bool | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.provider = provider
        self.message = message
        self.status = status
        self.retryable = self.retryable_default if retryable is None else retryable
        self.field = field

    def __str__(self) -> str:
        return f"{self.provider}: {self.message}"


class ProviderAuthError(ProviderError):
    """The provider rejected our credentials."""


class ResourceNotFound(ProviderError):
    """The provider does not know the requested resource."""


class InvalidRequest(ProviderError):
    """The input was refused, by our validation (``field`` set) or by the provider."""


class ResourceConflict(InvalidRequest):
    """The provider reported a conflict (HTTP 409)."""


class RateLimited(ProviderError):
    """The provider asked us to slow down."""

    retryable_default = True

    def __init__(
        self, provider: str, message: str, *, retry_after: float | None = None, status: int = 429
    ) -> None:
        super().__init__(provider, message, status=status)
        self.retry_after = retry_after


class ProviderUnavailable(ProviderError):
    """The provider failed (5xx, transport error, unreadable answer)."""

    retryable_default = True


class ProviderTimeout(ProviderUnavailable):
    """The provider did not answer in time."""


class Overloaded(ProviderUnavailable):
    """Refused before leaving: too many calls to the provider are in flight or waiting."""


class CircuitOpen(ProviderUnavailable):
    """Skipped without a call: the provider failed repeatedly (its circuit breaker is open).
    ``retry_after``: seconds until a call may reach it again."""

    def __init__(self, provider: str, message: str, *, retry_after: float) -> None:
        super().__init__(provider, message, retryable=True)
        self.retry_after = retry_after


class UnsupportedOperation(ProviderError):
    """The provider has no such operation."""


class NotConfigured(ProviderError):
    """The provider has no credentials in this deployment."""


class WebhookError(ProviderError):
    """An inbound webhook delivery was refused."""


class WebhookAuthError(WebhookError):
    """Signature or token did not verify."""


class MalformedWebhook(WebhookError):
    """The delivery is not a payload we can read."""
