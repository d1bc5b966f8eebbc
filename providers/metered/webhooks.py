"""Metered webhook deliveries -> ``MeetingEvent``. Pure.

Metered neither signs its webhooks nor documents their bodies. The event is known from
which of the four per-room URLs was called (``/joined``, ``/left``, ``/started``,
``/ended``); the gateway registered each with ``?room=<roomName>&token=<token>`` and the
token is checked first. The body may be empty, a JSON object or form-encoded; fields are
read leniently under the names seen in the wild.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from providers.errors import MalformedWebhook, WebhookAuthError
from providers.metered.payloads import parse_instant
from providers.models import EventType, MeetingEvent, WebhookDelivery, stable_event_id

__all__ = ["EVENT_PATHS", "parse_delivery"]

EVENT_PATHS: Mapping[str, EventType] = {
    "/joined": EventType.PARTICIPANT_JOINED,
    "/left": EventType.PARTICIPANT_LEFT,
    "/started": EventType.SESSION_STARTED,
    "/ended": EventType.SESSION_ENDED,
}
_PARTICIPANT_IDS = ("externalUserId", "participantId", "userId")
_PARTICIPANT_NAMES = ("name", "participantName", "userName")
_SESSION_IDS = ("meetingSessionId", "sessionId")
_TIMESTAMPS = ("timestamp", "time")


def _verify(delivery: WebhookDelivery, expected: str | None, provider: str) -> None:
    if not expected:
        raise WebhookAuthError(provider, "no webhook token is configured")
    given = delivery.query.get("token", "")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise WebhookAuthError(provider, "webhook token does not match")


def _body(delivery: WebhookDelivery, provider: str) -> dict[str, Any]:
    try:
        text = delivery.body.decode("utf-8").strip()
    except UnicodeDecodeError as exc:
        raise MalformedWebhook(provider, "body is not UTF-8") from exc
    if not text:
        return {}
    if text.startswith("{"):
        try:
            return dict(json.loads(text))
        except (ValueError, RecursionError) as exc:
            raise MalformedWebhook(provider, "body is not valid JSON") from exc
    if "=" in text:
        return dict(parse_qsl(text, keep_blank_values=True))
    raise MalformedWebhook(provider, "body is neither JSON nor form-encoded")


def _first(payload: Mapping[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = payload.get(key)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
            return str(value)
    return None


def _room(delivery: WebhookDelivery, payload: Mapping[str, Any], provider: str) -> str:
    room = delivery.query.get("room", "")
    if not room:
        raise MalformedWebhook(provider, "the webhook URL names no room")
    named = payload.get("roomName")
    if named is not None and named != room:
        raise MalformedWebhook(provider, "the body names another room than the URL")
    return room


def parse_delivery(
    delivery: WebhookDelivery, *, expected_token: str | None, provider: str = "metered"
) -> list[MeetingEvent]:
    """Verify the token, then normalize; one delivery is exactly one event."""
    _verify(delivery, expected_token, provider)
    event_type = EVENT_PATHS.get(delivery.path)
    if event_type is None:
        raise MalformedWebhook(provider, f"unknown webhook path {delivery.path!r}")
    payload = _body(delivery, provider)
    room = _room(delivery, payload, provider)
    occurred_at = next((t for t in (parse_instant(payload.get(k)) for k in _TIMESTAMPS) if t), None)
    is_host = payload.get("isAdmin")
    event = MeetingEvent(
        id=stable_event_id(provider, event_type, payload, delivery.path, room),
        provider=provider,
        type=event_type,
        raw=payload,
        room_native_id=room,
        session_id=_first(payload, _SESSION_IDS),
        occurred_at=occurred_at,
        participant_id=_first(payload, _PARTICIPANT_IDS),
        participant_name=_first(payload, _PARTICIPANT_NAMES),
        is_host=is_host if isinstance(is_host, bool) else None,
        started_at=occurred_at if event_type is EventType.SESSION_STARTED else None,
        ended_at=occurred_at if event_type is EventType.SESSION_ENDED else None,
    )
    return [event]
