"""The sandbox's view of the Meetings wire format: error bodies, request checks, records.

Request checks answer like the API's validator: ``400 InputValidationError`` with a
message such as ``"display_name" is required``.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

import httpx

from providers._fake import json_response
from providers.vonage.payloads import parse_time

__all__ = [
    "API_HOST",
    "ROOM_FIELDS",
    "ROOM_UPDATE_FIELDS",
    "THEME_FIELDS",
    "UNAUTHORIZED",
    "bad",
    "check_object",
    "expiry_problem",
    "invalid",
    "is_guid",
    "json_body",
    "page_links",
    "update_details",
]

API_HOST = "api-eu.vonage.com"
UNAUTHORIZED = {"title": "Unauthorized", "detail": "You did not provide correct credentials"}

Rule = Callable[[Any, str], str | None]


def bad(status: int, name: str, message: str, errors: list[Any] | None = None) -> httpx.Response:
    """An application error: ``{message, name, status[, errors]}``."""
    body: dict[str, Any] = {"message": message, "name": name, "status": status}
    if errors:
        body["errors"] = errors
    return json_response(status, body)


def invalid(message: str) -> httpx.Response:
    return bad(400, "InputValidationError", message)


def json_body(request: httpx.Request) -> Any:
    """The request's JSON, or ``None`` when it has none or it does not parse."""
    try:
        return json.loads(request.content) if request.content else None
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None


def is_guid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _boolean(value: Any, name: str) -> str | None:
    return None if isinstance(value, bool) else f'"{name}" must be a boolean'


def _text(limit: int, *, nullable: bool = False) -> Rule:
    def rule(value: Any, name: str) -> str | None:
        if value is None and nullable:
            return None
        if not isinstance(value, str):
            return f'"{name}" must be a string'
        if not value:
            return f'"{name}" is not allowed to be empty'
        if len(value) > limit:
            return f'"{name}" length must be less than or equal to {limit} characters long'
        return None

    return rule


def _pattern(regex: str, limit: int) -> Rule:
    compiled = re.compile(regex)

    def rule(value: Any, name: str) -> str | None:
        problem = _text(limit)(value, name)
        if problem is None and not compiled.match(value):
            return f'"{name}" with value "{value}" fails to match the required pattern: {regex}'
        return problem

    return rule


def _one_of(*choices: str) -> Rule:
    def rule(value: Any, name: str) -> str | None:
        return None if value in choices else f'"{name}" must be one of [{", ".join(choices)}]'

    return rule


def _guid(value: Any, name: str) -> str | None:
    if value is None or (isinstance(value, str) and is_guid(value)):
        return None
    return f'"{name}" must be a valid GUID'


def _date(value: Any, name: str) -> str | None:
    return None if parse_time(value) is not None else f'"{name}" must be in ISO 8601 date format'


def _object(rules: Mapping[str, Rule]) -> Rule:
    def rule(value: Any, name: str) -> str | None:
        return check_object(value, rules, name)

    return rule


def check_object(value: Any, rules: Mapping[str, Rule], path: str = "") -> str | None:
    """The first problem of ``value`` against ``rules`` (unknown keys are not allowed)."""
    if not isinstance(value, Mapping):
        return f'"{path or "value"}" must be of type object'
    for key, item in value.items():
        name = f"{path}.{key}" if path else str(key)
        rule = rules.get(key)
        if rule is None:
            return f'"{name}" is not allowed'
        problem = rule(item, name)
        if problem:
            return problem
    return None


_URL = r"^https?://"
_CALLBACKS = ("rooms_callback_url", "sessions_callback_url", "recordings_callback_url")
_FEATURES = (
    "is_recording_available",
    "is_chat_available",
    "is_whiteboard_available",
    "is_locale_switcher_available",
    "is_captions_available",
)

ROOM_UPDATE_FIELDS: dict[str, Rule] = {
    "expires_at": _date,
    "expire_after_use": _boolean,
    "theme_id": _guid,
    "join_approval_level": _one_of("none", "after_owner_only", "explicit_approval"),
    "initial_join_options": _object({"microphone_state": _one_of("on", "off", "default")}),
    "callback_urls": _object(dict.fromkeys(_CALLBACKS, _pattern(_URL, 2048))),
    "available_features": _object(dict.fromkeys(_FEATURES, _boolean)),
}
ROOM_FIELDS: dict[str, Rule] = {
    **ROOM_UPDATE_FIELDS,
    "display_name": _text(200),
    "metadata": _text(500, nullable=True),
    "type": _one_of("instant", "long_term"),
    "recording_options": _object({"auto_record": _boolean, "record_only_owner": _boolean}),
    "ui_settings": _object({"language": _text(16)}),
}
THEME_FIELDS: dict[str, Rule] = {
    "theme_name": _text(200, nullable=True),
    "main_color": _pattern(r"^#([a-fA-F0-9]{6}|[a-fA-F0-9]{3})$", 7),
    "brand_text": _text(200),
    "short_company_url": _pattern(r"^(?=.*[a-zA-Z_~-])([a-zA-Z0-9_~-]+)$", 128),
}


def expiry_problem(value: Any, now: datetime) -> str | None:
    """Long-term expiry: more than 10 minutes ahead and at most one year ahead."""
    moment = parse_time(value)
    if moment is None:
        return '"expires_at" must be in ISO 8601 date format'
    if moment <= now + timedelta(minutes=10):
        return '"expires_at" must be at least 10 minutes in the future'
    if moment > now + timedelta(days=365):
        return '"expires_at" must be at most one year in the future'
    return None


def page_links(path: str, size: int, first: int | None, last: int | None) -> dict[str, Any]:
    """HAL links as the API writes them: no scheme, no version segment."""
    base = f"{API_HOST}/meetings/{path}?page_size={size}"
    links: dict[str, Any] = {"first": {"href": base}}
    if first is not None and last is not None:
        links["self"] = {"href": f"{base}&start_id={first}"}
        links["prev"] = {"href": f"{base}&end_id={first - 1}"}
        links["next"] = {"href": f"{base}&start_id={last + 1}"}
    return links


def update_details(request: httpx.Request) -> dict[str, Any] | httpx.Response:
    """The non-empty ``update_details`` object of a PATCH, or the API's 400."""
    body = json_body(request)
    details = body.get("update_details") if isinstance(body, dict) else None
    if not isinstance(details, dict):
        return invalid('"update_details" is required')
    if not details:
        return invalid('"update_details" must have at least 1 key')
    return details
