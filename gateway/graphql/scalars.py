"""The contract's scalars: ``DateTime`` and ``JSON``.

``DateTime`` replaces Strawberry's own scalar of that name (``SCALAR_MAP`` goes into the
schema config): output is always UTC with a ``Z``; input must be ISO-8601. An input
without a UTC offset parses, and every resolver that takes one passes it through
``require_offset``, which refuses it with ``BAD_USER_INPUT`` naming the input field (the
scalar itself cannot know which field it is parsing).
"""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry
from graphql import GraphQLError
from strawberry.scalars import JSON
from strawberry.types.scalar import ScalarDefinition

from gateway.graphql.errors import ErrorCode, bad_input

__all__ = ["JSON", "SCALAR_MAP", "parse_datetime", "require_offset", "serialize_datetime"]


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

SCALAR_MAP: dict[object, ScalarDefinition] = {datetime: DATETIME}
