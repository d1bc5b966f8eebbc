"""Opaque cursors: base64url of ``<backend tag>:<log identity or stream id>:<sequence>``.

A memory cursor names the process-local log it came from (a random id per bus), so a
cursor from another process or from before a restart is recognized as unknown instead of
silently pointing at unrelated events. A Redis cursor is the stream entry id plus the
entry's append counter, which tells whether events after it were trimmed away.
"""

from __future__ import annotations

import base64
import binascii
import re

from gateway.events.model import InvalidCursor, Position

__all__ = [
    "memory_cursor",
    "parse_memory_cursor",
    "parse_redis_cursor",
    "parse_stream_id",
    "redis_cursor",
    "stream_id",
]

_MAX_CURSOR_LENGTH = 128
_BASE64URL = re.compile(r"^[A-Za-z0-9_-]+$")
_STREAM_ID = re.compile(r"^(\d{1,20})-(\d{1,20})$")
_COUNTER = re.compile(r"^\d{1,20}$")
_FOREIGN = "malformed cursor: not a cursor of this gateway's event log"
_MEMORY_TAG = "m1"
_REDIS_TAG = "r1"


def _encode(*parts: str) -> str:
    return base64.urlsafe_b64encode(":".join(parts).encode()).rstrip(b"=").decode()


def _decode(cursor: str, tag: str) -> list[str]:
    if len(cursor) > _MAX_CURSOR_LENGTH or not _BASE64URL.match(cursor):
        raise InvalidCursor("malformed cursor: pass a cursor exactly as an event returned it")
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidCursor("malformed cursor: not a cursor of this gateway") from None
    parts = text.split(":")
    if parts[0] != tag:
        raise InvalidCursor(_FOREIGN)
    return parts[1:]


def memory_cursor(log_id: str, seq: int) -> str:
    """The cursor of entry ``seq`` of the in-process log ``log_id``."""
    return _encode(_MEMORY_TAG, log_id, str(seq))


def parse_memory_cursor(cursor: str, log_id: str) -> Position:
    """The position of a memory cursor; ``InvalidCursor`` when malformed or foreign."""
    parts = _decode(cursor, _MEMORY_TAG)
    if len(parts) != 2 or not _COUNTER.match(parts[1]):
        raise InvalidCursor(_FOREIGN)
    if parts[0] != log_id:
        raise InvalidCursor(
            "unknown cursor: the in-process event log was restarted since it was issued; "
            "subscribe without after"
        )
    return (int(parts[1]),)


def stream_id(position: Position) -> str:
    """The Redis stream entry id of a position."""
    return f"{position[0]}-{position[1]}"


def parse_stream_id(value: str) -> tuple[int, int]:
    """The parts of a Redis stream entry id; ``ValueError`` when it is not one."""
    match = _STREAM_ID.match(value)
    if match is None:
        raise ValueError(f"not a stream id: {value!r}")
    return (int(match[1]), int(match[2]))


def redis_cursor(position: Position) -> str:
    """The cursor of a Redis stream entry (``(ms, seq, counter)``)."""
    return _encode(_REDIS_TAG, stream_id(position), str(position[2]))


def parse_redis_cursor(cursor: str) -> Position:
    """The position of a Redis cursor; ``InvalidCursor`` when malformed."""
    parts = _decode(cursor, _REDIS_TAG)
    if len(parts) != 2 or not _COUNTER.match(parts[1]):
        raise InvalidCursor(_FOREIGN)
    try:
        entry = parse_stream_id(parts[0])
    except ValueError:
        raise InvalidCursor(_FOREIGN) from None
    return (*entry, int(parts[1]))
