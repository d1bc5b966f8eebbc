"""The contract's scalars: ``DateTime``, ``JSON`` and ``Upload``.

``DateTime`` replaces Strawberry's own scalar of that name (``SCALAR_MAP`` goes into the
schema config): output is always UTC with a ``Z``; input must be ISO-8601. An input
without a UTC offset parses, and every resolver that takes one passes it through
``require_offset``, which refuses it with ``BAD_USER_INPUT`` naming the input field (the
scalar itself cannot know which field it is parsing).

``Upload`` is a file of a GraphQL multipart request (``transport/uploads.py`` puts an
``UploadedFile`` where the request's ``map`` says). Strawberry's own ``Upload`` scalar is not
used: it accepts any JSON value as a file and is typed as ``bytes``; this one accepts only a
file that arrived as a part of the request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import strawberry
from graphql import GraphQLError
from strawberry.scalars import JSON
from strawberry.types.scalar import ScalarDefinition

from gateway.graphql.errors import ErrorCode, bad_input

__all__ = [
    "JSON",
    "SCALAR_MAP",
    "UploadedFile",
    "parse_datetime",
    "require_offset",
    "serialize_datetime",
]


def serialize_datetime(value: datetime) -> str:
    """ISO-8601 in UTC with a ``Z`` (naive values from a provider are taken as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_datetime(value: object) -> datetime:
    """An ISO-8601 string; anything else is refused with ``BAD_USER_INPUT``."""
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    raise GraphQLError(
        f"expected an ISO-8601 date-time with a UTC offset, got {value!r}",
        extensions={"code": ErrorCode.BAD_USER_INPUT.value},
    )


def require_offset(value: datetime, field: str) -> datetime:
    """``value`` in UTC; ``BAD_USER_INPUT`` naming ``field`` when it has no offset."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise bad_input(f"{field} needs a UTC offset, e.g. 2026-11-21T10:00:00Z", field=field)
    return value.astimezone(UTC)


DATETIME: ScalarDefinition = strawberry.scalar(
    name="DateTime",
    description="ISO-8601 date-time with a UTC offset, e.g. 2026-11-21T10:00:00Z.",
    serialize=serialize_datetime,
    parse_value=parse_datetime,
)


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """One file part of a multipart request: its part name, file name, media type, bytes."""

    part: str
    filename: str | None
    media_type: str | None
    content: bytes = field(repr=False)


def parse_upload(value: object) -> UploadedFile:
    """Only a file the transport put in place of a ``null`` variable is an ``Upload``."""
    if isinstance(value, UploadedFile):
        return value
    raise GraphQLError(
        "an Upload is a file sent as a part of a multipart request (GraphQL multipart "
        "request spec), not a value in the query or variables",
        extensions={"code": ErrorCode.BAD_USER_INPUT.value},
    )


def _serialize_upload(value: object) -> None:
    raise GraphQLError("Upload is an input-only scalar")


UPLOAD: ScalarDefinition = strawberry.scalar(
    name="Upload",
    description=(
        "A file sent with the GraphQL multipart request spec: a multipart/form-data POST "
        "with the parts `operations`, `map` and the files."
    ),
    specified_by_url="https://github.com/jaydenseric/graphql-multipart-request-spec",
    serialize=_serialize_upload,
    parse_value=parse_upload,
)

SCALAR_MAP: dict[object, ScalarDefinition] = {datetime: DATETIME, UploadedFile: UPLOAD}
