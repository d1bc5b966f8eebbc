"""Pure mappings from Vonage Meetings JSON to the neutral models (and times back to wire).

Lenient where the sources disagree: ``_embedded`` is an array or ``{"rooms": [...]}``,
``_links`` hrefs carry no scheme (or are blank, as in seed 001), the approval level arrives
as ``join_approval_level`` or ``joinApprovalLevel``, and ``GET /themes`` answers ``{}`` when
there are none.

A room's ``raw`` is its record as received, except that credentials in its
``callback_urls`` (the gateway's webhook ``token``) are masked: whoever may read rooms must
not be able to forge callbacks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from providers._http import redact
from providers.models import (
    DialInNumber,
    JoinApproval,
    Recording,
    RecordingOptions,
    RecordingStatus,
    Room,
    RoomKind,
    RoomOptions,
    RoomPage,
    Theme,
)

__all__ = [
    "PROVIDER",
    "describe_error",
    "format_time",
    "logo_upload_form",
    "next_start_id",
    "parse_time",
    "recording_records",
    "room_records",
    "theme_records",
    "to_dial_in_number",
    "to_recording",
    "to_room",
    "to_room_page",
    "to_theme",
]

PROVIDER = "vonage"

_KINDS = {
    "instant": RoomKind.INSTANT,
    "long_term": RoomKind.LONG_TERM,
    "long term": RoomKind.LONG_TERM,
}
_APPROVALS = {level.value.lower(): level for level in JoinApproval}
_START_ID = re.compile(r"[?&]start_id=([^&#\s]+)")


def parse_time(value: Any) -> datetime | None:
    """An ISO-8601 string (``Z`` or offset) or epoch seconds as an aware UTC datetime."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_time(value: datetime) -> str:
    """Vonage's wire form: UTC with milliseconds, e.g. ``2023-01-24T03:20:38.629Z``."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    utc = value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _href(links: Any, name: str) -> str | None:
    if not isinstance(links, Mapping):
        return None
    link = links.get(name)
    href = _str(link.get("href")) if isinstance(link, Mapping) else None
    return href or None


def _masked(data: Mapping[str, Any]) -> Mapping[str, Any]:
    callbacks = data.get("callback_urls")
    if not isinstance(callbacks, Mapping):
        return data
    hidden = {key: redact(url) if isinstance(url, str) else url for key, url in callbacks.items()}
    return {**data, "callback_urls": hidden}


def _recording_options(value: Any) -> RecordingOptions:
    if not isinstance(value, Mapping):
        return RecordingOptions()
    # the Node SDK's response type spells the second flag record_owner_only
    owner_only = value.get("record_only_owner", value.get("record_owner_only", False))
    return RecordingOptions(
        auto_record=value.get("auto_record") is True, record_only_owner=owner_only is True
    )


def _join_approval(data: Mapping[str, Any]) -> JoinApproval | None:
    level = data.get("join_approval_level", data.get("joinApprovalLevel"))
    return _APPROVALS.get(level.lower()) if isinstance(level, str) else None


def _kind(value: Any) -> RoomKind | None:
    return _KINDS.get(value.lower()) if isinstance(value, str) else None


_MICROPHONE_OFF = {"off": True, "on": False}  # "default": the meeting page decides


def _room_options(data: Mapping[str, Any]) -> RoomOptions:
    """The common options a room reports: chat and the initial microphone state."""
    features, joining = data.get("available_features"), data.get("initial_join_options")
    chat = features.get("is_chat_available") if isinstance(features, Mapping) else None
    state = joining.get("microphone_state") if isinstance(joining, Mapping) else None
    return RoomOptions(
        chat=chat if isinstance(chat, bool) else None,
        microphone_off_at_start=_MICROPHONE_OFF.get(state) if isinstance(state, str) else None,
    )


def to_room(data: Mapping[str, Any]) -> Room:
    """A Room from ``POST/GET/PATCH /rooms`` or a list entry."""
    links = data.get("_links")
    return Room(
        provider=PROVIDER,
        native_id=str(data["id"]),
        raw=_masked(data),
        display_name=_str(data.get("display_name")),
        kind=_kind(data.get("type")),
        created_at=parse_time(data.get("created_at")),
        expires_at=parse_time(data.get("expires_at")),
        available=data.get("is_available", True) is not False,
        host_url=_href(links, "host_url"),
        guest_url=_href(links, "guest_url"),
        meeting_code=_str(data.get("meeting_code")),
        metadata=_str(data.get("metadata")),
        recording=_recording_options(data.get("recording_options")),
        theme_id=_str(data.get("theme_id")),
        join_approval=_join_approval(data),
        options=_room_options(data),
    )


def _embedded_records(body: Any, kind: str) -> list[Mapping[str, Any]]:
    """The records of a HAL answer: ``_embedded`` as an array or ``{<kind>: [...]}``, or a
    bare array; items without an ``id`` are left out."""
    embedded = body.get("_embedded") if isinstance(body, Mapping) else body
    if isinstance(embedded, Mapping):
        embedded = embedded.get(kind)
    if not isinstance(embedded, list):
        return []
    return [item for item in embedded if isinstance(item, Mapping) and "id" in item]


def room_records(body: Any) -> list[Mapping[str, Any]]:
    """The rooms of a list page: ``_embedded`` as an array (seen live) or ``{rooms: [...]}``."""
    return _embedded_records(body, "rooms")


def next_start_id(body: Any) -> str | None:
    """``start_id`` of ``_links.next.href``; hrefs have no scheme, so no strict URL parsing."""
    href = _href(body.get("_links") if isinstance(body, Mapping) else None, "next")
    match = _START_ID.search(href or "")
    return match.group(1) if match else None


def to_room_page(body: Any, *, requested: int, cursor: str | None = None) -> RoomPage:
    """One page; the next cursor is dropped on a short page (the API still links ``next``)."""
    rooms = tuple(to_room(item) for item in room_records(body))
    served = body.get("page_size") if isinstance(body, Mapping) else None
    page_size = served if isinstance(served, int) and served > 0 else requested
    following = next_start_id(body)
    if len(rooms) < page_size or following == cursor:
        following = None
    return RoomPage(rooms=rooms, next_cursor=following)


def to_theme(data: Mapping[str, Any]) -> Theme:
    return Theme(
        provider=PROVIDER,
        native_id=str(data["theme_id"]),
        raw=data,
        main_color=_str(data.get("main_color")) or "",
        brand_text=_str(data.get("brand_text")) or "",
        name=_str(data.get("theme_name")),
        short_company_url=_str(data.get("short_company_url")),
        brand_image_colored_url=_str(data.get("brand_image_colored_url")),
        brand_image_white_url=_str(data.get("brand_image_white_url")),
        branded_favicon_url=_str(data.get("branded_favicon_url")),
    )


def theme_records(body: Any) -> list[Mapping[str, Any]]:
    """``GET /themes``: an array, or ``{}`` when the application has none."""
    if not isinstance(body, list):
        return []
    return [item for item in body if isinstance(item, Mapping) and "theme_id" in item]


#: Vonage's recording states; ``paused`` is still in progress, ``stopped`` is not uploaded yet
_STATUSES = {
    "started": RecordingStatus.RECORDING,
    "paused": RecordingStatus.RECORDING,
    "stopped": RecordingStatus.PROCESSING,
    "uploaded": RecordingStatus.READY,
}


def to_recording(data: Mapping[str, Any], room_native_id: str | None = None) -> Recording:
    """A Recording; the API does not say which room it belongs to, so the caller may.

    Status: started and paused -> RECORDING, stopped -> PROCESSING (the file is being
    uploaded), uploaded -> READY, anything else -> UNKNOWN."""
    started = parse_time(data.get("started_at"))
    ended = parse_time(data.get("ended_at"))
    duration = (ended - started).total_seconds() if started and ended else None
    return Recording(
        provider=PROVIDER,
        native_id=str(data["id"]),
        raw=data,
        session_id=_str(data.get("session_id")),
        room_native_id=room_native_id,
        status=_STATUSES.get(str(data.get("status")), RecordingStatus.UNKNOWN),
        started_at=started,
        ended_at=ended,
        url=_href(data.get("_links"), "url"),
        duration_seconds=duration,
    )


def recording_records(body: Any) -> list[Mapping[str, Any]]:
    """``{_embedded: {recordings: [...]}}``, leniently also a bare array."""
    return _embedded_records(body, "recordings")


def to_dial_in_number(data: Mapping[str, Any]) -> DialInNumber:
    return DialInNumber(
        number=str(data.get("number", "")),
        locale=str(data.get("locale", "")),
        display_name=str(data.get("display_name", "")),
    )


_S3_CODE = re.compile(r"<Code>([^<]*)</Code>")
_S3_MESSAGE = re.compile(r"<Message>([^<]*)</Message>")


def _s3_error(text: str) -> str | None:
    code, message = _S3_CODE.search(text), _S3_MESSAGE.search(text)
    if code is None:
        return None
    return f"{code.group(1)}: {message.group(1)}" if message else code.group(1)


def _error_item(item: Any) -> str:
    if isinstance(item, Mapping):
        return " ".join(f"{key}={value}" for key, value in item.items())
    return str(item)


def describe_error(body: Any) -> str | None:
    """The message of an error body: ``{message, name, status, errors}``, the gateway's
    ``{title, detail}``, or S3's XML ``<Error>`` from a logo upload."""
    if isinstance(body, str):
        return _s3_error(body) or (body.strip()[:300] or None)
    if not isinstance(body, Mapping):
        return None
    message, name = body.get("message"), body.get("name")
    if isinstance(message, str) and message:
        text = f"{name}: {message}" if isinstance(name, str) and name else message
        errors = body.get("errors")
        if isinstance(errors, list) and errors:
            text += " (" + "; ".join(_error_item(item) for item in errors) + ")"
        return text
    parts = [body.get(key) for key in ("title", "detail")]
    texts = [part for part in parts if isinstance(part, str) and part]
    return ": ".join(texts) or None


def logo_upload_form(body: Any, logo_type: str) -> tuple[str, dict[str, str]] | None:
    """URL and form fields of the pre-signed S3 upload for ``logo_type``, if offered."""
    for target in body if isinstance(body, list) else []:
        if not isinstance(target, Mapping):
            continue
        url, fields = target.get("url"), target.get("fields")
        if not isinstance(url, str) or not isinstance(fields, Mapping) or "key" not in fields:
            continue
        if fields.get("logoType") == logo_type:
            return url, {str(key): str(value) for key, value in fields.items()}
    return None
