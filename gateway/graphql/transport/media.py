"""GraphQL over HTTP, the request side: media types, ``Accept`` negotiation, parameters.

Everything here is pure: it turns headers, query strings and bodies into ``GraphQLParams``
or a ``RequestError`` carrying the HTTP status to answer with.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from gateway import bounded_json

__all__ = [
    "TOO_DEEP_STATUS",
    "GraphQLParams",
    "MediaType",
    "RequestError",
    "negotiate",
    "params_from_body",
    "params_from_mapping",
    "params_from_query",
    "wants_html",
]


log = logging.getLogger("gateway.limits")

TOO_DEEP_STATUS = 400


def _decode(raw: bytes | str, max_depth: int, what: str) -> Any:
    """Bounded JSON; ``RequestError`` (400) when too deep (one log line) or invalid."""
    try:
        return bounded_json.loads(raw, max_depth)
    except bounded_json.TooDeep as exc:
        log.warning("request refused: %s nested deeper than %d levels", what, max_depth)
        raise RequestError(
            TOO_DEEP_STATUS, f"{what} is nested deeper than {max_depth} levels"
        ) from exc
    except ValueError:
        raise RequestError(400, f"{what} is not valid JSON") from None


class MediaType(StrEnum):
    GRAPHQL_RESPONSE = "application/graphql-response+json"
    JSON = "application/json"
    EVENT_STREAM = "text/event-stream"


#: on equal quality an explicitly listed type wins in this order; wildcards reach JSON only
_PREFERENCE = (MediaType.JSON, MediaType.GRAPHQL_RESPONSE, MediaType.EVENT_STREAM)


class RequestError(Exception):
    """A request the gateway cannot execute; answered with ``status`` before any execution."""

    def __init__(
        self, status: int, message: str, *, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


@dataclass(frozen=True, slots=True)
class GraphQLParams:
    """The parameters of one GraphQL request.

    ``query`` may be missing when the request names a persisted document instead (a
    ``documentId``/``id``, or ``extensions.persistedQuery``): ``gateway.graphql.persisted``
    fills it in."""

    query: str | None
    operation_name: str | None = None
    variables: dict[str, Any] | None = None
    extensions: dict[str, Any] | None = field(default=None)
    document_id: str | None = None


def _media_ranges(header: str) -> list[tuple[str, float]]:
    ranges = []
    for part in header.split(","):
        media, *params = (piece.strip() for piece in part.split(";"))
        if not media:
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                quality = _quality(value)
        ranges.append((media.lower(), quality))
    return ranges


def _quality(value: str) -> float:
    try:
        quality = float(value.strip())
    except ValueError:
        return 0.0
    return quality if 0.0 <= quality <= 1.0 else 0.0


def _match(offer: MediaType, ranges: list[tuple[str, float]]) -> tuple[float, int]:
    """(quality, specificity) of the most specific range matching ``offer``."""
    best = (0.0, -1)
    main_type = offer.split("/")[0]
    for media, quality in ranges:
        if media == offer:
            specificity = 2
        elif offer is MediaType.JSON and media in (f"{main_type}/*", "*/*"):
            specificity = 0 if media == "*/*" else 1
        else:
            continue
        if specificity > best[1]:
            best = (quality, specificity)
    return best


def negotiate(accept: str | None) -> MediaType | None:
    """The response media type for an ``Accept`` header; ``None``: nothing acceptable (406)."""
    if accept is None or not accept.strip():
        return MediaType.JSON
    ranges = _media_ranges(accept)
    scored = [(*_match(offer, ranges), rank, offer) for rank, offer in enumerate(_PREFERENCE)]
    quality, _, _, offer = max(scored)
    return offer if quality > 0 else None


def wants_html(accept: str | None) -> bool:
    """A browser navigating to the endpoint (it lists ``text/html``)."""
    return any(media == "text/html" and q > 0 for media, q in _media_ranges(accept or ""))


def _json_object(raw: str, name: str, max_depth: int) -> dict[str, Any] | None:
    value = _decode(raw, max_depth, f"'{name}'")
    if value is not None and not isinstance(value, dict):
        raise RequestError(400, f"'{name}' must be a JSON object")
    return value


def params_from_query(
    query_params: Mapping[str, str], max_depth: int = bounded_json.DEFAULT_MAX_DEPTH
) -> GraphQLParams:
    """Parameters of a GET request (``variables`` and ``extensions`` as JSON text)."""
    data: dict[str, Any] = {"query": query_params.get("query")}
    data["operationName"] = query_params.get("operationName") or None
    data["documentId"] = query_params.get("documentId")
    data["id"] = query_params.get("id")
    for name in ("variables", "extensions"):
        raw = query_params.get(name)
        data[name] = _json_object(raw, name, max_depth) if raw else None
    return params_from_mapping(data)


def _check_content_type(content_type: str | None) -> None:
    media, *params = (piece.strip() for piece in (content_type or "").split(";"))
    if media.lower() != MediaType.JSON:
        raise RequestError(
            415,
            "POST bodies must be 'Content-Type: application/json' "
            "(or multipart/form-data for file uploads)",
        )
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() != "utf-8":
            raise RequestError(415, "request bodies must be encoded in utf-8")


def params_from_body(
    content_type: str | None, body: bytes, max_depth: int = bounded_json.DEFAULT_MAX_DEPTH
) -> GraphQLParams:
    """Parameters of a POST request with a JSON body."""
    _check_content_type(content_type)
    if not body.strip():
        raise RequestError(400, "the request body is empty")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise RequestError(400, "the request body is not valid JSON") from None
    data = _decode(text, max_depth, "the request body")
    if isinstance(data, list):
        raise RequestError(400, "batched requests are not supported")
    if not isinstance(data, dict):
        raise RequestError(400, "the request body must be a JSON object")
    return params_from_mapping(data)


def params_from_mapping(data: Mapping[str, Any]) -> GraphQLParams:
    """Parameters of a decoded GraphQL request object."""
    for name in ("query", "operationName", "documentId", "id"):
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            raise RequestError(400, f"'{name}' must be a string or null")
    for name in ("variables", "extensions"):
        value = data.get(name)
        if value is not None and not isinstance(value, dict):
            raise RequestError(400, f"'{name}' must be an object or null")
    return GraphQLParams(
        data.get("query"),
        data.get("operationName"),
        data.get("variables"),
        data.get("extensions"),
        document_id=data.get("documentId") or data.get("id"),
    )
