"""One page of recordings merged from whole provider lists, and its opaque cursor.

No provider pages recordings in a way a merge can follow (Vonage lists one session at
once, VideoSDK one room by page number), so each request reads the lists whole (which
also keeps every ``url`` fresh) and pages them here.

Order: newest ``startedAt`` first, recordings without one last, ties by gateway id. The
cursor (base64url JSON) holds, per provider asked, the sort key of the last recording
returned from it (``null``: none yet): the next page resumes each provider after its own
key, so a provider that failed keeps its place for the next page, and recordings started
meanwhile are not returned twice. A failed provider does not count towards
``hasNextPage``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gateway.graphql.errors import bad_input
from gateway.graphql.fanout import Failure
from providers import Recording

__all__ = ["Keys", "RecordingPage", "decode_cursor", "page_of", "sort_key"]

_VERSION = 1
#: (no start time, minus the start as a timestamp, gateway id): ascending = newest first
Key = tuple[bool, float, str]
#: provider name -> key of the last recording returned from it (``None``: none yet)
Keys = dict[str, Key | None]


def sort_key(recording: Recording) -> Key:
    started = recording.started_at
    return (started is None, 0.0 if started is None else -started.timestamp(), recording.id)


@dataclass
class RecordingPage:
    recordings: list[Recording] = field(default_factory=list)
    has_next: bool = False
    end_cursor: str | None = None
    failures: list[Failure] = field(default_factory=list)


def encode_cursor(scope: str, keys: Keys) -> str:
    state = {"v": _VERSION, "s": scope, "k": {n: k and list(k) for n, k in sorted(keys.items())}}
    text = json.dumps(state, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(value: str, scope: str) -> Keys:
    """The keys in ``value``; ``BAD_USER_INPUT`` naming ``after`` when it is not a cursor
    of this very query (same provider, roomId and sessionId)."""
    try:
        padded = value + "=" * (-len(value) % 4)
        state = json.loads(base64.urlsafe_b64decode(padded.encode()))
        keys = _keys(state)
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError, KeyError):
        raise bad_input("after is not a cursor returned by recordings", field="after") from None
    if state["s"] != scope:
        raise bad_input(
            "after belongs to a recordings query with other arguments", field="after"
        ) from None
    return keys


def _keys(state: Any) -> Keys:
    if not isinstance(state, dict) or state.get("v") != _VERSION:
        raise ValueError("not a cursor")
    items = state["k"]
    if not isinstance(items, dict):
        raise TypeError("not a cursor")
    return {str(name): _key(item) for name, item in items.items()}


def _key(item: Any) -> Key | None:
    if item is None:
        return None
    missing, start, gateway_id = item
    if type(missing) is not bool or type(start) not in (int, float):
        raise TypeError("not a key")
    if not isinstance(gateway_id, str):
        raise TypeError("not a key")
    return (missing, float(start), gateway_id)


def page_of(
    lists: Mapping[str, Sequence[Recording]],
    failures: list[Failure],
    start: Keys,
    first: int,
    scope: str,
) -> RecordingPage:
    """The next ``first`` recordings after ``start`` among the providers that answered."""
    pending = sorted(
        (
            (sort_key(recording), recording)
            for name, recordings in lists.items()
            for recording in recordings
            if _after(sort_key(recording), start.get(name))
        ),
        key=lambda pair: pair[0],
    )
    taken = [recording for _, recording in pending[:first]]
    keys = dict(start)
    for key, recording in pending[:first]:
        keys[recording.provider] = key
    return RecordingPage(
        recordings=taken,
        has_next=len(pending) > first,
        end_cursor=encode_cursor(scope, keys) if taken else None,
        failures=failures,
    )


def _after(key: Key, last: Key | None) -> bool:
    return last is None or key > last
