"""Meetings callbacks: verification, then normalization. Pure functions.

Vonage documents no signature for Meetings callbacks. Each room registers the gateway's URL
with an unguessable ``token`` query parameter, compared in constant time with the
configured ``webhook_token``; without one every delivery is refused. When a
``signature_secret`` is configured, a delivery must also carry Vonage's signed-webhook JWT
(``Authorization: Bearer``, HS256 with that secret) and, when the JWT has a
``payload_hash`` claim, the SHA-256 of the body must match it; a JWT issued (``iat``) before
the delivery's replay window is refused. Unsigned callbacks carry no signed time: the token
and the receiver's dedupe window are all there is.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import jwt

from providers.errors import MalformedWebhook, WebhookAuthError
from providers.models import EventType, MeetingEvent, WebhookDelivery, stable_event_id
from providers.vonage.payloads import PROVIDER, parse_time

__all__ = ["EVENT_NAMES", "decode", "normalize", "parse_delivery", "verify"]

#: every documented spelling of each callback
EVENT_NAMES: dict[str, EventType] = {
    "session:participant:joined": EventType.PARTICIPANT_JOINED,
    "participant:joined": EventType.PARTICIPANT_JOINED,
    "participant-joined": EventType.PARTICIPANT_JOINED,
    "session:participant:left": EventType.PARTICIPANT_LEFT,
    "participant:left": EventType.PARTICIPANT_LEFT,
    "participant-left": EventType.PARTICIPANT_LEFT,
    "session:started": EventType.SESSION_STARTED,
    "session:ended": EventType.SESSION_ENDED,
    "recording:started": EventType.RECORDING_STARTED,
    "recording:ended": EventType.RECORDING_STOPPED,
    "recording:stopped": EventType.RECORDING_STOPPED,
    "recording:ready": EventType.RECORDING_READY,
    "recording:uploaded": EventType.RECORDING_READY,
    "room:expired": EventType.ROOM_EXPIRED,
}

JWT_LEEWAY = 60.0

# The provider's time for each event. Participant callbacks carry none, and "recording
# ready" happens after ``ended_at``, at upload: the receive time is the better answer.
_OCCURRED_AT: dict[EventType, str] = {
    EventType.SESSION_STARTED: "started_at",
    EventType.SESSION_ENDED: "ended_at",
    EventType.RECORDING_STARTED: "started_at",
    EventType.RECORDING_STOPPED: "ended_at",
    EventType.ROOM_EXPIRED: "expires_at",
}


def _check_token(delivery: WebhookDelivery, expected: str | None) -> None:
    if not expected:
        raise WebhookAuthError(PROVIDER, "no webhook token is configured: delivery refused")
    given = delivery.query.get("token")
    if given is None or not hmac.compare_digest(given.encode(), expected.encode()):
        raise WebhookAuthError(PROVIDER, "webhook token missing or wrong")


def _claims(delivery: WebhookDelivery, secret: str) -> Mapping[str, Any]:
    scheme, _, token = delivery.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise WebhookAuthError(PROVIDER, "signed callback expected: Authorization Bearer missing")
    options = {"verify_exp": False, "verify_iat": False, "verify_nbf": False}
    try:
        return jwt.decode(token.strip(), secret, algorithms=["HS256"], options=options)  # type: ignore[arg-type]
    except jwt.PyJWTError as exc:
        raise WebhookAuthError(
            PROVIDER, f"callback signature invalid ({type(exc).__name__})"
        ) from None


def _check_signature(delivery: WebhookDelivery, secret: str, now: float) -> None:
    claims = _claims(delivery, secret)
    expires, not_before, issued = claims.get("exp"), claims.get("nbf"), claims.get("iat")
    if isinstance(issued, int | float) and delivery.is_stale(float(issued), now):
        raise WebhookAuthError(PROVIDER, "callback signed too long ago: refused as a replay")
    if isinstance(expires, int | float) and expires < now - JWT_LEEWAY:
        raise WebhookAuthError(PROVIDER, "callback signature expired")
    if isinstance(not_before, int | float) and not_before > now + JWT_LEEWAY:
        raise WebhookAuthError(PROVIDER, "callback signature not yet valid")
    expected = claims.get("payload_hash")
    if expected is None:
        return
    actual = hashlib.sha256(delivery.body).hexdigest()
    if not isinstance(expected, str) or not hmac.compare_digest(actual, expected.lower()):
        raise WebhookAuthError(PROVIDER, "callback body does not match its payload_hash")


def verify(
    delivery: WebhookDelivery, *, token: str | None, signature_secret: str | None, now: float
) -> None:
    """Raise ``WebhookAuthError`` unless the delivery carries the token (and signature)."""
    _check_token(delivery, token)
    if signature_secret:
        _check_signature(delivery, signature_secret, now)


def decode(delivery: WebhookDelivery) -> dict[str, Any]:
    """The JSON object of a delivery; ``MalformedWebhook`` for anything else."""
    if delivery.path not in ("", "/"):
        raise MalformedWebhook(PROVIDER, "Vonage callbacks are delivered to the root path only")
    try:
        payload = json.loads(delivery.body)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        raise MalformedWebhook(PROVIDER, "callback body is not JSON") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("event"), str):
        raise MalformedWebhook(PROVIDER, "callback body is not an object with an 'event'")
    return payload


def _text(payload: Mapping[str, Any], key: str) -> str | None:
    value = payload.get(key)
    if isinstance(value, str):
        return value or None
    return None if value is None or isinstance(value, bool) else str(value)


def _number(value: Any) -> float | None:
    """Seconds as a number or a numeric string (one SDK test sends ``"3598"``)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def _time(payload: Mapping[str, Any], key: str | None) -> datetime | None:
    return None if key is None else parse_time(payload.get(key))


def _participant(payload: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "participant_id": _text(payload, "participant_id"),
        "participant_name": _text(payload, "name"),
        "is_host": _flag(payload.get("is_host")),
        "role": _text(payload, "type"),
    }


def _recording(payload: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "recording_id": _text(payload, "recording_id"),
        "url": _text(payload, "url"),
        "duration_seconds": _number(payload.get("duration")),
        "started_at": parse_time(payload.get("started_at")),
        "ended_at": parse_time(payload.get("ended_at")),
    }


def _session(payload: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "started_at": parse_time(payload.get("started_at")),
        "ended_at": parse_time(payload.get("ended_at")),
    }


def _no_details(_: Mapping[str, Any]) -> dict[str, Any]:
    return {}


_DETAILS: dict[EventType, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
    EventType.PARTICIPANT_JOINED: _participant,
    EventType.PARTICIPANT_LEFT: _participant,
    EventType.SESSION_STARTED: _session,
    EventType.SESSION_ENDED: _session,
    EventType.RECORDING_STARTED: _recording,
    EventType.RECORDING_STOPPED: _recording,
    EventType.RECORDING_READY: _recording,
}


def normalize(payload: Mapping[str, Any]) -> MeetingEvent | None:
    """The event for a callback payload; ``None`` for an event name we do not know."""
    event_type = EVENT_NAMES.get(str(payload.get("event", "")).strip().lower())
    if event_type is None:
        return None
    details = _DETAILS.get(event_type, _no_details)(payload)
    return MeetingEvent(
        id=stable_event_id(PROVIDER, event_type, payload),
        provider=PROVIDER,
        type=event_type,
        raw=payload,
        room_native_id=_text(payload, "room_id"),
        session_id=_text(payload, "session_id"),
        occurred_at=_time(payload, _OCCURRED_AT.get(event_type)),
        **details,
    )


def parse_delivery(
    delivery: WebhookDelivery, *, token: str | None, signature_secret: str | None, now: float
) -> list[MeetingEvent]:
    """Verify, decode and normalize one delivery (``[]`` for an unknown event)."""
    verify(delivery, token=token, signature_secret=signature_secret, now=now)
    event = normalize(decode(delivery))
    return [] if event is None else [event]
