"""Room input checked against the documented rules, and the request bodies built from it.

Everything here runs before any HTTP call and names the offending GraphQL input field.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import quote

from providers._room_options import refuse_unhonoured
from providers.errors import InvalidRequest
from providers.models import (
    JoinApproval,
    Room,
    RoomKind,
    RoomOptions,
    RoomSpec,
    RoomUpdate,
    Unset,
    WebhookTarget,
)
from providers.vonage.payloads import PROVIDER, format_time

__all__ = [
    "CLOSE_MARGIN",
    "MIN_LEAD",
    "check_updatable",
    "close_details",
    "create_body",
    "is_uuid",
    "uuid_field",
    "update_details",
]

MIN_LEAD = timedelta(minutes=10)
MAX_LIFETIME = timedelta(days=365)
#: added to the 10-minute minimum so a close still passes the API's own clock check
CLOSE_MARGIN = timedelta(seconds=60)
MAX_DISPLAY_NAME = 200
MAX_METADATA = 500

_URL = re.compile(r"^https?://\S+$")
_CALLBACK_KEYS = ("rooms_callback_url", "sessions_callback_url", "recordings_callback_url")
_FEATURE_KEYS = (
    "is_recording_available",
    "is_chat_available",
    "is_whiteboard_available",
    "is_locale_switcher_available",
    "is_captions_available",
)
_MICROPHONE_STATES = ("on", "off", "default")

Check = Callable[[Any, str], Any]


def _invalid(message: str, field: str | None) -> InvalidRequest:
    return InvalidRequest(PROVIDER, message, field=field)


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return False
    return True


def uuid_field(value: str, field: str) -> str:
    """``value`` as a canonical UUID string, or ``InvalidRequest`` naming ``field``."""
    if not is_uuid(value):
        raise _invalid(f"{field} must be a UUID", field)
    return str(uuid.UUID(value))


def _boolean(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise _invalid(f"{field} must be a boolean", field)
    return value


def _choice(choices: tuple[str, ...], value: Any, field: str) -> str:
    if value not in choices:
        raise _invalid(f"{field} must be one of {', '.join(choices)}", field)
    return str(value)


def _url(value: Any, field: str) -> str:
    if not isinstance(value, str) or not _URL.match(value):
        raise _invalid(f"{field} must be an http:// or https:// URL", field)
    return value


def _language(value: Any, field: str) -> str:
    # the sources list different language enums; any code is passed through
    if not isinstance(value, str) or not value.strip():
        raise _invalid(f"{field} must be a language code", field)
    return value


def _object(checks: Mapping[str, Check], value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise _invalid(f"{field} must be an object", field)
    result: dict[str, Any] = {}
    for key, item in value.items():
        check = checks.get(key)
        if check is None:
            expected = ", ".join(checks)
            raise _invalid(
                f"{field}.{key} is not documented; expected {expected}", f"{field}.{key}"
            )
        result[key] = check(item, f"{field}.{key}")
    return result


_OPTION_CHECKS: dict[str, Check] = {
    "expire_after_use": _boolean,
    "initial_join_options": partial(
        _object, {"microphone_state": partial(_choice, _MICROPHONE_STATES)}
    ),
    "callback_urls": partial(_object, dict.fromkeys(_CALLBACK_KEYS, _url)),
    "available_features": partial(_object, dict.fromkeys(_FEATURE_KEYS, _boolean)),
    "ui_settings": partial(_object, {"language": _language}),
}
CREATE_OPTIONS = tuple(_OPTION_CHECKS)
UPDATE_OPTIONS = ("expire_after_use", "initial_join_options", "callback_urls", "available_features")


def _options(options: Mapping[str, Any], allowed: tuple[str, ...]) -> dict[str, Any]:
    checks = {key: _OPTION_CHECKS[key] for key in allowed}
    return _object(checks, options, "providerOptions")


def _display_name(value: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _invalid("displayName is required and must not be blank", "displayName")
    if len(value) > MAX_DISPLAY_NAME:
        raise _invalid(f"displayName is longer than {MAX_DISPLAY_NAME} characters", "displayName")
    return value


def _metadata(value: str) -> str:
    if len(value) > MAX_METADATA:
        raise _invalid(f"metadata is longer than {MAX_METADATA} characters", "metadata")
    return value


def _expiry(value: datetime | None, now: datetime) -> str:
    if value is None:
        raise _invalid("expiresAt is required for a long-term room", "expiresAt")
    moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    if moment <= now + MIN_LEAD:
        raise _invalid("expiresAt must be more than 10 minutes in the future", "expiresAt")
    if moment > now + MAX_LIFETIME:
        raise _invalid("expiresAt must be at most one year ahead", "expiresAt")
    return format_time(moment)


def _callback_url(target: WebhookTarget) -> str:
    if not _URL.match(target.base_url):
        raise _invalid("the webhook URL must be an http:// or https:// URL", "webhook")
    if target.token is None:
        return target.base_url
    separator = "&" if "?" in target.base_url else "?"
    return f"{target.base_url}{separator}token={quote(target.token, safe='')}"


def _webhook_options(options: dict[str, Any], target: WebhookTarget) -> dict[str, Any]:
    if "callback_urls" in options:
        raise _invalid(
            "providerOptions.callback_urls conflicts with the gateway's own webhook registration",
            "providerOptions.callback_urls",
        )
    url = _callback_url(target)
    return {**options, "callback_urls": dict.fromkeys(_CALLBACK_KEYS, url)}


def _typed_options(options: RoomOptions, given: dict[str, Any]) -> dict[str, Any]:
    """``given`` (checked ``providerOptions``) with the common options Vonage honours:
    ``chat`` (``available_features.is_chat_available``) and ``microphoneOffAtStart``
    (``initial_join_options.microphone_state``); any other given option is refused."""
    refuse_unhonoured(
        options,
        ("chat", "microphoneOffAtStart"),
        provider=PROVIDER,
        label="Vonage",
        reasons={"maxParticipants": "a fixed capacity (200 participants)"},
    )
    merged = dict(given)
    if options.chat is not None:
        merged["available_features"] = _nested(
            given, "available_features", "is_chat_available", options.chat, "chat"
        )
    if options.microphone_off_at_start is not None:
        state = "off" if options.microphone_off_at_start else "on"
        merged["initial_join_options"] = _nested(
            given, "initial_join_options", "microphone_state", state, "microphoneOffAtStart"
        )
    return merged


def _nested(given: Mapping[str, Any], key: str, inner: str, value: Any, source: str) -> Any:
    """``given[key]`` with ``inner`` set to ``value``; giving it there too is a conflict."""
    current = dict(given.get(key) or {})
    if inner in current:
        field = f"providerOptions.{key}.{inner}"
        raise _invalid(f"{field} conflicts with {source}: give one of them", field)
    return {**current, inner: value}


def _kind_rules(spec: RoomSpec, options: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    if spec.kind is RoomKind.LONG_TERM:
        return {"type": "long_term", "expires_at": _expiry(spec.expires_at, now)}
    if spec.expires_at is not None:
        raise _invalid("expiresAt must not be given for an instant room", "expiresAt")
    if "expire_after_use" in options:
        raise _invalid(
            "providerOptions.expire_after_use applies to long-term rooms only",
            "providerOptions.expire_after_use",
        )
    return {"type": "instant"}


def create_body(spec: RoomSpec, *, now: datetime) -> dict[str, Any]:
    """The ``POST /rooms`` body for ``spec``, with every documented field it sets."""
    body: dict[str, Any] = {"display_name": _display_name(spec.display_name)}
    options = _typed_options(spec.options, _options(spec.provider_options, CREATE_OPTIONS))
    body.update(_kind_rules(spec, options, now))
    if spec.metadata is not None:
        body["metadata"] = _metadata(spec.metadata)
    if spec.recording is not None:
        body["recording_options"] = {
            "auto_record": spec.recording.auto_record,
            "record_only_owner": spec.recording.record_only_owner,
        }
    if spec.theme_id is not None:
        body["theme_id"] = uuid_field(spec.theme_id, "themeId")
    if spec.join_approval is not None:
        body["join_approval_level"] = spec.join_approval.value.lower()
    if spec.webhook is not None:
        options = _webhook_options(options, spec.webhook)
    return {**body, **options}


def update_details(update: RoomUpdate, *, now: datetime) -> dict[str, Any]:
    """The ``update_details`` of ``PATCH /rooms/{id}``.

    ``themeId=None`` removes the theme; ``joinApproval=None`` resets it to ``none``.
    """
    if not isinstance(update.display_name, Unset):
        # display_name is not among the keys the GA API updates (beta-era docs only)
        raise _invalid("Vonage cannot rename a room after creation", "displayName")
    details: dict[str, Any] = {}
    if not isinstance(update.expires_at, Unset):
        if update.expires_at is None:
            raise _invalid("expiresAt cannot be removed from a long-term room", "expiresAt")
        details["expires_at"] = _expiry(update.expires_at, now)
    if not isinstance(update.theme_id, Unset):
        theme = update.theme_id
        details["theme_id"] = None if theme is None else uuid_field(theme, "themeId")
    if not isinstance(update.join_approval, Unset):
        level = update.join_approval or JoinApproval.NONE
        details["join_approval_level"] = level.value.lower()
    details.update(_options(update.provider_options, UPDATE_OPTIONS))
    if not details:
        raise _invalid("nothing to update: give at least one field", None)
    return details


def check_updatable(room: Room) -> None:
    """Only long-term rooms can be updated (the API calls instant rooms "temporary")."""
    if room.kind is not RoomKind.LONG_TERM:
        raise _invalid(
            f"room {room.native_id} is an instant room and cannot be updated; "
            "instant rooms expire by themselves 10 minutes after the last participant leaves",
            None,
        )


def close_details(room: Room, *, now: datetime) -> dict[str, Any] | None:
    """What closes a long-term room as soon as the API allows, or ``None`` if nothing can.

    The earliest expiry the API accepts is 10 minutes ahead; ``expire_after_use`` also
    closes the room when its current session ends. An expiry that is already sooner is kept.
    """
    if room.kind is not RoomKind.LONG_TERM or not room.available:
        return None
    target = now + MIN_LEAD + CLOSE_MARGIN
    details: dict[str, Any] = {}
    if room.expires_at is None or room.expires_at > target:
        details["expires_at"] = format_time(target)
    if room.raw.get("expire_after_use") is not True:
        details["expire_after_use"] = True
    return details or None
