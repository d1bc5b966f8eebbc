"""``POST /sandbox/<provider>/rooms/<nativeId>/events`` (``gateway dev`` only).

Asks a provider's sandbox for the provider's OWN webhook payload of a contract event and
feeds that exact delivery to the same ingest path as ``/webhooks/<provider>``, so it is
verified (token or signature) and normalized by the real adapter. Mounted only when
``settings.sandbox`` is on, and only for providers the sandbox stands in for. The room must
exist in the sandbox (a provider sends events only for its rooms), and the optional details
are checked by name and type, so a typo is a 400 rather than an event nobody sees.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import SecretStr

from gateway.services import ProviderHandle, Services
from gateway.webhooks import BodyTooLarge, WebhookRefused, deliver, read_body
from providers import (
    EventType,
    ProviderError,
    ProviderSettings,
    ResourceNotFound,
    UnsupportedOperation,
    WebhookDelivery,
)

__all__ = ["router"]

router = APIRouter()

_TEXT: tuple[type, ...] = (str,)
_NUMBER: tuple[type, ...] = (int, float)
#: the event details a sandbox can put in its payload, in contract (camelCase) names
DETAILS: dict[str, tuple[type, ...]] = {
    "participantName": _TEXT,
    "participantId": _TEXT,
    "isHost": (bool,),
    "role": _TEXT,
    "reason": _TEXT,
    "sessionId": _TEXT,
    "recordingId": _TEXT,
    "url": _TEXT,
    "durationSeconds": _NUMBER,
    "startedAt": _TEXT,
    "endedAt": _TEXT,
    "transcriptionId": _TEXT,
    "streamKind": _TEXT,
}
#: the values a detail may take, where it is a choice
CHOICES: dict[str, tuple[str, ...]] = {"streamKind": ("HLS", "RTMP")}


def webhook_token(settings: ProviderSettings) -> str | None:
    """The webhook token the provider's settings carry, for providers that use one."""
    token = getattr(settings, "webhook_token", None)
    if isinstance(token, SecretStr):
        return token.get_secret_value()
    return token if isinstance(token, str) else None


async def _request_json(request: Request, limit: int) -> dict[str, Any]:
    try:
        data = json.loads(await read_body(request, limit) or b"null")
    except BodyTooLarge:
        raise WebhookRefused(413, "request body too large") from None
    except ValueError:
        raise WebhookRefused(400, "expected a JSON object") from None
    if not isinstance(data, dict):
        raise WebhookRefused(400, 'expected a JSON object like {"type": "PARTICIPANT_JOINED"}')
    return data


def _event_type(handle: ProviderHandle, value: object) -> EventType:
    emits = handle.entry.adapter.event_types
    names = ", ".join(sorted(t.value for t in emits))
    try:
        event_type = EventType(value)
    except ValueError:
        message = f"unknown event type {value!r}; {handle.name} emits {names}"
        raise WebhookRefused(400, message) from None
    if event_type not in emits:
        raise WebhookRefused(400, f"{handle.name} cannot emit {event_type.value}; it emits {names}")
    return event_type


def _details(body: dict[str, Any]) -> dict[str, Any]:
    """The event details of ``body`` (null means the sandbox's default)."""
    details = {key: value for key, value in body.items() if key != "type" and value is not None}
    for key, value in details.items():
        kinds = DETAILS.get(key)
        if kinds is None:
            known = ", ".join(DETAILS)
            raise WebhookRefused(400, f"unknown field {key!r}; the sandbox takes type, {known}")
        if isinstance(value, bool) is not (bool in kinds) or not isinstance(value, kinds):
            kind = {_TEXT: "a string", _NUMBER: "a number"}.get(kinds, "true or false")
            raise WebhookRefused(400, f"{key} must be {kind}")
        if key in CHOICES and value not in CHOICES[key]:
            raise WebhookRefused(400, f"{key} must be one of {', '.join(CHOICES[key])}")
    return details


async def _check_room(handle: ProviderHandle, native_id: str) -> None:
    """The room exists in the sandbox, as the provider only reports on its rooms."""
    if handle.adapter is None:
        raise WebhookRefused(404, f"{handle.name} is not served by its sandbox")
    try:
        await handle.adapter.get_room(native_id)
    except ResourceNotFound:
        message = f"no room {native_id!r} in the {handle.name} sandbox; create it with createRoom"
        raise WebhookRefused(404, message) from None
    except ProviderError as exc:
        raise WebhookRefused(503, f"the {handle.name} sandbox failed: {exc.message}", 1) from None


def _sandbox_delivery(
    handle: ProviderHandle, native_id: str, body: dict[str, Any]
) -> WebhookDelivery:
    event_type = _event_type(handle, body.get("type"))
    details = _details(body)
    if handle.sandbox is None or handle.adapter is None:
        raise WebhookRefused(404, f"{handle.name} is not served by its sandbox")
    token = webhook_token(handle.adapter.settings)
    try:
        return handle.sandbox.webhook(native_id, event_type, details, token)
    except UnsupportedOperation as exc:
        raise WebhookRefused(400, exc.message) from None


def _sandboxed(services: Services, provider: str) -> ProviderHandle:
    handle = services.providers.get(provider)
    if handle is None or handle.sandbox is None:
        raise WebhookRefused(404, f"{provider!r} is not served by a sandbox here")
    return handle


@router.post("/sandbox/{provider}/rooms/{native_id}/events", include_in_schema=False)
async def emit_sandbox_event(request: Request, provider: str, native_id: str) -> Response:
    services: Services = request.app.state.services
    try:
        handle = _sandboxed(services, provider)
        body = await _request_json(request, services.settings.limits.max_body_bytes)
        delivery = _sandbox_delivery(handle, native_id, body)
        await _check_room(handle, native_id)
        outcome = await deliver(services.ingest, provider, delivery)
    except WebhookRefused as refused:
        return refused.response()
    content = {"eventIds": list(outcome.event_ids), "duplicates": list(outcome.duplicates)}
    return JSONResponse(content, status_code=202)
