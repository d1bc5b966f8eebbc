"""Input checks and request bodies for VideoSDK rooms and recordings, before any HTTP call.

``providerOptions`` accepts the documented create-room fields only, in VideoSDK's own
spelling: ``customRoomId``, ``webhook``, ``autoCloseConfig`` and ``autoStartConfig``
(the ``region`` parameter is discontinued). Each offending value is named by its path,
e.g. ``providerOptions.autoStartConfig.recording.config.layout.gridSize``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from providers._room_options import refuse_unhonoured
from providers.errors import InvalidRequest
from providers.models import RoomKind, RoomSpec
from providers.videosdk.payloads import PROVIDER
from providers.videosdk.webhooks import SUBSCRIBED_EVENTS, WEBHOOK_EVENTS

__all__ = ["recording_body", "room_body"]

Check = Callable[[Any, str], None]


def _invalid(field: str, message: str) -> InvalidRequest:
    return InvalidRequest(PROVIDER, f"{field}: {message}", field=field)


def _text(value: Any, field: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise _invalid(field, "must be a non-empty string")


def _boolean(value: Any, field: str) -> None:
    if not isinstance(value, bool):
        raise _invalid(field, "must be true or false")


def _url(value: Any, field: str) -> None:
    if not isinstance(value, str) or not value.startswith(("https://", "http://")):
        raise _invalid(field, "must be an http(s) URL")


def _one_of(*allowed: str) -> Check:
    def check(value: Any, field: str) -> None:
        if value not in allowed:
            raise _invalid(field, f"must be one of {', '.join(allowed)}")

    return check


def _integer(low: int, high: int | None = None) -> Check:
    def check(value: Any, field: str) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _invalid(field, "must be an integer")
        if value < low or (high is not None and value > high):
            bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise _invalid(field, f"must be {bounds}")

    return check


def _event_name(value: Any, field: str) -> None:
    if value in WEBHOOK_EVENTS or value == "*":
        return
    prefix = value[:-1] if isinstance(value, str) and value.endswith("-*") else None
    if prefix and any(name.startswith(prefix) for name in WEBHOOK_EVENTS):
        return
    raise _invalid(field, f"{value!r} is not a VideoSDK webhook event")


def _events(value: Any, field: str) -> None:
    if not isinstance(value, list) or not value:
        raise _invalid(field, "must be a non-empty list of event names")
    for index, item in enumerate(value):
        _event_name(item, f"{field}[{index}]")


def _object(fields: Mapping[str, Check], required: tuple[str, ...] = ()) -> Check:
    def check(value: Any, field: str) -> None:
        if not isinstance(value, Mapping):
            raise _invalid(field, "must be an object")
        for key in required:
            if key not in value:
                raise _invalid(f"{field}.{key}", "is required")
        for key, item in value.items():
            inner = fields.get(key)
            if inner is None:
                raise _invalid(f"{field}.{key}", "is not a documented VideoSDK field")
            inner(item, f"{field}.{key}")

    return check


_TRANSCRIPTION = _object(
    {"enabled": _boolean, "summary": _object({"enabled": _boolean, "prompt": _text})}
)
_COMPOSITION: dict[str, Check] = {
    "layout": _object(
        {
            "type": _one_of("GRID", "SPOTLIGHT", "SIDEBAR"),
            "priority": _one_of("SPEAKER", "PIN"),
            "gridSize": _integer(1, 4),
        }
    ),
    "theme": _one_of("DARK", "LIGHT", "DEFAULT"),
    "mode": _one_of("video-and-audio", "audio"),
    "quality": _one_of("low", "med", "high"),
    "orientation": _one_of("portrait", "landscape"),
}
_RECORDING_CONFIG = _object(_COMPOSITION)
_HLS_CONFIG = _object({**_COMPOSITION, "recording": _object({"enabled": _boolean})})

_ROOM_OPTIONS: dict[str, Check] = {
    "customRoomId": _text,
    "webhook": _object({"endPoint": _url, "events": _events}, required=("endPoint", "events")),
    "autoCloseConfig": _object(
        {"type": _one_of("session-ends", "session-end-and-deactivate"), "duration": _integer(1)},
        required=("type",),
    ),
    "autoStartConfig": _object(
        {
            "recording": _object(
                {
                    "templateUrl": _url,
                    "transcription": _TRANSCRIPTION,
                    "config": _RECORDING_CONFIG,
                    "awsDirPath": _text,
                }
            ),
            "hls": _object(
                {"templateUrl": _url, "transcription": _TRANSCRIPTION, "config": _HLS_CONFIG}
            ),
        }
    ),
}


def _check_options(options: Mapping[str, Any]) -> None:
    for key, value in options.items():
        field = f"providerOptions.{key}"
        if key == "region":
            raise _invalid(field, "is discontinued: VideoSDK chooses servers automatically")
        inner = _ROOM_OPTIONS.get(key)
        if inner is None:
            raise _invalid(field, "is not a documented VideoSDK create-room field")
        inner(value, field)


def _check_spec(spec: RoomSpec) -> None:
    recording = spec.recording
    refusals = (
        ("kind", spec.kind is RoomKind.LONG_TERM, "no LONG_TERM kind: a room lasts until closed"),
        ("expiresAt", spec.expires_at is not None, "no expiry (see autoCloseConfig)"),
        ("metadata", spec.metadata is not None, "no metadata"),
        ("themeId", spec.theme_id is not None, "no theme"),
        (
            "recording.recordOnlyOwner",
            recording is not None and recording.record_only_owner,
            "no owner-only recording",
        ),
    )
    for field, given, reason in refusals:
        if given:
            raise InvalidRequest(PROVIDER, f"VideoSDK rooms have {reason}", field=field)
    # the create-room API has none of them (room behaviour is left to the client SDK)
    refuse_unhonoured(spec.options, (), provider=PROVIDER, label="VideoSDK", reasons=_REASONS)


_REASONS = {
    "maxParticipants": "no participant limit in the create-room API",
    "chat": "no chat switch in the create-room API",
    "screenSharing": "no screen-sharing switch in the create-room API",
    "cameraOffAtStart": "no initial camera state in the create-room API",
    "microphoneOffAtStart": "no initial microphone state in the create-room API",
    "closeWhenIdleSeconds": "no idle timeout: providerOptions.autoCloseConfig ends a session "
    "after a fixed duration, busy or not",
}


def room_body(spec: RoomSpec) -> dict[str, Any]:
    """The ``POST /rooms`` body for ``spec``, or ``InvalidRequest`` naming the field.

    ``displayName`` is not sent: VideoSDK rooms have no display name (``customRoomId`` is
    an alias that must be unique, so it is only sent when given in ``providerOptions``).
    ``recording.autoRecord`` becomes ``autoStartConfig.recording``.
    """
    _check_spec(spec)
    _check_options(spec.provider_options)
    body = dict(spec.provider_options)
    if spec.webhook is not None:
        if "webhook" in body:
            raise _invalid("providerOptions.webhook", "conflicts with the gateway's own webhook")
        body["webhook"] = {"endPoint": spec.webhook.base_url, "events": list(SUBSCRIBED_EVENTS)}
    if spec.recording is not None and spec.recording.auto_record:
        auto_start = dict(body.get("autoStartConfig") or {})
        auto_start.setdefault("recording", {})
        body["autoStartConfig"] = auto_start
    return body


_RECORDING_START: dict[str, Check] = {
    "roomId": _text,
    "templateUrl": _url,
    "transcription": _TRANSCRIPTION,
    "config": _RECORDING_CONFIG,
    "webhookUrl": _url,
    "awsDirPath": _text,
    "preSignedUrl": _url,
}


def recording_body(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The ``POST /recordings/start`` body from wire-named ``fields`` (``None`` = omitted)."""
    body = {key: value for key, value in fields.items() if value is not None}
    _text(body.get("roomId"), "roomId")
    for key, value in body.items():
        _RECORDING_START[key](value, key)
    return body
