"""``POST /webhooks/<provider>[/<path>]``: provider deliveries into the event bus.

The route never branches on a provider: it hands the raw delivery to the adapter the
registry names, which verifies it (token or signature) and normalizes it.
204 accepted (duplicates and ignored event types too), 400 malformed, 401 not verified,
404 unknown or unconfigured provider, 413 body too large, 429 (with ``Retry-After``) after
too many failed verifications for that provider, 503 (with ``Retry-After``) for
every failure that is not the sender's fault: the bus, a store look-up or the provider's
verification key could not be reached, so the provider retries.
"""

from __future__ import annotations

import contextlib
import logging

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from gateway import bounded_json
from gateway.events import IngestOutcome, IngestUnavailable, UnknownProvider, WebhookIngest
from gateway.observability import tracing
from gateway.ratelimit import RateLimited, RateLimits
from gateway.services import Services
from providers import MalformedWebhook, WebhookAuthError, WebhookDelivery

__all__ = ["BodyTooLarge", "WebhookRefused", "deliver", "read_body", "router"]

log = logging.getLogger("gateway.webhooks")

router = APIRouter()


class BodyTooLarge(Exception):
    """The request body exceeds the configured limit."""


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, refusing more than ``limit`` bytes (declared or streamed)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise BodyTooLarge
    return bytes(body)


class WebhookRefused(Exception):
    """A delivery the gateway does not accept, with the HTTP answer for it."""

    def __init__(self, status: int, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after

    def response(self) -> JSONResponse:
        headers = {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}
        return JSONResponse({"error": self.message}, status_code=self.status, headers=headers)


def _unknown(provider: str) -> WebhookRefused:
    return WebhookRefused(404, f"no configured provider {provider!r} takes webhooks here")


async def deliver(ingest: WebhookIngest, provider: str, delivery: WebhookDelivery) -> IngestOutcome:
    """Ingest one delivery; ``WebhookRefused`` when it is not accepted."""
    try:
        return await ingest.deliver(provider, delivery)
    except UnknownProvider:
        raise _unknown(provider) from None
    except WebhookAuthError:
        log.warning("webhook for %s refused: not verified", provider)
        raise WebhookRefused(401, "webhook signature or token did not verify") from None
    except MalformedWebhook as exc:
        raise WebhookRefused(400, f"malformed webhook: {exc.message}") from None
    except IngestUnavailable as exc:
        log.warning("webhook for %s not accepted: %s", provider, exc)
        raise WebhookRefused(503, "the delivery cannot be taken now; retry later", 5) from None


async def _delivery(
    request: Request, services: Services, provider: str, path: str
) -> WebhookDelivery:
    if not services.ingest.accepts(provider):
        raise _unknown(provider)
    try:
        body = await read_body(request, services.settings.limits.max_webhook_body_bytes)
    except BodyTooLarge:
        services.ingest.rejected_too_large(provider)
        log.warning("webhook for %s refused: body too large", provider)
        raise WebhookRefused(413, "webhook body too large") from None
    _check_nesting(body, services, provider)
    return WebhookDelivery(
        path=path,
        query=dict(request.query_params),
        headers={name.lower(): value for name, value in request.headers.items()},
        body=body,
        # past the dedupe window a replayed delivery would not be recognized
        max_age_seconds=services.settings.events.dedupe_seconds,
    )


def _check_nesting(body: bytes, services: Services, provider: str) -> None:
    """Refuse JSON nested too deeply before an adapter decodes it to verify it.

    A scan at C speed, cheaper than any signature check: some providers sign a
    re-serialization of the parsed body, so their adapter decodes before it verifies.
    """
    if body.lstrip()[:1] not in (b"{", b"["):
        return  # not JSON (form-encoded deliveries): brackets there are text
    max_depth = services.settings.limits.max_json_depth
    try:
        bounded_json.check_depth(body, max_depth)
    except bounded_json.TooDeep as exc:
        services.ingest.stats.rejected_malformed += 1
        log.warning(
            "webhook for %s refused: JSON nested deeper than %d levels", provider, max_depth
        )
        raise WebhookRefused(400, f"malformed webhook: {exc}") from None


async def receive_webhook(request: Request) -> Response:
    """``POST /webhooks/{provider}{path}``: 204 when accepted, else the refusal's status."""
    provider = request.path_params["provider"]
    with tracing.webhook(provider) as span:
        response, event_ids = await _receive(request, provider)
        if span is not None:
            span.answered(response.status_code, event_ids)
        return response


async def _receive(request: Request, provider: str) -> tuple[Response, tuple[str, ...]]:
    """The answer, and the ids of the delivery's events when it was accepted."""
    services: Services = request.app.state.services
    limits: RateLimits = request.app.state.rate_limits
    try:
        await _not_over(limits, provider)
        delivery = await _delivery(request, services, provider, request.path_params["path"])
        outcome = await deliver(services.ingest, provider, delivery)
    except WebhookRefused as refused:
        if refused.status == 401:
            with contextlib.suppress(RateLimited):
                await limits.hit(limits.webhook_failures, "failed verifications", provider)
        return refused.response(), ()
    return Response(status_code=204), outcome.event_ids


async def _not_over(limits: RateLimits, provider: str) -> None:
    """Too many failed verifications for ``provider``: 429 before reading the body."""
    try:
        await limits.check(limits.webhook_failures, "failed verifications", provider)
    except RateLimited as limited:
        log.warning("webhooks for %s refused: too many failed verifications", provider)
        raise WebhookRefused(429, str(limited), limited.retry_after) from None


# a plain Starlette route: FastAPI's request handling (dependency solving, its exit stacks)
# was half of a webhook's CPU, and this endpoint takes nothing FastAPI would inject
router.add_route(
    "/webhooks/{provider}{path:path}", receive_webhook, methods=["POST"], include_in_schema=False
)
