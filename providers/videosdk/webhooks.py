"""VideoSDK webhooks: signature verification and normalization, both pure.

VideoSDK signs every delivery: ``videosdk-signature`` is a base64 RSA PKCS#1 v1.5 SHA-256
signature over the JSON body. The raw bytes are tried first; because the docs' Node sample
signs ``JSON.stringify(parsed)``, the compact re-serialization of the parsed body (key order
kept) is tried next. The envelope is ``{"webhookType": …, "data": {…}}``.

Every documented ``webhookType`` maps to a gateway event; the provider's step rides in
``status`` where one event type covers several (``recording-starting`` and
``recording-started`` are both ``RECORDING_STARTED``, with ``STARTING`` and ``RECORDING``).
``livestream-*`` is VideoSDK's RTMP out, ``hls-*`` its HLS stream. Unknown types give ``[]``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from providers.errors import MalformedWebhook, WebhookAuthError
from providers.models import EventType, MeetingEvent, StreamKind, stable_event_id
from providers.videosdk.payloads import PROVIDER, parse_time

__all__ = [
    "SIGNATURE_HEADER",
    "SUBSCRIBED_EVENTS",
    "WEBHOOK_EVENTS",
    "compact_json",
    "load_public_key",
    "normalize",
    "parse_envelope",
    "signed_at",
    "verify_signature",
]

SIGNATURE_HEADER = "videosdk-signature"

_RECORDING_SCOPES = ("recording", "participant-recording", "participant-track-recording")
#: recording step -> (event type, RecordingStatus name)
_RECORDING_STEPS = {
    "starting": (EventType.RECORDING_STARTED, "STARTING"),
    "started": (EventType.RECORDING_STARTED, "RECORDING"),
    "stopping": (EventType.RECORDING_STOPPED, "STOPPING"),
    "stopped": (EventType.RECORDING_STOPPED, "PROCESSING"),
    "failed": (EventType.RECORDING_FAILED, "FAILED"),
}
#: stream step -> (event type, stream status)
_STREAM_STEPS = {
    "starting": (EventType.STREAM_STARTED, "STARTING"),
    "started": (EventType.STREAM_STARTED, "LIVE"),
    "playable": (EventType.STREAM_STARTED, "PLAYABLE"),
    "stopping": (EventType.STREAM_STOPPED, "STOPPING"),
    "stopped": (EventType.STREAM_STOPPED, "STOPPED"),
    "failed": (EventType.STREAM_FAILED, "FAILED"),
}
_STREAMS = {"livestream": StreamKind.RTMP, "hls": StreamKind.HLS}
#: where a stream's viewers go, best first (``downstreamUrl`` is deprecated since Dec 2023)
_PLAYBACK_KEYS = ("playbackHlsUrl", "livestreamUrl", "downstreamUrl")

#: every ``webhookType`` VideoSDK documents (create-room ``webhook.events``)
WEBHOOK_EVENTS: tuple[str, ...] = (
    "participant-joined",
    "participant-left",
    "session-started",
    "session-ended",
    *(
        f"{scope}-{step}"
        for scope in _RECORDING_SCOPES
        for step in ("starting", "started", "stopping", "stopped", "failed")
    ),
    "merge-recording-completed",
    "merge-recording-failed",
    "transcription-completed",
    *(f"livestream-{step}" for step in ("starting", "started", "stopping", "stopped", "failed")),
    *(
        f"hls-{step}"
        for step in ("starting", "started", "playable", "stopping", "stopped", "failed")
    ),
)

#: what a room registers for: every documented event, as each maps to a gateway event
SUBSCRIBED_EVENTS: tuple[str, ...] = WEBHOOK_EVENTS


def load_public_key(pem: str) -> rsa.RSAPublicKey:
    """VideoSDK's RSA public key from PEM text; ``ValueError`` when it is not one."""
    try:
        key = serialization.load_pem_public_key(pem.strip().encode())
    except UnsupportedAlgorithm as exc:
        raise ValueError("unsupported key type") from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("not an RSA public key")  # noqa: TRY004 - settings validation wants ValueError
    return key


def compact_json(payload: Any) -> bytes:
    """``JSON.stringify`` of a parsed body: compact, key order kept, non-ASCII as is."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def _decode_signature(signature: str | None) -> bytes:
    if not signature:
        raise WebhookAuthError(PROVIDER, f"missing {SIGNATURE_HEADER} header")
    try:
        return base64.b64decode(signature.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise WebhookAuthError(PROVIDER, f"{SIGNATURE_HEADER} is not base64") from exc


def _signed_forms(body: bytes) -> list[bytes]:
    forms = [body]
    try:
        compact = compact_json(json.loads(body))
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        return forms
    if compact != body:
        forms.append(compact)
    return forms


def verify_signature(body: bytes, signature: str | None, key: rsa.RSAPublicKey) -> None:
    """Raise ``WebhookAuthError`` unless ``signature`` signs the body (raw or compact)."""
    decoded = _decode_signature(signature)
    for form in _signed_forms(body):
        try:
            key.verify(decoded, form, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            continue
        return
    raise WebhookAuthError(PROVIDER, "signature does not verify")


def parse_envelope(body: bytes) -> Mapping[str, Any]:
    """The verified body as ``{"webhookType": str, "data": object}``."""
    try:
        payload = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise MalformedWebhook(PROVIDER, "body is not JSON") from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("webhookType"), str):
        raise MalformedWebhook(PROVIDER, "body has no webhookType")
    if not isinstance(payload.get("data"), dict):
        raise MalformedWebhook(PROVIDER, "body has no data object")
    return payload


def signed_at(payload: Mapping[str, Any]) -> float | None:
    """The latest time the signed payload carries (epoch seconds): a session's ``start`` or
    ``end``; ``None`` for the many types that carry none (participants, recordings, …)."""
    data = payload["data"]
    times = [parse_time(data.get(key)) for key in ("start", "end")]
    known = [moment.timestamp() for moment in times if moment is not None]
    return max(known, default=None)


def _text(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) and value else None


def _event(payload: Mapping[str, Any], event_type: EventType, **fields: Any) -> MeetingEvent:
    data: Mapping[str, Any] = payload["data"]
    return MeetingEvent(
        id=stable_event_id(PROVIDER, event_type, payload),
        provider=PROVIDER,
        type=event_type,
        raw=payload,
        room_native_id=_text(data, "meetingId") or _text(data, "roomId"),
        session_id=_text(data, "sessionId"),
        **fields,
    )


def _participant(payload: Mapping[str, Any], event_type: EventType) -> list[MeetingEvent]:
    data = payload["data"]
    return [
        _event(
            payload,
            event_type,
            participant_id=_text(data, "participantId"),
            participant_name=_text(data, "participantName"),
            reason=_text(data, "reason"),
        )
    ]


def _session(payload: Mapping[str, Any], event_type: EventType) -> list[MeetingEvent]:
    data = payload["data"]
    started, ended = parse_time(data.get("start")), parse_time(data.get("end"))
    if event_type is EventType.SESSION_STARTED:
        return [_event(payload, event_type, occurred_at=started, started_at=started)]
    return [
        _event(
            payload,
            event_type,
            occurred_at=ended,
            started_at=started,
            ended_at=ended,
            reason=_text(data, "reason"),
        )
    ]


def _recording(payload: Mapping[str, Any], step: tuple[EventType, str]) -> list[MeetingEvent]:
    data = payload["data"]
    event_type, status = step
    url = _text(data, "fileUrl")
    fields = {
        "recording_id": _text(data, "id"),
        "participant_id": _text(data, "participantId"),
        "url": url,
        "reason": _text(data, "message"),
    }
    events = [_event(payload, event_type, status=status, **fields)]
    if event_type is EventType.RECORDING_STOPPED and status == "PROCESSING" and url is not None:
        events.append(_event(payload, EventType.RECORDING_READY, status="READY", **fields))
    return events


def _playback_url(data: Mapping[str, Any]) -> str | None:
    return next((url for key in _PLAYBACK_KEYS if (url := _text(data, key))), None)


def _stream(
    payload: Mapping[str, Any], step: tuple[EventType, str, StreamKind]
) -> list[MeetingEvent]:
    data = payload["data"]
    event_type, status, kind = step
    return [
        _event(
            payload,
            event_type,
            status=status,
            stream_kind=kind,
            url=_playback_url(data),
            reason=_text(data, "message"),
        )
    ]


def _transcription(payload: Mapping[str, Any], event_type: EventType) -> list[MeetingEvent]:
    data = payload["data"]
    url = _text(data, "fileUrl") or _text(data, "url")
    return [_event(payload, event_type, transcription_id=_text(data, "id"), url=url)]


Normalizer = Callable[[Mapping[str, Any], Any], list[MeetingEvent]]

_NORMALIZERS: dict[str, tuple[Normalizer, Any]] = {
    "participant-joined": (_participant, EventType.PARTICIPANT_JOINED),
    "participant-left": (_participant, EventType.PARTICIPANT_LEFT),
    "session-started": (_session, EventType.SESSION_STARTED),
    "session-ended": (_session, EventType.SESSION_ENDED),
    **{
        f"{scope}-{name}": (_recording, step)
        for scope in _RECORDING_SCOPES
        for name, step in _RECORDING_STEPS.items()
    },
    "merge-recording-completed": (_recording, (EventType.RECORDING_READY, "READY")),
    "merge-recording-failed": (_recording, (EventType.RECORDING_FAILED, "FAILED")),
    "transcription-completed": (_transcription, EventType.TRANSCRIPTION_READY),
    **{
        f"{prefix}-{name}": (_stream, (*step, kind))
        for prefix, kind in _STREAMS.items()
        for name, step in _STREAM_STEPS.items()
        if name != "playable" or kind is StreamKind.HLS
    },
}


def normalize(payload: Mapping[str, Any]) -> list[MeetingEvent]:
    """The gateway events of one verified envelope (``[]`` for an unknown ``webhookType``)."""
    found = _NORMALIZERS.get(payload["webhookType"])
    if found is None:
        return []
    normalizer, how = found
    return normalizer(payload, how)
